package dev.gracefuldrain;

import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;

import org.eclipse.jetty.util.NanoTime;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What one drain did, counted by protocol as it happens, and every line the drain logs about it; the
 * summary ({@link #finish}) is the line an operator reads, and what the stop command shows.
 */
final class DrainReport
{
    /** The drain's own logger name: operators filter on it, whichever class writes the line. */
    private static final Logger LOG = LoggerFactory.getLogger("dev.gracefuldrain.Drain");
    private static final Protocol[] PROTOCOLS = Protocol.values();

    private enum Count
    {
        IDLE_CLOSED, NEVER_USED_CLOSED, BUSY_FOUND, CLOSING_FOUND, BUSY_FINISHED, BUSY_ABORTED
    }

    private static final int COUNTS = Count.values().length;

    private final long startNanos = NanoTime.now();
    private final AtomicIntegerArray counts = new AtomicIntegerArray(PROTOCOLS.length * COUNTS);
    private final AtomicInteger handshakesWaited = new AtomicInteger();
    private final AtomicInteger handshakesCut = new AtomicInteger();
    private final AtomicInteger lateRequestsRefused = new AtomicInteger();
    private final AtomicInteger streamsRefused = new AtomicInteger();
    private final AtomicInteger longResponsesEnded = new AtomicInteger();
    private volatile long drainMs = -1;

    private void add(Protocol protocol, Count count)
    {
        counts.incrementAndGet(protocol.ordinal() * COUNTS + count.ordinal());
    }

    private void takeBack(Protocol protocol, Count count)
    {
        counts.decrementAndGet(protocol.ordinal() * COUNTS + count.ordinal());
    }

    private int get(Protocol protocol, Count count)
    {
        return counts.get(protocol.ordinal() * COUNTS + count.ordinal());
    }

    private int total(Count count)
    {
        int total = 0;
        for (Protocol protocol : PROTOCOLS)
            total += get(protocol, count);
        return total;
    }

    void found(Protocol protocol, Found found)
    {
        switch (found)
        {
            case IDLE -> add(protocol, Count.IDLE_CLOSED);
            case NEVER_USED -> add(protocol, Count.NEVER_USED_CLOSED);
            case BUSY, READING -> add(protocol, Count.BUSY_FOUND);
            case LINGERING -> add(protocol, Count.CLOSING_FOUND);
            case HANDSHAKE -> handshakesWaited.incrementAndGet();
            case HANDSHAKE_CLOSED -> handshakesCut.incrementAndGet();
            case CLOSED, YOUNG ->
            {
                // gone before the drain reached it: not part of this drain; or young: counted once it is decided
            }
        }
    }

    /**
     * A connection found with a request on its way (counted busy) turned out to have none: reading its
     * bytes from another thread is a hint, and Jetty's buffer looks non-empty while it fills. Counted
     * again as what it was.
     */
    void notBusyAfterAll(Protocol protocol, Found found)
    {
        takeBack(protocol, Count.BUSY_FOUND);
        found(protocol, found);
    }

    void ended(Protocol protocol, Ending ending)
    {
        switch (ending)
        {
            case FINISHED -> add(protocol, Count.BUSY_FINISHED);
            case ABORTED -> add(protocol, Count.BUSY_ABORTED);
            case NEVER_BEGAN -> takeBack(protocol, Count.BUSY_FOUND);
            case NOT_BUSY ->
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

    int busyFound()
    {
        return total(Count.BUSY_FOUND);
    }

    int busyFinished()
    {
        return total(Count.BUSY_FINISHED);
    }

    int busyAborted()
    {
        return total(Count.BUSY_ABORTED);
    }

    int closingFound()
    {
        return total(Count.CLOSING_FOUND);
    }

    int handshakesWaited()
    {
        return handshakesWaited.get();
    }

    /** One entry per protocol that has a count (h1 always, the usual case), one or two counts each. */
    private String byProtocol(Count first, String firstName, Count second, String secondName)
    {
        StringBuilder line = new StringBuilder();
        for (Protocol protocol : PROTOCOLS)
        {
            int a = get(protocol, first);
            int b = second == null ? 0 : get(protocol, second);
            if (protocol != Protocol.H1 && a + b == 0)
                continue;
            if (!line.isEmpty())
                line.append(", ");
            line.append(protocol.label).append(firstName).append(a);
            if (second != null)
                line.append(secondName).append(b);
        }
        return line.toString();
    }

    void listenersClosed(long ms, boolean advertised)
    {
        LOG.info("graceful-drain: {}listeners closed in {} ms", advertised ? "" : "stop requested; ", ms);
    }

    /** Logged after the FINs are out, so that logging never delays them; it says when it happened. */
    void swept(long timeoutMs)
    {
        LOG.info("graceful-drain: idle closed in {} ms: {}; busy left to finish within {} ms: {}; already closing: {}; in TLS handshake: {}",
            elapsedMs(), byProtocol(Count.IDLE_CLOSED, " idle=", Count.NEVER_USED_CLOSED, " never-used="), timeoutMs,
            byProtocol(Count.BUSY_FOUND, " ", null, null), closingFound(), handshakesWaited());
    }

    void handshakeCut()
    {
        handshakesCut.incrementAndGet();
    }

    void longResponsesEnded(long budgetMs, int count)
    {
        longResponsesEnded.addAndGet(count);
        LOG.info("graceful-drain: stream budget of {} ms over: ended {} long response(s)", budgetMs, count);
    }

    void forcing(Map<Protocol, Integer> left)
    {
        StringBuilder kinds = new StringBuilder();
        left.forEach((protocol, count) -> kinds.append(kinds.isEmpty() ? "" : ", ").append(protocol.label).append(' ').append(count));
        LOG.warn("graceful-drain: forcing at {} ms: timeout reached, aborting {} connection(s)", elapsedMs(), kinds);
    }

    void cut(String request)
    {
        LOG.warn("graceful-drain: cut {}", request);
    }

    /**
     * The drain is complete: logs how the busy connections ended and the summary.
     * @return the summary: the totals (the same fields as ever, for scripts), requests since start, counts by protocol
     */
    String finish(long requests, long requestFailures)
    {
        drainMs = elapsedMs();
        String busy = byProtocol(Count.BUSY_FINISHED, " finished=", Count.BUSY_ABORTED, " aborted=");
        if (busyAborted() == 0)
            LOG.info("graceful-drain: busy finished in {} ms: {}", drainMs, busy);
        else
            LOG.info("graceful-drain: forced in {} ms: {}", drainMs, busy);
        String summary = String.format("idle closed=%d, never-used closed=%d, busy finished=%d, busy aborted=%d, late requests refused=%d, drain time=%d ms"
                + "; since start: requests=%d, request failures=%d"
                + "; closed at once: %s; busy: %s; tls-handshake waited=%d cut=%d; h2 streams refused=%d; long responses ended=%d",
            idleClosed(), neverUsedClosed(), busyFinished(), busyAborted(), lateRequestsRefused.get(), drainMs,
            requests, requestFailures,
            byProtocol(Count.IDLE_CLOSED, " idle=", Count.NEVER_USED_CLOSED, " never-used="), busy,
            handshakesWaited.get(), handshakesCut.get(), streamsRefused.get(), longResponsesEnded.get());
        LOG.info("graceful-drain: drained: {}", summary);
        return summary;
    }
}
