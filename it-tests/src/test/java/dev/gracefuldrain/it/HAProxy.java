package dev.gracefuldrain.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import dev.gracefuldrain.testsupport.Await;
import dev.gracefuldrain.testsupport.Jetty;
import dev.gracefuldrain.testsupport.Wire;

/**
 * HAProxy with docs/load-balancers/haproxy.cfg, plus a global section and a CSV stats page of the
 * test's own (to tell when HAProxy sees a server up or down), given as further {@code -f} files.
 */
final class HAProxy extends Balancer
{
    static final String BINARY = "/usr/sbin/haproxy";

    final int statsPort;

    /**
     * @param servers server name to port
     * @param checkPath the health check's path (a 200 means up)
     */
    HAProxy(Path dir, Map<String, Integer> servers, String checkPath) throws Exception
    {
        super(dir);
        statsPort = Jetty.freePort();
        Path global = dir.resolve("global.cfg");
        Files.writeString(global, "global\n  maxconn 2000\n\n");
        Path documented = dir.resolve("haproxy.cfg");
        Files.writeString(documented, documented("haproxy.cfg", servers, checkPath));
        Path stats = dir.resolve("stats.cfg");
        Files.writeString(stats, "listen stats\n  bind " + Jetty.HOST + ":" + statsPort + "\n  stats enable\n  stats uri /stats\n");
        start(List.of(BINARY, "-db", "-f", global.toString(), "-f", documented.toString(), "-f", stats.toString()), Map.of());
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
            if (cols.length > 17 && cols[0].equals("jetty") && cols[1].equals(server))
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
    void awaitUp(String server, Duration timeout) throws Exception
    {
        awaitStatus(server, "UP", timeout);
    }

    @Override
    String logSummary()
    {
        return "";
    }
}
