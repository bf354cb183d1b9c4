package dev.gracefuldrain.examples;

import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicBoolean;

import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ShutdownHandler;
import org.eclipse.jetty.util.Callback;

/**
 * Jetty's {@link ShutdownHandler}, with its request completed. On Jetty 12.1.12 (and 12.1.10, which
 * Spring Boot 4.0.7 brings) it writes its answer and starts {@code server.stop()} on another thread
 * when the write is done, but never completes the request's callback: for any graceful stop that
 * request stays in flight, so the drain waits for it until {@code jetty.drain.timeout} and then cuts it.
 * This wrapper completes the callback once the answer's last byte is written.
 */
public final class CompletingShutdownHandler extends Handler.Wrapper
{
    public CompletingShutdownHandler(ShutdownHandler shutdown)
    {
        super(shutdown);
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception
    {
        if (!"POST".equals(request.getMethod()))
            return super.handle(request, response, callback);
        // Once: the handler may also complete it itself (its error answers, or a request it passes on).
        AtomicBoolean done = new AtomicBoolean();
        Callback once = Callback.from(() ->
        {
            if (done.compareAndSet(false, true))
                callback.succeeded();
        }, x ->
        {
            if (done.compareAndSet(false, true))
                callback.failed(x);
        });
        Response completing = new Response.Wrapper(request, response)
        {
            @Override
            public void write(boolean last, ByteBuffer content, Callback written)
            {
                super.write(last, content, last ? Callback.combine(written, once) : written);
            }
        };
        return super.handle(request, completing, once);
    }
}
