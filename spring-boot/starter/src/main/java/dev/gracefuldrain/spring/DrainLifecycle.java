package dev.gracefuldrain.spring;

import dev.gracefuldrain.GracefulDrain;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.boot.availability.AvailabilityChangeEvent;
import org.springframework.boot.availability.ReadinessState;
import org.springframework.context.ApplicationContext;
import org.springframework.context.SmartLifecycle;

/**
 * Runs the drain in Spring Boot's graceful shutdown: in a lifecycle phase just before Spring Boot's own
 * ({@link #PHASE}), bounded by the same
 * {@code spring.lifecycle.timeout-per-shutdown-phase}. When it is done, every connection is closed, so
 * Spring Boot's own graceful shutdown that follows finds nothing to wait for, and its server stop
 * (connectors, then the server) finds the drain over.
 */
final class DrainLifecycle implements SmartLifecycle
{
    private static final Log LOG = LogFactory.getLog(DrainLifecycle.class);
    /**
     * One above Spring Boot's graceful-shutdown phase, {@code SmartLifecycle.DEFAULT_PHASE - 1024} in 3.5
     * ({@code WebServerGracefulShutdownLifecycle.SMART_LIFECYCLE_PHASE}) and 4
     * ({@code WebServerApplicationContext.GRACEFUL_SHUTDOWN_PHASE}): higher phases stop first.
     */
    static final int PHASE = SmartLifecycle.DEFAULT_PHASE - 1024 + 1;

    private final DrainInstaller installer;
    private final ApplicationContext context;
    private volatile boolean running;

    DrainLifecycle(DrainInstaller installer, ApplicationContext context)
    {
        this.installer = installer;
        this.context = context;
    }

    @Override
    public void start()
    {
        running = true;
    }

    @Override
    public void stop()
    {
        throw new UnsupportedOperationException("stopped with a callback only");
    }

    @Override
    public void stop(Runnable callback)
    {
        running = false;
        GracefulDrain drain = installer.drainNow();
        if (drain == null || !drain.drain().isStarted())
        {
            callback.run();
            return;
        }
        // Spring Boot publishes it when the context starts closing; again here, for a stop that came another way.
        AvailabilityChangeEvent.publish(context, ReadinessState.REFUSING_TRAFFIC);
        // Its own thread: the pre-stop delay runs on the thread that starts the drain.
        Thread thread = new Thread(() ->
        {
            try
            {
                drain.drainNow().whenComplete((done, failure) -> callback.run());
            }
            catch (RuntimeException x)
            {
                LOG.warn("graceful-drain: could not drain", x);
                callback.run();
            }
        }, "graceful-drain-spring");
        thread.setDaemon(true);
        thread.start();
    }

    @Override
    public boolean isRunning()
    {
        return running;
    }

    @Override
    public int getPhase()
    {
        return PHASE;
    }
}
