package dev.gracefuldrain.spring;

import java.time.Duration;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The beans both Spring Boot lines share: the installer, the drain in the graceful-shutdown phase and the
 * SSE helper. Each line's auto-configuration imports it and adds its own {@code JettyServerCustomizer},
 * whose package moved between Spring Boot 3.5 and 4.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(GracefulDrainProperties.class)
public class DrainConfiguration
{
    @Bean
    DrainInstaller gracefulDrainInstaller(GracefulDrainProperties properties,
                                          @Value("${spring.lifecycle.timeout-per-shutdown-phase:30s}") Duration phaseTimeout)
    {
        return new DrainInstaller(properties.toSettings(phaseTimeout));
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
