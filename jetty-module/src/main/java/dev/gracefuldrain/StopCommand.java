package dev.gracefuldrain;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Stops a Jetty through its key-protected ShutdownService and shows the drain's progress until the
 * server has exited: connections left (busy, or closing), time elapsed against the timeout; a progress bar on a
 * terminal, plain lines when piped. Ends with the drain summary; exits 1 if a request was cut,
 * 2 if the stop could not be sent or was not confirmed. Plain Java: it needs only this jar.
 * <pre>java -cp lib/graceful-drain/graceful-drain-*.jar dev.gracefuldrain.StopCommand --port P --key K [--host H] [--base DIR] [--wait S]</pre>
 */
public final class StopCommand
{
    private StopCommand()
    {
    }

    public static void main(String[] args) throws Exception
    {
        System.exit(run(args, System.out, System.console() != null));
    }

    static int run(String[] args, PrintStream out, boolean terminal) throws Exception
    {
        Map<String, String> options = new HashMap<>(Map.of("--host", "127.0.0.1", "--base", ".", "--wait", "120"));
        for (int i = 0; i + 1 < args.length; i += 2)
            options.put(args[i], args[i + 1]);
        if (!options.containsKey("--port") || !options.containsKey("--key"))
        {
            out.println("usage: StopCommand --port STOP.PORT --key STOP.KEY [--host 127.0.0.1] [--base JETTY_BASE] [--wait SECONDS]");
            return 2;
        }
        Path progress = Path.of(options.get("--base"), ProgressLine.FILE);
        String before = read(progress);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(Long.parseLong(options.get("--wait")));

        CompletableFuture<String> answer;
        try
        {
            Socket socket = new Socket(options.get("--host"), Integer.parseInt(options.get("--port")));
            OutputStream request = socket.getOutputStream();
            request.write((options.get("--key") + "\r\nstop\r\n").getBytes(StandardCharsets.US_ASCII));
            request.flush();
            answer = CompletableFuture.supplyAsync(() -> readAnswer(socket));
        }
        catch (IOException x)
        {
            out.println("cannot reach the ShutdownService: " + x.getMessage());
            return 2;
        }

        String last = null;
        long lastReadNanos = 0;
        long lastShownNanos = 0;
        while (System.nanoTime() < deadline)
        {
            String line = read(progress);
            long now = System.nanoTime();
            if (line != null && !line.equals(before) && !line.equals(last))
            {
                last = line;
                lastReadNanos = now;
                lastShownNanos = now;
                show(out, terminal, line, 0);
                if (line.startsWith("phase=STOPPED"))
                    break;
            }
            else if (last != null && (terminal || now - lastShownNanos >= TimeUnit.SECONDS.toNanos(1)))
            {
                // Nothing new from the server: time still runs against the timeout.
                lastShownNanos = now;
                show(out, terminal, last, TimeUnit.NANOSECONDS.toMillis(now - lastReadNanos));
            }
            if (answer.isDone())
            {
                // The server answered, so its drain is over: its last line is written by now.
                String done = read(progress);
                if (done != null && !done.equals(before) && !done.equals(last))
                {
                    last = done;
                    show(out, terminal, done, 0);
                }
                break;
            }
            Thread.sleep(100); // the refresh rate of the display
        }
        if (terminal)
            out.println();
        String stopped = answer.getNow(null);
        if (last == null || !last.startsWith("phase=STOPPED"))
        {
            out.println(stopped != null && stopped.startsWith("Stopped") ? "stopped, but no drain report was found in " + progress
                : "the server did not confirm the stop (wrong key, or no ShutdownService on that port?)");
            return 2;
        }
        Map<String, String> fields = ProgressLine.parse(last);
        out.println("graceful-drain: " + fields.getOrDefault("summary", last));
        return "0".equals(fields.get("aborted")) ? 0 : 1;
    }

    private static void show(PrintStream out, boolean terminal, String line, long sinceReadMs)
    {
        Map<String, String> f = ProgressLine.parse(line);
        long elapsed = Long.parseLong(f.getOrDefault("elapsedMs", "0")) + sinceReadMs;
        long timeout = Math.max(1, Long.parseLong(f.getOrDefault("timeoutMs", "1")));
        String text = String.format("%s: %s connection(s) left, %.1f s of %.1f s", f.get("phase").toLowerCase(), f.getOrDefault("left", "?"), elapsed / 1000.0, timeout / 1000.0);
        if (terminal)
        {
            int width = 30;
            int done = (int)Math.min(width, width * elapsed / timeout);
            out.print("\r[" + "#".repeat(done) + " ".repeat(width - done) + "] " + text + "   ");
        }
        else
        {
            out.println(text);
        }
        out.flush();
    }

    private static String read(Path file)
    {
        try
        {
            return Files.readString(file, StandardCharsets.UTF_8).trim();
        }
        catch (IOException x)
        {
            return null;
        }
    }

    private static String readAnswer(Socket socket)
    {
        try (socket; InputStream in = socket.getInputStream())
        {
            return new String(in.readAllBytes(), StandardCharsets.US_ASCII).trim();
        }
        catch (IOException x)
        {
            return "";
        }
    }
}
