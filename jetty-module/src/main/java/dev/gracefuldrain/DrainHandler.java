package dev.gracefuldrain;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpHeaderValue;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.io.EofException;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.annotation.Name;

/**
 * Sees every request: marks its connection busy while it is served, idle after; answers the
 * readiness endpoint; during the pre-stop delay and maintenance tells every client to close; counts
 * requests (readiness probes aside).
 * <p>A plain wrapper, not a {@code StatisticsHandler}: that one wraps every request and response in
 * event-notifying wrappers (about 240 bytes and a layer of calls on every read and write, measured in
 * the bench), where the drain needs only to hear when each request is done, and two counters.</p>
 */
public class DrainHandler extends Handler.Wrapper
{
    private final Drain drain;
    private final LongAdder requests = new LongAdder();
    private final LongAdder failures = new LongAdder();
    private final AtomicInteger active = new AtomicInteger();

    public DrainHandler(@Name("drain") Drain drain)
    {
        this.drain = drain;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception
    {
        TrackedConnection connection = drain.tracker().get(request.getConnectionMetaData().getConnection());
        if (connection != null && !connection.beginRequest(request, response, callback, drain.isDraining()))
        {
            // The connection is already half-closed (our FIN, or Jetty's after a keep-alive response
            // it finished once shut down): the client sees a clean close with no response byte, and
            // the request is never handled. Close now: nothing more will be answered.
            drain.onLateRequest();
            request.getConnectionMetaData().getConnection().getEndPoint().close();
            callback.failed(new EofException("connection drained before the request arrived"));
            return true;
        }

        boolean readiness = request.getHttpURI().getPath().equals(drain.readinessPath());
        if (drain.isTellingClientsToGo())
        {
            // Pooled clients and load balancers: use another server from now on (HTTP/2 has no such header).
            if (request.getConnectionMetaData().getHttpVersion().getVersion() < 20)
                response.getHeaders().put(HttpHeader.CONNECTION, HttpHeaderValue.CLOSE.asString());
            if (!readiness && drain.isAdvertising())
                drain.onActivity();
        }
        if (readiness)
            return ready(request, response, callback, connection);
        requests.increment();
        active.incrementAndGet();
        // Completion of the whole exchange (the response written), not the handler's callback: only then may a FIN follow.
        Request.addCompletionListener(request, failure -> completed(request, connection, failure));
        return super.handle(request, response, callback);
    }

    private void completed(Request request, TrackedConnection connection, Throwable failure)
    {
        active.decrementAndGet();
        if (failure != null)
            failures.increment();
        if (connection != null)
            connection.endRequest(request, drain.isDraining());
    }

    int getRequestTotal()
    {
        return requests.intValue();
    }

    int getRequestsActive()
    {
        return active.get();
    }

    int getFailures()
    {
        return failures.intValue();
    }

    /** The readiness endpoint: 200 while serving, 503 from the stop request on; the body is the state only. */
    private boolean ready(Request request, Response response, Callback callback, TrackedConnection connection)
    {
        if (connection != null)
            Request.addCompletionListener(request, failure -> connection.endRequest(request, drain.isDraining()));
        String state = drain.readinessState();
        response.setStatus("serving".equals(state) ? HttpStatus.OK_200 : HttpStatus.SERVICE_UNAVAILABLE_503);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain;charset=utf-8");
        response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
        response.write(true, ByteBuffer.wrap((state + "\n").getBytes(StandardCharsets.UTF_8)), callback);
        return true;
    }
}
