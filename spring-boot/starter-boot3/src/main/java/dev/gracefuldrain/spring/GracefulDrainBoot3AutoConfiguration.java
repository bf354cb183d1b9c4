package dev.gracefuldrain.spring;

import dev.gracefuldrain.GracefulDrain;
import org.eclipse.jetty.server.Server;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.web.embedded.jetty.JettyServerCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;

/**
 * For {@code spring-boot-starter-jetty} applications on Spring Boot 3.5 (Jetty 12.0): the Spring Boot 4 starter's
 * auto-configuration with 3.5's {@code JettyServerCustomizer} (the rest of this starter is compiled from that
 * starter's sources). Installs the drain in the embedded Jetty and runs it in the graceful-shutdown phase, in
 * place of Spring Boot's own Jetty graceful shutdown. {@code server.jetty.drain.enabled=false} turns it off.
 */
@AutoConfiguration
@ConditionalOnClass({Server.class, GracefulDrain.class, JettyServerCustomizer.class})
@ConditionalOnWebApplication
@ConditionalOnProperty(prefix = GracefulDrainProperties.PREFIX, name = "enabled", havingValue = "true", matchIfMissing = true)
@Import(DrainConfiguration.class)
public class GracefulDrainBoot3AutoConfiguration
{
    @Bean
    JettyServerCustomizer gracefulDrainCustomizer(DrainInstaller installer)
    {
        return installer::install;
    }
}
