package dev.gracefuldrain;

import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.io.EofException;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.StatisticsHandler;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.annotation.Name;

/**
 * Sees every request: marks its connection busy while it is served, idle after.
 * A {@link StatisticsHandler}, so the request counters (requests, active requests)
 * come from Jetty's own statistics.
 */
public class DrainHandler extends StatisticsHandler
{
    private final Drain drain;

    public DrainHandler(@Name("drain") Drain drain)
    {
        this.drain = drain;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception
    {
        TrackedConnection connection = drain.tracker().get(request.getConnectionMetaData().getConnection());
        if (connection != null && !connection.beginRequest(request, drain.isDraining()))
        {
            // The drain sent FIN on this connection before the request was read: the client
            // sees a clean close with no response byte, and the request is never handled.
            // Close now: the request is read, our FIN is out, and nothing more will be answered.
            drain.onLateRequest();
            request.getConnectionMetaData().getConnection().getEndPoint().close();
            callback.failed(new EofException("connection drained before the request arrived"));
            return true;
        }
        return super.handle(request, response, callback);
    }

    @Override
    protected void onComplete(Request request, int status, HttpFields headers, Throwable failure)
    {
        super.onComplete(request, status, headers, failure);
        TrackedConnection connection = drain.tracker().get(request.getConnectionMetaData().getConnection());
        if (connection != null)
            connection.endRequest(request, drain.isDraining(), drain.lingerTimeoutMs());
    }
}
