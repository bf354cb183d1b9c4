package dev.gracefuldrain;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.eclipse.jetty.io.Connection;

/**
 * Knows every HTTP/1.1 connection of the managed connectors, from open to close,
 * and hands each event to the {@link Drain}.
 */
final class ConnectionTracker implements Connection.Listener
{
    private final Map<Connection, TrackedConnection> connections = new ConcurrentHashMap<>();
    private final Drain drain;

    ConnectionTracker(Drain drain)
    {
        this.drain = drain;
    }

    @Override
    public void onOpened(Connection connection)
    {
        if (!Http1.isHttp1(connection))
            return;
        TrackedConnection tracked = new TrackedConnection(connection);
        connections.put(connection, tracked);
        drain.onOpened(tracked);
    }

    @Override
    public void onClosed(Connection connection)
    {
        TrackedConnection tracked = connections.remove(connection);
        if (tracked != null)
            drain.onClosed(tracked);
    }

    TrackedConnection get(Connection connection)
    {
        return connection == null ? null : connections.get(connection);
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
