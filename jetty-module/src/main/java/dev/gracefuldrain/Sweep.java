package dev.gracefuldrain;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.eclipse.jetty.io.EofException;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.NanoTime;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * Finds every tracked connection and closes the idle and never-used ones, counting what it found; at
 * the budgets and the timeout, ends what is left.
 * <p>Runs on the stopping thread, helped for thousands of connections by threads of its own, never by
 * the server's thread pool: at a stop under load every worker may be busy, and the FINs must not
 * wait behind queued requests. Nearly all of a large sweep is the kernel's shutdown(2), which on
 * loopback also wakes the peer, so it is split into twice as many parts as there are cores.</p>
 * <p>A connection with a request on its way (sent before the stop, not yet handled) is busy; it is
 * looked at again every {@value #RECHECK_MS} ms until its request begins, or it turns out idle and is
 * closed.</p>
 */
final class Sweep
{
    /** Connections per part of a parallel sweep: below this, one thread is faster than handing work over. */
    private static final int PART = 256;
    private static final long RECHECK_MS = 5;
    private static final long MAX_PART_WAIT_MS = 5000;

    private final ConnectionTracker tracker;
    private final Scheduler scheduler;
    private final Set<TrackedConnection> reading = ConcurrentHashMap.newKeySet();
    /** Of those, the never-used ones given {@link TrackedConnection#YOUNG_MS} for a first byte: not counted yet. */
    private final Set<TrackedConnection> young = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean recheckScheduled = new AtomicBoolean();
    private volatile Set<Integer> probes = Set.of();
    private volatile boolean handshakesOver;

    Sweep(ConnectionTracker tracker, Scheduler scheduler)
    {
        this.tracker = tracker;
        this.scheduler = scheduler;
    }

    /** The local ports of the listener check's probes: their connections are closed, not counted. */
    void ignoreProbes(Set<Integer> ports)
    {
        probes = ports;
    }

    /** Every connection, now. */
    void all(DrainReport report, Http2Drain.Context http2)
    {
        TrackedConnection[] all = tracker.snapshot();
        int parts = Math.max(1, Math.min(2 * Runtime.getRuntime().availableProcessors(), all.length / PART));
        Thread[] helpers = new Thread[parts - 1];
        for (int part = 1; part < parts; part++)
        {
            int from = part * all.length / parts;
            int to = (part + 1) * all.length / parts;
            helpers[part - 1] = new Thread(() -> range(all, from, to, report, http2), "graceful-drain-sweep-" + part);
            helpers[part - 1].setDaemon(true);
            helpers[part - 1].start();
        }
        range(all, 0, all.length / parts, report, http2);
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(MAX_PART_WAIT_MS);
        try
        {
            // Bounded: a part not done by then is still done by its thread, only not before the log line.
            for (Thread helper : helpers)
                helper.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
        }
        catch (InterruptedException x)
        {
            Thread.currentThread().interrupt();
        }
    }

    private void range(TrackedConnection[] all, int from, int to, DrainReport report, Http2Drain.Context http2)
    {
        for (int i = from; i < to; i++)
            one(all[i], report, http2);
    }

    /**
     * One connection: at the sweep, when it opened during the drain, or when its TLS handshake ended.
     * @return what was found, already counted
     */
    Found one(TrackedConnection connection, DrainReport report, Http2Drain.Context http2)
    {
        // A probe sends nothing and counts for nothing: found as maintenance finds a connection (no grace when young).
        boolean probe = isProbe(connection);
        Found found = connection.drain(tracker.inTlsHandshake(connection), handshakesOver, http2, !probe, f ->
        {
            if (!probe)
                report.found(connection.protocol(), f);
        });
        if (found == Found.YOUNG)
            young.add(connection);
        if (found == Found.READING || found == Found.YOUNG)
            recheck(connection, report, http2);
        return found;
    }

    /**
     * HTTP/2: waits, at most one PING round trip ({@link Http2Drain#MAX_PING_WAIT_MS}), until every final
     * GOAWAY is out. Jetty's own HTTP/2 shutdown comes next in {@code Server.stop()}: it must find them out.
     */
    void awaitFinalGoAways()
    {
        long deadline = NanoTime.now() + TimeUnit.MILLISECONDS.toNanos(Http2Drain.MAX_PING_WAIT_MS + 100);
        for (TrackedConnection connection : tracker.all())
            connection.awaitFinalGoAway(deadline);
    }

    /** The handshake budget is over: cut what is still in its TLS handshake. */
    void cutHandshakes(DrainReport report, Http2Drain.Context http2)
    {
        handshakesOver = true;
        for (TrackedConnection connection : tracker.all())
        {
            if (connection.state() == TrackedConnection.State.NEVER_USED && tracker.inTlsHandshake(connection))
            {
                boolean probe = isProbe(connection);
                connection.drain(true, true, http2, true, found ->
                {
                    if (found == Found.HANDSHAKE_CLOSED && !probe)
                        report.handshakeCut();
                });
            }
        }
    }

    /** Maintenance: close idle and never-used connections, keep the listeners open; no drain counts them. */
    int closeIdle(Http2Drain.Context http2)
    {
        int closed = 0;
        for (TrackedConnection connection : tracker.snapshot())
        {
            Found found = connection.drain(tracker.inTlsHandshake(connection), false, http2, false, f -> { });
            if (found == Found.IDLE || found == Found.NEVER_USED)
                closed++;
        }
        return closed;
    }

    /** The stream budget is over: end the long responses still running; counted before they end. */
    void endLongResponses(DrainReport report, long budgetMs)
    {
        List<Callback[]> ending = new ArrayList<>();
        int count = 0;
        for (TrackedConnection connection : tracker.all())
        {
            Callback[] callbacks = connection.takeLongResponses();
            count += callbacks.length;
            if (callbacks.length > 0)
                ending.add(callbacks);
        }
        if (count > 0)
            report.longResponsesEnded(budgetMs, count);
        for (Callback[] callbacks : ending)
        {
            for (Callback callback : callbacks)
                callback.failed(new EofException("graceful-drain: long response ended at the stream budget"));
        }
    }

    /** The timeout: say what is cut, then close what is left; the last close completes the drain. */
    void force(DrainReport report)
    {
        report.forcing(tracker.byProtocol());
        long now = NanoTime.now();
        TrackedConnection[] left = tracker.snapshot();
        for (TrackedConnection connection : left)
        {
            for (String cut : connection.abort(now))
                report.cut(cut);
        }
        for (TrackedConnection connection : left)
            connection.close();
    }

    private void recheck(TrackedConnection connection, DrainReport report, Http2Drain.Context http2)
    {
        reading.add(connection);
        if (recheckScheduled.compareAndSet(false, true))
            scheduler.schedule(() -> recheckReading(report, http2), RECHECK_MS, TimeUnit.MILLISECONDS);
    }

    private void recheckReading(DrainReport report, Http2Drain.Context http2)
    {
        recheckScheduled.set(false);
        for (TrackedConnection connection : reading)
        {
            // A young one is counted once decided; one found reading was counted busy, unless it turns out idle.
            Found found = connection.drain(tracker.inTlsHandshake(connection), handshakesOver, http2, true, f ->
            {
                if (f == Found.YOUNG || isProbe(connection))
                    return;
                if (young.remove(connection))
                    report.found(connection.protocol(), f);
                else if (f == Found.IDLE || f == Found.NEVER_USED)
                    report.notBusyAfterAll(connection.protocol(), f);
            });
            if (found != Found.READING && found != Found.YOUNG)
                reading.remove(connection);
        }
        if (!reading.isEmpty() && recheckScheduled.compareAndSet(false, true))
            scheduler.schedule(() -> recheckReading(report, http2), RECHECK_MS, TimeUnit.MILLISECONDS);
    }

    private boolean isProbe(TrackedConnection connection)
    {
        // A probe's port stays taken for the drain's whole length: it closed first, so it sits in TIME_WAIT.
        Set<Integer> ports = probes;
        return !ports.isEmpty() && ports.contains(connection.remotePort());
    }
}
