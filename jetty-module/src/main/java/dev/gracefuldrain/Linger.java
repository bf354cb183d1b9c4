package dev.gracefuldrain;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.eclipse.jetty.util.NanoTime;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * Closes connections that have lingered (FIN sent, still read) for {@code jetty.drain.lingerTimeout}
 * without their client closing. One queue and one task for all of them, not a timer per connection:
 * the sweep half-closes thousands at once, and rescheduling each one's idle timeout would cost more
 * than its FIN. Every linger lasts as long, so the queue is in expiry order and the reaper only
 * touches entries that are due.
 */
final class Linger
{
    /** A connection that can linger. */
    interface Lingering
    {
        /** @return true if it still lingers, from that same start (not closed, not lingering anew) */
        boolean lingeringSince(long sinceNanos);

        void close();
    }

    private record Entry(Lingering connection, long sinceNanos)
    {
    }

    private final Queue<Entry> queue = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean scheduled = new AtomicBoolean();
    private final Scheduler scheduler;
    private final long lingerNanos;

    Linger(Scheduler scheduler, long lingerMs)
    {
        this.scheduler = scheduler;
        this.lingerNanos = TimeUnit.MILLISECONDS.toNanos(lingerMs);
    }

    /** A connection began to linger at {@code sinceNanos}. */
    void add(Lingering connection, long sinceNanos)
    {
        queue.add(new Entry(connection, sinceNanos));
        scheduleReaper();
    }

    private void scheduleReaper()
    {
        Entry head = queue.peek();
        if (head == null || !scheduled.compareAndSet(false, true))
            return;
        long dueNanos = head.sinceNanos + lingerNanos - NanoTime.now();
        // At least 1 ms apart: lingers that end together are reaped together.
        scheduler.schedule(this::reap, Math.max(1, TimeUnit.NANOSECONDS.toMillis(dueNanos) + 1), TimeUnit.MILLISECONDS);
    }

    private void reap()
    {
        long now = NanoTime.now();
        for (Entry head = queue.peek(); head != null && now - head.sinceNanos >= lingerNanos; head = queue.peek())
        {
            queue.poll();
            if (head.connection.lingeringSince(head.sinceNanos))
                head.connection.close();
        }
        // Cleared before looking again: an entry added meanwhile either sees it cleared or is seen here.
        scheduled.set(false);
        scheduleReaper();
    }

    /** @return the lingers not reaped yet (some may have ended already, by their clients) */
    int pending()
    {
        return queue.size();
    }
}
