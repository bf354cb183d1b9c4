package dev.gracefuldrain.spring.boot3;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

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
    private static final Pattern STARTED = Pattern.compile("Jetty started on port (\\d+)");
    private final ExecutorService readers = Executors.newCachedThreadPool();
    private final List<String> output = new CopyOnWriteArrayList<>();
    private Process process;

    @AfterEach
    void cleanUp()
    {
        readers.shutdownNow();
        if (process != null)
            process.destroyForcibly();
    }

    @Test
    void sigtermDrains() throws Exception
    {
        process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", System.getProperty("sample.jar"),
            "--server.port=0").redirectErrorStream(true).start();
        int port = port();
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
        Thread.sleep(200); // the busy requests reach their handler (bounded by their 1500 ms)
        long t0 = System.nanoTime();
        process.toHandle().destroy(); // SIGTERM
        CompletableFuture<Long> exit = process.onExit().thenApply(p -> System.nanoTime());
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
        assertTrue(output.stream().anyMatch(l -> l.contains("12.0.30")), "on Jetty 12.0.30");
        assertTrue(output.stream().anyMatch(l -> l.contains("graceful-drain: drained:") && l.contains("busy finished=3")), "the drain's summary");
    }

    private static long ms(long nanos)
    {
        return TimeUnit.NANOSECONDS.toMillis(nanos);
    }

    private int port() throws Exception
    {
        CompletableFuture<Integer> port = new CompletableFuture<>();
        Thread reader = new Thread(() ->
        {
            try (BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8)))
            {
                String line;
                while ((line = lines.readLine()) != null)
                {
                    output.add(line);
                    if (line.contains("graceful-drain") || line.contains("WARN") || line.contains("ERROR"))
                        System.out.println("  | " + line);
                    Matcher m = STARTED.matcher(line);
                    if (m.find())
                        port.complete(Integer.parseInt(m.group(1)));
                }
            }
            catch (Exception ignored)
            {
                // the process is gone
            }
            port.completeExceptionally(new AssertionError("the sample exited before it listened"));
        }, "sample-output");
        reader.setDaemon(true);
        reader.start();
        return port.get(60, TimeUnit.SECONDS);
    }
}
