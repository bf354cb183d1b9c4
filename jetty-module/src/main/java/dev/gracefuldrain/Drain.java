package dev.gracefuldrain;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.eclipse.jetty.server.AbstractConnector;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.NanoTime;
import org.eclipse.jetty.util.annotation.ManagedAttribute;
import org.eclipse.jetty.util.annotation.ManagedObject;
import org.eclipse.jetty.util.annotation.ManagedOperation;
import org.eclipse.jetty.util.annotation.Name;
import org.eclipse.jetty.util.component.ContainerLifeCycle;
import org.eclipse.jetty.util.component.Graceful;
import org.eclipse.jetty.util.component.LifeCycle;
import org.eclipse.jetty.util.thread.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The drain: everything between a stop request and the end of the server's graceful stop.
 * <p>Jetty calls {@link #shutdown()} from {@code Server.stop()} (SIGTERM through
 * {@code jetty.server.stopAtShutdown}, the ShutdownService, {@code jetty.sh stop}, or embedded code).
 * From there, in order:</p>
 * <ol>
 * <li>close the managed connectors' listeners, so no connection arrives and every HTTP/1.1
 * response from here on carries {@code Connection: close};</li>
 * <li>close every idle and never-used connection at once (HTTP/2: two-step GOAWAY, see
 * {@link Http2Drain}); give TLS handshakes in progress their budget; leave busy connections to
 * finish; tell webapps, so they end their long responses ({@link DrainNotice});</li>
 * <li>complete as soon as the last tracked connection has closed,</li>
 * <li>or, at the timeout, abort what is left and log each request cut.</li>
 * </ol>
 */
@ManagedObject("Drains HTTP/1.1, HTTPS, HTTP/2 and WebSocket connections on stop")
public class Drain extends ContainerLifeCycle implements Graceful
{
    private static final Logger LOG = LoggerFactory.getLogger(Drain.class);

    /** Time the server's stop waits beyond our timeout, so that our abort, not Jetty's, ends the drain. */
    static final long ABORT_MARGIN_MS = 1000;
    /** How long a second stop request waits, beyond the server's stop timeout, for the drain in progress. */
    static final long REPEATED_STOP_GRACE_MS = 5000;
    /** Connections per part of a parallel sweep: below this, one thread is faster than handing work over. */
    private static final int SWEEP_PART = 256;
    /** The connector protocols the drain knows how to close; a connector with any other is left to Jetty. */
    private static final Set<String> MANAGED_PROTOCOLS = Set.of("http/1.1", "ssl", "alpn", "h2", "h2c", "h2-17", "h2-16", "h2-15", "h2-14");

    enum Phase
    {
        SERVING, MAINTENANCE, ADVERTISING, DRAINING, FORCING, STOPPED
    }

    private final Server server;
    private final DrainSettings settings;
    private final ConnectionTracker tracker = new ConnectionTracker(this);
    private final List<AbstractConnector> managed = new ArrayList<>();
    private final ProgressFile progressFile = ProgressFile.inJettyBase();
    private final DrainNotice notice;
    private final AtomicInteger drains = new AtomicInteger();
    private volatile Phase phase = Phase.SERVING;
    private boolean stopRequested;
    private boolean skipPreStopDelay;
    private volatile long lastActivityNanos;
    private volatile DrainReport report;
    private volatile String lastSummary = "";
    private CompletableFuture<Void> drained = new CompletableFuture<>();
    private Scheduler.Task abortTask;
    private final List<Scheduler.Task> budgetTasks = new ArrayList<>();
    private Scheduler.Task handshakeBudget;
    private volatile Set<Integer> probes = Set.of();
    private DrainHandler handler;
    private RepeatedStopGuard repeatedStopGuard;
    private volatile Linger linger;

    /** The server's own lifecycle: when a stop begins, and when it has ended. */
    private final LifeCycle.Listener serverEvents = new LifeCycle.Listener()
    {
        @Override
        public void lifeCycleStopping(LifeCycle event)
        {
            // Server.stop() has begun: the earliest moment of any stop request.
            beginDrain();
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

    public Drain(@Name("server") Server server, @Name("settings") DrainSettings settings)
    {
        this.server = server;
        this.settings = settings;
        this.notice = new DrainNotice(server);
    }

    @Override
    protected void doStart() throws Exception
    {
        synchronized (this)
        {
            phase = Phase.SERVING;
            stopRequested = false;
            skipPreStopDelay = false;
            report = null;
            drained = new CompletableFuture<>();
        }
        notice.reset();
        // Connectors are looked up now, not when our XML ran, so that connectors which
        // modules enabled after this one add are managed too.
        for (Connector connector : server.getConnectors())
        {
            if (connector instanceof AbstractConnector abstractConnector && isManageable(abstractConnector))
            {
                // The drain closes idle connections itself; Jetty's shutdown idle-timeout shrink
                // would also hit busy ones (jetty/jetty.project#11515).
                abstractConnector.setShutdownIdleTimeout(-1);
                abstractConnector.addEventListener(tracker);
                managed.add(abstractConnector);
            }
            else
            {
                LOG.info("graceful-drain: not managing {} (protocols {}): Jetty's own shutdown applies to it",
                    connector, connector.getProtocols());
            }
        }
        handler = server.getDescendant(DrainHandler.class);
        linger = new Linger(tracker, server.getScheduler(), settings.getLingerTimeoutMs());
        server.setStopTimeout(settings.getTimeoutMs() + ABORT_MARGIN_MS);
        server.addEventListener(serverEvents);
        // The server registered itself with the JVM hook and the ShutdownService before starting its beans.
        repeatedStopGuard = new RepeatedStopGuard(server, this::skipPreStopDelay,
            settings.getPreStopDelayMs() + server.getStopTimeout() + REPEATED_STOP_GRACE_MS);
        repeatedStopGuard.install(settings.getPreStopDelayMs() > 0);
        LOG.info("graceful-drain: {}, managing {} connector(s)", settings, managed.size());
        super.doStart();
    }

    @Override
    protected void doStop() throws Exception
    {
        super.doStop();
        for (AbstractConnector connector : managed)
            connector.removeEventListener(tracker);
        managed.clear();
    }

    private void serverStopped()
    {
        server.removeEventListener(serverEvents);
        if (repeatedStopGuard != null)
            repeatedStopGuard.serverStopped();
    }

    /**
     * Closes the managed connectors' listening sockets, for real (see {@link ListenerCloser}).
     * With {@code acceptors=0} Jetty keeps the socket open until the connector stops; connections
     * accepted meanwhile are closed as never-used.
     */
    private void closeListeners()
    {
        probes = ListenerCloser.close(managed);
    }

    /** A connection the listener closer's own probe made: closed like any never-used one, not counted. */
    private boolean isProbe(TrackedConnection connection)
    {
        // Its port is taken for the drain's whole length: the probe closed first, so it sits in TIME_WAIT.
        return !probes.isEmpty() && connection.connection().getEndPoint().getRemoteSocketAddress() instanceof InetSocketAddress remote
            && probes.contains(remote.getPort());
    }

    private void found(DrainReport report, TrackedConnection connection, TrackedConnection.Found found)
    {
        if (!isProbe(connection))
            report.found(connection.kind(), found);
    }

    private static boolean isManageable(AbstractConnector connector)
    {
        return connector.getProtocols().stream().map(p -> p.toLowerCase(Locale.ROOT)).allMatch(MANAGED_PROTOCOLS::contains);
    }

    /**
     * Called by {@code Graceful.shutdown(server)} during {@code Server.stop()}; the drain began
     * already when the server started stopping, so this only hands Jetty the future to wait for.
     */
    @Override
    public CompletableFuture<Void> shutdown()
    {
        return beginDrain();
    }

    /**
     * The stop request. Runs at the very start of {@code Server.stop()}, before Jetty's own
     * connector shutdown, so that no Jetty behaviour of a shut-down connector runs ahead of the drain.
     */
    private CompletableFuture<Void> beginDrain()
    {
        synchronized (this)
        {
            if (stopRequested)
                return drained;
            stopRequested = true;
        }

        // 0. Optionally, advertise first: keep serving while clients and load balancers move away.
        advertise();

        DrainReport report = new DrainReport();
        long listenersClosedMs;
        synchronized (this)
        {
            // 1. Listeners first, before anything tells a client to go: no connection arrives that
            // the sweep could miss, and clients that reconnect because of what follows are refused.
            closeListeners();
            listenersClosedMs = report.elapsedMs();
            this.report = report;
            phase = Phase.DRAINING;
            abortTask = server.getScheduler().schedule(this::abort, settings.getTimeoutMs(), TimeUnit.MILLISECONDS);
        }
        // Marked shut down, the connectors make every response Jetty commits from here on carry
        // Connection: close (and Jetty half-closes after a keep-alive response it finishes now).
        for (AbstractConnector connector : managed)
            connector.shutdown();

        // 2. Idle and never-used connections get their FIN (HTTP/2: GOAWAY) now; busy ones are left to finish.
        sweep(report);
        // Webapps are told next, so that they can end their long responses within the stream budget.
        notice.drainBegan(Duration.ofMillis(settings.getStreamTimeoutMs()));
        scheduleBudgets(report);
        // Logged after the FINs are out, so that logging never delays them; each line says when it happened.
        LOG.info("graceful-drain: {}listeners closed in {} ms", settings.getPreStopDelayMs() > 0 ? "" : "stop requested; ", listenersClosedMs);
        LOG.info("graceful-drain: idle closed in {} ms: {}; busy left to finish within {} ms: {}; already closing: {}; in TLS handshake: {}",
            report.elapsedMs(), report.closedAtOnce(), settings.getTimeoutMs(), report.busyLeft(), report.closingFound(), report.handshakesWaited());
        progress();

        // HTTP/2 connections get their final GOAWAY after one PING round trip; Server.stop() goes on once they have.
        long pingDeadline = NanoTime.now() + TimeUnit.MILLISECONDS.toNanos(Http2Drain.MAX_PING_WAIT_MS + 100);
        for (TrackedConnection connection : tracker.all())
        {
            if (connection.kind() == TrackedConnection.Kind.H2)
                connection.awaitFinalGoAway(pingDeadline);
        }

        // 3. Done now if nothing is busy; otherwise the last close completes it (onClosed).
        completeIfDrained();
        return drained;
    }

    /**
     * Closes every idle and never-used connection now; counts what it found in the report.
     * Thousands of FINs take a while: nearly all of it is the kernel's shutdown(2), which also wakes the
     * peer, so the work is split into twice as many parts as there are cores (measured: 10 000 connections
     * on 2 cores, 290 ms in 2 parts, 150-260 ms in 4): this thread takes one, the server's thread pool the others.
     */
    private void sweep(DrainReport report)
    {
        TrackedConnection[] all = tracker.snapshot();
        int parts = Math.max(1, Math.min(2 * Runtime.getRuntime().availableProcessors(), all.length / SWEEP_PART));
        CountDownLatch helpers = new CountDownLatch(parts - 1);
        for (int part = 1; part < parts; part++)
        {
            int from = part * all.length / parts;
            int to = (part + 1) * all.length / parts;
            server.getThreadPool().execute(() ->
            {
                try
                {
                    sweep(report, all, from, to);
                }
                finally
                {
                    helpers.countDown();
                }
            });
        }
        sweep(report, all, 0, all.length / parts);
        try
        {
            // Bounded: a part not done by then is still done by its thread, only not before the log line.
            helpers.await(5, TimeUnit.SECONDS);
        }
        catch (InterruptedException x)
        {
            Thread.currentThread().interrupt();
        }
    }

    private void sweep(DrainReport report, TrackedConnection[] all, int from, int to)
    {
        for (int i = from; i < to; i++)
            found(report, all[i], all[i].drain(this, false));
    }

    /** The stream budget for long responses, and the handshake budget if a TLS handshake is waiting. */
    private void scheduleBudgets(DrainReport report)
    {
        if (report.handshakesWaited() > 0)
            scheduleHandshakeBudget(report);
        synchronized (this)
        {
            budgetTasks.add(server.getScheduler().schedule(() ->
            {
                AtomicInteger ended = new AtomicInteger();
                for (TrackedConnection connection : tracker.all())
                {
                    connection.endLongResponses(n ->
                    {
                        ended.addAndGet(n);
                        report.longResponsesEnded(n);
                    });
                }
                if (ended.get() > 0)
                    LOG.info("graceful-drain: stream budget of {} ms over: ended {} long response(s)", settings.getStreamTimeoutMs(), ended.get());
            }, settings.getStreamTimeoutMs(), TimeUnit.MILLISECONDS));
        }
    }

    /**
     * When the handshake budget is over, cut what is still in its TLS handshake. Once per drain, from its
     * start: a connection accepted just before the listener closed waits no longer than one found by the sweep.
     */
    private void scheduleHandshakeBudget(DrainReport report)
    {
        synchronized (this)
        {
            if (handshakeBudget != null)
                return;
            long left = Math.max(0, settings.getHandshakeTimeoutMs() - report.elapsedMs());
            handshakeBudget = server.getScheduler().schedule(() ->
            {
                for (TrackedConnection connection : tracker.all())
                {
                    TrackedConnection.Found found = connection.drain(this, true);
                    if (found == TrackedConnection.Found.HANDSHAKE_CLOSED || found == TrackedConnection.Found.NEVER_USED)
                        found(report, connection, found);
                }
            }, left, TimeUnit.MILLISECONDS);
            budgetTasks.add(handshakeBudget);
        }
    }

    /**
     * The pre-stop delay: the listener stays open and everything is served, but the readiness
     * endpoint answers 503 and every response says {@code Connection: close}, so that load balancers
     * and pooled clients move away. It ends when {@code jetty.drain.preStopDelay} is over, after
     * {@code jetty.drain.quietPeriod} without a request (readiness probes aside), or at a second stop request.
     */
    private void advertise()
    {
        long delayMs = settings.getPreStopDelayMs();
        if (delayMs <= 0)
            return;
        long quietNanos = TimeUnit.MILLISECONDS.toNanos(settings.getQuietPeriodMs());
        long start = NanoTime.now();
        long deadline = start + TimeUnit.MILLISECONDS.toNanos(delayMs);
        lastActivityNanos = start;
        phase = Phase.ADVERTISING;
        LOG.info("graceful-drain: stop requested; advertising for up to {} ms (readiness 503, Connection: close on every response), ending after {} ms without a request",
            delayMs, settings.getQuietPeriodMs());
        String ended;
        synchronized (this)
        {
            while (true)
            {
                long now = NanoTime.now();
                long quietEnd = lastActivityNanos + quietNanos;
                if (skipPreStopDelay)
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
                    ended = "no request for " + settings.getQuietPeriodMs() + " ms";
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
    void skipPreStopDelay()
    {
        synchronized (this)
        {
            skipPreStopDelay = true;
            notifyAll();
        }
    }

    @Override
    public boolean isShutdown()
    {
        return phase != Phase.SERVING;
    }

    /** @return true once the listeners are closed: idle connections are closed, busy ones finish. */
    boolean isDraining()
    {
        Phase p = phase;
        return p != Phase.SERVING && p != Phase.ADVERTISING;
    }

    /** @return true while every response must tell its client to go: the pre-stop delay, or maintenance. */
    boolean isTellingClientsToGo()
    {
        Phase p = phase;
        return p == Phase.ADVERTISING || p == Phase.MAINTENANCE;
    }

    boolean isAdvertising()
    {
        return phase == Phase.ADVERTISING;
    }

    /**
     * A maintenance drain, without stopping: readiness answers 503, every response carries
     * {@code Connection: close}, idle and never-used connections are closed now; the listener stays
     * open, so nothing is refused. {@link #resumeServing()} goes back.
     */
    @ManagedOperation(value = "Start a maintenance drain: readiness 503, Connection: close, idle connections closed; the listener stays open", impact = "ACTION")
    public String startMaintenance()
    {
        synchronized (this)
        {
            if (phase != Phase.SERVING)
                return "not serving: " + readinessState();
            phase = Phase.MAINTENANCE;
        }
        DrainReport found = new DrainReport();
        sweep(found);
        int idle = found.idleClosed() + found.neverUsedClosed();
        LOG.info("graceful-drain: maintenance: readiness 503, Connection: close on every response; closed {} idle or never-used connection(s)", idle);
        return "maintenance: closed " + idle + " idle or never-used connection(s)";
    }

    @ManagedOperation(value = "End a maintenance drain: serve normally again", impact = "ACTION")
    public String resumeServing()
    {
        synchronized (this)
        {
            if (phase != Phase.MAINTENANCE)
                return "not in maintenance: " + readinessState();
            phase = Phase.SERVING;
        }
        LOG.info("graceful-drain: maintenance over: serving");
        return "serving";
    }

    String readinessPath()
    {
        return settings.getReadinessPath();
    }

    /** What the readiness endpoint reports: the phase, and nothing else. */
    String readinessState()
    {
        return phase.name().toLowerCase(Locale.ROOT);
    }

    Linger linger()
    {
        return linger;
    }

    Scheduler scheduler()
    {
        return server.getScheduler();
    }

    /** HTTP/2: a stream above the final GOAWAY's last id was refused. */
    void onStreamRefused()
    {
        DrainReport report = this.report;
        if (report != null)
            report.streamRefused();
    }

    ConnectionTracker tracker()
    {
        return tracker;
    }

    /**
     * A connection accepted just before the listener closed is never-used: closed at once. So is one
     * that ALPN (or an upgrade) made of a connection the drain already knew, unless it is busy.
     */
    void onOpened(TrackedConnection connection)
    {
        DrainReport report = this.report;
        if (report != null && isDraining())
        {
            TrackedConnection.Found found = connection.drain(this, false);
            found(report, connection, found);
            if (found == TrackedConnection.Found.HANDSHAKE)
                scheduleHandshakeBudget(report);
        }
    }

    /** A TLS handshake ended during the drain: a connection that sent no request is closed as never-used. */
    void onHandshakeOver(TrackedConnection connection)
    {
        DrainReport report = this.report;
        if (report != null && isDraining() && connection.kind() != TrackedConnection.Kind.PENDING)
        {
            TrackedConnection.Found found = connection.drain(this, false);
            if (found == TrackedConnection.Found.NEVER_USED)
                found(report, connection, found);
        }
    }

    void onClosed(TrackedConnection connection)
    {
        TrackedConnection.Ending ending = connection.closed();
        DrainReport report = this.report;
        if (report != null)
        {
            if (!isProbe(connection))
                report.ended(connection.kind(), ending);
            if (ending != TrackedConnection.Ending.NOT_BUSY)
                progress();
            completeIfDrained();
        }
    }

    /** One line for the stop command ({@link StopCommand}): the phase, time against the timeout, connections left. */
    private void progress()
    {
        DrainReport report = this.report;
        Phase phase = this.phase;
        String line = String.format("phase=%s elapsedMs=%d timeoutMs=%d left=%d finished=%d aborted=%d", phase,
            report == null ? 0 : report.elapsedMs(), settings.getTimeoutMs(), tracker.size(),
            report == null ? 0 : report.busyFinished(), report == null ? 0 : report.busyAborted());
        progressFile.write(phase == Phase.STOPPED ? line + " summary=" + lastSummary : line);
    }

    /** A request arrived on a connection the drain had already half-closed: it is not handled. */
    void onLateRequest()
    {
        DrainReport report = this.report;
        if (report != null)
            report.lateRequestRefused();
    }

    /** 4. The timeout: abort what is left, and say what was cut. */
    private void abort()
    {
        synchronized (this)
        {
            if (phase != Phase.DRAINING)
                return;
            phase = Phase.FORCING;
        }
        EnumMap<TrackedConnection.Kind, Integer> left = new EnumMap<>(TrackedConnection.Kind.class);
        for (TrackedConnection connection : tracker.all())
            left.merge(connection.kind(), 1, Integer::sum);
        StringBuilder kinds = new StringBuilder();
        left.forEach((kind, count) -> kinds.append(kinds.isEmpty() ? "" : ", ").append(kind.label).append(' ').append(count));
        LOG.warn("graceful-drain: forcing at {} ms: timeout reached, aborting {} connection(s)", report.elapsedMs(), kinds);
        // Say what is cut first, then close: the last close ends the drain and its report.
        long now = NanoTime.now();
        List<TrackedConnection> toClose = new ArrayList<>();
        for (TrackedConnection connection : tracker.all())
        {
            toClose.add(connection);
            for (String cut : connection.abort(now))
                LOG.warn("graceful-drain: cut {}", cut);
        }
        toClose.forEach(TrackedConnection::close);
        completeIfDrained();
    }

    private void completeIfDrained()
    {
        if (!tracker.isEmpty())
            return;
        DrainReport report;
        synchronized (this)
        {
            if (phase != Phase.DRAINING && phase != Phase.FORCING)
                return;
            phase = Phase.STOPPED;
            report = this.report;
            if (abortTask != null)
                abortTask.cancel();
            budgetTasks.forEach(Scheduler.Task::cancel);
            budgetTasks.clear();
            handshakeBudget = null;
        }
        report.finish();
        if (report.busyAborted() == 0)
            LOG.info("graceful-drain: busy finished in {} ms: {}", report.elapsedMs(), report.busyEnded());
        else
            LOG.info("graceful-drain: forced in {} ms: {}", report.elapsedMs(), report.busyEnded());
        lastSummary = report.summary() + (handler == null ? ""
            : String.format("; since start: requests=%d, request failures=%d", handler.getRequestTotal(), handler.getFailures()))
            + "; " + report.byProtocol();
        drains.incrementAndGet();
        LOG.info("graceful-drain: drained: {}", lastSummary);
        progress();
        drained.complete(null);
    }

    @ManagedAttribute("The drain phase: SERVING, ADVERTISING, DRAINING, FORCING or STOPPED")
    public String getPhase()
    {
        return phase.name();
    }

    @ManagedAttribute("Connections tracked on the managed connectors")
    public int getConnections()
    {
        return tracker.size();
    }

    @ManagedAttribute("Tracked connections by state, e.g. never-used=1 idle=20 busy=5 lingering=0")
    public String getConnectionStates()
    {
        EnumMap<TrackedConnection.State, Integer> counts = new EnumMap<>(TrackedConnection.State.class);
        for (TrackedConnection connection : tracker.all())
            counts.merge(connection.state(), 1, Integer::sum);
        return String.format("never-used=%d idle=%d busy=%d lingering=%d",
            counts.getOrDefault(TrackedConnection.State.NEVER_USED, 0), counts.getOrDefault(TrackedConnection.State.IDLE, 0),
            counts.getOrDefault(TrackedConnection.State.BUSY, 0), counts.getOrDefault(TrackedConnection.State.LINGERING, 0));
    }

    @ManagedAttribute("Requests handled since start (readiness probes aside)")
    public int getRequests()
    {
        return handler == null ? 0 : handler.getRequestTotal();
    }

    @ManagedAttribute("Requests being handled now (readiness probes aside)")
    public int getRequestsActive()
    {
        return handler == null ? 0 : handler.getRequestsActive();
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
        return String.format("%s@%x{%s,%s}", getClass().getSimpleName(), hashCode(), phase, settings);
    }
}
