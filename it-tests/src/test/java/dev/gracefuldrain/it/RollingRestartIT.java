package dev.gracefuldrain.it;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import dev.gracefuldrain.testsupport.Jetty;
import dev.gracefuldrain.testsupport.KeepAliveLoad;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Zero-downtime rolling restart: two Jetty instances behind HAProxy (health check on the readiness
 * endpoint), keep-alive clients sending GETs and POSTs without pause; instance A is stopped,
 * restarted and seen up again, then instance B. With graceful-drain: 0 failed requests, and every
 * POST answered was handled exactly once. The same run with stock Jetty's {@code graceful} module
 * is printed beside it.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class RollingRestartIT
{
    static final int CLIENTS = 16;

    record Outcome(String label, KeepAliveLoad load, double seconds, Map<String, Long> postsHandledBy, long duplicatedPosts,
                   long answeredPostsNotHandled, List<String> advertised)
    {
        String describe()
        {
            return String.format("%s: %d completed (%.0f req/s), %d failed%n  [%s]%n  POSTs handled by instance %s; handled twice %d, answered but not handled %d%n  pre-stop delays: %s",
                label, load.completed.get(), load.completed.get() / seconds, load.failed(), load, postsHandledBy, duplicatedPosts,
                answeredPostsNotHandled, advertised.isEmpty() ? "none" : String.join("; ", advertised));
        }
    }

    @Test
    void rollingRestartBehindHAProxy() throws Exception
    {
        Assumptions.assumeTrue(Files.isExecutable(Path.of(HAProxy.BINARY)), "HAProxy is installed by .ci/run (apt-get install haproxy)");

        Outcome ours = rollingRestart("graceful-drain (pre-stop delay 3000 ms)", "graceful-drain", "/ready",
            "jetty.drain.readinessPath=/ready", "jetty.drain.preStopDelay=3000", "jetty.drain.quietPeriod=500");
        Outcome stock = rollingRestart("stock graceful (stopTimeout 5000)", "graceful", "/sample/counters",
            "jetty.server.stopTimeout=5000");

        System.out.printf("%n== rolling restart of 2 instances behind HAProxy, %d keep-alive clients (GET + POST) ==%n%s%n%s%n",
            CLIENTS, ours.describe(), stock.describe());
        assertAll(
            () -> assertEquals(0, ours.load().failed(), "no failed request with graceful-drain: " + ours.load()),
            () -> assertEquals(0, ours.duplicatedPosts(), "no POST handled twice"),
            () -> assertEquals(0, ours.answeredPostsNotHandled(), "every POST answered was handled"),
            () -> assertTrue(ours.postsHandledBy().values().stream().allMatch(n -> n > 0), "both instances served: " + ours.postsHandledBy()),
            () -> assertTrue(ours.load().completed.get() > 1000, "the load ran: " + ours.load()));
    }

    private static Outcome rollingRestart(String label, String module, String checkPath, String... properties) throws Exception
    {
        Map<String, Jetty.Base> bases = new LinkedHashMap<>();
        Map<String, Integer> ports = new LinkedHashMap<>();
        Map<String, Jetty.Server> servers = new HashMap<>();
        for (String name : List.of("a", "b"))
        {
            bases.put(name, Jetty.base("lb-" + module + "-" + name, Jetty.Enable.START_D, "http", "ee10-deploy", module));
            ports.put(name, Jetty.freePort());
        }
        try
        {
            for (String name : bases.keySet())
                servers.put(name, bases.get(name).startOn(ports.get(name), properties));
            try (HAProxy haproxy = new HAProxy(Jetty.WORK.resolve("haproxy-" + module), ports, checkPath))
            {
                for (String name : bases.keySet())
                    haproxy.awaitStatus(name, "UP", Duration.ofSeconds(20));
                long start = System.nanoTime();
                KeepAliveLoad load = new KeepAliveLoad(haproxy.port, CLIENTS, Duration.ofMinutes(3));
                try
                {
                    load.awaitCompleted(500, Duration.ofSeconds(30));
                    for (String name : bases.keySet())
                    {
                        Jetty.Server server = servers.get(name);
                        server.sigterm();
                        server.awaitExit(Duration.ofSeconds(60));
                        servers.put(name, bases.get(name).startOn(ports.get(name), properties));
                        haproxy.awaitStatus(name, "UP", Duration.ofSeconds(30));
                        load.awaitCompleted(500, Duration.ofSeconds(30));
                    }
                }
                finally
                {
                    load.close();
                }
                double seconds = (System.nanoTime() - start) / 1e9;
                for (Jetty.Server server : servers.values())
                {
                    server.sigterm();
                    server.awaitExit(Duration.ofSeconds(60));
                }
                return outcome(label, load, seconds, bases);
            }
        }
        finally
        {
            for (Jetty.Server server : servers.values())
                server.close();
        }
    }

    private static Outcome outcome(String label, KeepAliveLoad load, double seconds, Map<String, Jetty.Base> bases) throws Exception
    {
        Map<String, Long> postsHandledBy = new LinkedHashMap<>();
        Map<String, Integer> handled = new HashMap<>();
        List<String> advertised = new ArrayList<>();
        for (Map.Entry<String, Jetty.Base> e : bases.entrySet())
        {
            Path posts = e.getValue().dir.resolve("handled-posts.log");
            List<String> ids = Files.exists(posts) ? Files.readAllLines(posts) : List.of();
            ids.forEach(id -> handled.merge(id, 1, Integer::sum));
            postsHandledBy.put(e.getKey(), (long)ids.size());
            Files.readAllLines(e.getValue().dir.resolve("jetty.log")).stream()
                .filter(l -> l.contains("graceful-drain: advertised for"))
                .forEach(l -> advertised.add(e.getKey() + ": " + l.substring(l.indexOf("advertised for"))));
        }
        long duplicated = handled.values().stream().filter(n -> n > 1).count();
        Set<String> answered = new HashSet<>(new ArrayList<>(load.answeredPosts));
        long notHandled = answered.stream().filter(id -> !handled.containsKey(id)).count();
        return new Outcome(label, load, seconds, postsHandledBy, duplicated, notHandled, advertised);
    }
}
