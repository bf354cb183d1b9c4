package dev.gracefuldrain.sample;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * GET /poll?ms=N&amp;ignoreDrain=true: a long poll. Holds the request N ms (default 30 s, at most 10 min),
 * then answers {@code timeout}. When the server begins to drain it answers at once {@code drain} with
 * {@code Connection: close}, so the client polls again, on a new connection, elsewhere; unless
 * ignoreDrain=true: then it waits on until the module closes it when the stream budget (jetty.drain.streamTimeout) is over.
 * It marks itself as a long response: nothing in its content type says so.
 */
public class LongPollServlet extends LongResponseServlet
{
    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response)
    {
        long ms = Params.get(request, "ms", 30_000, 600_000);
        boolean ignoreDrain = Boolean.parseBoolean(request.getParameter("ignoreDrain"));
        request.setAttribute(DrainListener.STREAM, Boolean.TRUE);
        Counters.begin();
        AsyncContext async = request.startAsync();
        async.setTimeout(0);
        Poll poll = new Poll(async);
        async.addListener(poll);
        poll.start(ms, ignoreDrain);
    }

    /** One waiting poll; answered once, whichever comes first: its time, the drain, or the container. */
    private final class Poll implements AsyncListener
    {
        private final AsyncContext async;
        private final AtomicBoolean ended = new AtomicBoolean();
        private volatile ScheduledFuture<?> timeout;
        private volatile Runnable unsubscribe;

        Poll(AsyncContext async)
        {
            this.async = async;
        }

        void start(long ms, boolean ignoreDrain)
        {
            timeout = timer.schedule(() -> answer("timeout\n", false), ms, TimeUnit.MILLISECONDS);
            if (!ignoreDrain)
                unsubscribe = drain.add(budget -> onTimer(() -> answer("drain\n", true)));
            // The drain, or the client, may have ended the poll before timeout and unsubscribe were set.
            if (ended.get())
                release();
        }

        private void answer(String body, boolean close)
        {
            if (!ended.compareAndSet(false, true))
                return;
            release();
            try
            {
                byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
                HttpServletResponse response = (HttpServletResponse)async.getResponse();
                response.setStatus(HttpServletResponse.SC_OK);
                response.setContentType("text/plain");
                response.setContentLength(bytes.length);
                if (close)
                    response.setHeader("Connection", "close");
                response.getOutputStream().write(bytes);
            }
            catch (IOException | IllegalStateException x)
            {
                log("poll answer failed", x);
            }
            finally
            {
                Counters.end();
                async.complete();
            }
        }

        /** Stops the timer and the drain subscription; may run twice. */
        private void release()
        {
            ScheduledFuture<?> t = timeout;
            if (t != null)
                t.cancel(false);
            Runnable u = unsubscribe;
            if (u != null)
                u.run();
        }

        /** The container ended the request first (client gone, webapp stopped): nothing left to answer. */
        private void abandon()
        {
            if (!ended.compareAndSet(false, true))
                return;
            release();
            Counters.end();
        }

        @Override
        public void onComplete(AsyncEvent event)
        {
            abandon();
        }

        @Override
        public void onTimeout(AsyncEvent event)
        {
            abandon();
        }

        @Override
        public void onError(AsyncEvent event)
        {
            // The container completes the request itself once no listener has.
            abandon();
        }

        @Override
        public void onStartAsync(AsyncEvent event)
        {
        }
    }
}
