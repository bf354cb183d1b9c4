package dev.gracefuldrain;

import org.eclipse.jetty.io.Connection;

/**
 * The protocol a tracked connection speaks, told from its Jetty {@link Connection}.
 * <p>A seam: HTTP/2, WebSocket and TLS are recognised by class name, so that this class, and the
 * module, load without the http2 and websocket jars; HTTP/1.1 through {@link Http1}. Checked
 * against Jetty 12.1.0 to 12.1.12 and 12.0.25, whose class names these are.</p>
 */
enum Protocol
{
    H1("h1"), H2("h2"), WS("ws"),
    /** TLS connection whose protocol ALPN has not chosen yet. */
    PENDING("pending");

    final String label;

    Protocol(String label)
    {
        this.label = label;
    }

    /** @return the protocol of a connection, or null for one that only carries another (the TLS layer) */
    static Protocol of(Connection connection)
    {
        if (Http1.isHttp1(connection))
            return H1;
        for (Class<?> c = connection.getClass(); c != null; c = c.getSuperclass())
        {
            switch (c.getName())
            {
                case "org.eclipse.jetty.http2.HTTP2Connection":
                    return H2;
                case "org.eclipse.jetty.websocket.core.WebSocketConnection":
                    return WS;
                case "org.eclipse.jetty.io.ssl.SslConnection":
                    return null;
                default:
                    break;
            }
        }
        return PENDING;
    }
}
