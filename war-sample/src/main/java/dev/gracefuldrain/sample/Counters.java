package dev.gracefuldrain.sample;

import java.util.concurrent.atomic.AtomicLong;

/** What the webapp has seen, so tests can tell which requests were really handled. */
final class Counters
{
    static final AtomicLong STARTED = new AtomicLong();
    static final AtomicLong IN_FLIGHT = new AtomicLong();

    private Counters()
    {
    }

    static void begin()
    {
        STARTED.incrementAndGet();
        IN_FLIGHT.incrementAndGet();
    }

    static void end()
    {
        IN_FLIGHT.decrementAndGet();
    }

    /**
     * Sleeps while counted as a request in flight.
     * @return false if the sleep was interrupted (the thread's interrupt status is kept)
     */
    static boolean sleepInFlight(long ms)
    {
        begin();
        try
        {
            Thread.sleep(ms);
            return true;
        }
        catch (InterruptedException x)
        {
            Thread.currentThread().interrupt();
            return false;
        }
        finally
        {
            end();
        }
    }
}
