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
}
