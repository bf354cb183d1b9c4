package dev.gracefuldrain;

import java.util.Locale;

/**
 * The drain's phase, read on every request: serving, then (stop requested) advertising (optional
 * pre-stop delay), draining, forcing (timeout), stopped. Maintenance is a drain without a stop, and
 * can go back to serving.
 */
final class Phases
{
    enum Phase
    {
        SERVING, MAINTENANCE, ADVERTISING, DRAINING, FORCING, STOPPED
    }

    private volatile Phase phase = Phase.SERVING;

    Phase get()
    {
        return phase;
    }

    void set(Phase next)
    {
        phase = next;
    }

    /** @return true if the phase was {@code from} and is now {@code to} */
    synchronized boolean move(Phase from, Phase to)
    {
        if (phase != from)
            return false;
        phase = to;
        return true;
    }

    /**
     * @return true once idle connections are being closed and each response ends its connection: the
     * drain (listeners closed), and maintenance (listeners open)
     */
    boolean isDraining()
    {
        Phase p = phase;
        return p != Phase.SERVING && p != Phase.ADVERTISING;
    }

    /** @return true from the drain on (not maintenance): what is busy now is part of the drain's report */
    boolean isStopping()
    {
        Phase p = phase;
        return p == Phase.DRAINING || p == Phase.FORCING || p == Phase.STOPPED;
    }

    /** @return true while every response must tell its client to go: the pre-stop delay, or maintenance */
    boolean isTellingClientsToGo()
    {
        Phase p = phase;
        return p == Phase.ADVERTISING || p == Phase.MAINTENANCE;
    }

    boolean isAdvertising()
    {
        return phase == Phase.ADVERTISING;
    }

    /** What the readiness endpoint reports: the phase, and nothing else. */
    String readiness()
    {
        return phase.name().toLowerCase(Locale.ROOT);
    }
}
