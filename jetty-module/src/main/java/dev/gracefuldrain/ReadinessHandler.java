package dev.gracefuldrain;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.Callback;

/**
 * The readiness endpoint ({@code jetty.drain.readinessPath}), answered before any webapp: 200
 * "serving" while serving, 503 from the stop request on; the body is the phase, nothing else.
 * Inserted only when a path is configured, right inside {@link DrainHandler}.
 */
public class ReadinessHandler extends Handler.Wrapper
{
    private final Drain drain;

    public ReadinessHandler(Drain drain)
    {
        this.drain = drain;
    }

    /** Jetty XML: inserts the endpoint in front of the server's handlers if a path is configured. */
    public static void insertIfConfigured(Server server, Drain drain, DrainSettings settings)
    {
        if (settings.getReadinessPath() != null)
            server.insertHandler(new ReadinessHandler(drain));
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception
    {
        // The same test as DrainHandler's, which leaves probes out of the request counts.
        if (!drain.isReadinessProbe(request))
            return super.handle(request, response, callback);
        String state = drain.phases().readiness();
        response.setStatus("serving".equals(state) ? HttpStatus.OK_200 : HttpStatus.SERVICE_UNAVAILABLE_503);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain;charset=utf-8");
        response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
        response.write(true, ByteBuffer.wrap((state + "\n").getBytes(StandardCharsets.UTF_8)), callback);
        return true;
    }
}
