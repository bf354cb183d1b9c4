package dev.gracefuldrain;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Embedded use: a real Jetty Server in this JVM, stopped with Server.stop(). */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class EmbeddedDrainTest
{
    private Server server;
    private ServerConnector connector;
    private Drain drain;
    private final CountDownLatch slowStarted = new CountDownLatch(1);

    @BeforeEach
    void start() throws Exception
    {
        server = new Server();
        connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        server.addConnector(connector);
        drain = new Drain(server, new DrainSettings("10000", "1000"));
        server.addBean(drain);
        DrainHandler drainHandler = new DrainHandler(drain);
        drainHandler.setHandler(new Handler.Abstract()
        {
            @Override
            public boolean handle(Request request, Response response, Callback callback) throws Exception
            {
                if (request.getHttpURI().getPath().equals("/slow"))
                {
                    slowStarted.countDown();
                    Thread.sleep(800);
                }
                response.write(true, ByteBuffer.wrap("done\n".getBytes(StandardCharsets.US_ASCII)), callback);
                return true;
            }
        });
        server.setHandler(drainHandler);
        server.start();
    }

    @AfterEach
    void stop() throws Exception
    {
        server.stop();
    }

    @Test
    void serverStopClosesIdleAtOnceAndFinishesBusy() throws Exception
    {
        int port = connector.getLocalPort();
        Socket idle = new Socket("127.0.0.1", port);
        send(idle, "GET /fast HTTP/1.1\r\nHost: x\r\n\r\n");
        String first = readUntil(idle.getInputStream(), "done\n");
        assertTrue(first.startsWith("HTTP/1.1 200"), first);
        Socket never = new Socket("127.0.0.1", port);
        Socket busy = new Socket("127.0.0.1", port);
        send(busy, "GET /slow HTTP/1.1\r\nHost: x\r\n\r\n");
        assertTrue(slowStarted.await(10, TimeUnit.SECONDS));

        long t0 = System.nanoTime();
        CompletableFuture<Void> stopped = CompletableFuture.runAsync(() ->
        {
            try
            {
                server.stop();
            }
            catch (Exception x)
            {
                throw new RuntimeException(x);
            }
        });

        idle.setSoTimeout(5000);
        assertEquals(-1, idle.getInputStream().read(), "idle connection gets FIN and no byte");
        long idleMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        never.setSoTimeout(5000);
        assertEquals(-1, never.getInputStream().read(), "never-used connection gets FIN");
        idle.close();
        never.close();

        busy.setSoTimeout(5000);
        String response = new String(busy.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
        busy.close();
        long busyMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        stopped.get(5, TimeUnit.SECONDS);
        long stopMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);

        System.out.printf("embedded Server.stop(): idle FIN at %d ms, busy done at %d ms, stop() returned at %d ms%n", idleMs, busyMs, stopMs);
        assertTrue(idleMs < 500, "idle closed at " + idleMs + " ms");
        assertTrue(response.startsWith("HTTP/1.1 200"), response);
        assertTrue(response.contains("Connection: close"), response);
        assertTrue(response.endsWith("done\n"), response);
        assertTrue(stopMs - busyMs < 1000, "stop() returned " + (stopMs - busyMs) + " ms after the busy response");
        assertEquals("STOPPED", drain.getPhase());
        assertEquals(0, drain.getConnections());
    }

    @Test
    void aServerWithNothingOpenStopsAtOnce() throws Exception
    {
        long t0 = System.nanoTime();
        server.stop();
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertTrue(ms < 1000, "stop took " + ms + " ms");
    }

    private static void send(Socket socket, String text) throws IOException
    {
        socket.getOutputStream().write(text.getBytes(StandardCharsets.US_ASCII));
        socket.getOutputStream().flush();
    }

    private static String readUntil(InputStream in, String end) throws IOException
    {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        while (!out.toString(StandardCharsets.US_ASCII).endsWith(end))
        {
            int b = in.read();
            if (b < 0)
                break;
            out.write(b);
        }
        return out.toString(StandardCharsets.US_ASCII);
    }
}
