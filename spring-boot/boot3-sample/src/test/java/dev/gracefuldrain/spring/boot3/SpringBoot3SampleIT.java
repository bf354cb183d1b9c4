package dev.gracefuldrain.spring.boot3;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import dev.gracefuldrain.testsupport.Await;
import dev.gracefuldrain.testsupport.BootJar;
import dev.gracefuldrain.testsupport.Wire;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Spring Boot 3.5 on Jetty 12.0 ({@code java -jar}) with the 3.5 starter; SIGTERM. */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class SpringBoot3SampleIT
{
    private final ExecutorService readers = Executors.newCachedThreadPool();
    private BootJar app;

    @AfterEach
    void cleanUp()
    {
        readers.shutdownNow();
        if (app != null)
            app.close();
    }

    @Test
    void sigtermDrains() throws Exception
    {
        app = BootJar.launch(System.getProperty("sample.jar"));
        int port = app.port();
        List<Wire> idle = new ArrayList<>();
        for (int i = 0; i < 10; i++)
        {
            Wire wire = Wire.open(port);
            wire.send(Wire.request("GET", "/slow?ms=0"));
            assertEquals(200, wire.readResponse(Duration.ofSeconds(10)).status());
            idle.add(wire);
        }
        Wire never = Wire.open(port);
        List<Future<Wire.Response>> busy = new ArrayList<>();
        for (int i = 0; i < 3; i++)
        {
            Wire wire = Wire.open(port);
            wire.send(Wire.request("GET", "/slow?ms=1500"));
            busy.add(readers.submit(() ->
            {
                Wire.Response response = wire.readResponse(Duration.ofSeconds(30));
                wire.close();
                return response;
            }));
        }
        Await.until("the busy requests in their handler", Duration.ofSeconds(10), Duration.ofMillis(10),
            () -> Wire.get(port, "/inflight").bodyText().trim(), "3"::equals);
        long t0 = app.sigterm();
        CompletableFuture<Long> exit = app.exit();
        List<Future<Wire.Closing>> closings = new ArrayList<>();
        idle.forEach(w -> closings.add(readers.submit(() -> w.awaitClose(Duration.ofSeconds(30)))));
        closings.add(readers.submit(() -> never.awaitClose(Duration.ofSeconds(30))));
        long lastClose = 0;
        for (Future<Wire.Closing> closing : closings)
        {
            Wire.Closing c = closing.get(40, TimeUnit.SECONDS);
            assertEquals(Wire.Close.FIN, c.kind());
            lastClose = Math.max(lastClose, c.nanos() - t0);
        }
        long lastBusy = t0;
        for (Future<Wire.Response> future : busy)
        {
            Wire.Response response = future.get(30, TimeUnit.SECONDS);
            assertTrue(response.complete() && response.bodyText().equals("done\n"), response.toString());
            assertTrue(response.connectionClose(), response.headers().toString());
            lastBusy = Math.max(lastBusy, response.lastByteNanos());
        }
        long exited = exit.get(30, TimeUnit.SECONDS);
        System.out.printf("Spring Boot 3.5.8 on Jetty 12.0.30, SIGTERM: last idle/never-used FIN %d ms, last busy response %d ms (Connection: close), exit %d ms after it%n",
            ms(lastClose), ms(lastBusy - t0), ms(exited - lastBusy));
        assertTrue(ms(lastClose) <= 150, "idle closed at " + ms(lastClose));
        assertTrue(ms(exited - lastBusy) <= 300, "exit " + ms(exited - lastBusy) + " ms after the last busy response");
        assertTrue(app.printed("12.0.30"), "on Jetty 12.0.30");
        assertTrue(app.output().stream().anyMatch(l -> l.contains("graceful-drain: drained:") && l.contains("busy finished=3")), "the drain's summary");
    }

    private static long ms(long nanos)
    {
        return TimeUnit.NANOSECONDS.toMillis(nanos);
    }
}
