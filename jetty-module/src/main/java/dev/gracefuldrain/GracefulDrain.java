package dev.gracefuldrain;

import java.time.Duration;
import java.util.concurrent.CompletionStage;

import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.handler.StatisticsHandler;
import org.eclipse.jetty.util.component.AbstractLifeCycle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one way to install the drain, from code or from Jetty XML ({@code etc/graceful-drain.xml} calls
 * {@link #install(Server, DrainSettings)}), and the handle to it while the server runs.
 * <pre>{@code
 * Server server = new Server();
 * ... connectors, server.setHandler(app) ...
 * GracefulDrain drain = GracefulDrain.install(server, DrainSettings.builder().timeout(Duration.ofSeconds(30)).build());
 * server.setStopAtShutdown(true);   // SIGTERM drains too
 * server.start();
 * }</pre>
 * <p>Install after {@code server.setHandler(...)} and before {@code server.start()}: the drain's handler
 * wraps the server's handler as it is then. Connectors may be added later, before or after the start;
 * each is managed from when it is added.</p>
 * <p>The handle is a bean of the server ({@code server.getBean(GracefulDrain.class)}); at start it
 * checks that its handler is still in the server's handler tree.</p>
 */
public final class GracefulDrain extends AbstractLifeCycle
{
    private static final Logger LOG = LoggerFactory.getLogger(GracefulDrain.class);

    private final Server server;
    private final DrainSettings settings;
    private final Drain drain;
    private final DrainHandler handler;

    private GracefulDrain(Server server, DrainSettings settings)
    {
        this.server = server;
        this.settings = settings;
        this.drain = new Drain(server, settings);
        this.handler = new DrainHandler(drain);
    }

    /** With the module's defaults: a 30 s timeout, no readiness endpoint, no pre-stop delay. */
    public static GracefulDrain install(Server server)
    {
        return install(server, DrainSettings.builder().build());
    }

    /**
     * Installs everything the Jetty module installs: the {@link Drain} bean, the readiness endpoint if
     * {@link DrainSettings#getReadinessPath()} is set, and the {@link DrainHandler} in front of every
     * other handler.
     * @throws IllegalStateException if the server is already started, or the drain already installed
     */
    public static GracefulDrain install(Server server, DrainSettings settings)
    {
        if (server.isStarting() || server.isStarted())
            throw new IllegalStateException("graceful-drain: install the drain before the server starts");
        if (!server.getBeans(GracefulDrain.class).isEmpty() || !server.getBeans(Drain.class).isEmpty())
            throw new IllegalStateException("graceful-drain: the drain is already installed on " + server);
        GracefulDrain installed = new GracefulDrain(server, settings);
        server.addBean(installed);
        server.addBean(installed.drain);
        ReadinessHandler.insertIfConfigured(server, installed.drain, settings);
        // Outermost: it must see every request, the readiness probes too.
        server.insertHandler(installed.handler);
        return installed;
    }

    @Override
    protected void doStart()
    {
        if (!server.getDescendants(DrainHandler.class).contains(handler))
            throw new IllegalStateException("graceful-drain: the server's handler was replaced after the drain was installed: call GracefulDrain.install after server.setHandler(...)");
        // A StatisticsHandler only counts (Spring Boot wraps one around every handler, after its customizers ran).
        Handler front = server.getHandler();
        while (front instanceof StatisticsHandler statistics)
            front = statistics.getHandler();
        if (front != handler)
            LOG.warn("graceful-drain: {} is in front of the drain's handler: requests it answers itself are not tracked", front);
    }

    /** @return SERVING, MAINTENANCE, ADVERTISING, DRAINING, FORCING or STOPPED */
    public String phase()
    {
        return drain.status().getPhase();
    }

    /** Counts, the last drain's summary, maintenance: the same as JMX's. */
    public DrainStatus status()
    {
        return drain.status();
    }

    /** See {@link DrainStatus#drainNotice()}: completes when the drain begins, with the time long responses have left. */
    public CompletionStage<Duration> drainNotice()
    {
        return drain.status().drainNotice();
    }

    /**
     * Drains without stopping the server, for a framework that stops it later (Spring Boot stops the
     * connectors, then the server, after its graceful-shutdown phase); {@code Server.stop()} afterwards
     * finds the drain done. Returns once the drain is under way (after the pre-stop delay, on this thread).
     * @return completes when the last connection has closed, or at the timeout with what was left aborted
     */
    public CompletionStage<Void> drainNow()
    {
        if (!drain.isStarted())
            throw new IllegalStateException("graceful-drain: the server is not started");
        return drain.shutdown().minimalCompletionStage();
    }

    public DrainSettings settings()
    {
        return settings;
    }

    /** The Jetty bean itself (a {@code Graceful}). */
    public Drain drain()
    {
        return drain;
    }

    @Override
    public String toString()
    {
        return "GracefulDrain{" + drain + "}";
    }
}
