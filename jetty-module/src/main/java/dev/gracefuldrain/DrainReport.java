package dev.gracefuldrain;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.eclipse.jetty.util.NanoTime;

/** What one drain did, counted as it happens; {@link #summary()} is the line an operator reads. */
final class DrainReport
{
    private final long startNanos = NanoTime.now();
    private final AtomicInteger idleClosed = new AtomicInteger();
    private final AtomicInteger neverUsedClosed = new AtomicInteger();
    private final AtomicInteger busyFound = new AtomicInteger();
    private final AtomicInteger closingFound = new AtomicInteger();
    private final AtomicInteger busyFinished = new AtomicInteger();
    private final AtomicInteger busyAborted = new AtomicInteger();
    private final AtomicInteger lateRequestsRefused = new AtomicInteger();
    private volatile long drainMs = -1;

    void found(TrackedConnection.Found found)
    {
        switch (found)
        {
            case IDLE -> idleClosed.incrementAndGet();
            case NEVER_USED -> neverUsedClosed.incrementAndGet();
            case BUSY -> busyFound.incrementAndGet();
            case DONE -> closingFound.incrementAndGet();
        }
    }

    void ended(TrackedConnection.Ending ending)
    {
        switch (ending)
        {
            case FINISHED -> busyFinished.incrementAndGet();
            case ABORTED -> busyAborted.incrementAndGet();
            default ->
            {
            }
        }
    }

    void lateRequestRefused()
    {
        lateRequestsRefused.incrementAndGet();
    }

    void finish()
    {
        drainMs = elapsedMs();
    }

    long elapsedMs()
    {
        return TimeUnit.NANOSECONDS.toMillis(NanoTime.since(startNanos));
    }

    int idleClosed()
    {
        return idleClosed.get();
    }

    int neverUsedClosed()
    {
        return neverUsedClosed.get();
    }

    /** Busy connections the drain found, left to finish. */
    int busyFound()
    {
        return busyFound.get();
    }

    /** Connections the drain found already lingering or closed. */
    int closingFound()
    {
        return closingFound.get();
    }

    int busyFinished()
    {
        return busyFinished.get();
    }

    int busyAborted()
    {
        return busyAborted.get();
    }

    String summary()
    {
        return String.format("idle closed=%d, never-used closed=%d, busy finished=%d, busy aborted=%d, late requests refused=%d, drain time=%d ms",
            idleClosed.get(), neverUsedClosed.get(), busyFinished.get(), busyAborted.get(), lateRequestsRefused.get(), drainMs);
    }
}
