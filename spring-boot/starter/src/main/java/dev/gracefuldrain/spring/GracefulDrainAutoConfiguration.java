package dev.gracefuldrain.spring;

import dev.gracefuldrain.GracefulDrain;
import org.eclipse.jetty.server.Server;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.jetty.JettyServerCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;

/**
 * For {@code spring-boot-starter-jetty} applications on Spring Boot 4: installs the drain in the embedded Jetty and runs
 * it in the graceful-shutdown phase ({@code server.shutdown=graceful}, Spring Boot's default), in place of
 * Spring Boot's own Jetty graceful shutdown. {@code server.jetty.drain.enabled=false} turns it off.
 */
@AutoConfiguration
@ConditionalOnClass({Server.class, GracefulDrain.class, JettyServerCustomizer.class})
@ConditionalOnWebApplication
@ConditionalOnProperty(prefix = GracefulDrainProperties.PREFIX, name = "enabled", havingValue = "true", matchIfMissing = true)
@Import(DrainConfiguration.class)
public class GracefulDrainAutoConfiguration
{
    @Bean
    JettyServerCustomizer gracefulDrainCustomizer(DrainInstaller installer)
    {
        return installer::install;
    }
}
