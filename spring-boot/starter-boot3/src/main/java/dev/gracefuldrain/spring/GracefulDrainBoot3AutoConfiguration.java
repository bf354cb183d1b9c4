package dev.gracefuldrain.spring;

import java.time.Duration;

import dev.gracefuldrain.GracefulDrain;
import org.eclipse.jetty.server.Server;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.web.embedded.jetty.JettyServerCustomizer;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * For {@code spring-boot-starter-jetty} applications on Spring Boot 3.5 (Jetty 12.0), the twin of the Spring
 * Boot 4 starter's {@code GracefulDrainAutoConfiguration} (the rest of this starter is compiled from that
 * starter's sources): installs the drain in the embedded Jetty and runs it in the graceful-shutdown phase ({@code server.shutdown=graceful}, Spring Boot's default), in place of
 * Spring Boot's own Jetty graceful shutdown. {@code server.jetty.drain.enabled=false} turns it off.
 */
@AutoConfiguration
@ConditionalOnClass({Server.class, GracefulDrain.class, JettyServerCustomizer.class})
@ConditionalOnWebApplication
@ConditionalOnProperty(prefix = GracefulDrainProperties.PREFIX, name = "enabled", havingValue = "true", matchIfMissing = true)
@EnableConfigurationProperties(GracefulDrainProperties.class)
public class GracefulDrainBoot3AutoConfiguration
{
    @Bean
    DrainInstaller gracefulDrainInstaller(GracefulDrainProperties properties,
                                          @Value("${spring.lifecycle.timeout-per-shutdown-phase:30s}") Duration phaseTimeout)
    {
        return new DrainInstaller(properties.toSettings(phaseTimeout));
    }

    @Bean
    JettyServerCustomizer gracefulDrainCustomizer(DrainInstaller installer)
    {
        return installer::install;
    }

    @Bean
    @ConditionalOnProperty(name = "server.shutdown", havingValue = "graceful", matchIfMissing = true)
    DrainLifecycle gracefulDrainLifecycle(DrainInstaller installer, ApplicationContext context)
    {
        return new DrainLifecycle(installer, context);
    }

    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "org.springframework.web.servlet.mvc.method.annotation.SseEmitter")
    static class SseConfiguration
    {
        @Bean
        DrainingSseEmitters drainingSseEmitters(DrainInstaller installer)
        {
            return new DrainingSseEmitters(installer);
        }
    }
}
