package dev.gracefuldrain;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.logging.JettyLogger;
import org.eclipse.jetty.logging.StdErrAppender;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.LocalConnector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.LoggerFactory;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * An embedded Jetty with the drain installed as etc/graceful-drain.xml installs it, through
 * {@link GracefulDrain#install} (DrainHandler outermost, then
 * the readiness endpoint if configured, then the application), on a LocalConnector and/or a ServerConnector
 * bound to 127.0.0.1; and the small client helpers the unit tests share. Not a test.
 */
final class Harness implements AutoCloseable
{
    final Server server;
    final Drain drain;
    final DrainSettings settings;
    private CompletableFuture<Long> stopping;

    private Harness(Server server, Drain drain, DrainSettings settings)
    {
        this.server = server;
        this.drain = drain;
        this.settings = settings;
    }

    /** @param connectors adds the connectors to the (not yet started) server */
    static Harness start(DrainSettings settings, Handler application, QueuedThreadPool pool, Consumer<Server> connectors) throws Exception
    {
        Server server = pool == null ? new Server() : new Server(pool);
        connectors.accept(server);
        server.setHandler(application);
        Drain drain = GracefulDrain.install(server, settings).drain();
        server.start();
        return new Harness(server, drain, settings);
    }

    static Consumer<Server> local()
    {
        return server -> server.addConnector(new LocalConnector(server));
    }

    static Consumer<Server> loopback()
    {
        return server ->
        {
            ServerConnector connector = new ServerConnector(server, 1, 1);
            connector.setHost("127.0.0.1");
            server.addConnector(connector);
        };
    }

    LocalConnector localConnector()
    {
        return server.getBean(LocalConnector.class);
    }

    ServerConnector serverConnector()
    {
        for (Connector connector : server.getConnectors())
        {
            if (connector instanceof ServerConnector c)
                return c;
        }
        throw new IllegalStateException("no ServerConnector");
    }

    int port()
    {
        return serverConnector().getLocalPort();
    }

    Socket connect() throws IOException
    {
        Socket socket = new Socket("127.0.0.1", port());
        socket.setSoTimeout(5000);
        return socket;
    }

    /** The tracked connection of an endpoint, once the tracker has heard of it (bounded). */
    TrackedConnection tracked(EndPoint endPoint)
    {
        awaitTrue("connection tracked", () -> endPoint.getConnection() != null && drain.tracker().get(endPoint.getConnection()) != null, 5000);
        return drain.tracker().get(endPoint.getConnection());
    }

    /** Every tracked connection of the server connector, once there are {@code count} (bounded). */
    List<TrackedConnection> trackedConnections(int count)
    {
        List<TrackedConnection> found = new ArrayList<>();
        awaitTrue(count + " connections tracked", () ->
        {
            found.clear();
            for (EndPoint endPoint : serverConnector().getConnectedEndPoints())
            {
                Connection connection = endPoint.getConnection();
                TrackedConnection tracked = connection == null ? null : drain.tracker().get(connection);
                if (tracked != null)
                    found.add(tracked);
            }
            return found.size() == count;
        }, 5000);
        return found;
    }

    /** Server.stop() on a thread of its own; the future holds the nanoTime at which it returned. */
    CompletableFuture<Long> stopAsync()
    {
        CompletableFuture<Long> stopped = new CompletableFuture<>();
        Thread thread = new Thread(() ->
        {
            try
            {
                server.stop();
                stopped.complete(System.nanoTime());
            }
            catch (Throwable x)
            {
                stopped.completeExceptionally(x);
            }
        }, "test-stop");
        thread.setDaemon(true);
        thread.start();
        stopping = stopped;
        return stopped;
    }

    void awaitPhase(Phases.Phase phase)
    {
        awaitTrue("phase " + phase + " (is " + drain.status().getPhase() + ")", () -> drain.phases().get() == phase, 5000);
    }

    @Override
    public void close()
    {
        if (stopping != null)
        {
            try
            {
                stopping.get(10, TimeUnit.SECONDS);
            }
            catch (Exception ignored)
            {
                // the test already failed; stop it below regardless
            }
        }
        try
        {
            server.stop();
        }
        catch (Exception x)
        {
            throw new IllegalStateException("stopping the test server", x);
        }
    }

    // ---- client helpers ----

    static void send(Socket socket, String text) throws IOException
    {
        OutputStream out = socket.getOutputStream();
        out.write(text.getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    static ByteBuffer ascii(String text)
    {
        return ByteBuffer.wrap(text.getBytes(StandardCharsets.US_ASCII));
    }

    /** One HTTP/1.1 response, read by its Content-Length; null if the stream ended before any byte. */
    static String readResponse(InputStream in) throws IOException
    {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (!head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n"))
        {
            int b = in.read();
            if (b < 0)
            {
                if (head.size() == 0)
                    return null;
                fail("response ended inside its head: " + head.toString(StandardCharsets.US_ASCII));
            }
            head.write(b);
        }
        String text = head.toString(StandardCharsets.US_ASCII);
        int length = 0;
        for (String line : text.split("\r\n"))
        {
            if (line.toLowerCase(Locale.ROOT).startsWith("content-length:"))
                length = Integer.parseInt(line.substring(15).trim());
        }
        return text + new String(in.readNBytes(length), StandardCharsets.US_ASCII);
    }

    /** Bounded poll, 2 ms apart: fails with the description if the condition is still false at the end. */
    static void awaitTrue(String what, BooleanSupplier condition, long timeoutMs)
    {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (!condition.getAsBoolean())
        {
            if (System.nanoTime() - deadline > 0)
                fail("not within " + timeoutMs + " ms: " + what);
            try
            {
                Thread.sleep(2);
            }
            catch (InterruptedException x)
            {
                Thread.currentThread().interrupt();
                fail("interrupted waiting for " + what);
            }
        }
    }

    static long msSince(long nanos)
    {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - nanos);
    }

    static long ms(long fromNanos, long toNanos)
    {
        return TimeUnit.NANOSECONDS.toMillis(toNanos - fromNanos);
    }

    /**
     * Captures what jetty-slf4j-impl prints (the drain's log lines among it), still passing it on to
     * stderr. All loggers share one appender; surefire runs test classes one after another.
     */
    static final class LogCapture implements AutoCloseable
    {
        private final StdErrAppender appender;
        private final PrintStream original;
        private final ByteArrayOutputStream captured = new ByteArrayOutputStream();

        LogCapture()
        {
            appender = (StdErrAppender)((JettyLogger)LoggerFactory.getLogger(Drain.class)).getAppender();
            original = appender.getStream(); // null: the appender prints to System.err
            PrintStream passOn = original != null ? original : System.err;
            appender.setStream(new PrintStream(new OutputStream()
            {
                @Override
                public void write(int b)
                {
                    synchronized (captured)
                    {
                        captured.write(b);
                    }
                    passOn.write(b);
                }

                @Override
                public void write(byte[] b, int off, int len)
                {
                    synchronized (captured)
                    {
                        captured.write(b, off, len);
                    }
                    passOn.write(b, off, len);
                }
            }, true, StandardCharsets.UTF_8));
        }

        /** The messages logged so far that start with "graceful-drain: ", without the logger's prefix. */
        List<String> drainLines()
        {
            String text;
            synchronized (captured)
            {
                text = captured.toString(StandardCharsets.UTF_8);
            }
            List<String> lines = new ArrayList<>();
            for (String line : text.split("\n"))
            {
                int at = line.indexOf(": graceful-drain: ");
                if (at >= 0)
                    lines.add(line.substring(at + 2));
            }
            return lines;
        }

        String find(String prefix)
        {
            return drainLines().stream().filter(l -> l.startsWith(prefix)).findFirst().orElse(null);
        }

        void assertLogged(String prefix)
        {
            assertTrue(find(prefix) != null, "no log line starting with \"" + prefix + "\" in " + drainLines());
        }

        @Override
        public void close()
        {
            appender.setStream(original);
        }
    }
}
