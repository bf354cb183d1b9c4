package dev.gracefuldrain;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;

import org.eclipse.jetty.util.NanoTime;

/** What one drain did, counted by protocol as it happens; {@link #summary()} is the line an operator reads. */
final class DrainReport
{
    private static final TrackedConnection.Kind[] KINDS = TrackedConnection.Kind.values();

    private enum Count
    {
        IDLE_CLOSED, NEVER_USED_CLOSED, BUSY_FOUND, CLOSING_FOUND, BUSY_FINISHED, BUSY_ABORTED
    }

    private static final int COUNTS = Count.values().length;

    private final long startNanos = NanoTime.now();
    private final AtomicIntegerArray counts = new AtomicIntegerArray(KINDS.length * COUNTS);
    private final AtomicInteger handshakesWaited = new AtomicInteger();
    private final AtomicInteger handshakesCut = new AtomicInteger();
    private final AtomicInteger lateRequestsRefused = new AtomicInteger();
    private final AtomicInteger streamsRefused = new AtomicInteger();
    private final AtomicInteger longResponsesEnded = new AtomicInteger();
    private volatile long drainMs = -1;

    private void add(TrackedConnection.Kind kind, Count count)
    {
        counts.incrementAndGet(kind.ordinal() * COUNTS + count.ordinal());
    }

    private int get(TrackedConnection.Kind kind, Count count)
    {
        return counts.get(kind.ordinal() * COUNTS + count.ordinal());
    }

    private int total(Count count)
    {
        int total = 0;
        for (TrackedConnection.Kind kind : KINDS)
            total += get(kind, count);
        return total;
    }

    void found(TrackedConnection.Kind kind, TrackedConnection.Found found)
    {
        switch (found)
        {
            case IDLE -> add(kind, Count.IDLE_CLOSED);
            case NEVER_USED -> add(kind, Count.NEVER_USED_CLOSED);
            case BUSY -> add(kind, Count.BUSY_FOUND);
            case DONE -> add(kind, Count.CLOSING_FOUND);
            case HANDSHAKE -> handshakesWaited.incrementAndGet();
            case HANDSHAKE_CLOSED -> handshakesCut.incrementAndGet();
        }
    }

    void ended(TrackedConnection.Kind kind, TrackedConnection.Ending ending)
    {
        switch (ending)
        {
            case FINISHED -> add(kind, Count.BUSY_FINISHED);
            case ABORTED -> add(kind, Count.BUSY_ABORTED);
            default ->
            {
            }
        }
    }

    void lateRequestRefused()
    {
        lateRequestsRefused.incrementAndGet();
    }

    void streamRefused()
    {
        streamsRefused.incrementAndGet();
    }

    void longResponsesEnded(int count)
    {
        longResponsesEnded.addAndGet(count);
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
        return total(Count.IDLE_CLOSED);
    }

    int neverUsedClosed()
    {
        return total(Count.NEVER_USED_CLOSED);
    }

    int busyFinished()
    {
        return total(Count.BUSY_FINISHED);
    }

    int busyAborted()
    {
        return total(Count.BUSY_ABORTED);
    }

    int handshakesWaited()
    {
        return handshakesWaited.get();
    }

    /** e.g. "h1 idle=20 never-used=5, h2 idle=2 never-used=0": the protocols seen, in a fixed order. */
    String closedAtOnce()
    {
        return byKind(Count.IDLE_CLOSED, " idle=", Count.NEVER_USED_CLOSED, " never-used=");
    }

    /** e.g. "h1 5, h2 1, ws 2" */
    String busyLeft()
    {
        return byKind(Count.BUSY_FOUND, " ", null, null);
    }

    int closingFound()
    {
        return total(Count.CLOSING_FOUND);
    }

    /** e.g. "h1 finished=5 aborted=0, ws finished=2 aborted=0" */
    String busyEnded()
    {
        return byKind(Count.BUSY_FINISHED, " finished=", Count.BUSY_ABORTED, " aborted=");
    }

    /** One entry per protocol that has a count (h1 always, the usual case), one or two counts each. */
    private String byKind(Count first, String firstName, Count second, String secondName)
    {
        StringBuilder line = new StringBuilder();
        for (TrackedConnection.Kind kind : KINDS)
        {
            int a = get(kind, first);
            int b = second == null ? 0 : get(kind, second);
            if (kind != TrackedConnection.Kind.H1 && a + b == 0)
                continue;
            if (!line.isEmpty())
                line.append(", ");
            line.append(kind.label).append(firstName).append(a);
            if (second != null)
                line.append(secondName).append(b);
        }
        return line.toString();
    }

    /** The totals: the same fields as ever, so that scripts reading them keep working. */
    String summary()
    {
        return String.format("idle closed=%d, never-used closed=%d, busy finished=%d, busy aborted=%d, late requests refused=%d, drain time=%d ms",
            idleClosed(), neverUsedClosed(), busyFinished(), busyAborted(), lateRequestsRefused.get(), drainMs);
    }

    /** The counts by protocol, and what only some protocols have. */
    String byProtocol()
    {
        return String.format("closed at once: %s; busy: %s; tls-handshake waited=%d cut=%d; h2 streams refused=%d; long responses ended=%d",
            closedAtOnce(), busyEnded(), handshakesWaited.get(), handshakesCut.get(), streamsRefused.get(), longResponsesEnded.get());
    }
}
