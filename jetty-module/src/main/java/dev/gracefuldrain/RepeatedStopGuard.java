package dev.gracefuldrain;

import java.util.EventListener;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.component.LifeCycle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * Makes a second stop request wait for the drain in progress instead of tearing the server down.
 * <p>Jetty's two stop paths, the JVM hook and the stop port (12.1's ShutdownService, 12.0's
 * ShutdownMonitor; see {@link StopHooks}), each skip {@code stop()} on a server that is already
 * stopping and go straight to {@code destroy()} (and the hook then lets the JVM halt): a SIGTERM
 * during a stop-port drain would cut every busy request. This guard is registered ahead of the server on both paths;
 * its {@code stop()} waits, bounded, until the server has stopped ({@link #serverStopped()}).</p>
 * <p>A second SIGTERM (or SIGINT) never reaches either path: the JVM runs its shutdown hooks once.
 * When there is a pre-stop delay to skip, the guard also takes over those signals
 * ({@code sun.misc.Signal}, the only way to see them): the first goes on to the JVM's own handler,
 * any later one skips what is left of the delay.</p>
 */
final class RepeatedStopGuard implements LifeCycle
{
    private static final Logger LOG = LoggerFactory.getLogger(RepeatedStopGuard.class);

    private final Server server;
    private final Runnable onSecondStop;
    private final long maxWaitMs;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final Map<Signal, SignalHandler> previousHandlers = new HashMap<>();
    private final AtomicInteger signals = new AtomicInteger();
    private volatile Runnable restoreSignals;
    private final LifeCycle.Listener serverStopped = new LifeCycle.Listener()
    {
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

    RepeatedStopGuard(Server server, Runnable onSecondStop, long maxWaitMs)
    {
        this.server = server;
        this.onSecondStop = onSecondStop;
        this.maxWaitMs = maxWaitMs;
    }

    /** Called once the server has registered itself with both stop paths (during its start). */
    void install(boolean watchSignals)
    {
        if (watchSignals)
            restoreSignals = StopHooks.watchSignals(this::onSignal, previousHandlers);
        StopHooks.registerBefore(server, this);
        // Not this guard itself: an event listener becomes a bean of the server, and the guard is a LifeCycle.
        server.addEventListener(serverStopped);
    }

    private void onSignal(Signal signal)
    {
        if (signals.incrementAndGet() > 1)
        {
            LOG.info("graceful-drain: SIG{} again during the stop: skipping what is left of the pre-stop delay", signal.getName());
            onSecondStop.run();
            return;
        }
        StopHooks.passOn(signal, previousHandlers.get(signal));
    }

    private void uninstall()
    {
        Runnable restore = restoreSignals;
        restoreSignals = null;
        if (restore != null)
            restore.run();
        StopHooks.deregister(server, this);
    }

    /** A stop request: if a stop is already under way, end its pre-stop delay and wait for the server to stop. */
    @Override
    public void stop() throws InterruptedException
    {
        if (!server.isStopping())
            return;
        LOG.info("graceful-drain: another stop request during the drain: skipping what is left of the pre-stop delay, waiting for the drain");
        onSecondStop.run();
        if (!stopped.await(maxWaitMs, TimeUnit.MILLISECONDS))
            LOG.warn("graceful-drain: the server did not stop within {} ms", maxWaitMs);
    }

    /** The server has stopped (or failed): release whoever waits, and leave both stop paths. */
    private void serverStopped()
    {
        server.removeEventListener(serverStopped);
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
