package dev.gracefuldrain.examples;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.gracefuldrain.testsupport.Wire;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The example as a user runs it, {@code java -jar graceful-drain-example-embedded.jar}, in a JVM of its own
 * so that SIGTERM is real; and stopped by one of its own requests, with Jetty's ShutdownHandler and with a
 * handler that starts {@code server.stop()} on another thread.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class EmbeddedExampleIT
{
    private static final Pattern PORTS = Pattern.compile("graceful-drain example: http=(\\d+) https=(\\d+)");
    private static final String TOKEN = "it-token";

    private Process process;
    private final List<String> output = new CopyOnWriteArrayList<>();
    private final CompletableFuture<int[]> ports = new CompletableFuture<>();

    private Thread reader;

    private int[] launch(String... properties) throws Exception
    {
        Path keystore = Keystore.create();
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-Dport=0", "-Dtls.port=0", "-Dkeystore=" + keystore, "-Dkeystore.password=" + Keystore.PASSWORD,
            "-Ddrain.timeout=10000", "-Dshutdown.token=" + TOKEN));
        command.addAll(List.of(properties));
        command.addAll(List.of("-jar", System.getProperty("example.jar")));
        process = new ProcessBuilder(command).redirectErrorStream(true).start();
        reader = new Thread(() ->
        {
            try (BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8)))
            {
                String line;
                while ((line = lines.readLine()) != null)
                {
                    output.add(line);
                    Matcher m = PORTS.matcher(line);
                    if (m.find())
                        ports.complete(new int[]{Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2))});
                }
            }
            catch (Exception ignored)
            {
                // the process is gone
            }
            ports.completeExceptionally(new AssertionError("the example exited before it listened: " + output));
        }, "example-output");
        reader.setDaemon(true);
        reader.start();
        return ports.get(30, TimeUnit.SECONDS);
    }

    @AfterEach
    void kill()
    {
        if (process != null && process.isAlive())
            process.destroyForcibly();
        output.forEach(line -> System.out.println("  | " + line));
    }

    /** Waits for the exit, bounded; @return when it was seen (ProcessHandle polls, so this is an upper bound). */
    private long awaitExit() throws Exception
    {
        assertTrue(process.waitFor(15, TimeUnit.SECONDS), "the example did not exit");
        long exit = System.nanoTime();
        reader.join(5000); // its last lines
        return exit;
    }

    @Test
    void sigtermDrainsEveryProtocol() throws Exception
    {
        int[] port = launch();
        try (Clients clients = new Clients(port[0], port[1], true))
        {
            long t0 = System.nanoTime();
            process.toHandle().destroy(); // SIGTERM; Process.destroy() would also close our end of its output
            long lastBusy = clients.assertDrained(t0, "embedded, SIGTERM");
            long exit = awaitExit();
            System.out.printf("embedded, SIGTERM: exit seen %d ms after the last busy response, status %d%n",
                Clients.ms(exit - lastBusy), process.exitValue());
            assertTrue(exit - lastBusy < TimeUnit.MILLISECONDS.toNanos(1000), "exit " + Clients.ms(exit - lastBusy) + " ms after the last busy response");
            assertTrue(output.stream().anyMatch(l -> l.contains("busy aborted=0") && l.contains("h1 finished=2")), "summary");
        }
    }

    /** A handler that starts server.stop() on another thread, then answers: Connection: close, and the exit follows. */
    @Test
    void requestThatStopsTheServerFromAnotherThread() throws Exception
    {
        stopByRequest("POST /stop HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\n\r\n", "stop from a request", true);
    }

    /**
     * Jetty's own ShutdownHandler, its request completed ({@link CompletingShutdownHandler}): it answers
     * first (so without Connection: close), then calls server.stop() on another thread.
     */
    @Test
    void jettyShutdownHandler() throws Exception
    {
        stopByRequest(SHUTDOWN, "Jetty's ShutdownHandler", false);
    }

    /** Jetty's ShutdownHandler as it is never completes its request: the drain cuts it at its timeout. */
    @Test
    void jettyShutdownHandlerAsItIsHoldsTheDrainUntilItsTimeout() throws Exception
    {
        int[] port = launch("-Dshutdown.completing=false", "-Ddrain.timeout=1500");
        try (Wire stopper = Wire.open(port[0]))
        {
            long t0 = System.nanoTime();
            stopper.send(SHUTDOWN);
            Wire.Response response = stopper.readResponse(Duration.ofSeconds(10));
            assertTrue(response.complete() && response.bodyText().contains("Shutdown triggered"), response.toString());
            long exit = awaitExit();
            System.out.printf("embedded, Jetty's ShutdownHandler as it is: exit seen %d ms after the request (jetty.drain.timeout=1500)%n", Clients.ms(exit - t0));
            assertTrue(output.stream().anyMatch(l -> l.contains("graceful-drain: cut POST /shutdown")), "the cut request is logged");
            assertTrue(exit - t0 > TimeUnit.MILLISECONDS.toNanos(1400), "held until the timeout");
        }
    }

    private static final String SHUTDOWN = "POST /shutdown?token=" + TOKEN + " HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\n\r\n";

    private void stopByRequest(String request, String label, boolean connectionClose) throws Exception
    {
        int[] port = launch();
        try (Clients clients = new Clients(port[0], port[1], false); Wire stopper = Wire.open(port[0]))
        {
            // A keep-alive connection that already served a request, as a client's pool would reuse.
            stopper.send(Wire.request("GET", "/"));
            assertEquals(200, stopper.readResponse(Duration.ofSeconds(10)).status());
            long t0 = System.nanoTime();
            stopper.send(request);
            CompletableFuture<Wire.Response> answer = CompletableFuture.supplyAsync(() ->
            {
                try
                {
                    return stopper.readResponse(Duration.ofSeconds(20));
                }
                catch (IOException x)
                {
                    throw new UncheckedIOException(x);
                }
            });
            clients.assertDrained(t0, "embedded, " + label);
            Wire.Response response = answer.get(20, TimeUnit.SECONDS);
            long answered = response.lastByteNanos();
            Wire.Closing closing = stopper.awaitClose(Duration.ofSeconds(15));
            long exit = awaitExit();
            System.out.printf("embedded, %s: response %d (Connection: %s) at %d ms, its connection %s at %d ms, exit seen at %d ms, status %d%n",
                label, response.status(), response.header("connection"), Clients.ms(answered - t0), closing.kind(), Clients.ms(closing.nanos() - t0),
                Clients.ms(exit - t0), process.exitValue());
            assertEquals(200, response.status(), label);
            assertTrue(response.complete(), label + ": " + response);
            if (connectionClose)
                assertTrue(response.connectionClose(), label + ": " + response.headers());
            assertEquals(Wire.Close.FIN, closing.kind(), label + ": its connection after the response");
            assertTrue(exit - answered < TimeUnit.MILLISECONDS.toNanos(1000), label + ": exit " + Clients.ms(exit - answered) + " ms after the response");
            assertEquals(0, process.exitValue(), label);
        }
    }
}
