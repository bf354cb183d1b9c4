package dev.gracefuldrain;

import java.nio.channels.SelectableChannel;
import java.util.EnumMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.SelectorManager;
import org.eclipse.jetty.io.ssl.SslConnection;
import org.eclipse.jetty.io.ssl.SslHandshakeListener;

/**
 * Knows every connection of the managed connectors, from open to close (HTTP/1.1, HTTP/2, WebSocket,
 * and a TLS connection before ALPN chose its protocol), and passes each event on. A bean of each
 * managed connector, it also hears the end of every TLS handshake; a listener of each connector's
 * selectors, it knows the sockets accepted but not opened yet (the selector opens them on a worker
 * of the server's pool, later when the pool is busy): the drain is not over while one is on its way.
 */
final class ConnectionTracker implements Connection.Listener, SslHandshakeListener, SelectorManager.AcceptListener
{
    /** What the drain hears from the tracker. */
    interface Events
    {
        void onOpened(TrackedConnection connection);

        void onHandshakeOver(TrackedConnection connection);

        void onClosed(TrackedConnection connection, Ending ending);

        /** A closed connection has left the tracker: it may have been the last. */
        void onRemoved();
    }

    private final Map<Connection, TrackedConnection> connections = new ConcurrentHashMap<>();
    /** TLS connections whose handshake is over; the TLS layer itself is not tracked otherwise. */
    private final Set<SslConnection> handshaken = ConcurrentHashMap.newKeySet();
    private final Set<Object> accepting = ConcurrentHashMap.newKeySet();
    private final Linger linger;
    private final Events events;

    ConnectionTracker(Linger linger, Events events)
    {
        this.linger = linger;
        this.events = events;
    }

    @Override
    public void onAccepting(SelectableChannel channel)
    {
        accepting.add(channel);
    }

    @Override
    public void onAcceptFailed(SelectableChannel channel, Throwable cause)
    {
        if (accepting.remove(channel))
            events.onRemoved();
    }

    /** At the timeout: a socket still not opened is closed by Jetty's stop; the drain does not wait for it. */
    void forgetAccepting()
    {
        accepting.clear();
    }

    @Override
    public void onOpened(Connection connection)
    {
        Protocol protocol = Protocol.of(connection);
        TrackedConnection tracked = protocol == null ? null : new TrackedConnection(connection, protocol, linger);
        if (tracked != null)
            connections.put(connection, tracked);
        // Only now: the socket is never in neither set while it lives.
        Object transport = connection.getEndPoint().getTransport(); // null for a LocalConnector's endpoint
        boolean wasAccepting = transport != null && accepting.remove(transport);
        // Closed before it was opened: HTTP/2 writes its SETTINGS before telling its listeners, and a peer
        // that reset at once fails that write, so onClosed may already have come, and found nothing.
        boolean closedFirst = tracked != null && !connection.getEndPoint().isOpen();
        if (closedFirst)
            connections.remove(connection);
        if (tracked != null && !closedFirst)
            events.onOpened(tracked);
        else if (wasAccepting || closedFirst)
            events.onRemoved();
    }

    @Override
    public void onClosed(Connection connection)
    {
        if (connection instanceof SslConnection ssl)
        {
            handshaken.remove(ssl);
            return;
        }
        TrackedConnection tracked = connections.get(connection);
        if (tracked == null)
            return;
        // Counted before it leaves the map: whoever then finds the map empty finds every count in.
        events.onClosed(tracked, tracked.closed());
        connections.remove(connection);
        events.onRemoved();
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
            events.onHandshakeOver(tracked);
    }

    /** @return true if the connection runs over TLS and its handshake is not over yet */
    boolean inTlsHandshake(TrackedConnection connection)
    {
        EndPoint endPoint = connection.connection().getEndPoint();
        return endPoint instanceof SslConnection.SslEndPoint ssl && !handshaken.contains(ssl.getSslConnection());
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
        return connections.isEmpty() && accepting.isEmpty();
    }

    int size()
    {
        return connections.size();
    }

    /** @return e.g. "never-used=1 idle=20 busy=5 lingering=0" */
    String states()
    {
        int[] counts = new int[TrackedConnection.State.values().length];
        for (TrackedConnection connection : connections.values())
            counts[connection.state().ordinal()]++;
        return String.format("never-used=%d idle=%d busy=%d lingering=%d", counts[TrackedConnection.State.NEVER_USED.ordinal()],
            counts[TrackedConnection.State.IDLE.ordinal()], counts[TrackedConnection.State.BUSY.ordinal()],
            counts[TrackedConnection.State.LINGERING.ordinal()]);
    }

    /** @return the connections left, by protocol */
    Map<Protocol, Integer> byProtocol()
    {
        Map<Protocol, Integer> left = new EnumMap<>(Protocol.class);
        for (TrackedConnection connection : connections.values())
            left.merge(connection.protocol(), 1, Integer::sum);
        return left;
    }
}
