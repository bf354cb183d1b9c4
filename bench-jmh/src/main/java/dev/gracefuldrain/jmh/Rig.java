package dev.gracefuldrain.jmh;

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

import dev.gracefuldrain.Drain;
import dev.gracefuldrain.DrainHandler;
import dev.gracefuldrain.DrainSettings;
import org.eclipse.jetty.server.ConnectionFactory;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.LocalConnector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.handler.GracefulHandler;

/**
 * A real Jetty server with a {@link LocalConnector} and one connection to it, its
 * {@link LocalConnector.LocalEndPoint} kept open: bytes added to it are parsed, handled and answered
 * on the calling thread (the handlers are non-blocking), the answer left in its output.
 * Only the wrapper around the {@link Answer} differs:
 * <ul>
 * <li>{@code bare}: a plain {@link Handler.Wrapper}, the baseline;</li>
 * <li>{@code drain}: graceful-drain's {@link DrainHandler}, with its {@link Drain} bean on the server,
 * so the connection is tracked (opened, busy, idle) as in production;</li>
 * <li>{@code graceful}: stock Jetty's {@link GracefulHandler} (the {@code graceful} module).</li>
 * </ul>
 */
final class Rig implements AutoCloseable
{
    /** Room for the largest answer of one exchange (8 pipelined HTTP/1.1 responses of 99 bytes). */
    static final int OUTPUT_SIZE = 1024;

    final Server server;
    final LocalConnector connector;
    final Drain drain;
    final LocalConnector.LocalEndPoint endPoint;

    Rig(String wrapper, ConnectionFactory factory, Answer answer) throws Exception
    {
        server = new Server();
        connector = new LocalConnector(server, factory);
        connector.setIdleTimeout(TimeUnit.HOURS.toMillis(1));
        server.addConnector(connector);
        switch (wrapper)
        {
            case "bare" ->
            {
                drain = null;
                server.setHandler(new Handler.Wrapper(answer));
            }
            case "drain" ->
            {
                drain = new Drain(server, new DrainSettings("30000", "1000"));
                server.addBean(drain);
                DrainHandler handler = new DrainHandler(drain);
                handler.setHandler(answer);
                server.setHandler(handler);
            }
            case "graceful" ->
            {
                drain = null;
                server.setHandler(new GracefulHandler(answer));
            }
            default -> throw new IllegalArgumentException("wrapper: bare, drain or graceful, not " + wrapper);
        }
        server.start();
        if (server.getInvocationType() != org.eclipse.jetty.util.thread.Invocable.InvocationType.NON_BLOCKING)
            throw new IllegalStateException(wrapper + ": the handler chain is " + server.getInvocationType() + ": requests would be handed to the thread pool");
        // Bounded output: the endpoint's output buffer is taken and re-allocated (not pooled) on every
        // exchange; at this size it costs the same few hundred bytes in every variant, not 8 KiB.
        endPoint = connector.connect(OUTPUT_SIZE);
        // The acceptor thread makes the connection and opens it: wait until it reads.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (endPoint.getConnection() == null || !endPoint.isFillInterested())
        {
            if (System.nanoTime() - deadline > 0)
                throw new IllegalStateException("the local connection did not open");
            Thread.sleep(1);
        }
    }

    /** Feeds bytes in: Jetty parses, handles and answers them before this returns. */
    ByteBuffer exchange(ByteBuffer input)
    {
        endPoint.addInput(input);
        ByteBuffer output = endPoint.takeOutput();
        if (output.remaining() >= OUTPUT_SIZE)
            throw new IllegalStateException("the answer filled the endpoint's output: raise OUTPUT_SIZE");
        return output;
    }

    /** For the drain variant: the connection is tracked, and idle again after each exchange. */
    void checkTracked()
    {
        if (drain == null)
            return;
        if (drain.status().getConnections() != 1 || !drain.status().getConnectionStates().contains("idle=1") || !drain.status().getConnectionStates().contains("busy=0"))
            throw new IllegalStateException("the drain does not track the connection as idle: connections=" + drain.status().getConnections() + " " + drain.status().getConnectionStates());
    }

    @Override
    public void close() throws Exception
    {
        endPoint.close();
        server.stop();
    }
}
