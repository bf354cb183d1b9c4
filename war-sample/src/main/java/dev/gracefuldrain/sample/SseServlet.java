package dev.gracefuldrain.sample;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * GET /sse?events=N&amp;gapMs=ms&amp;ignoreDrain=true: a text/event-stream of {@code data: tick 1}, {@code tick 2}, ...
 * one every gapMs (default 200), N of them (default: until drained). When the server begins to drain it
 * sends {@code event: drain} and ends the response cleanly, unless ignoreDrain=true: then the stream goes
 * on until the module closes it when the stream budget (jetty.drain.streamTimeout) is over.
 * No thread waits: a timer writes the events; all writes of all streams happen on that one thread.
 */
public class SseServlet extends LongResponseServlet
{
    private static final byte[] DRAIN_EVENT =
        "event: drain\ndata: server stopping, reconnect elsewhere\n\n".getBytes(StandardCharsets.UTF_8);

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException
    {
        long events = Params.get(request, "events", Long.MAX_VALUE, Long.MAX_VALUE);
        long gapMs = Params.get(request, "gapMs", 200, 60_000);
        boolean ignoreDrain = Boolean.parseBoolean(request.getParameter("ignoreDrain"));
        Counters.begin();
        AsyncContext async = request.startAsync();
        async.setTimeout(0);
        Stream stream = new Stream(async, events);
        async.addListener(stream);
        response.setContentType("text/event-stream");
        response.setCharacterEncoding("UTF-8");
        response.setHeader("Cache-Control", "no-cache");
        // Commit now, so the client sees the stream open before the first event.
        response.flushBuffer();
        stream.start(Math.max(gapMs, 1), ignoreDrain);
    }

    /** One open event stream; ends once, whichever comes first: last tick, drain, write failure or container. */
    private final class Stream implements AsyncListener
    {
        private final AsyncContext async;
        private final long events;
        private final AtomicBoolean ended = new AtomicBoolean();
        private long sent;
        private volatile ScheduledFuture<?> ticks;
        private volatile Runnable unsubscribe;

        Stream(AsyncContext async, long events)
        {
            this.async = async;
            this.events = events;
        }

        void start(long gapMs, boolean ignoreDrain)
        {
            // Subscribed first: when the drain has begun already, its event is queued before the first tick.
            if (!ignoreDrain)
                unsubscribe = drain.add(budget -> onTimer(this::drain));
            ticks = timer.scheduleWithFixedDelay(this::tick, 0, gapMs, TimeUnit.MILLISECONDS);
            // The drain, the last tick or the client may have ended the stream before ticks and unsubscribe were set.
            if (ended.get())
                release();
        }

        private void tick()
        {
            if (ended.get())
                return;
            sent++;
            if (write(("data: tick " + sent + "\n\n").getBytes(StandardCharsets.UTF_8)) && sent >= events)
                end();
        }

        private void drain()
        {
            if (!ended.get() && write(DRAIN_EVENT))
                end();
        }

        private boolean write(byte[] event)
        {
            try
            {
                ServletOutputStream out = async.getResponse().getOutputStream();
                out.write(event);
                out.flush();
                return true;
            }
            catch (IOException | IllegalStateException x)
            {
                // The client went away, or the module closed the stream when the stream budget was over.
                end();
                return false;
            }
        }

        private void end()
        {
            if (!ended.compareAndSet(false, true))
                return;
            release();
            Counters.end();
            try
            {
                async.complete();
            }
            catch (IllegalStateException x)
            {
                // Already completed by the container.
            }
        }

        /** Stops the ticks and the drain subscription; may run twice. */
        private void release()
        {
            ScheduledFuture<?> t = ticks;
            if (t != null)
                t.cancel(false);
            Runnable u = unsubscribe;
            if (u != null)
                u.run();
        }

        @Override
        public void onComplete(AsyncEvent event)
        {
            end();
        }

        @Override
        public void onTimeout(AsyncEvent event)
        {
            end();
        }

        @Override
        public void onError(AsyncEvent event)
        {
            end();
        }

        @Override
        public void onStartAsync(AsyncEvent event)
        {
        }
    }
}
