package dev.gracefuldrain.jmh;

import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * The trivial application every wrapper wraps: an empty 200, the callback completed at once.
 * <p>With {@code hold > 1} it keeps each callback until {@code hold} requests have arrived, then
 * completes them all: that many HTTP/2 streams are open at once on the connection, which is what the
 * drain's per-connection tracking has to handle. Non-blocking, so that Jetty runs it on the thread
 * that fed the request in (the benchmark thread), with no hand-off to the thread pool.</p>
 */
final class Answer extends Handler.Abstract.NonBlocking
{
    private final int hold;
    private final Callback[] held;
    private int waiting;
    long handled;

    Answer(int hold)
    {
        this.hold = hold;
        this.held = new Callback[hold];
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback)
    {
        handled++;
        if (hold <= 1)
        {
            callback.succeeded();
            return true;
        }
        held[waiting++] = callback;
        if (waiting == hold)
        {
            waiting = 0;
            for (int i = 0; i < hold; i++)
            {
                Callback c = held[i];
                held[i] = null;
                c.succeeded();
            }
        }
        return true;
    }

    int waiting()
    {
        return waiting;
    }
}
