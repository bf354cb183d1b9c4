package dev.gracefuldrain;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.ssl.SslConnection;
import org.eclipse.jetty.io.ssl.SslHandshakeListener;

/**
 * Knows every connection of the managed connectors, from open to close (HTTP/1.1, HTTP/2,
 * WebSocket, and a TLS connection before ALPN chose its protocol), and hands each event to the
 * {@link Drain}. A bean of each managed connector, it also hears the end of every TLS handshake.
 */
final class ConnectionTracker implements Connection.Listener, SslHandshakeListener
{
    private final Map<Connection, TrackedConnection> connections = new ConcurrentHashMap<>();
    /** TLS connections whose handshake is over; the TLS layer itself is not tracked otherwise. */
    private final Set<SslConnection> handshaken = ConcurrentHashMap.newKeySet();
    private final Drain drain;

    ConnectionTracker(Drain drain)
    {
        this.drain = drain;
    }

    @Override
    public void onOpened(Connection connection)
    {
        TrackedConnection.Kind kind = TrackedConnection.Kind.of(connection);
        if (kind == null)
            return;
        TrackedConnection tracked = new TrackedConnection(connection, kind, this);
        connections.put(connection, tracked);
        drain.onOpened(tracked);
    }

    @Override
    public void onClosed(Connection connection)
    {
        if (connection instanceof SslConnection ssl)
        {
            handshaken.remove(ssl);
            return;
        }
        TrackedConnection tracked = connections.remove(connection);
        if (tracked != null)
            drain.onClosed(tracked);
    }

    @Override
    public void handshakeSucceeded(Event event)
    {
        handshakeOver(event);
    }

    @Override
    public void handshakeFailed(Event event, Throwable failure)
    {
        handshakeOver(event);
    }

    private void handshakeOver(Event event)
    {
        if (!(event.getEndPoint() instanceof SslConnection.SslEndPoint endPoint))
            return;
        handshaken.add(endPoint.getSslConnection());
        TrackedConnection tracked = get(endPoint.getConnection());
        if (tracked != null)
            drain.onHandshakeOver(tracked);
    }

    /** @return true if the connection runs over TLS and its handshake is not over yet. */
    boolean inTlsHandshake(Connection connection)
    {
        EndPoint endPoint = connection.getEndPoint();
        return endPoint instanceof SslConnection.SslEndPoint ssl && !handshaken.contains(ssl.getSslConnection());
    }

    /** A connection half-closed: the drain's {@link Linger} will close it if its client does not. */
    void lingering()
    {
        drain.linger().started();
    }

    TrackedConnection get(Connection connection)
    {
        return connection == null ? null : connections.get(connection);
    }

    TrackedConnection[] snapshot()
    {
        return connections.values().toArray(new TrackedConnection[0]);
    }

    Iterable<TrackedConnection> all()
    {
        return connections.values();
    }

    boolean isEmpty()
    {
        return connections.isEmpty();
    }

    int size()
    {
        return connections.size();
    }
}
