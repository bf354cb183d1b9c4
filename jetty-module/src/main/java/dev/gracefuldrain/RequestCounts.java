package dev.gracefuldrain;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/** Requests since start, failures and requests active, readiness probes aside; counted by {@link DrainHandler}. */
final class RequestCounts
{
    private final LongAdder total = new LongAdder();
    private final LongAdder failures = new LongAdder();
    private final AtomicInteger active = new AtomicInteger();

    void begun()
    {
        total.increment();
        active.incrementAndGet();
    }

    void ended(Throwable failure)
    {
        active.decrementAndGet();
        if (failure != null)
            failures.increment();
    }

    long total()
    {
        return total.sum();
    }

    long failures()
    {
        return failures.sum();
    }

    int active()
    {
        return active.get();
    }
}
