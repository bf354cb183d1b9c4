package dev.gracefuldrain;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The stop command against a stand-in for Jetty's ShutdownService on loopback: the same wire exchange
 * (key, "stop", an answer), and the progress file written by {@link Progress#write}.
 */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class StopCommandTest
{
    @TempDir
    Path base;

    private final ByteArrayOutputStream printed = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(printed, true, StandardCharsets.UTF_8);

    private String printed()
    {
        return printed.toString(StandardCharsets.UTF_8);
    }

    @Test
    void withoutPortOrKeyItPrintsItsUsage() throws Exception
    {
        assertEquals(2, StopCommand.run(new String[]{"--key", "k"}, out, false));
        assertTrue(printed().startsWith("usage: StopCommand --port STOP.PORT --key STOP.KEY"), printed());
    }

    @Test
    void anUnreachableServiceExits2() throws Exception
    {
        int port;
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress()))
        {
            port = taken.getLocalPort();
        }
        assertEquals(2, StopCommand.run(new String[]{"--port", String.valueOf(port), "--key", "k", "--base", base.toString(), "--wait", "2"}, out, false));
        assertTrue(printed().startsWith("cannot reach the ShutdownService: "), printed());
    }

    /** The service checks the key, writes a progress line then the final one, and answers "Stopped". */
    private CompletableFuture<String> service(ServerSocket listener, String key, String... lines)
    {
        return CompletableFuture.supplyAsync(() ->
        {
            try (Socket socket = listener.accept())
            {
                BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));
                String gotKey = in.readLine();
                String command = in.readLine();
                if (!key.equals(gotKey) || !"stop".equals(command))
                    return "refused " + gotKey + "/" + command;
                // Written as the drain writes them: whole lines, moved into place.
                Progress progress = new Progress(base.resolve(ProgressLine.FILE), null);
                for (String line : lines)
                    progress.write(line);
                socket.getOutputStream().write("Stopped\r\n".getBytes(StandardCharsets.US_ASCII));
                return "stopped";
            }
            catch (Exception x)
            {
                return x.toString();
            }
        });
    }

    private int stop(ServerSocket listener) throws Exception
    {
        return StopCommand.run(new String[]{"--port", String.valueOf(listener.getLocalPort()), "--key", "secret", "--base", base.toString(), "--wait", "5"}, out, false);
    }

    @Test
    void showsTheSummaryAndExits0WhenNothingWasCutAnd1OtherwiseIgnoringAStaleLine() throws Exception
    {
        String clean = "idle closed=2, never-used closed=0, busy finished=1, busy aborted=0, late requests refused=0, drain time=15 ms";
        // A line left by an earlier drain is not this stop's.
        Files.writeString(base.resolve(ProgressLine.FILE), ProgressLine.withSummary(ProgressLine.format("STOPPED", 9, 30000, 0, 0, 5), "stale") + "\n");
        try (ServerSocket listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress()))
        {
            CompletableFuture<String> served = service(listener, "secret",
                ProgressLine.format("DRAINING", 5, 30000, 1, 0, 0),
                ProgressLine.withSummary(ProgressLine.format("STOPPED", 15, 30000, 0, 1, 0), clean));
            assertEquals(0, stop(listener), printed());
            assertEquals("stopped", served.get(5, TimeUnit.SECONDS));
        }
        assertTrue(printed().endsWith("graceful-drain: " + clean + System.lineSeparator()), printed());
        assertTrue(!printed().contains("stale"), printed());

        printed.reset();
        String cut = "idle closed=0, never-used closed=0, busy finished=0, busy aborted=1, late requests refused=0, drain time=30001 ms";
        try (ServerSocket listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress()))
        {
            CompletableFuture<String> served = service(listener, "secret", ProgressLine.withSummary(ProgressLine.format("STOPPED", 30001, 30000, 0, 0, 1), cut));
            assertEquals(1, stop(listener), printed());
            assertEquals("stopped", served.get(5, TimeUnit.SECONDS));
        }
        assertTrue(printed().contains("stopped: 0 connection(s) left, 30.0 s of 30.0 s"), printed());
        assertTrue(printed().endsWith("graceful-drain: " + cut + System.lineSeparator()), printed());
    }

    @Test
    void aWrongKeyIsNotConfirmed() throws Exception
    {
        try (ServerSocket listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress()))
        {
            CompletableFuture<String> served = service(listener, "other-key", ProgressLine.format("DRAINING", 5, 30000, 1, 0, 0));
            assertEquals(2, stop(listener), printed());
            assertEquals("refused secret/stop", served.get(5, TimeUnit.SECONDS));
        }
        assertTrue(printed().contains("the server did not confirm the stop"), printed());
    }
}
