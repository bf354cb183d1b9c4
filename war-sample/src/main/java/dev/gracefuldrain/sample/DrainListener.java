package dev.gracefuldrain.sample;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

import jakarta.servlet.ServletContext;

/**
 * Listens for the graceful-drain module's drain notice, read through its documented attributes only
 * (no Jetty class), so the sample also deploys where the module is not installed.
 * <p>
 * A servlet makes one {@code DrainListener} in {@code init()} and {@link #add adds} each of its long
 * requests to it: the module's stage then holds one subscriber per servlet, not one per request, so
 * the requests that end before any drain leave nothing behind.
 */
final class DrainListener
{
    /** Context attribute: a {@code CompletionStage<Duration>} that completes when the server begins to drain. */
    static final String DRAINING = "dev.gracefuldrain.draining";
    /** Request attribute: {@code Boolean.TRUE} marks the response as long (text/event-stream counts without it). */
    static final String STREAM = "dev.gracefuldrain.stream";

    private final Set<Consumer<Duration>> waiting = ConcurrentHashMap.newKeySet();
    private volatile Duration budget;

    DrainListener(ServletContext context)
    {
        onDrain(context, budget ->
        {
            this.budget = budget;
            for (Consumer<Duration> action : waiting)
            {
                // One failing request must not keep the others from hearing of the drain.
                try
                {
                    action.accept(budget);
                }
                catch (RuntimeException x)
                {
                    context.log("drain notification failed", x);
                }
            }
        });
    }

    /**
     * Runs action when the drain begins, or at once if it has begun already. It runs on a Jetty thread
     * that tells every other listener too, not on the thread that stops the server: keep it short and
     * hand the work off. In a race it may run twice: make it idempotent.
     * @return what removes the action again, once its request has ended
     */
    Runnable add(Consumer<Duration> action)
    {
        // Added before budget is read, and budget written before waiting is read: one of the two sees the other.
        waiting.add(action);
        Duration already = budget;
        if (already != null)
            action.accept(already);
        return () -> waiting.remove(action);
    }

    /**
     * Runs action with the time left to end long responses when the server begins to drain;
     * does nothing when the module is not installed (the attribute is absent).
     */
    static void onDrain(ServletContext context, Consumer<Duration> action)
    {
        if (context.getAttribute(DRAINING) instanceof CompletionStage<?> stage)
            stage.thenAccept(budget -> action.accept(budget instanceof Duration duration ? duration : Duration.ZERO));
    }
}
