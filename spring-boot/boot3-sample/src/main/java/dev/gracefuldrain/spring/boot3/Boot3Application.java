package dev.gracefuldrain.spring.boot3;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;

import dev.gracefuldrain.DrainSettings;
import dev.gracefuldrain.GracefulDrain;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.web.embedded.jetty.JettyServerCustomizer;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.annotation.Bean;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * Spring Boot 3.5 on Jetty 12.0, with the drain wired through the embedded API (the starter is built for
 * Spring Boot 4): a {@link JettyServerCustomizer} installs it, a {@link SmartLifecycle} one phase above
 * Spring Boot's graceful shutdown runs it. {@code /slow?ms=N} answers after N ms.
 */
@SpringBootApplication
@RestController
public class Boot3Application
{
    /** Spring Boot 3.5's WebServerGracefulShutdownLifecycle.SMART_LIFECYCLE_PHASE, plus one: stopped just before it. */
    static final int DRAIN_PHASE = SmartLifecycle.DEFAULT_PHASE - 1024 + 1;

    private final AtomicReference<GracefulDrain> drain = new AtomicReference<>();

    public static void main(String[] args)
    {
        SpringApplication.run(Boot3Application.class, args);
    }

    @GetMapping("/slow")
    String slow(@RequestParam(name = "ms", defaultValue = "1000") long ms) throws InterruptedException
    {
        Thread.sleep(ms);
        return "done\n";
    }

    @Bean
    JettyServerCustomizer gracefulDrain(@Value("${spring.lifecycle.timeout-per-shutdown-phase:30s}") Duration timeout)
    {
        DrainSettings settings = DrainSettings.builder().propertyPrefix("server.jetty.drain").timeout(timeout).build();
        return server -> drain.compareAndSet(null, GracefulDrain.install(server, settings));
    }

    @Bean
    SmartLifecycle gracefulDrainLifecycle()
    {
        return new SmartLifecycle()
        {
            private volatile boolean running;

            @Override
            public void start()
            {
                running = true;
            }

            @Override
            public void stop()
            {
                throw new UnsupportedOperationException("stopped with a callback only");
            }

            @Override
            public void stop(Runnable callback)
            {
                running = false;
                GracefulDrain installed = drain.get();
                if (installed == null)
                {
                    callback.run();
                    return;
                }
                // Its own thread: a pre-stop delay would run on the thread that starts the drain.
                new Thread(() -> installed.drainNow().whenComplete((done, failure) -> callback.run()), "graceful-drain-spring").start();
            }

            @Override
            public boolean isRunning()
            {
                return running;
            }

            @Override
            public int getPhase()
            {
                return DRAIN_PHASE;
            }
        };
    }
}
