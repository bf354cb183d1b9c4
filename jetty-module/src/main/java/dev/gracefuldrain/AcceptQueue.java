package dev.gracefuldrain;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.IO;
import org.eclipse.jetty.util.NanoTime;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Closes a connector's listening socket without resetting the connections in the kernel's accept
 * queue: handshake done, often a request sent, not yet accepted by Jetty. Closing a listening socket
 * resets every one of them, and a balancer that already sent a POST on one cannot retry it.
 * So they are taken out of the queue first, and handed to Jetty once the connector is shut down (their
 * responses then say {@code Connection: close}).
 * <ol>
 * <li>Jetty's acceptor threads are told to stop ({@code setAccepting(false)}). One blocked in
 * {@code accept()} only looks again once a connection arrives, so one wake-up connection is made per
 * acceptor thread;</li>
 * <li>switching the channel to non-blocking waits (the JDK's accept lock) until no thread is inside
 * {@code accept()}; then what the kernel holds is accepted;</li>
 * <li>when the kernel has nothing left, the socket is closed at once: no thread is blocked in it, so
 * {@code close(2)} is not deferred;</li>
 * <li>once the connector is shut down, what was taken is handed to its selectors, as Jetty's acceptor
 * would, so the drain finds it like any other connection ({@link #handOver}).</li></ol>
 * A handshake the kernel completes between the last empty {@code accept()} and {@code close(2)} is still
 * reset: a window of a few microseconds, which only a kernel facility the JDK does not offer (such as a
 * socket filter that drops SYNs) could close. Later connects are refused.
 * <p>A seam: uses {@link ServerConnector}'s transport (its {@code ServerSocketChannel}), the options it
 * gives accepted sockets, its {@code SelectorManager}, and relies on its acceptor loop checking
 * {@code isAccepting()} before each {@code accept()}. With {@code acceptors=0} the selector accepts;
 * {@code setAccepting(false)} deregisters it, and the kernel socket closes at the selector's next loop.
 * Checked against the sources of Jetty 12.0.14 and 12.1.12, and run on 12.0.16, 12.0.25, 12.1.0 and 12.1.12.</p>
 */
final class AcceptQueue
{
    private static final Logger LOG = LoggerFactory.getLogger(AcceptQueue.class);
    /** A queue refilled as fast as it is emptied still ends: the rest is reset, as without the drain. */
    private static final long MAX_DRAIN_MS = 100;

    private AcceptQueue()
    {
    }

    /**
     * @param address where the connector listens, for the wake-up connections
     * @param wakeUps where the local ports of the wake-up connections go, so that the drain does not count them
     * @return the connections taken from the queue, the socket closed; null if it could not be done in
     * {@code maxWaitMs} (the caller then closes it as Jetty does)
     */
    static List<SocketChannel> close(ServerConnector connector, InetSocketAddress address, Set<Integer> wakeUps, long maxWaitMs)
    {
        if (!(connector.getTransport() instanceof ServerSocketChannel channel) || !channel.isOpen())
            return null;
        long deadline = NanoTime.now() + TimeUnit.MILLISECONDS.toNanos(maxWaitMs);
        List<SocketChannel> wakers = new ArrayList<>();
        try
        {
            connector.setAccepting(false);
            for (int i = 0; i < connector.getAcceptors(); i++)
                wakers.add(ownConnect(address, wakeUps)); // in the queue once the kernel answers; no need to wait
            // On a thread of its own: if an acceptor never leaves accept(), the wait is bounded here.
            FutureTask<List<SocketChannel>> takeOver = new FutureTask<>(() -> takeThenClose(channel));
            Thread thread = new Thread(takeOver, "graceful-drain-accept-queue");
            thread.setDaemon(true);
            thread.start();
            List<SocketChannel> taken = takeOver.get(Math.max(0, NanoTime.until(deadline)), TimeUnit.NANOSECONDS);
            if (LOG.isDebugEnabled())
                LOG.debug("graceful-drain: {} closed, {} queued connection(s) taken", address, taken.size());
            return taken;
        }
        catch (TimeoutException x)
        {
            LOG.warn("graceful-drain: {} could not be closed without resetting its accept queue within {} ms", address, maxWaitMs);
            return null;
        }
        catch (InterruptedException x)
        {
            Thread.currentThread().interrupt();
            return null;
        }
        catch (ExecutionException | RuntimeException | IOException x)
        {
            LOG.warn("graceful-drain: {} could not be closed without resetting its accept queue: {}", address, String.valueOf(x.getCause() == null ? x : x.getCause()));
            return null;
        }
        finally
        {
            wakers.forEach(IO::close);
        }
    }

    /**
     * A connect of the drain's own (a wake-up, or the listener check's probe): non-blocking, bound first
     * because a connect still in progress has no local address yet, and its port recorded so that the
     * drain does not count the connection it makes on the server.
     */
    static SocketChannel ownConnect(InetSocketAddress address, Set<Integer> ports) throws IOException
    {
        SocketChannel channel = SocketChannel.open();
        try
        {
            channel.configureBlocking(false);
            channel.bind(new InetSocketAddress(address.getAddress(), 0));
            if (channel.getLocalAddress() instanceof InetSocketAddress local)
                ports.add(local.getPort());
            channel.connect(address);
            return channel;
        }
        catch (IOException x)
        {
            IO.close(channel);
            throw x;
        }
    }

    private static List<SocketChannel> takeThenClose(ServerSocketChannel channel) throws IOException
    {
        try
        {
            channel.configureBlocking(false); // waits until no acceptor thread is inside accept()
            List<SocketChannel> taken = new ArrayList<>();
            long until = NanoTime.now() + TimeUnit.MILLISECONDS.toNanos(MAX_DRAIN_MS);
            for (SocketChannel queued = channel.accept(); queued != null; queued = channel.accept())
            {
                taken.add(queued);
                if (NanoTime.isBefore(until, NanoTime.now()))
                    break;
            }
            return taken;
        }
        finally
        {
            channel.close();
        }
    }

    /** Gives a connection taken from the queue to the connector, as its acceptor would have. */
    static void handOver(ServerConnector connector, SocketChannel accepted)
    {
        try
        {
            accepted.configureBlocking(false);
            Socket socket = accepted.socket();
            socket.setTcpNoDelay(connector.getAcceptedTcpNoDelay());
            if (connector.getAcceptedReceiveBufferSize() > -1)
                socket.setReceiveBufferSize(connector.getAcceptedReceiveBufferSize());
            if (connector.getAcceptedSendBufferSize() > -1)
                socket.setSendBufferSize(connector.getAcceptedSendBufferSize());
            connector.getSelectorManager().accept(accepted);
        }
        catch (IOException | RuntimeException x)
        {
            LOG.debug("graceful-drain: could not hand over {}", accepted, x);
            IO.close(accepted);
        }
    }
}
