package dev.gracefuldrain.bench;

import java.nio.channels.Selector;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import dev.gracefuldrain.testsupport.Jetty;
import dev.gracefuldrain.testsupport.Wire;

/**
 * A stop while the server's thread pool is saturated: jetty-home with {@code maxThreads=24}, N idle
 * keep-alive connections (each has served one request), then B slow requests on new connections,
 * more than the pool has workers for, so that some wait in the pool's queue; SIGTERM about 0.5 s
 * after the last was sent. Nothing is asked of the server meanwhile (a request to /sample/counters
 * would wait for a worker too). Measured: how many of the requests sent before the stop were answered
 * 200 in full (and how many of those said {@code Connection: close}), and when the client saw the
 * last idle connection's FIN, one NIO selector watching them all as {@link DrainAtScale} does.
 */
final class Saturation
{
    static final int MAX_THREADS = 24;
    /** How long after the last busy request was sent the stop comes. */
    static final long STOP_AFTER_MS = 500;

    record Run(Variant variant, int idle, int busy, long busyMs, int answered, int connectionClose, int idleFin, int idleReset, int idleOpen,
               double lastIdleFinMs, double exitMs, String summary)
    {
        String describe()
        {
            return String.format(Locale.ROOT, "%-40s maxThreads=%d idle=%-5d busy=%-3d answered 200 in full %d/%d (Connection: close %d); idle FIN %d, RST %d, open %d; last idle FIN seen %7.1f ms; exit %7.1f ms",
                variant.label, MAX_THREADS, idle, busy, answered, busy, connectionClose, idleFin, idleReset, idleOpen, lastIdleFinMs, exitMs);
        }
    }

    private Saturation()
    {
    }

    /**
     * The module without busy requests (its own reference figure), then the module, stock graceful and
     * plain stock saturated, in that order, each a fresh process.
     */
    static List<Run> run(int idle, int busy, long busyMs) throws Exception
    {
        List<Run> runs = new ArrayList<>();
        runs.add(once(Variant.MODULE, idle, 0, busyMs));
        System.out.println("saturation: " + runs.get(0).describe());
        for (Variant variant : new Variant[]{Variant.MODULE, Variant.STOCK, Variant.PLAIN})
        {
            Run run = once(variant, idle, busy, busyMs);
            System.out.println("saturation: " + run.describe());
            runs.add(run);
        }
        return runs;
    }

    static Run once(Variant variant, int idle, int busy, long busyMs) throws Exception
    {
        List<String> properties = new ArrayList<>(List.of("jetty.threadPool.maxThreads=" + MAX_THREADS, "jetty.http.acceptQueueSize=4096"));
        if (variant == Variant.MODULE)
            properties.add("jetty.drain.timeout=30000");
        else
            properties.add("jetty.server.stopTimeout=5000"); // the graceful module's default
        ExecutorService readers = Executors.newFixedThreadPool(Math.max(1, busy));
        try (Jetty.Server jetty = variant.start(List.of("-Xmx1g"), properties.toArray(String[]::new));
             Selector selector = Selector.open())
        {
            List<DrainAtScale.Client> idleClients = DrainAtScale.open(selector, jetty.port, idle, false, DrainAtScale.FAST);
            DrainAtScale.awaitResponses(selector, idleClients, Duration.ofSeconds(120));

            // Each busy request on a connection of its own, written whole before the stop; a thread each reads its response.
            String slow = Wire.request("GET", "/sample/slow?ms=" + busyMs);
            List<CompletableFuture<Wire.Response>> responses = new ArrayList<>();
            for (int i = 0; i < busy; i++)
            {
                Wire wire = Wire.open(jetty.port);
                wire.send(slow);
                responses.add(CompletableFuture.supplyAsync(() ->
                {
                    try (wire)
                    {
                        return wire.readResponse(Duration.ofSeconds(60));
                    }
                    catch (Exception x)
                    {
                        return null; // cut: not answered
                    }
                }, readers));
            }
            Thread.sleep(STOP_AFTER_MS);

            long t0 = jetty.sigterm();
            DrainAtScale.awaitCloses(selector, idleClients, Duration.ofSeconds(30));
            int answered = 0;
            int close = 0;
            for (CompletableFuture<Wire.Response> future : responses)
            {
                Wire.Response response = future.get(90, TimeUnit.SECONDS);
                if (response != null && response.status() == 200 && response.complete())
                {
                    answered++;
                    if (response.connectionClose())
                        close++;
                }
            }
            long exit = jetty.awaitExit(Duration.ofSeconds(60));
            double[] fins = idleClients.stream().filter(c -> c.closedNanos > 0 && !c.reset).mapToDouble(c -> DrainAtScale.ms(t0, c.closedNanos)).sorted().toArray();
            int reset = (int)idleClients.stream().filter(c -> c.reset).count();
            int open = (int)idleClients.stream().filter(c -> c.closedNanos == 0).count();
            double last = idleClients.stream().filter(c -> c.closedNanos > 0).mapToDouble(c -> DrainAtScale.ms(t0, c.closedNanos)).max().orElse(Double.NaN);
            return new Run(variant, idle, busy, busyMs, answered, close, fins.length, reset, open, last, DrainAtScale.ms(t0, exit), jetty.summaryLine());
        }
        finally
        {
            readers.shutdownNow();
        }
    }

    /** Alone: {@code Saturation [idle [busy [ms]]]}, e.g. {@code 100 10 2000}. */
    public static void main(String[] args) throws Exception
    {
        int idle = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        int busy = args.length > 1 ? Integer.parseInt(args[1]) : 40;
        long ms = args.length > 2 ? Long.parseLong(args[2]) : 4000;
        Jetty.cleanWork();
        for (Run run : run(idle, busy, ms))
            System.out.println(run.summary().isEmpty() ? "" : "  " + run.variant().label + ": " + run.summary());
    }
}
