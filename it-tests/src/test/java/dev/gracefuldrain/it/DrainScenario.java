package dev.gracefuldrain.it;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.gracefuldrain.testsupport.Await;
import dev.gracefuldrain.testsupport.Jetty;
import dev.gracefuldrain.testsupport.Wire;

/**
 * The drain probe: idle keep-alive connections, never-used connections and in-flight requests,
 * then a stop; records what each client saw on the wire, and when. Stock Jetty's figures for the
 * same probe are in docs/STOCK-JETTY.md.
 */
final class DrainScenario
{
    /** Sends the stop request; returns System.nanoTime() at the moment it was sent. */
    interface Stop
    {
        long send() throws Exception;
    }

    /** @param sentNanos when its request was sent: the server cannot have begun it earlier */
    record Busy(String path, long sentNanos, Wire.Response response, String failure, Wire.Closing closing)
    {
        boolean completed()
        {
            return response != null && response.status() == 200 && response.complete();
        }
    }

    /**
     * @param inFlightNanos when the webapp was seen with every busy request inside it: each had begun by then
     * @param t0 when the stop was sent: the server cannot have received it earlier
     */
    record Figures(long listenerClosedMs, List<Wire.Closing> idle, List<Wire.Closing> neverUsed, List<Busy> busy,
                   long inFlightNanos, long t0, long exitNanos, String log)
    {
        long ms(long nanos)
        {
            return TimeUnit.NANOSECONDS.toMillis(nanos - t0);
        }

        long exitMs()
        {
            return ms(exitNanos);
        }

        long maxMs(List<Wire.Closing> closings)
        {
            return closings.stream().mapToLong(c -> ms(c.nanos())).max().orElse(-1);
        }

        long minMs(List<Wire.Closing> closings)
        {
            return closings.stream().mapToLong(c -> ms(c.nanos())).min().orElse(-1);
        }

        long count(List<Wire.Closing> closings, Wire.Close kind)
        {
            return closings.stream().filter(c -> c.kind() == kind).count();
        }

        long busyCompleted()
        {
            return busy.stream().filter(Busy::completed).count();
        }

        /** From the last busy connection's close (the client saw FIN after the last byte) to process exit. */
        long exitAfterLastBusyMs()
        {
            long last = busy.stream().filter(b -> b.closing() != null).mapToLong(b -> b.closing().nanos()).max().orElse(t0);
            return TimeUnit.NANOSECONDS.toMillis(exitNanos - last);
        }

        /** The module's summary line, parsed; null if absent. */
        Summary summary()
        {
            return Summary.parse(log);
        }

        String describe(String title)
        {
            StringBuilder out = new StringBuilder();
            out.append(String.format("%n== %s ==%n", title));
            out.append(String.format("listener refused new connect() at    %d ms%n", listenerClosedMs));
            out.append(String.format("idle closed (%d): %d..%d ms, FIN %d, RST %d, still open %d%n", idle.size(),
                minMs(idle), maxMs(idle), count(idle, Wire.Close.FIN), count(idle, Wire.Close.RESET), count(idle, Wire.Close.OPEN)));
            out.append(String.format("never-used closed (%d): %d..%d ms, FIN %d, RST %d, still open %d%n", neverUsed.size(),
                minMs(neverUsed), maxMs(neverUsed), count(neverUsed, Wire.Close.FIN), count(neverUsed, Wire.Close.RESET), count(neverUsed, Wire.Close.OPEN)));
            for (Busy b : busy)
            {
                out.append(String.format("busy %-32s %s%n", b.path(), b.response() == null
                    ? "no response: " + b.failure()
                    : String.format("%d complete=%s Connection:%s %s, last byte %d ms, then %s at %d ms", b.response().status(),
                        b.response().complete(), b.response().header("connection"), b.response().chunked() ? "chunked" : "length",
                        ms(b.response().lastByteNanos()), b.closing().kind(), ms(b.closing().nanos()))));
            }
            out.append(String.format("busy completed %d/%d; process exit %d ms, %d ms after the last busy connection closed%n",
                busyCompleted(), busy.size(), exitMs(), exitAfterLastBusyMs()));
            Summary summary = summary();
            out.append(String.format("module summary: %s%n", summary == null ? "none" : summary));
            return out.toString();
        }
    }

    record Summary(int idleClosed, int neverUsedClosed, int busyFinished, int busyAborted, int lateRefused, long drainMs,
                   long requests, long requestFailures)
    {
        static final Pattern PATTERN = Pattern.compile(
            "idle closed=(\\d+), never-used closed=(\\d+), busy finished=(\\d+), busy aborted=(\\d+), late requests refused=(\\d+), "
                + "drain time=(\\d+) ms; since start: requests=(\\d+), request failures=(\\d+)");

        /** The last summary line in a Jetty log (a base's log keeps every run), parsed; null if absent. */
        static Summary parse(String log)
        {
            Matcher m = PATTERN.matcher(log);
            int last = -1;
            while (m.find())
                last = m.start();
            if (last < 0 || !m.find(last))
                return null;
            return new Summary(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3)),
                Integer.parseInt(m.group(4)), Integer.parseInt(m.group(5)), Long.parseLong(m.group(6)),
                Long.parseLong(m.group(7)), Long.parseLong(m.group(8)));
        }
    }

    final int idle;
    final int neverUsed;
    final List<String> busyPaths;

    DrainScenario(int idle, int neverUsed, List<String> busyPaths)
    {
        this.idle = idle;
        this.neverUsed = neverUsed;
        this.busyPaths = busyPaths;
    }

    /** The probe (20 idle, 5 never-used, 5 slow requests) plus a committed stream and an async request. */
    static DrainScenario standard()
    {
        List<String> busy = new ArrayList<>();
        for (int i = 0; i < 5; i++)
            busy.add("/sample/slow?ms=3000");
        // Committed before the stop, then a write every 1.2 s: stock Jetty's 1 s shutdown idle timeout would cut it.
        busy.add("/sample/stream?chunks=3&gap=1200");
        busy.add("/sample/async?ms=3000");
        return new DrainScenario(20, 5, busy);
    }

    Figures run(Jetty.Server server, Stop stop) throws Exception
    {
        ExecutorService pool = Executors.newCachedThreadPool();
        try
        {
            int port = server.port;
            List<Wire> idleWires = new ArrayList<>();
            for (int i = 0; i < idle; i++)
                idleWires.add(keepAlive(port));
            List<Wire> neverWires = new ArrayList<>();
            for (int i = 0; i < neverUsed; i++)
                neverWires.add(Wire.open(port));
            // One acceptor takes connections in order: once a later connection is served,
            // the never-used ones before it have been accepted too. It stays idle.
            idleWires.add(keepAlive(port));

            List<CompletableFuture<Busy>> busy = new ArrayList<>();
            for (String path : busyPaths)
            {
                Wire wire = Wire.open(port);
                long sent = System.nanoTime();
                wire.send(Wire.request("GET", path));
                busy.add(CompletableFuture.supplyAsync(() -> exchange(wire, path, sent), pool));
            }
            awaitInFlight(port, busyPaths.size(), Duration.ofSeconds(10));
            long inFlight = System.nanoTime();

            List<CompletableFuture<Wire.Closing>> idleClosings = watch(idleWires, pool);
            List<CompletableFuture<Wire.Closing>> neverClosings = watch(neverWires, pool);

            long t0 = stop.send();
            long listenerClosed = TimeUnit.NANOSECONDS.toMillis(Jetty.awaitRefused(port, Duration.ofSeconds(10)) - t0);

            List<Wire.Closing> idleResult = join(idleClosings);
            List<Wire.Closing> neverResult = join(neverClosings);
            List<Busy> busyResult = new ArrayList<>();
            for (CompletableFuture<Busy> b : busy)
                busyResult.add(b.get(90, TimeUnit.SECONDS));
            long exit = server.awaitExit(Duration.ofSeconds(90));
            return new Figures(listenerClosed, idleResult, neverResult, busyResult, inFlight, t0, exit, server.log());
        }
        finally
        {
            pool.shutdownNow();
        }
    }

    private static Wire keepAlive(int port) throws IOException
    {
        Wire wire = Wire.open(port);
        wire.send(Wire.request("GET", "/sample/fast"));
        Wire.Response response = wire.readResponse(Duration.ofSeconds(10));
        if (response.status() != 200 || response.connectionClose())
            throw new IllegalStateException("expected a keep-alive 200, got " + response.status() + " " + response.headers());
        return wire;
    }

    private static Busy exchange(Wire wire, String path, long sent)
    {
        try
        {
            Wire.Response response = wire.readResponse(Duration.ofSeconds(60));
            return new Busy(path, sent, response, null, wire.awaitClose(Duration.ofSeconds(30)));
        }
        catch (IOException x)
        {
            return new Busy(path, sent, null, x.toString(), wire.awaitClose(Duration.ofSeconds(1)));
        }
    }

    private static List<CompletableFuture<Wire.Closing>> watch(List<Wire> wires, ExecutorService pool)
    {
        List<CompletableFuture<Wire.Closing>> closings = new ArrayList<>();
        for (Wire wire : wires)
            closings.add(CompletableFuture.supplyAsync(() -> wire.awaitClose(Duration.ofSeconds(60)), pool));
        return closings;
    }

    private static List<Wire.Closing> join(List<CompletableFuture<Wire.Closing>> futures) throws Exception
    {
        List<Wire.Closing> result = new ArrayList<>();
        for (CompletableFuture<Wire.Closing> f : futures)
            result.add(f.get(90, TimeUnit.SECONDS));
        return result;
    }

    /** Polls the webapp until {@code count} requests are inside servlets. */
    static void awaitInFlight(int port, int count, Duration timeout) throws Exception
    {
        Await.until(count + " request(s) in flight", timeout, Duration.ofMillis(10), () -> Jetty.inFlight(port), n -> n >= count);
    }
}
