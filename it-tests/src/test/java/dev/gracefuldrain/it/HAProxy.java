package dev.gracefuldrain.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import dev.gracefuldrain.testsupport.Await;
import dev.gracefuldrain.testsupport.Jetty;
import dev.gracefuldrain.testsupport.Wire;

/**
 * A real HAProxy (Debian package) on loopback in front of Jetty instances, with an HTTP health
 * check and a CSV stats page to tell when it sees a server up or down.
 */
final class HAProxy implements AutoCloseable
{
    static final String BINARY = "/usr/sbin/haproxy";

    final int port;
    final int statsPort;
    private final Process process;
    private final Path log;

    /**
     * @param servers server name to port
     * @param checkPath the health check's path (a 200 means up)
     */
    HAProxy(Path dir, Map<String, Integer> servers, String checkPath) throws Exception
    {
        port = Jetty.freePort();
        statsPort = Jetty.freePort();
        StringBuilder config = new StringBuilder();
        config.append("global\n  maxconn 2000\n\n")
            .append("defaults\n  mode http\n  timeout connect 2s\n  timeout client 30s\n  timeout server 30s\n  option http-keep-alive\n  retries 3\n  option redispatch\n\n")
            .append("frontend fe\n  bind ").append(Jetty.HOST).append(':').append(port).append("\n  default_backend be\n\n")
            .append("backend be\n  balance roundrobin\n  option httpchk GET ").append(checkPath).append("\n  http-check expect status 200\n")
            .append("  default-server inter 250 fall 2 rise 2\n");
        servers.forEach((name, serverPort) -> config.append("  server ").append(name).append(' ').append(Jetty.HOST).append(':').append(serverPort).append(" check\n"));
        config.append("\nlisten stats\n  bind ").append(Jetty.HOST).append(':').append(statsPort).append("\n  stats enable\n  stats uri /stats\n");
        Files.createDirectories(dir);
        Path cfg = dir.resolve("haproxy.cfg");
        Files.writeString(cfg, config);
        log = dir.resolve("haproxy.log");
        process = new ProcessBuilder(BINARY, "-db", "-f", cfg.toString()).redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        try
        {
            Await.until("HAProxy serves its stats page", Duration.ofSeconds(10), Duration.ofMillis(20), () ->
            {
                if (!process.isAlive())
                    throw new IllegalStateException("HAProxy exited:\n" + Files.readString(log));
                try
                {
                    return stats();
                }
                catch (IOException notYet)
                {
                    return null;
                }
            }, stats -> true);
        }
        catch (AssertionError x)
        {
            throw new IllegalStateException("HAProxy did not start:\n" + Files.readString(log), x);
        }
    }

    /** The CSV stats page. */
    String stats() throws IOException
    {
        try (Wire wire = Wire.open(statsPort))
        {
            wire.send("GET /stats;csv HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
            return wire.readResponse(Duration.ofSeconds(5)).bodyText();
        }
    }

    /** @return the status HAProxy reports for a server: UP, DOWN, "UP 1/2"... */
    String status(String server) throws IOException
    {
        for (String line : stats().split("\n"))
        {
            String[] cols = line.split(",");
            if (cols.length > 17 && cols[0].equals("be") && cols[1].equals(server))
                return cols[17];
        }
        return "?";
    }

    /** Waits, bounded, until HAProxy reports the server with exactly this status. */
    void awaitStatus(String server, String status, Duration timeout) throws Exception
    {
        Await.until("HAProxy sees " + server + " " + status, timeout, Duration.ofMillis(20), () -> status(server), status::equals);
    }

    @Override
    public void close() throws Exception
    {
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS))
            process.destroyForcibly();
    }
}
