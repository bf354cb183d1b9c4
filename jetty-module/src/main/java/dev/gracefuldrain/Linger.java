package dev.gracefuldrain;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.eclipse.jetty.util.NanoTime;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * Closes connections that have lingered (FIN sent, still read) for {@code jetty.drain.lingerTimeout}
 * without their client closing. One task for all of them, instead of a timer per connection: at the
 * drain's start the sweep half-closes thousands of connections at once, and rescheduling each one's
 * idle timeout would cost more than its FIN.
 */
final class Linger
{
    private final ConnectionTracker tracker;
    private final Scheduler scheduler;
    private final long lingerNanos;
    private final long tickMs;
    private final AtomicBoolean scheduled = new AtomicBoolean();

    Linger(ConnectionTracker tracker, Scheduler scheduler, long lingerMs)
    {
        this.tracker = tracker;
        this.scheduler = scheduler;
        this.lingerNanos = TimeUnit.MILLISECONDS.toNanos(lingerMs);
        // Closes within a quarter of the linger (at most 100 ms) after it is over.
        this.tickMs = Math.max(10, Math.min(100, lingerMs / 4));
    }

    /** A connection began to linger: make sure a reaper is coming. */
    void started()
    {
        if (scheduled.compareAndSet(false, true))
            scheduler.schedule(this::reap, tickMs, TimeUnit.MILLISECONDS);
    }

    private void reap()
    {
        // Cleared first: a linger that starts while this runs schedules the next reaper itself.
        scheduled.set(false);
        long now = NanoTime.now();
        boolean more = false;
        for (TrackedConnection connection : tracker.all())
        {
            switch (connection.lingering(now, lingerNanos))
            {
                case OVER -> connection.close();
                case GOING_ON -> more = true;
                default ->
                {
                }
            }
        }
        if (more)
            started();
    }
}
