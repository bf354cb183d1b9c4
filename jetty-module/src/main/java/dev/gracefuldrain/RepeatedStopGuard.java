package dev.gracefuldrain;

import java.util.EventListener;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ShutdownService;
import org.eclipse.jetty.util.component.LifeCycle;
import org.eclipse.jetty.util.thread.ShutdownThread;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes a second stop request wait for the drain in progress instead of tearing the server down.
 * <p>Jetty's two stop paths, the JVM hook ({@link ShutdownThread}) and the {@link ShutdownService},
 * each skip {@code stop()} on a server that is already stopping and go straight to
 * {@code destroy()} (and the hook then lets the JVM halt): a SIGTERM during a ShutdownService
 * drain would cut every busy request. This guard is registered ahead of the server on both paths;
 * its {@code stop()} waits, bounded, until the server has stopped ({@link #serverStopped()}).</p>
 */
final class RepeatedStopGuard implements LifeCycle
{
    private static final Logger LOG = LoggerFactory.getLogger(RepeatedStopGuard.class);

    private final Server server;
    private final long maxWaitMs;
    private final CountDownLatch stopped = new CountDownLatch(1);

    RepeatedStopGuard(Server server, long maxWaitMs)
    {
        this.server = server;
        this.maxWaitMs = maxWaitMs;
    }

    /** Called once the server has registered itself with both stop paths (during its start). */
    void install()
    {
        if (ShutdownThread.isRegistered(server))
            ShutdownThread.register(0, this);
        for (ShutdownService service : server.getBeans(ShutdownService.class))
        {
            // The service stops its components in order: put the guard before the server.
            if (service.removeComponent(server))
            {
                service.addComponent(this);
                service.addComponent(server);
            }
        }
    }

    private void uninstall()
    {
        ShutdownThread.deregister(this);
        for (ShutdownService service : server.getBeans(ShutdownService.class))
            service.removeComponent(this);
    }

    /** A stop request: if a drain is already under way, wait for the server to stop. */
    @Override
    public void stop() throws InterruptedException
    {
        if (!server.isStopping())
            return;
        LOG.info("graceful-drain: another stop request during the drain: waiting for it to finish");
        if (!stopped.await(maxWaitMs, TimeUnit.MILLISECONDS))
            LOG.warn("graceful-drain: the server did not stop within {} ms", maxWaitMs);
    }

    /** The server has stopped (or failed): release whoever waits, and leave both stop paths. */
    void serverStopped()
    {
        stopped.countDown();
        uninstall();
    }

    /** Started for as long as the server has not stopped, so that both stop paths call {@link #stop()}. */
    @Override
    public boolean isStarted()
    {
        return stopped.getCount() > 0;
    }

    @Override
    public boolean isRunning()
    {
        return isStarted();
    }

    @Override
    public boolean isStopped()
    {
        return !isStarted();
    }

    @Override
    public void start()
    {
    }

    @Override
    public boolean isStarting()
    {
        return false;
    }

    @Override
    public boolean isStopping()
    {
        return false;
    }

    @Override
    public boolean isFailed()
    {
        return false;
    }

    @Override
    public boolean addEventListener(EventListener listener)
    {
        return false;
    }

    @Override
    public boolean removeEventListener(EventListener listener)
    {
        return false;
    }

    @Override
    public String toString()
    {
        return "graceful-drain repeated-stop guard for " + server;
    }
}
