package dev.gracefuldrain;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Embedded use: a real Jetty Server in this JVM, stopped with Server.stop(). */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class EmbeddedDrainTest
{
    private Server server;
    private ServerConnector connector;
    private Drain drain;
    private final CountDownLatch slowStarted = new CountDownLatch(1);

    private void start(String timeoutMs) throws Exception
    {
        server = new Server();
        connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        server.addConnector(connector);
        server.setHandler(new SampleHandler());
        drain = GracefulDrain.install(server, DrainSettings.builder().timeout(Duration.ofMillis(Long.parseLong(timeoutMs))).build()).drain();
        server.start();
    }

    /** /slow?ms=N sleeps, /large?kb=N writes N KiB, anything else answers at once. */
    private class SampleHandler extends Handler.Abstract
    {
        @Override
        public boolean handle(Request request, Response response, Callback callback) throws Exception
        {
            Fields query = Request.extractQueryParameters(request);
            switch (request.getHttpURI().getPath())
            {
                case "/slow" ->
                {
                    slowStarted.countDown();
                    Thread.sleep(longParam(query, "ms", 800));
                    response.write(true, ascii("done\n"), callback);
                }
                case "/large" ->
                {
                    long kb = longParam(query, "kb", 1024);
                    response.getHeaders().put("Content-Length", kb * 1024);
                    try (var out = Response.asBufferedOutputStream(request, response))
                    {
                        byte[] block = new byte[1024];
                        for (long i = 0; i < kb; i++)
                            out.write(block);
                    }
                    callback.succeeded();
                }
                default -> response.write(true, ascii("done\n"), callback);
            }
            return true;
        }
    }

    private static long longParam(Fields query, String name, long defaultValue)
    {
        String value = query.getValue(name);
        return value == null ? defaultValue : Long.parseLong(value);
    }

    @AfterEach
    void stop() throws Exception
    {
        if (server != null)
            server.stop();
    }

    @Test
    void serverStopClosesIdleAtOnceAndFinishesBusy() throws Exception
    {
        start("10000");
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
        CompletableFuture<Void> stopped = CompletableFuture.runAsync(this::stopServer);

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
        assertEquals("STOPPED", drain.status().getPhase());
        assertEquals(0, drain.status().getConnections());
    }

    @Test
    void concurrentStopsDrainOnce() throws Exception
    {
        start("10000");
        Socket busy = new Socket("127.0.0.1", connector.getLocalPort());
        send(busy, "GET /slow?ms=500 HTTP/1.1\r\nHost: x\r\n\r\n");
        assertTrue(slowStarted.await(10, TimeUnit.SECONDS));
        CompletableFuture<Void> first = CompletableFuture.runAsync(this::stopServer);
        CompletableFuture<Void> second = CompletableFuture.runAsync(this::stopServer);
        busy.setSoTimeout(5000);
        String response = new String(busy.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
        busy.close();
        first.get(10, TimeUnit.SECONDS);
        second.get(10, TimeUnit.SECONDS);
        stopServer();
        assertTrue(response.endsWith("done\n"), response);
        assertEquals(1, drain.status().getDrains(), "three stop() calls, one drain: " + drain.status().getLastDrainSummary());
        assertTrue(drain.status().getLastDrainSummary().contains("busy finished=1"), drain.status().getLastDrainSummary());
    }

    @Test
    void faultsLeaveNoThreadOrDescriptorBehind() throws Exception
    {
        long fdsBefore = openDescriptors();
        int threadsBefore = Thread.activeCount();
        start("1000");
        int port = connector.getLocalPort();
        List<Socket> clients = new ArrayList<>();
        Socket slowloris = new Socket("127.0.0.1", port);
        send(slowloris, "GET /fast HTTP/1.1\r\nHo");
        Socket hanging = new Socket("127.0.0.1", port);
        send(hanging, "GET /slow?ms=60000 HTTP/1.1\r\nHost: x\r\n\r\n");
        Socket neverReads = new Socket("127.0.0.1", port);
        neverReads.setReceiveBufferSize(4096);
        send(neverReads, "GET /large?kb=100000 HTTP/1.1\r\nHost: x\r\n\r\n");
        Socket aborts = new Socket("127.0.0.1", port);
        send(aborts, "GET /large?kb=100000 HTTP/1.1\r\nHost: x\r\n\r\n");
        aborts.getInputStream().readNBytes(64 * 1024);
        clients.addAll(List.of(slowloris, hanging, neverReads, aborts));
        assertTrue(slowStarted.await(10, TimeUnit.SECONDS));

        long t0 = System.nanoTime();
        CompletableFuture<Void> stopped = CompletableFuture.runAsync(this::stopServer);
        aborts.setSoLinger(true, 0);
        aborts.close();
        stopped.get(10, TimeUnit.SECONDS);
        long stopMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        for (Socket client : clients)
            client.close();

        awaitTrue(() -> openDescriptors() <= fdsBefore && Thread.activeCount() <= threadsBefore, 10_000);
        System.out.printf("embedded faults: stop() took %d ms (timeout 1000 ms); %s; descriptors %d -> %d, threads %d -> %d%n",
            stopMs, drain.status().getLastDrainSummary(), fdsBefore, openDescriptors(), threadsBefore, Thread.activeCount());
        assertTrue(stopMs < 2000, "stop() took " + stopMs + " ms");
        assertTrue(drain.status().getLastDrainSummary().contains("busy aborted=3"), drain.status().getLastDrainSummary());
        assertTrue(openDescriptors() <= fdsBefore, "descriptors: " + openDescriptors() + " > " + fdsBefore);
        assertTrue(Thread.activeCount() <= threadsBefore, "threads: " + Thread.activeCount() + " > " + threadsBefore);
    }

    @Test
    void tenThousandConnectionsLeaveNothingBehind() throws Exception
    {
        start("10000");
        int port = connector.getLocalPort();
        connectMany(port, 200);
        awaitTrue(() -> drain.status().getConnections() == 0, 10_000);
        long fdsBefore = openDescriptors();

        connectMany(port, 10_000);
        // Not equality: the JVM may close a descriptor of its own meanwhile (a GC'd stream: 36 -> 35 was seen).
        // Every connection is closed by now, so a leak of even one would keep the count above the one before.
        // One sample, asserted as seen: a descriptor the JVM opens for a moment (a class loaded) must not fail it.
        long[] after = {-1};
        awaitTrue(() -> drain.status().getConnections() == 0 && (after[0] = openDescriptors()) <= fdsBefore, 20_000);
        System.out.printf("embedded: after 10 000 connections (idle, busy, never-used, aborted): tracked %d, descriptors %d -> %d%n",
            drain.status().getConnections(), fdsBefore, after[0]);
        assertEquals(0, drain.status().getConnections(), "tracked connections");
        assertEquals(0, connector.getConnectedEndPoints().size(), "Jetty's own count of open connections");
        assertTrue(after[0] <= fdsBefore, "open descriptors: " + after[0] + " > " + fdsBefore + " before");
    }

    /** Connections of four kinds, round robin, from 4 client threads; each one closed by the client. */
    private static void connectMany(int port, int count) throws Exception
    {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try
        {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < 4; t++)
            {
                int first = t;
                futures.add(pool.submit(() ->
                {
                    for (int i = first; i < count; i += 4)
                    {
                        try (Socket socket = new Socket("127.0.0.1", port))
                        {
                            switch (i % 4)
                            {
                                case 0 -> // idle: one request, keep-alive, then the client leaves
                                {
                                    send(socket, "GET /fast HTTP/1.1\r\nHost: x\r\n\r\n");
                                    readUntil(socket.getInputStream(), "done\n");
                                }
                                case 1 -> // busy: a slow request answered in full
                                {
                                    send(socket, "GET /slow?ms=1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
                                    socket.getInputStream().readAllBytes();
                                }
                                case 2 -> // never used
                                {
                                }
                                default -> // aborted mid-response with a reset
                                {
                                    send(socket, "GET /large?kb=256 HTTP/1.1\r\nHost: x\r\n\r\n");
                                    socket.getInputStream().readNBytes(1024);
                                    socket.setSoLinger(true, 0);
                                }
                            }
                        }
                        catch (IOException x)
                        {
                            throw new RuntimeException(x);
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : futures)
                f.get(120, TimeUnit.SECONDS);
        }
        finally
        {
            pool.shutdownNow();
        }
    }

    private static long openDescriptors()
    {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd")))
        {
            return fds.count();
        }
        catch (IOException x)
        {
            throw new RuntimeException(x);
        }
    }

    private static void awaitTrue(BooleanSupplier condition, long timeoutMs) throws InterruptedException
    {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (!condition.getAsBoolean() && System.nanoTime() < deadline)
            Thread.sleep(10);
    }

    private void stopServer()
    {
        try
        {
            server.stop();
        }
        catch (Exception x)
        {
            throw new RuntimeException(x);
        }
    }

    private static ByteBuffer ascii(String text)
    {
        return ByteBuffer.wrap(text.getBytes(StandardCharsets.US_ASCII));
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
