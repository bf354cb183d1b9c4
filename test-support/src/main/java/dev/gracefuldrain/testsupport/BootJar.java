package dev.gracefuldrain.testsupport;

import java.io.BufferedReader;
import java.io.IOException;
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

/**
 * A Spring Boot application jar run as a user runs it ({@code java -jar app.jar --server.port=0}): its
 * output kept (the drain's lines and warnings echoed), its port read from Spring Boot's start line,
 * stopped with SIGTERM, and killed at {@link #close()} if it is still there.
 */
public final class BootJar implements AutoCloseable
{
    private static final Pattern STARTED = Pattern.compile("Jetty started on port (\\d+)");

    private final Process process;
    private final List<String> output = new CopyOnWriteArrayList<>();
    private final CompletableFuture<Integer> port = new CompletableFuture<>();
    private final CompletableFuture<Void> outputEnded = new CompletableFuture<>();

    private BootJar(Process process)
    {
        this.process = process;
        Thread reader = new Thread(this::read, "boot-jar-output");
        reader.setDaemon(true);
        reader.start();
    }

    /** Starts {@code java -jar jar --server.port=0 args...} with this JVM's java. */
    public static BootJar launch(String jar, String... args) throws IOException
    {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-jar", jar, "--server.port=0"));
        command.addAll(List.of(args));
        return new BootJar(new ProcessBuilder(command).redirectErrorStream(true).start());
    }

    private void read()
    {
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8)))
        {
            String line;
            while ((line = lines.readLine()) != null)
            {
                output.add(line);
                if (line.contains("graceful-drain") || line.contains("GracefulShutdown") || line.contains("WARN") || line.contains("ERROR"))
                    System.out.println("  | " + line);
                Matcher m = STARTED.matcher(line);
                if (m.find())
                    port.complete(Integer.parseInt(m.group(1)));
            }
        }
        catch (IOException ignored)
        {
            // the process is gone
        }
        port.completeExceptionally(new AssertionError("the application exited before it listened"));
        outputEnded.complete(null);
    }

    /** The HTTP port, once Spring Boot says Jetty started (at most 60 s). */
    public int port() throws Exception
    {
        return port.get(60, TimeUnit.SECONDS);
    }

    /** Sends SIGTERM, as a service manager or Kubernetes does. @return {@link System#nanoTime()} just before */
    public long sigterm()
    {
        long t0 = System.nanoTime();
        process.toHandle().destroy();
        return t0;
    }

    /** @return completes with {@link System#nanoTime()} when the process has exited */
    public CompletableFuture<Long> exit()
    {
        return process.onExit().thenApply(p -> System.nanoTime());
    }

    /** Waits (bounded) for the process to exit and its output to end. @return its exit status */
    public int awaitExit(Duration timeout) throws Exception
    {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS))
            throw new AssertionError("the application did not exit within " + timeout);
        outputEnded.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        return process.exitValue();
    }

    /** Every line printed so far. */
    public List<String> output()
    {
        return output;
    }

    public boolean printed(String text)
    {
        return output.stream().anyMatch(line -> line.contains(text));
    }

    @Override
    public void close()
    {
        process.destroyForcibly();
    }
}
