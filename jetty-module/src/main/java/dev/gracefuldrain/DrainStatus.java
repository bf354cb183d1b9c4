package dev.gracefuldrain;

import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What a drain can be asked while the server runs: its phase, the connections it tracks, the requests
 * it counted, the last drain's summary; and maintenance. The same for embedding code
 * ({@link Drain#status()}) and for JMX ({@code dev.gracefuldrain:type=drain}, see {@code jmx.DrainMBean}).
 */
public final class DrainStatus
{
    private final Drain drain;
    private final AtomicInteger drains = new AtomicInteger();
    private volatile String lastSummary = "";

    DrainStatus(Drain drain)
    {
        this.drain = drain;
    }

    /** @return SERVING, MAINTENANCE, ADVERTISING, DRAINING, FORCING or STOPPED */
    public String getPhase()
    {
        return drain.phases().get().name();
    }

    /** @return the connections tracked on the managed connectors */
    public int getConnections()
    {
        ConnectionTracker tracker = drain.tracker();
        return tracker == null ? 0 : tracker.size();
    }

    /** @return the tracked connections by state, e.g. {@code never-used=1 idle=20 busy=5 lingering=0} */
    public String getConnectionStates()
    {
        ConnectionTracker tracker = drain.tracker();
        return tracker == null ? "" : tracker.states();
    }

    /** @return requests handled since start, readiness probes aside */
    public int getRequests()
    {
        return (int)drain.requestCounts().total();
    }

    /** @return requests being handled now, readiness probes aside */
    public int getRequestsActive()
    {
        return drain.requestCounts().active();
    }

    /** @return how many drains have completed since the server was created */
    public int getDrains()
    {
        return drains.get();
    }

    /** @return the summary of the last drain, empty before the first */
    public String getLastDrainSummary()
    {
        return lastSummary;
    }

    /**
     * The drain notice: completes when the drain begins, with the time long responses have left
     * ({@code jetty.drain.streamTimeout}); the same object webapps find in the context attribute
     * {@code dev.gracefuldrain.draining}. A restart of the server gives a new one once this one completed.
     */
    public CompletionStage<Duration> drainNotice()
    {
        return drain.notice.stage();
    }

    void drained(String summary)
    {
        lastSummary = summary;
        drains.incrementAndGet();
    }

    /**
     * Starts a maintenance drain, without stopping: readiness 503, {@code Connection: close} on every
     * response, idle and never-used connections closed now; the listeners stay open.
     * @return what it did, or why not
     */
    public String startMaintenance()
    {
        return drain.startMaintenance();
    }

    /** @return "serving", or why not */
    public String resumeServing()
    {
        return drain.resumeServing();
    }
}
