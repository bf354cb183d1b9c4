package dev.gracefuldrain;

import java.io.IOException;
import java.nio.channels.SocketChannel;

import org.eclipse.jetty.http.HttpParser;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.internal.HttpConnection;

/**
 * The one place that reads Jetty's internal HTTP/1.1 connection, and the kernel's receive queue.
 * <p>Jetty 12 has no public API that says whether an HTTP/1.1 connection has a request on its way
 * to the handlers: bytes the kernel holds that no worker has read yet (the selector fired, the pool
 * is busy), a partial request line or headers, pipelined bytes buffered, or a request parsed and
 * not yet dispatched. The drain must know, because such a connection is busy: its request was sent
 * before the stop and must be served, not cut off. {@code org.eclipse.jetty.server.internal} is not
 * exported under JPMS and may change between releases, so nothing else in this module touches it.
 * Checked against Jetty 12.1.0 to 12.1.12 and 12.0.25 ({@code HttpConnection.getParser()},
 * {@code isRequestBufferEmpty()}).</p>
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
     * @return true if a request has begun to reach this connection and no handler has seen it yet.
     * Read from another thread than the connection's: a hint, made safe because the drain looks again
     * shortly (a parser still at END just after a response resets to START), and because
     * {@link TrackedConnection#beginRequest} refuses a request on a connection already half-closed.
     */
    static boolean hasRequestOnItsWay(Connection connection)
    {
        HttpConnection http = (HttpConnection)connection;
        HttpParser.State state = http.getParser().getState();
        if (state != HttpParser.State.START && state != HttpParser.State.CLOSE && state != HttpParser.State.CLOSED)
            return true;
        return !http.isRequestBufferEmpty() || unreadBytes(connection.getEndPoint()) > 0;
    }

    /**
     * @return the bytes the kernel has received for this endpoint that Jetty has not read (FIONREAD,
     * through the JDK's public socket adaptor), 0 if unknown. Under TLS these are encrypted bytes: a
     * request, or an alert; either way the connection is not idle.
     */
    static int unreadBytes(EndPoint endPoint)
    {
        Object transport = endPoint.getTransport();
        while (transport instanceof EndPoint inner)
            transport = inner.getTransport();
        return transport instanceof SocketChannel channel ? unreadBytes(channel) : 0;
    }

    static int unreadBytes(SocketChannel channel)
    {
        if (!channel.isOpen())
            return 0;
        try
        {
            return channel.socket().getInputStream().available();
        }
        catch (IOException | RuntimeException x)
        {
            return 0;
        }
    }
}
