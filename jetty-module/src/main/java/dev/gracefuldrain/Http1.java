package dev.gracefuldrain;

import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.server.internal.HttpConnection;

/**
 * The one place that reads Jetty's internal HTTP/1.1 connection.
 * <p>Jetty 12 has no public API that says whether an HTTP/1.1 connection has begun
 * to read a request that has not reached the handlers yet (a partial request line
 * or headers, or pipelined bytes already buffered). The drain must know, because
 * such a connection is busy and its request must be served, not cut off.
 * {@code org.eclipse.jetty.server.internal} is not exported under JPMS and may change
 * between releases, so nothing else in this module touches it.</p>
 */
final class Http1
{
    private Http1()
    {
    }

    static boolean isHttp1(Connection connection)
    {
        return connection instanceof HttpConnection;
    }

    /**
     * @return true if bytes of a request have been read (or buffered) that no handler has seen yet.
     * Read from another thread than the connection's: a hint, made safe by
     * {@link TrackedConnection#beginRequest}, which refuses a request on a connection already half-closed.
     */
    static boolean readingRequest(Connection connection)
    {
        HttpConnection http = (HttpConnection)connection;
        return (http.getParser().inHeaderState() && !http.getParser().isStart()) || !http.isRequestBufferEmpty();
    }
}
