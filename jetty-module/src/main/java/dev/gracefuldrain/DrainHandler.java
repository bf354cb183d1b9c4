package dev.gracefuldrain;

import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpHeaderValue;
import org.eclipse.jetty.io.EofException;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpStream;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.annotation.Name;

/**
 * Sees every request first: marks its connection busy while it is served and idle after; refuses a
 * request that arrives on a connection already half-closed; while clients are told to go (pre-stop
 * delay, maintenance) marks every HTTP/1.1 response {@code Connection: close}; counts requests,
 * readiness probes aside.
 * <p>A plain wrapper, not a {@code StatisticsHandler}: that one wraps every request and response in
 * event-notifying wrappers (about 240 bytes and a layer of calls on every read and write), where the
 * drain needs only to hear when each request is done.</p>
 */
public class DrainHandler extends Handler.Wrapper
{
    private final Drain drain;

    public DrainHandler(@Name("drain") Drain drain)
    {
        this.drain = drain;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception
    {
        Phases phases = drain.phases();
        TrackedConnection connection = drain.tracker().get(request.getConnectionMetaData().getConnection());
        if (connection != null && !connection.beginRequest(request, response, callback, phases.isStopping()))
        {
            // Already half-closed (our FIN, or Jetty's after a keep-alive response it finished once shut
            // down): the client sees a clean close with no response byte, and the request is never handled.
            drain.lateRequestRefused();
            request.getConnectionMetaData().getConnection().getEndPoint().close();
            callback.failed(new EofException("connection drained before the request arrived"));
            return true;
        }

        boolean probe = drain.isReadinessProbe(request);
        if (phases.isTellingClientsToGo())
        {
            // Pooled clients and load balancers: use another server from now on (HTTP/2 has no such header).
            if (request.getConnectionMetaData().getHttpVersion().getVersion() < 20)
                response.getHeaders().put(HttpHeader.CONNECTION, HttpHeaderValue.CLOSE.asString());
            if (!probe && phases.isAdvertising())
                drain.advertising().onActivity();
        }
        RequestCounts counts = probe ? null : drain.requestCounts();
        if (counts != null)
            counts.begun();
        if (connection != null || counts != null)
        {
            // The whole exchange (the response written), not the handler's callback: only then may a FIN follow.
            request.addHttpStreamWrapper(stream -> new Completion(stream, request, connection, counts, phases));
        }
        return super.handle(request, response, callback);
    }

    /**
     * Hears the end of the exchange, before Jetty goes on with the connection (and, for HTTP/1.1, parses
     * the next request). A stream wrapper of our own, not {@code Request.addCompletionListener}: that
     * one makes five objects per request (about 144 B, measured with JMH), this one two.
     */
    private static final class Completion extends HttpStream.Wrapper
    {
        private final Request request;
        private final TrackedConnection connection;
        private final RequestCounts counts;
        private final Phases phases;

        private Completion(HttpStream wrapped, Request request, TrackedConnection connection, RequestCounts counts, Phases phases)
        {
            super(wrapped);
            this.request = request;
            this.connection = connection;
            this.counts = counts;
            this.phases = phases;
        }

        @Override
        public void succeeded()
        {
            completed(null);
            super.succeeded();
        }

        @Override
        public void failed(Throwable x)
        {
            completed(x);
            super.failed(x);
        }

        private void completed(Throwable failure)
        {
            if (counts != null)
                counts.ended(failure);
            if (connection != null)
                connection.endRequest(request, phases.isDraining());
        }
    }
}
