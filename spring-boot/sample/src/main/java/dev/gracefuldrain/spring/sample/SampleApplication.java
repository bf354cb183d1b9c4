package dev.gracefuldrain.spring.sample;

import java.io.IOException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import dev.gracefuldrain.spring.DrainingSseEmitters;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/**
 * A Spring Boot app on Jetty with the graceful-drain starter: {@code /slow?ms=N}, {@code /sse} (an event
 * every 500 ms, ended by the drain through {@link DrainingSseEmitters}), {@code /streams} (how many are
 * open), and the actuator's health with its probes. {@code --server.jetty.drain.enabled=false}: the same
 * app with Spring Boot's own graceful shutdown.
 */
@SpringBootApplication
@RestController
public class SampleApplication
{
    private final ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(r ->
    {
        Thread thread = new Thread(r, "sse-ticker");
        thread.setDaemon(true);
        return thread;
    });
    private final AtomicInteger streams = new AtomicInteger();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final ObjectProvider<DrainingSseEmitters> drainingEmitters;

    public SampleApplication(ObjectProvider<DrainingSseEmitters> drainingEmitters)
    {
        this.drainingEmitters = drainingEmitters;
    }

    public static void main(String[] args)
    {
        SpringApplication.run(SampleApplication.class, args);
    }

    @GetMapping("/slow")
    String slow(@RequestParam(name = "ms", defaultValue = "1000") long ms) throws InterruptedException
    {
        inFlight.incrementAndGet();
        try
        {
            Thread.sleep(ms);
            return "done\n";
        }
        finally
        {
            inFlight.decrementAndGet();
        }
    }

    /** How many /slow requests are being handled: tests wait on it before they stop the application. */
    @GetMapping("/inflight")
    String inFlight()
    {
        return inFlight.get() + "\n";
    }

    @GetMapping("/sse")
    SseEmitter sse()
    {
        SseEmitter emitter = new SseEmitter(0L);
        // With the starter, the drain ends it; without, nothing does before Spring's phase timeout.
        DrainingSseEmitters draining = drainingEmitters.getIfAvailable();
        if (draining != null)
            draining.register(emitter);
        AtomicInteger tick = new AtomicInteger();
        ScheduledFuture<?> ticks = ticker.scheduleAtFixedRate(() ->
        {
            try
            {
                emitter.send(SseEmitter.event().name("tick").data(tick.incrementAndGet()));
            }
            catch (IOException | IllegalStateException x)
            {
                // ended
            }
        }, 0, 500, TimeUnit.MILLISECONDS);
        streams.incrementAndGet();
        Runnable ended = () ->
        {
            ticks.cancel(false);
            streams.decrementAndGet();
        };
        emitter.onCompletion(ended);
        emitter.onError(x -> ticks.cancel(false));
        return emitter;
    }

    @GetMapping("/streams")
    String streams()
    {
        return streams.get() + "\n";
    }
}
