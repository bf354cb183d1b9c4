package dev.gracefuldrain;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.handler.ContextHandler;
import org.eclipse.jetty.util.component.Container;

/**
 * Tells webapps that the drain began, so they can end their long responses (server-sent events,
 * long polls, ...) cleanly instead of being cut at the stream budget.
 * <p>Every context gets the attribute {@value #DRAINING_ATTRIBUTE}: a JDK
 * {@code CompletionStage<Duration>} that completes when the drain begins, with the time the
 * webapp has left to end them ({@code jetty.drain.streamTimeout}). A webapp needs no class of
 * ours or of Jetty's:</p>
 * <pre>{@code
 * CompletionStage<Duration> draining = (CompletionStage<Duration>)servletContext.getAttribute("dev.gracefuldrain.draining");
 * if (draining != null)
 *     draining.thenAccept(budget -> endMyStreams());
 * }</pre>
 * <p>A response is long if its Content-Type is {@code text/event-stream}, or if the webapp set the
 * request attribute {@value #LONG_RESPONSE_ATTRIBUTE} to {@code true}.</p>
 */
final class DrainNotice implements Container.InheritedListener
{
    static final String DRAINING_ATTRIBUTE = "dev.gracefuldrain.draining";
    static final String LONG_RESPONSE_ATTRIBUTE = "dev.gracefuldrain.stream";

    private final Server server;
    private volatile CompletableFuture<Duration> draining = new CompletableFuture<>();

    DrainNotice(Server server)
    {
        this.server = server;
        // Contexts deployed later (the deployer adds them while the server starts) are told as they are added.
        server.addEventListener(this);
    }

    /** At each start: a fresh notice if the last one was used, given to every context already there. */
    void reset()
    {
        // Kept if not yet completed: embedding code may hold it from before the start.
        if (draining.isDone())
            draining = new CompletableFuture<>();
        for (ContextHandler context : server.getDescendants(ContextHandler.class))
            publish(context);
    }

    @Override
    public void beanAdded(Container parent, Object child)
    {
        if (child instanceof ContextHandler context)
            publish(context);
    }

    @Override
    public void beanRemoved(Container parent, Object child)
    {
    }

    /** The notice for this run of the server, read-only. */
    CompletionStage<Duration> stage()
    {
        return draining.minimalCompletionStage();
    }

    private void publish(ContextHandler context)
    {
        // A read-only view: a webapp cannot complete it for the others.
        context.setAttribute(DRAINING_ATTRIBUTE, stage());
    }

    /**
     * The drain began: the webapps' callbacks run on a thread of the drain's own, neither on the
     * stopping thread (a callback that blocks must not hold the drain) nor on the server's pool (every
     * worker may be busy at a stop under load).
     */
    void drainBegan(Duration budget)
    {
        CompletableFuture<Duration> notice = draining;
        Thread thread = new Thread(() -> notice.complete(budget), "graceful-drain-notice");
        thread.setDaemon(true);
        thread.start();
    }
}
