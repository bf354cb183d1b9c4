package dev.gracefuldrain.coresample;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * The sample webapp's /fast, /slow, /stream, /async and /counters as a Jetty core Handler: no servlet,
 * no EE environment. Compiled by EnvironmentsIT against the distribution's own jars, so it is the
 * same source on Jetty 12.0 and 12.1.
 */
public class CoreSample extends Handler.Abstract
{
    private static final AtomicLong STARTED = new AtomicLong();
    private static final AtomicLong IN_FLIGHT = new AtomicLong();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r ->
    {
        Thread thread = new Thread(r, "core-sample-timer");
        thread.setDaemon(true);
        return thread;
    });

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception
    {
        String path = Request.getPathInContext(request);
        String query = request.getHttpURI().getQuery();
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain");
        switch (path)
        {
            case "/fast" ->
            {
                STARTED.incrementAndGet();
                Content.Sink.write(response, true, "fast\n", callback);
            }
            case "/counters" -> Content.Sink.write(response, true, "started=" + STARTED.get() + " inflight=" + IN_FLIGHT.get() + "\n", callback);
            case "/slow" ->
            {
                long ms = param(query, "ms", 1000);
                begin();
                try
                {
                    Thread.sleep(ms); // a blocking handler, as a servlet's would be
                }
                finally
                {
                    IN_FLIGHT.decrementAndGet();
                }
                byte[] body = ("slept " + ms + " ms\n").getBytes(StandardCharsets.US_ASCII);
                response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
                response.write(true, ByteBuffer.wrap(body), callback);
            }
            case "/stream" ->
            {
                long chunks = param(query, "chunks", 5);
                long gap = param(query, "gap", 500);
                begin();
                try
                {
                    for (int i = 0; i < chunks; i++)
                    {
                        if (i > 0)
                            Thread.sleep(gap);
                        Callback.Completable written = new Callback.Completable();
                        response.write(false, ByteBuffer.wrap(("chunk " + i + "\n").getBytes(StandardCharsets.US_ASCII)), written);
                        written.get(30, TimeUnit.SECONDS);
                    }
                }
                finally
                {
                    IN_FLIGHT.decrementAndGet();
                }
                response.write(true, null, callback);
            }
            case "/async" ->
            {
                long ms = param(query, "ms", 1000);
                begin();
                timer.schedule(() ->
                {
                    IN_FLIGHT.decrementAndGet();
                    byte[] body = ("async after " + ms + " ms\n").getBytes(StandardCharsets.US_ASCII);
                    response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
                    response.write(true, ByteBuffer.wrap(body), callback);
                }, ms, TimeUnit.MILLISECONDS);
            }
            default -> Response.writeError(request, response, callback, HttpStatus.NOT_FOUND_404);
        }
        return true;
    }

    private static void begin()
    {
        STARTED.incrementAndGet();
        IN_FLIGHT.incrementAndGet();
    }

    /** A bounded whole-number query parameter. */
    private static long param(String query, String name, long defaultValue)
    {
        if (query != null)
        {
            for (String pair : query.split("&"))
            {
                if (pair.startsWith(name + "="))
                    return Math.min(120_000, Long.parseLong(pair.substring(name.length() + 1)));
            }
        }
        return defaultValue;
    }
}
