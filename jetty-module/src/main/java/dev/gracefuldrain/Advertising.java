package dev.gracefuldrain;

import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;

import org.eclipse.jetty.util.NanoTime;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Telling clients to go while still serving: the pre-stop delay before a drain, and maintenance.
 * <p>Meanwhile the readiness endpoint answers 503 and every HTTP/1.1 response carries
 * {@code Connection: close} ({@link DrainHandler}), so that load balancers and pooled clients move
 * away; the listeners stay open, so nothing is refused.</p>
 */
final class Advertising
{
    /** The drain's own logger name: operators filter on it, whichever class writes the line. */
    private static final Logger LOG = LoggerFactory.getLogger("dev.gracefuldrain.Drain");

    private final Phases phases;
    private final long delayMs;
    private final long quietMs;
    private volatile long lastActivityNanos;
    private boolean skip;

    Advertising(Phases phases, DrainSettings settings)
    {
        this.phases = phases;
        this.delayMs = settings.getPreStopDelayMs();
        this.quietMs = settings.getQuietPeriodMs();
    }

    boolean hasDelay()
    {
        return delayMs > 0;
    }

    /**
     * The pre-stop delay, on the stopping thread: returns when {@code jetty.drain.preStopDelay} is
     * over, after {@code jetty.drain.quietPeriod} without a request (readiness probes aside), or at a
     * second stop request ({@link #skip()}). Returns at once when there is no delay.
     */
    void advertise()
    {
        if (delayMs <= 0)
            return;
        long quietNanos = TimeUnit.MILLISECONDS.toNanos(quietMs);
        long start = NanoTime.now();
        long deadline = start + TimeUnit.MILLISECONDS.toNanos(delayMs);
        lastActivityNanos = start;
        phases.set(Phases.Phase.ADVERTISING);
        LOG.info("graceful-drain: stop requested; advertising for up to {} ms (readiness 503, Connection: close on every response), ending after {} ms without a request",
            delayMs, quietMs);
        String ended;
        synchronized (this)
        {
            while (true)
            {
                long now = NanoTime.now();
                long quietEnd = lastActivityNanos + quietNanos;
                if (skip)
                {
                    ended = "a second stop request";
                    break;
                }
                if (now - deadline >= 0)
                {
                    ended = "the delay is over";
                    break;
                }
                if (quietNanos > 0 && now - quietEnd >= 0)
                {
                    ended = "no request for " + quietMs + " ms";
                    break;
                }
                long until = quietNanos > 0 && quietEnd - deadline < 0 ? quietEnd : deadline;
                try
                {
                    wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(until - now)));
                }
                catch (InterruptedException x)
                {
                    Thread.currentThread().interrupt();
                    ended = "an interrupt";
                    break;
                }
            }
        }
        LOG.info("graceful-drain: advertised for {} ms, ended by {}", TimeUnit.NANOSECONDS.toMillis(NanoTime.since(start)), ended);
    }

    /** A request other than a readiness probe arrived while advertising: the quiet period starts over. */
    void onActivity()
    {
        lastActivityNanos = NanoTime.now();
    }

    /** A second stop request: skip what is left of the pre-stop delay; the drain goes on as usual. */
    synchronized void skip()
    {
        skip = true;
        notifyAll();
    }

    /**
     * A maintenance drain, without stopping: idle and never-used connections are closed now
     * ({@code closeIdle}), and from then on every response ends its connection.
     */
    String startMaintenance(IntSupplier closeIdle)
    {
        if (!phases.move(Phases.Phase.SERVING, Phases.Phase.MAINTENANCE))
            return "not serving: " + phases.readiness();
        int idle = closeIdle.getAsInt();
        LOG.info("graceful-drain: maintenance: readiness 503, Connection: close on every response; closed {} idle or never-used connection(s)", idle);
        return "maintenance: closed " + idle + " idle or never-used connection(s)";
    }

    String resumeServing()
    {
        if (!phases.move(Phases.Phase.MAINTENANCE, Phases.Phase.SERVING))
            return "not in maintenance: " + phases.readiness();
        LOG.info("graceful-drain: maintenance over: serving");
        return "serving";
    }
}
