package dev.gracefuldrain;

import java.io.InputStream;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.LocalConnector;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static dev.gracefuldrain.Harness.awaitTrue;
import static dev.gracefuldrain.Harness.readResponse;
import static dev.gracefuldrain.Harness.send;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The per-connection state machine: a request beginning races the drain's FIN. */
@Timeout(value = 15, unit = TimeUnit.SECONDS)
class TrackedConnectionTest
{
    private static final String GET_APP = "GET /app HTTP/1.1\r\nHost: x\r\n\r\n";
    private static final String GET_BLOCK = "GET /block HTTP/1.1\r\nHost: x\r\n\r\n";

    /** /block waits for {@link #release}; anything else answers "app" at once. Records every request it handles. */
    static final class App extends Handler.Abstract
    {
        final List<Request> handled = new CopyOnWriteArrayList<>();
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);

        @Override
        public boolean handle(Request request, Response response, Callback callback) throws Exception
        {
            handled.add(request);
            if ("/block".equals(request.getHttpURI().getPath()))
            {
                entered.countDown();
                assertTrue(release.await(10, TimeUnit.SECONDS));
                response.write(true, Harness.ascii("released\n"), callback);
                return true;
            }
            response.write(true, Harness.ascii("app\n"), callback);
            return true;
        }
    }

    private static void awaitState(TrackedConnection connection, TrackedConnection.State state)
    {
        awaitTrue(connection + " to be " + state, () -> connection.state() == state, 5000);
    }

    @Test
    void drainHalfClosesAnIdleConnectionAndALaterRequestIsRefused() throws Exception
    {
        App app = new App();
        try (Harness h = Harness.start(new DrainSettings("5000", "5000"), app, null, Harness.loopback());
             Socket client = h.connect())
        {
            TrackedConnection connection = h.trackedConnections(1).get(0);
            assertEquals(TrackedConnection.State.NEVER_USED, connection.state());
            send(client, GET_APP);
            assertTrue(readResponse(client.getInputStream()).startsWith("HTTP/1.1 200"));
            awaitState(connection, TrackedConnection.State.IDLE);

            // Counted before the FIN: the client's close that follows may end the drain, which must find the count in.
            List<Boolean> finBeforeCount = new ArrayList<>();
            assertEquals(Found.IDLE, connection.drain(false, false, null, true, found -> finBeforeCount.add(connection.connection().getEndPoint().isOutputShutdown())));
            assertEquals(List.of(false), finBeforeCount, "counted once, before the FIN");
            assertEquals(TrackedConnection.State.LINGERING, connection.state());
            assertTrue(connection.connection().getEndPoint().isOutputShutdown(), "FIN sent");
            assertTrue(connection.connection().getEndPoint().isOpen(), "still reading until the client closes or the linger ends");
            assertEquals(-1, client.getInputStream().read(), "the client sees the FIN, no byte");
            assertEquals(Found.LINGERING, connection.drain(false, false, null, true, found -> { }), "found again: nothing more to do");

            // The request arrives after the FIN: DrainHandler's beginRequest refuses it, the application never sees it.
            send(client, GET_APP);
            awaitState(connection, TrackedConnection.State.CLOSED);
            assertEquals(-1, client.getInputStream().read(), "no response byte, and a clean close (a reset would throw)");
            assertEquals(1, app.handled.size(), "the late request was never handled");
            assertEquals(Found.CLOSED, connection.drain(false, false, null, true, found -> { }));
            assertEquals(0, h.drain.status().getConnections());
        }
    }

    @Test
    void aRequestBegunFirstMakesDrainBusyAndTheConnectionLingersAfterItsEnd() throws Exception
    {
        App app = new App();
        try (Harness h = Harness.start(new DrainSettings("5000", "5000"), app, null, Harness.loopback());
             Socket client = h.connect())
        {
            TrackedConnection connection = h.trackedConnections(1).get(0);
            send(client, GET_BLOCK);
            assertTrue(app.entered.await(5, TimeUnit.SECONDS));
            assertEquals(TrackedConnection.State.BUSY, connection.state());

            assertEquals(Found.BUSY, connection.drain(false, false, null, true, found -> { }));
            assertEquals(TrackedConnection.State.BUSY, connection.state());
            assertFalse(connection.connection().getEndPoint().isOutputShutdown(), "a busy connection is left to finish");
            assertFalse(connection.isIdle());

            // Maintenance: endRequest half-closes (Phases.isDraining) while the listener stays open.
            assertEquals("maintenance: closed 0 idle or never-used connection(s)", h.drain.status().startMaintenance());
            app.release.countDown();
            String response = readResponse(client.getInputStream());
            assertTrue(response.startsWith("HTTP/1.1 200") && response.endsWith("released\n"), response);
            assertEquals(-1, client.getInputStream().read(), "FIN after the response");
            assertEquals(TrackedConnection.State.LINGERING, connection.state());
            assertTrue(connection.isIdle());
        }
    }

    @Test
    void aLateCompletionOfAnotherRequestChangesNothing() throws Exception
    {
        App app = new App();
        try (Harness h = Harness.start(new DrainSettings("5000", "5000"), app, null, Harness.local()))
        {
            LocalConnector.LocalEndPoint endPoint = h.localConnector().connect();
            TrackedConnection connection = h.tracked(endPoint);
            endPoint.addInput(GET_APP);
            assertTrue(endPoint.getResponse().startsWith("HTTP/1.1 200"));
            awaitState(connection, TrackedConnection.State.IDLE);
            Request first = app.handled.get(0);

            endPoint.addInputAndExecute(GET_BLOCK);
            assertTrue(app.entered.await(5, TimeUnit.SECONDS));
            Request second = app.handled.get(1);
            assertNotSame(Request.unWrap(first), Request.unWrap(second));
            assertEquals(TrackedConnection.State.BUSY, connection.state());

            // Jetty reports the first request's completion after the second began: it must not end the second.
            connection.endRequest(first, true);
            assertEquals(TrackedConnection.State.BUSY, connection.state());
            assertFalse(endPoint.isOutputShutdown());
            assertFalse(connection.isIdle());

            app.release.countDown();
            assertTrue(endPoint.getResponse().endsWith("released\n"));
            awaitState(connection, TrackedConnection.State.IDLE);
            // A completion reported twice: the request is no longer this connection's, nothing happens (draining or not).
            connection.endRequest(second, true);
            assertEquals(TrackedConnection.State.IDLE, connection.state());
            assertFalse(endPoint.isOutputShutdown());
            assertTrue(endPoint.isOpen());
        }
    }

    @Test
    void aRefusedLateRequestIsCountedAndItsClientSeesFinWithNoResponseByte() throws Exception
    {
        App app = new App();
        // A linger far longer than the test: only the refusal can close the connection in time.
        try (Harness h = Harness.start(new DrainSettings("8000", "8000"), app, null, Harness.loopback());
             Socket client = h.connect())
        {
            send(client, GET_APP);
            assertTrue(readResponse(client.getInputStream()).startsWith("HTTP/1.1 200"));
            TrackedConnection connection = h.trackedConnections(1).get(0);
            awaitState(connection, TrackedConnection.State.IDLE);

            long t0 = System.nanoTime();
            CompletableFuture<Long> stopped = h.stopAsync();
            InputStream in = client.getInputStream();
            assertEquals(-1, in.read(), "the drain's FIN, no byte");
            send(client, GET_APP); // the client did not notice, and sends its next request on the half-closed connection
            assertEquals(-1, in.read(), "still no response byte, and a clean close (a reset would throw)");

            long stopMs = Harness.ms(t0, stopped.get(5, TimeUnit.SECONDS));
            String summary = h.drain.status().getLastDrainSummary();
            assertTrue(summary.startsWith("idle closed=1, never-used closed=0, busy finished=0, busy aborted=0, late requests refused=1, "), summary);
            assertTrue(summary.contains("; since start: requests=1, request failures=0;"), summary);
            assertEquals(1, app.handled.size(), "the late request was never handled");
            assertTrue(stopMs < 4000, "closed by the refusal, not by the 8000 ms linger: stop took " + stopMs + " ms");
        }
    }

    /**
     * Found with a request on its way (half a request line): counted busy at the sweep. Its client leaves
     * before the request is complete: no request began, so it is no busy connection finished. (Reading
     * Jetty's buffer from the sweep's thread is a hint; a connection found so by mistake, then closed by its
     * client, counted "busy finished=1" in one of 60 probe storms.)
     */
    @Test
    void aConnectionFoundReadingWhoseClientLeavesBeforeItsRequestIsNotBusy() throws Exception
    {
        try (Harness.LogCapture log = new Harness.LogCapture();
             Harness h = Harness.start(new DrainSettings("8000", "1000"), new App(), null, Harness.loopback());
             Socket client = h.connect())
        {
            TrackedConnection connection = h.trackedConnections(1).get(0);
            send(client, "GET /app HT");
            awaitTrue("the bytes read by Jetty", () -> Http1.hasRequestOnItsWay(connection.connection()), 5000);
            CompletableFuture<Long> stopped = h.stopAsync();
            Harness.awaitTrue("the sweep's log line", () -> log.find("graceful-drain: idle closed in ") != null, 5000);
            assertTrue(log.find("graceful-drain: idle closed in ").contains("busy left to finish within 8000 ms: h1 1;"), log.find("graceful-drain: idle closed in "));
            client.close();
            stopped.get(5, TimeUnit.SECONDS);
            String summary = h.drain.status().getLastDrainSummary();
            assertTrue(summary.startsWith("idle closed=0, never-used closed=0, busy finished=0, busy aborted=0, "), summary);
        }
    }

    /**
     * Every worker is taken, so two complete requests sent before the stop wait unread in the kernel: the
     * drain must find them on their way (READING), not idle, and serve them once a worker is free. One is
     * a readiness probe, which tells what a client sees during the drain.
     */
    @Test
    void aRequestOnItsWayIsFoundReadingNotClosedAndIsServed() throws Exception
    {
        QueuedThreadPool pool = new QueuedThreadPool(8, 8);
        pool.setReservedThreads(0);
        App app = new App();
        DrainSettings settings = new DrainSettings("8000", "1000", "/ready", "0", "1000", "", "");
        CountDownLatch releaseWorkers = new CountDownLatch(1);
        try (Harness.LogCapture log = new Harness.LogCapture();
             Harness h = Harness.start(settings, app, pool, Harness.loopback());
             Socket appClient = h.connect();
             Socket probeClient = h.connect())
        {
            // Opened while workers are free (Jetty may open a connection on one), then every worker is taken.
            List<TrackedConnection> connections = h.trackedConnections(2);
            for (int i = 0; i < pool.getMaxThreads(); i++)
            {
                pool.execute(() ->
                {
                    try
                    {
                        releaseWorkers.await(10, TimeUnit.SECONDS);
                    }
                    catch (InterruptedException x)
                    {
                        Thread.currentThread().interrupt();
                    }
                });
            }
            awaitTrue("every worker blocked", () -> pool.getIdleThreads() == 0 && pool.getQueueSize() > 0, 5000);

            send(appClient, GET_APP);
            send(probeClient, "GET /ready HTTP/1.1\r\nHost: x\r\n\r\n");
            awaitTrue("both requests in the kernel, unread", () -> connections.stream().allMatch(c -> Http1.unreadBytes(c.connection().getEndPoint()) > 0), 5000);
            assertEquals(0, pool.getIdleThreads(), "no worker was free to read them");

            CompletableFuture<Long> stopped = h.stopAsync();
            // The sweep is over once it has logged what it found (it logs after the FINs): both counted busy, neither closed.
            Harness.awaitTrue("the sweep's log line", () -> log.find("graceful-drain: idle closed in ") != null, 5000);
            String swept = log.find("graceful-drain: idle closed in ");
            assertTrue(swept.endsWith(" ms: h1 idle=0 never-used=0; busy left to finish within 8000 ms: h1 2; already closing: 0; in TLS handshake: 0"), swept);
            for (TrackedConnection connection : connections)
            {
                assertEquals(TrackedConnection.State.NEVER_USED, connection.state(), connection.toString());
                assertFalse(connection.connection().getEndPoint().isOutputShutdown(), "not closed: " + connection);
                // Looked at again (as the sweep does every few ms): still on its way.
                assertEquals(Found.READING, connection.drain(false, false, null, true, found -> { }));
            }

            releaseWorkers.countDown();
            String response = readResponse(appClient.getInputStream());
            assertTrue(response.startsWith("HTTP/1.1 200") && response.endsWith("app\n"), response);
            assertTrue(response.contains("Connection: close"), response);
            String probe = readResponse(probeClient.getInputStream());
            assertTrue(probe.startsWith("HTTP/1.1 503") && probe.endsWith("\r\n\r\ndraining\n"), probe);
            assertEquals(-1, appClient.getInputStream().read(), "FIN after the response");
            assertEquals(-1, probeClient.getInputStream().read(), "FIN after the response");
            appClient.close();
            probeClient.close();

            stopped.get(5, TimeUnit.SECONDS);
            String summary = h.drain.status().getLastDrainSummary();
            assertTrue(summary.startsWith("idle closed=0, never-used closed=0, busy finished=2, busy aborted=0, late requests refused=0, "), summary);
            assertTrue(summary.contains("; since start: requests=1, request failures=0;"), "the probe is not counted: " + summary);
        }
        finally
        {
            releaseWorkers.countDown();
        }
    }
}
