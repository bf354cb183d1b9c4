package dev.gracefuldrain;

import java.util.Arrays;
import java.util.concurrent.TimeUnit;

import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * The requests one connection is serving, as (request, response, callback) triples (Jetty keeps when
 * each began): one for HTTP/1.1 (two if Jetty reports a completion after the next request began), many for
 * HTTP/2. Allocated at the first request and reused, so nothing is allocated per request and a
 * never-used connection costs nothing here. Not thread-safe: its {@link TrackedConnection} locks.
 */
final class InFlight
{
    private Object[] slots;
    private int active;

    void add(Request request, Response response, Callback callback)
    {
        if (slots == null)
            slots = new Object[3];
        else if (3 * active == slots.length)
            slots = Arrays.copyOf(slots, active * 6);
        slots[3 * active] = request;
        slots[3 * active + 1] = response;
        slots[3 * active + 2] = callback;
        active++;
    }

    /** @return false if the request is not one this connection is serving (already removed) */
    boolean remove(Request request)
    {
        int index = indexOf(request);
        if (index < 0)
            return false;
        active--;
        System.arraycopy(slots, 3 * active, slots, 3 * index, 3);
        Arrays.fill(slots, 3 * active, 3 * active + 3, null);
        return true;
    }

    int size()
    {
        return active;
    }

    void clear()
    {
        if (slots != null)
            Arrays.fill(slots, null);
        active = 0;
    }

    private Request request(int index)
    {
        return (Request)slots[3 * index];
    }

    private int indexOf(Request request)
    {
        Request unwrapped = Request.unWrap(request);
        for (int i = 0; i < active; i++)
        {
            if (Request.unWrap(request(i)) == unwrapped)
                return i;
        }
        return -1;
    }

    /** @return the callbacks of the long responses (server-sent events, or marked by the webapp) */
    Callback[] longResponses()
    {
        Callback[] found = new Callback[active];
        int n = 0;
        for (int i = 0; i < active; i++)
        {
            if (isLong(request(i), (Response)slots[3 * i + 1]))
                found[n++] = (Callback)slots[3 * i + 2];
        }
        return Arrays.copyOf(found, n);
    }

    static boolean isLong(Request request, Response response)
    {
        Object marked = request.getAttribute(DrainNotice.LONG_RESPONSE_ATTRIBUTE);
        if (Boolean.TRUE.equals(marked) || "true".equals(marked))
            return true;
        String type = response.getHeaders().get(HttpHeader.CONTENT_TYPE);
        return type != null && type.regionMatches(true, 0, "text/event-stream", 0, 17);
    }

    /** @return e.g. "GET /slow?ms=60000 from /127.0.0.1:4242 over h2 after 1503 ms", one per request */
    String[] describe(Object remote, Protocol protocol, long nowNanos)
    {
        String[] cut = new String[active];
        for (int i = 0; i < active; i++)
        {
            cut[i] = String.format("%s %s from %s%s after %d ms", request(i).getMethod(), request(i).getHttpURI().getPathQuery(),
                remote, protocol == Protocol.H1 ? "" : " over " + protocol.label, TimeUnit.NANOSECONDS.toMillis(nowNanos - request(i).getBeginNanoTime()));
        }
        return cut;
    }
}
