package dev.gracefuldrain;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EofException;
import org.eclipse.jetty.server.AbstractConnector;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.NanoTime;
import org.eclipse.jetty.util.annotation.ManagedAttribute;
import org.eclipse.jetty.util.annotation.ManagedObject;
import org.eclipse.jetty.util.annotation.ManagedOperation;
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
@ManagedObject("Drains HTTP/1.1, HTTPS, HTTP/2 and WebSocket connections on stop")
public class Drain extends ContainerLifeCycle implements Graceful, ConnectionTracker.Events
{
    private static final Logger LOG = LoggerFactory.getLogger(Drain.class);
    /** Time the server's stop waits beyond our timeout, so that our abort, not Jetty's, ends the drain. */
    static final long ABORT_MARGIN_MS = 1000;
    /** How long a second stop request waits, beyond the server's stop timeout, for the drain in progress. */
    static final long REPEATED_STOP_GRACE_MS = 5000;
    /** The connector protocols the drain knows how to close; a connector with any other is left to Jetty. */
    private static final Set<String> MANAGED_PROTOCOLS = Set.of("http/1.1", "ssl", "alpn", "h2", "h2c", "h2-17", "h2-16", "h2-15", "h2-14");

    private final Server server;
    private final DrainSettings settings;
    private final Phases phases = new Phases();
    private final RequestCounts requests = new RequestCounts();
    private final ScheduledExecutorScheduler scheduler = new ScheduledExecutorScheduler("graceful-drain", true);
    private final DrainNotice notice;
    private final List<AbstractConnector> managed = new ArrayList<>();
    private final AtomicInteger drains = new AtomicInteger();
    private final Http2Drain.Context http2 = new Http2Drain.Context(scheduler, this::streamRefused);
    private final LifeCycle.Listener serverEvents = new LifeCycle.Listener()
    {
        @Override
        public void lifeCycleStopping(LifeCycle event)
        {
            drain(); // the earliest moment of any stop request
        }

        @Override
        public void lifeCycleStopped(LifeCycle event)
        {
            serverStopped();
        }

        @Override
        public void lifeCycleFailure(LifeCycle event, Throwable cause)
        {
            serverStopped();
        }
    };
    private volatile String lastSummary = "";
    private volatile ConnectionTracker tracker;
    private volatile DrainReport report;
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
        // Looked up now, not when our XML ran, so that connectors which later modules add are managed too.
        for (Connector connector : server.getConnectors())
        {
            if (connector instanceof AbstractConnector c && c.getProtocols().stream().map(p -> p.toLowerCase(Locale.ROOT)).allMatch(MANAGED_PROTOCOLS::contains))
            {
                // The drain closes idle connections itself; Jetty's shutdown idle-timeout shrink would also
                // hit busy ones (jetty/jetty.project#11515).
                c.setShutdownIdleTimeout(-1);
                c.addEventListener(tracker);
                managed.add(c);
            }
            else
                LOG.info("graceful-drain: not managing {} (protocols {}): Jetty's own shutdown applies to it", connector, connector.getProtocols());
        }
        server.setStopTimeout(settings.getTimeoutMs() + ABORT_MARGIN_MS);
        server.addEventListener(serverEvents);
        // The server registered itself with the JVM hook and the ShutdownService before starting its beans.
        guard = new RepeatedStopGuard(server, advertising::skip, settings.getPreStopDelayMs() + server.getStopTimeout() + REPEATED_STOP_GRACE_MS);
        guard.install(advertising.hasDelay());
        LOG.info("graceful-drain: {}, managing {} connector(s)", settings, managed.size());
        super.doStart();
        // Its thread exists before any stop: the stop path starts no thread for its clocks.
        scheduler.schedule(() -> { }, 0, TimeUnit.MILLISECONDS);
    }

    @Override
    protected void doStop() throws Exception
    {
        super.doStop();
        managed.forEach(c -> c.removeEventListener(tracker));
        managed.clear();
    }

    private void serverStopped()
    {
        server.removeEventListener(serverEvents);
        if (guard != null)
            guard.serverStopped();
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
     * <li>close the listeners, for real ({@link ListenerCloser}); from here on every HTTP/1.1 response
     * carries {@code Connection: close};</li>
     * <li>sweep: FIN every idle and never-used connection now (TLS: after close_notify; HTTP/2: its first
     * GOAWAY); leave busy ones, and those with a request on its way, to finish ({@link Sweep});</li>
     * <li>tell the webapps, so they end their long responses ({@link DrainNotice});</li>
     * <li>arm the deadlines: the timeout, the stream and handshake budgets ({@link Deadlines});</li>
     * <li>await the final GOAWAYs of HTTP/2 connections, at most one PING round trip ({@link Http2Drain});</li>
     * <li>complete when the last connection has closed, or at the timeout, with what is left aborted.</li>
     * </ol>
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
        sweep.ignoreProbes(ListenerCloser.close(managed));
        long listenersClosedMs = report.elapsedMs();
        synchronized (this)
        {
            this.report = report;
            phases.set(Phases.Phase.DRAINING);
        }
        deadlines.timeout(this::abort);
        managed.forEach(AbstractConnector::shutdown);

        sweep.all(report, http2);
        notice.drainBegan(Duration.ofMillis(settings.getStreamTimeoutMs()));
        deadlines.streamBudget(() -> endLongResponses(report));
        if (report.handshakesWaited() > 0)
            deadlines.handshakeBudget(report.elapsedMs(), () -> sweep.cutHandshakes(report, http2));
        report.listenersClosed(listenersClosedMs, advertising.hasDelay());
        report.swept(settings.getTimeoutMs());
        progress.changed(this::progressLine);

        // Jetty's own HTTP/2 shutdown comes next in Server.stop(): it must find every final GOAWAY out.
        long pingDeadline = NanoTime.now() + TimeUnit.MILLISECONDS.toNanos(Http2Drain.MAX_PING_WAIT_MS + 100);
        for (TrackedConnection connection : tracker.all())
            connection.awaitFinalGoAway(pingDeadline);

        completeIfDrained();
        return drained;
    }

    /** A connection accepted just before the listener closed, or that ALPN made: found like the others. */
    @Override
    public void onOpened(TrackedConnection connection)
    {
        DrainReport report = this.report;
        if (report != null && phases.isDraining() && sweep.one(connection, report, http2) == TrackedConnection.Found.HANDSHAKE)
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
    public void onClosed(TrackedConnection connection, TrackedConnection.Ending ending)
    {
        DrainReport report = this.report;
        if (report == null)
            return;
        report.ended(connection.protocol(), ending);
        if (ending != TrackedConnection.Ending.NOT_BUSY)
            progress.changed(this::progressLine);
        completeIfDrained();
    }

    /** The stream budget is over: end the long responses still running; counted before they end. */
    private void endLongResponses(DrainReport report)
    {
        List<Callback[]> ending = new ArrayList<>();
        int count = 0;
        for (TrackedConnection connection : tracker.all())
        {
            Callback[] callbacks = connection.takeLongResponses();
            count += callbacks.length;
            if (callbacks.length > 0)
                ending.add(callbacks);
        }
        if (count > 0)
            report.longResponsesEnded(settings.getStreamTimeoutMs(), count);
        for (Callback[] callbacks : ending)
        {
            for (Callback callback : callbacks)
                callback.failed(new EofException("graceful-drain: long response ended at the stream budget"));
        }
    }

    /** The timeout: say what is cut, then close what is left; the last close completes the drain. */
    private void abort()
    {
        if (!phases.move(Phases.Phase.DRAINING, Phases.Phase.FORCING))
            return;
        report.forcing(tracker.byProtocol());
        long now = NanoTime.now();
        TrackedConnection[] left = tracker.snapshot();
        for (TrackedConnection connection : left)
        {
            for (String cut : connection.abort(now))
                report.cut(cut);
        }
        for (TrackedConnection connection : left)
            connection.close();
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
            lastSummary = report.finish(requests.total(), requests.failures());
            drains.incrementAndGet();
            progress.write(ProgressLine.withSummary(progressLine(), lastSummary));
            drained.complete(null);
        }, 0, TimeUnit.MILLISECONDS);
    }

    private String progressLine()
    {
        DrainReport report = this.report;
        return ProgressLine.format(phases.get().name(), report == null ? 0 : report.elapsedMs(), settings.getTimeoutMs(), tracker.size(),
            report == null ? 0 : report.busyFinished(), report == null ? 0 : report.busyAborted());
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

    void onActivity()
    {
        advertising.onActivity();
    }

    TrackedConnection tracked(Connection connection)
    {
        return tracker.get(connection);
    }

    boolean isReadinessProbe(Request request)
    {
        return settings.getReadinessPath() != null && settings.getReadinessPath().equals(request.getHttpURI().getPath());
    }

    Phases phases()
    {
        return phases;
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

    @ManagedOperation(value = "Start a maintenance drain: readiness 503, Connection: close, idle connections closed; the listener stays open", impact = "ACTION")
    public String startMaintenance()
    {
        return advertising.startMaintenance(() -> sweep.closeIdle(http2));
    }

    @ManagedOperation(value = "End a maintenance drain: serve normally again", impact = "ACTION")
    public String resumeServing()
    {
        return advertising.resumeServing();
    }

    @ManagedAttribute("The drain phase: SERVING, MAINTENANCE, ADVERTISING, DRAINING, FORCING or STOPPED")
    public String getPhase()
    {
        return phases.get().name();
    }

    @ManagedAttribute("Connections tracked on the managed connectors")
    public int getConnections()
    {
        ConnectionTracker tracker = this.tracker;
        return tracker == null ? 0 : tracker.size();
    }

    @ManagedAttribute("Tracked connections by state, e.g. never-used=1 idle=20 busy=5 lingering=0")
    public String getConnectionStates()
    {
        ConnectionTracker tracker = this.tracker;
        return tracker == null ? "" : tracker.states();
    }

    @ManagedAttribute("Requests handled since start (readiness probes aside)")
    public int getRequests()
    {
        return (int)requests.total();
    }

    @ManagedAttribute("Requests being handled now (readiness probes aside)")
    public int getRequestsActive()
    {
        return requests.active();
    }

    @ManagedAttribute("How many drains have completed since this server was created")
    public int getDrains()
    {
        return drains.get();
    }

    @ManagedAttribute("The summary of the last drain, empty before the first")
    public String getLastDrainSummary()
    {
        return lastSummary;
    }

    @Override
    public String toString()
    {
        return String.format("%s@%x{%s,%s}", getClass().getSimpleName(), hashCode(), phases.get(), settings);
    }
}
