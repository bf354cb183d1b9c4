package dev.gracefuldrain;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.eclipse.jetty.util.thread.Scheduler;

/**
 * The drain's clocks, all from the stop request: the timeout ({@code jetty.drain.timeout}), the stream
 * budget for long responses and the handshake budget for TLS handshakes. They run on the drain's own
 * scheduler thread; each fires at most once, and all are cancelled when the drain completes.
 */
final class Deadlines
{
    private final Scheduler scheduler;
    private final DrainSettings settings;
    private final List<Scheduler.Task> tasks = new ArrayList<>();
    private boolean handshakeArmed;

    Deadlines(Scheduler scheduler, DrainSettings settings)
    {
        this.scheduler = scheduler;
        this.settings = settings;
    }

    /** Armed after the sweep, so that the FINs never wait for it; counted from the stop request all the same. */
    synchronized void timeout(long elapsedMs, Runnable abort)
    {
        tasks.add(scheduler.schedule(abort, Math.max(0, settings.getTimeoutMs() - elapsedMs), TimeUnit.MILLISECONDS));
    }

    synchronized void streamBudget(long elapsedMs, Runnable endLongResponses)
    {
        tasks.add(scheduler.schedule(endLongResponses, Math.max(0, settings.getStreamTimeoutMs() - elapsedMs), TimeUnit.MILLISECONDS));
    }

    /**
     * Armed once, at the first TLS handshake found: a connection accepted just before the listener
     * closed waits no longer than one the sweep found.
     */
    synchronized void handshakeBudget(long elapsedMs, Runnable cutHandshakes)
    {
        if (handshakeArmed)
            return;
        handshakeArmed = true;
        long left = Math.max(0, settings.getHandshakeTimeoutMs() - elapsedMs);
        tasks.add(scheduler.schedule(cutHandshakes, left, TimeUnit.MILLISECONDS));
    }

    synchronized void cancel()
    {
        tasks.forEach(Scheduler.Task::cancel);
        tasks.clear();
    }
}
