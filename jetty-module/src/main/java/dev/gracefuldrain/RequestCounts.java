package dev.gracefuldrain;

import java.util.concurrent.atomic.LongAdder;

/** Requests since start, failures and requests active, readiness probes aside; counted by {@link DrainHandler}. */
final class RequestCounts
{
    // Adders, not one shared atomic: every request on every thread touches them.
    private final LongAdder total = new LongAdder();
    private final LongAdder ended = new LongAdder();
    private final LongAdder failures = new LongAdder();

    void begun()
    {
        total.increment();
    }

    void ended(Throwable failure)
    {
        ended.increment();
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

    /** @return begun minus ended: exact when nothing is in flight, a snapshot otherwise */
    int active()
    {
        long done = ended.sum();
        return (int)Math.max(0, total.sum() - done);
    }
}
