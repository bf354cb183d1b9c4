package dev.gracefuldrain.it;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import dev.gracefuldrain.testsupport.Await;
import dev.gracefuldrain.testsupport.Jetty;

/**
 * A real load balancer (Debian package) started by a test on loopback in front of Jetty instances
 * {@code a} and {@code b}, configured with the file that docs/LOAD-BALANCERS.md recommends
 * (docs/load-balancers/), as written but for the ports. Bounded: it must listen within 10 s, and
 * {@link #close()} ends it.
 */
abstract class Balancer implements AutoCloseable
{
    /** Where the documented configurations are. */
    static final Path CONFIGS = Path.of(System.getProperty("balancer.configs", "../docs/load-balancers")).toAbsolutePath().normalize();

    final int port;
    final Path dir;
    final Path log;
    private Process process;

    Balancer(Path dir) throws IOException
    {
        this.port = Jetty.freePort();
        this.dir = dir;
        this.log = dir.resolve("balancer.log");
        Files.createDirectories(dir);
    }

    /**
     * The documented configuration, with the example addresses (the balancer on port 8080, instance
     * a on 127.0.0.1:8081, b on 127.0.0.1:8082) replaced by the test's, and the readiness path by
     * {@code checkPath} (stock Jetty has none; null: the balancer has no check). Fails if the file no
     * longer has what is replaced.
     */
    String documented(String file, Map<String, Integer> servers, String checkPath) throws IOException
    {
        String text = Files.readString(CONFIGS.resolve(file));
        List<String[]> replacements = new ArrayList<>();
        replacements.add(new String[]{"127.0.0.1:8081", Jetty.HOST + ":" + servers.get("a")});
        replacements.add(new String[]{"127.0.0.1:8082", Jetty.HOST + ":" + servers.get("b")});
        replacements.add(new String[]{":8080", ":" + port});
        if (checkPath != null)
            replacements.add(new String[]{" /ready", " " + checkPath});
        for (String[] r : replacements)
        {
            if (!text.contains(r[0]))
                throw new IllegalStateException(CONFIGS.resolve(file) + " no longer has " + r[0].trim() + ": update the test with the docs");
            text = text.replace(r[0], r[1]);
        }
        return text;
    }

    /** Starts the balancer, output to {@link #log}, and waits until it accepts connections. */
    void start(List<String> command, Map<String, String> environment) throws Exception
    {
        ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
            .redirectOutput(log.toFile());
        builder.environment().putAll(environment);
        process = builder.start();
        try
        {
            Await.until(getClass().getSimpleName() + " listens on " + port, Duration.ofSeconds(10), Duration.ofMillis(20), () ->
            {
                if (!process.isAlive())
                    throw new IllegalStateException(getClass().getSimpleName() + " exited:\n" + Files.readString(log));
                try (Socket socket = new Socket())
                {
                    socket.connect(new InetSocketAddress(Jetty.HOST, port), 200);
                    return true;
                }
                catch (IOException notYet)
                {
                    return false;
                }
            });
        }
        catch (AssertionError x)
        {
            close();
            throw new IllegalStateException(getClass().getSimpleName() + " did not start:\n" + Files.readString(log), x);
        }
    }

    /** Waits, bounded, until the balancer itself reports the instance up, if it can tell (only HAProxy can). */
    void awaitUp(String server, Duration timeout) throws Exception
    {
    }

    /** How often each of these lines, which say why a request failed or was retried, is in the balancer's log. */
    String logCounts(String... needles) throws IOException
    {
        String text = Files.exists(log) ? Files.readString(log) : "";
        StringBuilder counts = new StringBuilder();
        for (String needle : needles)
        {
            int n = 0;
            for (int i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + needle.length()))
                n++;
            counts.append(counts.length() == 0 ? "" : ", ").append('"').append(needle).append("\" ").append(n);
        }
        return counts.toString();
    }

    /** The lines of its log that tell why requests failed, counted; empty if there is nothing to count. */
    abstract String logSummary() throws IOException;

    @Override
    public void close() throws Exception
    {
        if (process == null)
            return;
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS))
        {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
