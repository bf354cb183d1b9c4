package dev.gracefuldrain.spring;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

import dev.gracefuldrain.DrainSettings;
import dev.gracefuldrain.GracefulDrain;
import org.eclipse.jetty.server.Server;

/**
 * Installs the drain in Spring Boot's embedded Jetty, as the Jetty module does in a distribution
 * ({@link GracefulDrain#install}), from a {@code JettyServerCustomizer} (whose package differs between
 * Spring Boot 3.5 and 4: the auto-configuration of each starter declares it); Spring Boot runs its
 * customizers after it set the server's handler.
 * Spring Boot starts that server without connectors and adds them later: the drain manages them from then.
 */
public final class DrainInstaller
{
    private final DrainSettings settings;
    private final CompletableFuture<GracefulDrain> installed = new CompletableFuture<>();
    private final List<Consumer<Duration>> noticeListeners = new CopyOnWriteArrayList<>();

    DrainInstaller(DrainSettings settings)
    {
        this.settings = settings;
    }

    public void install(Server server)
    {
        if (installed.isDone())
            return; // one server per application context (a management server on its own port is left alone)
        GracefulDrain drain = GracefulDrain.install(server, settings);
        installed.complete(drain);
        drain.drainNotice().thenAccept(budget -> noticeListeners.forEach(listener -> listener.accept(budget)));
    }

    /** @return the drain, once Spring Boot has created its server */
    public CompletionStage<GracefulDrain> drain()
    {
        return installed.minimalCompletionStage();
    }

    GracefulDrain drainNow()
    {
        return installed.getNow(null);
    }

    /** {@code listener} gets the time long responses have left, when the drain begins, on a thread of the drain's. */
    public void onDrainBegan(Consumer<Duration> listener)
    {
        noticeListeners.add(listener);
    }
}
