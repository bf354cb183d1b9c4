package dev.gracefuldrain;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.annotation.Name;
import org.eclipse.jetty.util.component.ContainerLifeCycle;
import org.eclipse.jetty.util.component.Graceful;
import org.eclipse.jetty.util.component.LifeCycle;
import org.eclipse.jetty.util.thread.ScheduledExecutorScheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The drain: a {@link Graceful} bean of the {@link Server}, between a stop request and the end of the
 * server's graceful stop. See {@link #drain()} for what it does, and does not do.
 * <p>It runs from the very start of {@code Server.stop()} (SIGTERM through the JVM hook, the
 * ShutdownService, {@code jetty.sh stop}, or embedded code), before Jetty's own connector shutdown.
 * Nothing on the stop path waits for a worker of the server's thread pool: the stopping thread does
 * the work, helped by threads of the drain's own (the sweep's helpers, the webapp notice) and one
 * scheduler thread for the drain's clocks, lingers and progress. Every wait is bounded.</p>
 */
public class Drain extends ContainerLifeCycle implements Graceful, ConnectionTracker.Events
{
    private static final Logger LOG = LoggerFactory.getLogger(Drain.class);
    /** Time the server's stop waits beyond our timeout, so that our abort, not Jetty's, ends the drain. */
    static final long ABORT_MARGIN_MS = 1000;
    /** How long a second stop request waits, beyond the server's stop timeout, for the drain in progress. */
    static final long REPEATED_STOP_GRACE_MS = 5000;

    private final Server server;
    private final DrainSettings settings;
    private final Phases phases = new Phases();
    private final RequestCounts requests = new RequestCounts();
    private final ScheduledExecutorScheduler scheduler = new ScheduledExecutorScheduler("graceful-drain", true);
    final DrainNotice notice;
    private final Http2Drain.Context http2 = new Http2Drain.Context(scheduler, this::streamRefused);
    private final DrainStatus status = new DrainStatus(this);
    private final LifeCycle.Listener stopping = new LifeCycle.Listener()
    {
        @Override
        public void lifeCycleStopping(LifeCycle server)
        {
            drain(); // the earliest moment of any stop request
        }
    };
    private volatile ConnectionTracker tracker;
    private volatile DrainReport report;
    private Listeners listeners;
    private Sweep sweep;
    private Deadlines deadlines;
    private Advertising advertising;
    private Progress progress;
    private RepeatedStopGuard guard;
    private CompletableFuture<Void> drained;
    private boolean stopRequested;

    public Drain(@Name("server") Server server, @Name("settings") DrainSettings settings)
    {
        this.server = server;
        this.settings = settings;
        this.notice = new DrainNotice(server);
        addBean(scheduler);
    }

    @Override
    protected void doStart() throws Exception
    {
        synchronized (this)
        {
            phases.set(Phases.Phase.SERVING);
            stopRequested = false;
            report = null;
            drained = new CompletableFuture<>();
        }
        notice.reset();
        tracker = new ConnectionTracker(new Linger(scheduler, settings.getLingerTimeoutMs()), this);
        sweep = new Sweep(tracker, scheduler);
        deadlines = new Deadlines(scheduler, settings);
        advertising = new Advertising(phases, settings);
        progress = new Progress(Progress.fileInJettyBase(), scheduler);
        listeners = new Listeners(server, tracker);
        server.setStopTimeout(settings.getTimeoutMs() + ABORT_MARGIN_MS);
        server.addEventListener(stopping);
        // The server registered itself with the JVM hook and the ShutdownService before starting its beans.
        guard = new RepeatedStopGuard(server, advertising::skip, settings.getPreStopDelayMs() + server.getStopTimeout() + REPEATED_STOP_GRACE_MS);
        guard.install(advertising.hasDelay());
        LOG.info("graceful-drain: {}, managing {} connector(s)", settings, listeners.size());
        super.doStart();
        // The stop path starts no thread for its clocks, and finds its code loaded.
        scheduler.schedule(WarmUp::run, 0, TimeUnit.MILLISECONDS);
    }

    @Override
    protected void doStop() throws Exception
    {
        super.doStop();
        server.removeEventListener(stopping);
        listeners.release();
    }

    /** Called by {@code Server.stop()}; the drain began when the server started stopping, this hands Jetty its end. */
    @Override
    public CompletableFuture<Void> shutdown()
    {
        return drain();
    }

    /**
     * The stop sequence, once per stop; returns when the drain is under way, with the future that
     * completes when it is over. In order:
     * <ol>
     * <li>advertise, if there is a pre-stop delay ({@link Advertising});</li>
     * <li>close the listeners, for real ({@link Listeners}); from here on every HTTP/1.1 response
     * carries {@code Connection: close};</li>
     * <li>sweep: FIN every idle and never-used connection now (TLS: after close_notify; HTTP/2: its first
     * GOAWAY); leave busy ones, and those with a request on its way, to finish ({@link Sweep});</li>
     * <li>tell the webapps, so they end their long responses ({@link DrainNotice});</li>
     * <li>arm the deadlines: the timeout, the stream and handshake budgets ({@link Deadlines});</li>
     * <li>await the final GOAWAYs of HTTP/2 connections, at most one PING round trip ({@link Http2Drain});</li>
     * <li>complete when the last connection has closed, or at the timeout, with what is left aborted.</li></ol>
     * It does not close connectors it does not manage (other protocols: Jetty's own shutdown applies), nor
     * wait for a WebSocket closing handshake (Jetty sends 1001 and closes), nor retry a request for a client.
     */
    private CompletableFuture<Void> drain()
    {
        synchronized (this)
        {
            if (stopRequested)
                return drained;
            stopRequested = true;
        }
        advertising.advertise();

        DrainReport report = new DrainReport();
        sweep.ignoreProbes(listeners.close());
        long listenersClosedMs = report.elapsedMs();
        // Shut down first, so that no response goes out keep-alive once a FIN may follow it.
        listeners.shutdown();
        synchronized (this)
        {
            this.report = report;
            phases.set(Phases.Phase.DRAINING);
        }
        listeners.handOverTaken(); // each found as it opens, like any connection opened during the drain

        sweep.all(report, http2);
        deadlines.timeout(report.elapsedMs(), this::abort);
        notice.drainBegan(Duration.ofMillis(settings.getStreamTimeoutMs()));
        deadlines.streamBudget(report.elapsedMs(), () -> sweep.endLongResponses(report, settings.getStreamTimeoutMs()));
        if (report.handshakesWaited() > 0)
            deadlines.handshakeBudget(report.elapsedMs(), () -> sweep.cutHandshakes(report, http2));
        report.listenersClosed(listenersClosedMs, advertising.hasDelay());
        report.swept(settings.getTimeoutMs());
        progress.changed(this::progressLine);

        sweep.awaitFinalGoAways();

        completeIfDrained();
        return drained;
    }

    /** A connection accepted just before the listener closed, or that ALPN made: found like the others. */
    @Override
    public void onOpened(TrackedConnection connection)
    {
        DrainReport report = this.report;
        if (report != null && phases.isDraining() && sweep.one(connection, report, http2) == Found.HANDSHAKE)
            deadlines.handshakeBudget(report.elapsedMs(), () -> sweep.cutHandshakes(report, http2));
    }

    /** A TLS handshake ended during the drain: the connection is found now (never-used: closed). */
    @Override
    public void onHandshakeOver(TrackedConnection connection)
    {
        DrainReport report = this.report;
        if (report != null && phases.isDraining() && connection.protocol() != Protocol.PENDING)
            sweep.one(connection, report, http2);
    }

    @Override
    public void onClosed(TrackedConnection connection, Ending ending)
    {
        DrainReport report = this.report;
        if (report == null)
            return;
        report.ended(connection.protocol(), ending);
        if (ending == Ending.FINISHED || ending == Ending.ABORTED)
            progress.changed(this::progressLine);
    }

    @Override
    public void onRemoved()
    {
        completeIfDrained();
    }

    /** The timeout: say what is cut, then close what is left; the last close completes the drain. */
    private void abort()
    {
        if (!phases.move(Phases.Phase.DRAINING, Phases.Phase.FORCING))
            return;
        sweep.force(report);
        tracker.forgetAccepting();
        completeIfDrained();
    }

    private void completeIfDrained()
    {
        if (!tracker.isEmpty() || !(phases.move(Phases.Phase.DRAINING, Phases.Phase.STOPPED) || phases.move(Phases.Phase.FORCING, Phases.Phase.STOPPED)))
            return;
        deadlines.cancel();
        // Off the closing thread, which may be a selector: the summary is logged and written before Jetty goes on.
        scheduler.schedule(() ->
        {
            String summary = report.finish(requests.total(), requests.failures());
            status.drained(summary);
            progress.finish(ProgressLine.withSummary(progressLine(), summary));
            drained.complete(null);
        }, 0, TimeUnit.MILLISECONDS);
    }

    private String progressLine()
    {
        DrainReport report = this.report;
        return ProgressLine.format(phases.get().name(), report.elapsedMs(), settings.getTimeoutMs(), tracker.size(), report.busyFinished(), report.busyAborted());
    }

    private void streamRefused()
    {
        DrainReport report = this.report;
        if (report != null)
            report.streamRefused();
    }

    void lateRequestRefused()
    {
        DrainReport report = this.report;
        if (report != null)
            report.lateRequestRefused();
    }

    boolean isReadinessProbe(Request request)
    {
        return settings.getReadinessPath() != null && settings.getReadinessPath().equals(request.getHttpURI().getPath());
    }

    Phases phases()
    {
        return phases;
    }

    Advertising advertising()
    {
        return advertising;
    }

    RequestCounts requestCounts()
    {
        return requests;
    }

    @Override
    public boolean isShutdown()
    {
        return phases.get() != Phases.Phase.SERVING;
    }

    /** The drain's state and counts, and maintenance: for embedding code, and Jetty's JMX ({@code jmx.DrainMBean}). */
    public DrainStatus status()
    {
        return status;
    }

    /** Maintenance: see {@link Advertising#startMaintenance}. */
    String startMaintenance()
    {
        return advertising.startMaintenance(() -> sweep.closeIdle(http2));
    }

    String resumeServing()
    {
        return advertising.resumeServing();
    }

    ConnectionTracker tracker()
    {
        return tracker;
    }

    @Override
    public String toString()
    {
        return String.format("%s@%x{%s,%s}", getClass().getSimpleName(), hashCode(), phases.get(), settings);
    }
}
