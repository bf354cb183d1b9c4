package dev.gracefuldrain.spring.boot3;

import java.util.concurrent.atomic.AtomicInteger;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** Spring Boot 3.5 on Jetty 12.0 with the graceful-drain starter for 3.5: {@code /slow?ms=N} answers after N ms. */
@SpringBootApplication
@RestController
public class Boot3Application
{
    private final AtomicInteger inFlight = new AtomicInteger();

    public static void main(String[] args)
    {
        SpringApplication.run(Boot3Application.class, args);
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
}
