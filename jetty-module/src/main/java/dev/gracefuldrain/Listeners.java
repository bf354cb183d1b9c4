package dev.gracefuldrain;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import org.eclipse.jetty.server.AbstractConnector;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.NetworkConnector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.NanoTime;
import org.eclipse.jetty.util.component.Container;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The connectors the drain manages, and closing their listening sockets for real, before the drain
 * tells any client to go, without resetting the connections in their accept queues ({@link AcceptQueue}).
 * <p>If that cannot be done, the socket is closed as Jetty does. {@code ServerSocketChannel.close()} returns before the kernel socket is closed when an acceptor
 * thread is blocked in {@code accept()}: the JDK only signals that thread, which finishes the close
 * when it wakes up, a few ms later on a busy machine. Until then the kernel still completes
 * handshakes, and resets those connections when the socket finally closes. A client that reconnects
 * because the drain closed its connection would land in that window. So after closing, wait (bounded)
 * until the kernel refuses a connection: there is no event for it. A probe the kernel still completed
 * shows up in Jetty as a never-used connection; the drain closes it, but does not count it.</p>
 */
final class Listeners implements Container.Listener
{
    private static final Logger LOG = LoggerFactory.getLogger(Listeners.class);
    private static final long MAX_WAIT_MS = 200;
    private static final long PROBE_TIMEOUT_MS = 50;

    /** The connector protocols the drain knows how to close; a connector with any other is left to Jetty. */
    private static final Set<String> MANAGED_PROTOCOLS = Set.of("http/1.1", "ssl", "alpn", "h2", "h2c", "h2-17", "h2-16", "h2-15", "h2-14");

    private final List<AbstractConnector> connectors = new CopyOnWriteArrayList<>();
    private final Set<Connector> seen = ConcurrentHashMap.newKeySet();
    private final Server server;
    private final ConnectionTracker tracker;
    /** Taken from the accept queues at the close, handed to Jetty at the shutdown. */
    private final Map<ServerConnector, List<SocketChannel>> taken = new ConcurrentHashMap<>();

    /**
     * Takes over the server's connectors that speak only protocols the drain knows; the others are left
     * to Jetty's own shutdown. Done at start, not when the module's XML ran, so that connectors which
     * later modules add are managed too; and for a connector added to the started server (Spring Boot
     * starts its Server without connectors, then sets them), when it is added.
     */
    Listeners(Server server, ConnectionTracker tracker)
    {
        this.server = server;
        this.tracker = tracker;
        for (Connector connector : server.getConnectors())
            manage(connector);
        server.addEventListener(this);
    }

    /** @return true if the connector is managed from now on */
    private boolean manage(Connector connector)
    {
        if (!seen.add(connector))
            return false;
        if (connector instanceof AbstractConnector c && c.getProtocols().stream().map(p -> p.toLowerCase(Locale.ROOT)).allMatch(MANAGED_PROTOCOLS::contains))
        {
            // The drain closes idle connections itself; Jetty's shutdown idle-timeout shrink would also
            // hit busy ones (jetty/jetty.project#11515).
            c.setShutdownIdleTimeout(-1);
            c.addEventListener(tracker);
            if (c instanceof ServerConnector network)
                network.getSelectorManager().addEventListener(tracker); // accepted, not yet opened: still a connection
            connectors.add(c);
            return true;
        }
        LOG.info("graceful-drain: not managing {} (protocols {}): Jetty's own shutdown applies to it", connector, connector.getProtocols());
        return false;
    }

    @Override
    public void beanAdded(Container parent, Object child)
    {
        if (parent == server && child instanceof Connector connector && manage(connector))
            LOG.info("graceful-drain: connector added: managing {} connector(s)", size());
    }

    @Override
    public void beanRemoved(Container parent, Object child)
    {
        if (parent == server && child instanceof AbstractConnector connector && seen.remove(connector) && connectors.remove(connector))
            unmanage(connector);
    }

    private void unmanage(AbstractConnector connector)
    {
        connector.removeEventListener(tracker);
        if (connector instanceof ServerConnector network)
            network.getSelectorManager().removeEventListener(tracker);
    }

    int size()
    {
        return connectors.size();
    }

    /** Marked shut down, the connectors make every response Jetty commits from now on carry {@code Connection: close}. */
    void shutdown()
    {
        for (AbstractConnector connector : connectors)
            connector.shutdown();
    }

    /** The connections {@link #close()} took from the accept queues go to Jetty, once the connectors are shut down. */
    void handOverTaken()
    {
        taken.forEach((connector, queued) -> queued.forEach(channel -> AcceptQueue.handOver(connector, channel)));
        taken.clear();
    }

    void release()
    {
        server.removeEventListener(this);
        connectors.forEach(this::unmanage);
        connectors.clear();
        seen.clear();
    }

    /** @return the local ports of the drain's own connects (wake-ups, probes), so that the drain can tell them from clients */
    Set<Integer> close()
    {
        Set<Integer> probes = ConcurrentHashMap.newKeySet();
        List<InetSocketAddress> listening = new ArrayList<>();
        for (AbstractConnector connector : connectors)
        {
            if (!(connector instanceof NetworkConnector network) || !network.isOpen())
                continue;
            if (connector instanceof ServerConnector server && server.getLocalPort() > 0)
            {
                InetSocketAddress address = new InetSocketAddress(probeAddress(server.getHost()), server.getLocalPort());
                listening.add(address);
                List<SocketChannel> queued = AcceptQueue.close(server, address, probes, MAX_WAIT_MS);
                if (queued != null)
                    taken.put(server, queued);
            }
            network.close();
        }
        long deadline = NanoTime.now() + TimeUnit.MILLISECONDS.toNanos(MAX_WAIT_MS);
        for (InetSocketAddress address : listening)
        {
            while (accepts(address, probes))
            {
                if (NanoTime.isBefore(deadline, NanoTime.now()))
                {
                    LOG.warn("graceful-drain: {} still accepts connections {} ms after it was closed", address, MAX_WAIT_MS);
                    break;
                }
                LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(200));
            }
        }
        return probes;
    }

    private static InetAddress probeAddress(String host)
    {
        try
        {
            InetAddress address = host == null ? null : InetAddress.getByName(host);
            if (address == null || address.isAnyLocalAddress())
                return InetAddress.getLoopbackAddress();
            return address;
        }
        catch (IOException x)
        {
            return InetAddress.getLoopbackAddress();
        }
    }

    /**
     * @return true if the kernel still completed a connection to the address. A non-blocking NIO
     * connect: unlike {@code java.net.Socket}, it loads no SOCKS or proxy-selector classes (~4 ms cold).
     */
    static boolean accepts(InetSocketAddress address, Set<Integer> probes)
    {
        try (SocketChannel probe = AcceptQueue.ownConnect(address, probes))
        {
            long deadline = NanoTime.now() + TimeUnit.MILLISECONDS.toNanos(PROBE_TIMEOUT_MS);
            while (!probe.finishConnect())
            {
                if (NanoTime.isBefore(deadline, NanoTime.now()))
                    return false; // nothing answers there: nothing can complete a connection now
                LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(50));
            }
            return true;
        }
        catch (IOException refused)
        {
            return false;
        }
    }
}
