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

import dev.gracefuldrain.testsupport.Await;
import dev.gracefuldrain.testsupport.Jetty;
import dev.gracefuldrain.testsupport.KeepAliveLoad;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A zero-downtime rolling restart behind a load balancer, shared by the ITs of each balancer: two
 * Jetty instances, keep-alive clients sending GETs and POSTs without pause through the balancer;
 * instance A is stopped, restarted and seen serving again, then instance B. Run with graceful-drain
 * (0 failed requests, every POST answered handled exactly once), then with stock Jetty's
 * {@code graceful} module, printed beside it.
 */
final class RollingRestart
{
    static final int CLIENTS = 16;
    /** Other module settings for graceful-drain's run, to try them: {@code -Dlb.drain=jetty.drain.preStopDelay=0,...} (bin/demo-lb passes it on). */
    static final String OVERRIDE = System.getProperty("lb.drain", "");

    /** Starts a balancer in front of the servers (name to port), checking {@code checkPath} if it checks. */
    @FunctionalInterface
    interface Start
    {
        Balancer start(Path dir, Map<String, Integer> servers, String checkPath) throws Exception;
    }

    record Outcome(String label, KeepAliveLoad load, double seconds, Map<String, Long> postsHandledBy, long duplicatedPosts,
                   long answeredPostsNotHandled, List<String> advertised, String balancerLog)
    {
        String describe()
        {
            return String.format("%s: %d completed (%.0f req/s), %d failed (503: %d)%n  [%s]%n  POSTs handled by instance %s; handled twice %d, answered but not handled %d%n  pre-stop delays: %s%s",
                label, load.completed.get(), load.completed.get() / seconds, load.failed(), load.status503.get(), load, postsHandledBy, duplicatedPosts,
                answeredPostsNotHandled, advertised.isEmpty() ? "none" : String.join("; ", advertised),
                balancerLog.isEmpty() ? "" : "\n  balancer log: " + balancerLog);
        }
    }

    private RollingRestart()
    {
    }

    /**
     * Both runs, printed, and the targets asserted for graceful-drain's.
     * @param ini the module's settings that docs/LOAD-BALANCERS.md recommends for this balancer, a file in docs/load-balancers/
     */
    static void compare(String balancer, String ini, Start start) throws Exception
    {
        String[] drain = OVERRIDE.isEmpty()
            ? Files.readAllLines(Balancer.CONFIGS.resolve(ini)).stream().map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#")).toArray(String[]::new)
            : OVERRIDE.split(",");
        Outcome ours = run("graceful-drain (" + String.join(", ", drain) + ")", "graceful-drain", "/ready", start, drain);
        Outcome stock = run("stock graceful (stopTimeout 5000)", "graceful", "/sample/counters", start, "jetty.server.stopTimeout=5000");
        System.out.printf("%n== rolling restart of 2 instances behind %s, %d keep-alive clients (GET + POST) ==%n%s%n%s%n",
            balancer, CLIENTS, ours.describe(), stock.describe());
        assertAll(
            () -> assertEquals(0, ours.load().failed(), "no failed request with graceful-drain: " + ours.load()),
            () -> assertEquals(0, ours.duplicatedPosts(), "no POST handled twice"),
            () -> assertEquals(0, ours.answeredPostsNotHandled(), "every POST answered was handled"),
            () -> assertTrue(ours.postsHandledBy().values().stream().allMatch(n -> n > 0), "both instances served: " + ours.postsHandledBy()),
            () -> assertTrue(ours.load().completed.get() > 1000, "the load ran: " + ours.load()));
    }

    static Outcome run(String label, String module, String checkPath, Start start, String... properties) throws Exception
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
            try (Balancer balancer = start.start(bases.get("a").dir.resolveSibling(bases.get("a").dir.getFileName() + "-balancer"), ports, checkPath))
            {
                for (String name : bases.keySet())
                    balancer.awaitUp(name, Duration.ofSeconds(20));
                long begin = System.nanoTime();
                KeepAliveLoad load = new KeepAliveLoad(balancer.port, CLIENTS, Duration.ofMinutes(3));
                try
                {
                    for (String name : bases.keySet())
                        awaitServing(bases.get(name));
                    for (String name : bases.keySet())
                    {
                        Jetty.Server server = servers.get(name);
                        server.sigterm();
                        server.awaitExit(Duration.ofSeconds(60));
                        servers.put(name, bases.get(name).startOn(ports.get(name), properties));
                        balancer.awaitUp(name, Duration.ofSeconds(30));
                        awaitServing(bases.get(name));
                    }
                    load.awaitCompleted(500, Duration.ofSeconds(30));
                }
                finally
                {
                    load.close();
                }
                double seconds = (System.nanoTime() - begin) / 1e9;
                for (Jetty.Server server : servers.values())
                {
                    server.sigterm();
                    server.awaitExit(Duration.ofSeconds(60));
                }
                return outcome(label, load, seconds, bases, balancer.logSummary());
            }
        }
        finally
        {
            for (Jetty.Server server : servers.values())
                server.close();
        }
    }

    /** Waits, bounded, until the instance handles POSTs sent through the balancer (again). */
    private static void awaitServing(Jetty.Base base) throws Exception
    {
        Path posts = base.dir.resolve("handled-posts.log");
        long before = Files.exists(posts) ? Files.size(posts) : 0;
        Await.until("the balancer sends POSTs to " + base.dir.getFileName(), Duration.ofSeconds(30), Duration.ofMillis(20),
            () -> Files.exists(posts) && Files.size(posts) > before + 2000);
    }

    private static Outcome outcome(String label, KeepAliveLoad load, double seconds, Map<String, Jetty.Base> bases, String balancerLog) throws Exception
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
        return new Outcome(label, load, seconds, postsHandledBy, duplicated, notHandled, advertised, balancerLog);
    }
}
