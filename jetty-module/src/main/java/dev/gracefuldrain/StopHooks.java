package dev.gracefuldrain;

import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;

import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ShutdownMonitor;
import org.eclipse.jetty.server.ShutdownService;
import org.eclipse.jetty.util.component.LifeCycle;
import org.eclipse.jetty.util.thread.ShutdownThread;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * The seam to Jetty's stop registries and the JVM's signals: where a stop request comes from.
 * <ul>
 * <li>{@link ShutdownThread}, the JVM hook ({@code jetty.server.stopAtShutdown}) that stops its
 * registered components in order;</li>
 * <li>{@link ShutdownService} (Jetty 12.1), the key-protected stop port of the {@code shutdown}
 * module (and of {@code STOP.PORT}, whose {@code ShutdownMonitor} is a ShutdownService there), which
 * also stops its components in order;</li>
 * <li>{@link ShutdownMonitor} on Jetty 12.0, which has no ShutdownService: the same stop port
 * ({@code STOP.PORT}, {@code STOP.KEY}; {@code start.jar --stop}), a static registry that stops its
 * components in the order they were registered;</li>
 * <li>{@code sun.misc.Signal}: a second SIGTERM never reaches either path, since the JVM runs its
 * shutdown hooks once, and this is the only way to see it.</li>
 * </ul>
 * Checked against Jetty 12.1.0 to 12.1.12, 12.0.25 and 12.0.16. Which registry a Jetty has is found
 * at the first registration: 12.0's classes lack {@code ShutdownService}.
 */
final class StopHooks
{
    private static final Logger LOG = LoggerFactory.getLogger(StopHooks.class);

    private StopHooks()
    {
    }

    /** Registers {@code first} so that both stop paths stop it right before the server. */
    static void registerBefore(Server server, LifeCycle first)
    {
        if (ShutdownThread.isRegistered(server))
            ShutdownThread.register(0, first);
        try
        {
            for (ShutdownService service : server.getBeans(ShutdownService.class))
            {
                // The service stops its components in order: put ours before the server.
                if (service.removeComponent(server))
                {
                    service.addComponent(first);
                    service.addComponent(server);
                }
            }
        }
        catch (LinkageError x)
        {
            registerBeforeInMonitor(server, first);
        }
    }

    /** Jetty 12.0: the server registered itself with the ShutdownMonitor at its start; put ours before it. */
    @SuppressWarnings("removal")
    private static void registerBeforeInMonitor(Server server, LifeCycle first)
    {
        if (ShutdownMonitor.isRegistered(server))
        {
            ShutdownMonitor.deregister(server);
            ShutdownMonitor.register(first, server);
        }
        LOG.debug("graceful-drain: Jetty 12.0, no ShutdownService: guarding the ShutdownMonitor and the JVM hook");
    }

    static void deregister(Server server, LifeCycle first)
    {
        ShutdownThread.deregister(first);
        try
        {
            for (ShutdownService service : server.getBeans(ShutdownService.class))
                service.removeComponent(first);
        }
        catch (LinkageError x)
        {
            deregisterFromMonitor(first);
        }
    }

    @SuppressWarnings("removal")
    private static void deregisterFromMonitor(LifeCycle first)
    {
        ShutdownMonitor.deregister(first);
    }

    /**
     * Takes over SIGTERM and SIGINT: {@code onSignal} gets the signal's name and number, and decides.
     * @return a way to give each signal back to its previous handler
     */
    static Runnable watchSignals(Consumer<Signal> onSignal, Map<Signal, SignalHandler> previous)
    {
        Map<Signal, SignalHandler> taken = new HashMap<>();
        for (String name : new String[]{"TERM", "INT"})
        {
            try
            {
                Signal signal = new Signal(name);
                SignalHandler before = Signal.handle(signal, onSignal::accept);
                taken.put(signal, before);
                previous.put(signal, before);
            }
            catch (Throwable x)
            {
                LOG.info("graceful-drain: cannot watch SIG{} ({}): a second one will not skip the pre-stop delay", name, x.toString());
            }
        }
        return () -> taken.forEach((signal, handler) ->
        {
            try
            {
                Signal.handle(signal, handler);
            }
            catch (Throwable ignored)
            {
                // the JVM is exiting, or the signal cannot be handled any more
            }
        });
    }

    /** Passes a signal on to the JVM's own handler (which runs the shutdown hooks), or exits as it would. */
    static void passOn(Signal signal, SignalHandler previous)
    {
        if (previous != null && previous != SignalHandler.SIG_DFL && previous != SignalHandler.SIG_IGN)
            previous.handle(signal);
        else
            System.exit(128 + signal.getNumber());
    }
}
