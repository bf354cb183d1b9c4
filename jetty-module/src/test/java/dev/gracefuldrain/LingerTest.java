package dev.gracefuldrain;

import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.ScheduledExecutorScheduler;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static dev.gracefuldrain.Harness.awaitTrue;
import static dev.gracefuldrain.Harness.ms;
import static dev.gracefuldrain.Harness.readResponse;
import static dev.gracefuldrain.Harness.send;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A half-closed connection lingers until its client closes, or the linger timeout closes it. */
@Timeout(value = 15, unit = TimeUnit.SECONDS)
class LingerTest
{
    /** Records when each connection of a connector is closed, server side. */
    private static final class Closes implements Connection.Listener
    {
        final Map<Connection, Long> closedAt = new ConcurrentHashMap<>();

        @Override
        public void onClosed(Connection connection)
        {
            closedAt.put(connection, System.nanoTime());
        }

        long await(Connection connection)
        {
            awaitTrue("close of " + connection, () -> closedAt.containsKey(connection), 5000);
            return closedAt.get(connection);
        }
    }

    private static TrackedConnection idleConnection(Harness h, Socket client) throws Exception
    {
        send(client, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
        assertTrue(readResponse(client.getInputStream()).startsWith("HTTP/1.1 200"));
        TrackedConnection connection = h.trackedConnections(1).get(0);
        awaitTrue("idle", () -> connection.state() == TrackedConnection.State.IDLE, 5000);
        return connection;
    }

    @Test
    void aClientThatNeverClosesIsClosedAtTheLingerTimeout() throws Exception
    {
        long lingerMs = 300;
        Closes closes = new Closes();
        try (Harness h = Harness.start(new DrainSettings("5000", String.valueOf(lingerMs)), new TrackedConnectionTest.App(), null, Harness.loopback());
             Socket client = h.connect())
        {
            h.serverConnector().addEventListener(closes);
            TrackedConnection connection = idleConnection(h, client);

            long stopStart = System.nanoTime();
            CompletableFuture<Long> stopped = h.stopAsync();
            assertEquals(-1, client.getInputStream().read(), "FIN");
            long finSeen = System.nanoTime();
            // The client keeps its side open and says nothing.
            long closed = closes.await(connection.connection());
            long stoppedAt = stopped.get(5, TimeUnit.SECONDS);

            System.out.printf("linger: FIN seen %d ms after the stop, closed %d ms after the FIN (linger %d ms)%n",
                ms(stopStart, finSeen), ms(finSeen, closed), lingerMs);
            // The linger began after the stop request and before the client saw the FIN.
            assertTrue(ms(stopStart, closed) >= lingerMs, "closed " + ms(stopStart, closed) + " ms after the stop request");
            assertTrue(ms(finSeen, closed) < lingerMs + 1000, "closed " + ms(finSeen, closed) + " ms after the FIN");
            assertTrue(stoppedAt - closed >= 0, "the drain ends with the last close");
            String summary = h.drain.status().getLastDrainSummary();
            assertTrue(summary.startsWith("idle closed=1, never-used closed=0, busy finished=0, busy aborted=0, "), summary);
        }
    }

    @Test
    void aClientThatClosesFirstIsNotWaitedFor() throws Exception
    {
        long lingerMs = 4000;
        Closes closes = new Closes();
        try (Harness h = Harness.start(new DrainSettings("8000", String.valueOf(lingerMs)), new TrackedConnectionTest.App(), null, Harness.loopback());
             Socket client = h.connect())
        {
            h.serverConnector().addEventListener(closes);
            TrackedConnection connection = idleConnection(h, client);

            CompletableFuture<Long> stopped = h.stopAsync();
            assertEquals(-1, client.getInputStream().read(), "FIN");
            long clientClosed = System.nanoTime();
            client.close();
            long closed = closes.await(connection.connection());
            long stoppedAt = stopped.get(5, TimeUnit.SECONDS);

            assertTrue(ms(clientClosed, closed) < lingerMs / 2, "closed " + ms(clientClosed, closed) + " ms after the client did");
            assertTrue(ms(clientClosed, stoppedAt) < lingerMs / 2, "stop returned " + ms(clientClosed, stoppedAt) + " ms after the client closed");
            assertEquals(TrackedConnection.State.CLOSED, connection.state());
            // Its linger entry is still queued; when it expires the reaper finds it no longer lingering from that start.
            assertTrue(!connection.lingeringSince(0) && !connection.lingeringSince(System.nanoTime()));
        }
    }

    /**
     * Three never-used connections begin to linger 40 ms apart on a Linger of the test's own; their
     * clients never close: the reaper closes them in that order, each no sooner than its linger allows.
     */
    @Test
    void lingersAreReapedInExpiryOrder() throws Exception
    {
        long lingerMs = 150;
        Closes closes = new Closes();
        ScheduledExecutorScheduler scheduler = new ScheduledExecutorScheduler("test-linger", true);
        scheduler.start();
        List<Socket> clients = new ArrayList<>();
        try (Harness h = Harness.start(new DrainSettings("5000", "5000"), new TrackedConnectionTest.App(), null, Harness.loopback()))
        {
            ServerConnector connector = h.serverConnector();
            connector.addEventListener(closes);
            for (int i = 0; i < 3; i++)
                clients.add(h.connect());
            List<TrackedConnection> found = h.trackedConnections(3);
            Linger linger = new Linger(scheduler, lingerMs);
            List<TrackedConnection> lingering = new ArrayList<>();
            long[] before = new long[3];
            long[] after = new long[3];
            for (int i = 0; i < 3; i++)
            {
                // A connection of our own over the same Jetty connection, lingering on the test's Linger.
                TrackedConnection connection = new TrackedConnection(found.get(i).connection(), Protocol.H1, linger);
                lingering.add(connection);
                before[i] = System.nanoTime();
                // Not stopping: a connection this young would get its grace first; the linger is what is tested.
                assertEquals(Found.NEVER_USED, connection.drain(false, false, null, false, f -> { }));
                after[i] = System.nanoTime();
                if (i < 2)
                    Thread.sleep(40); // spacing, not synchronisation: three distinct linger starts
            }
            assertEquals(3, linger.pending());

            long[] closed = new long[3];
            for (int i = 0; i < 3; i++)
                closed[i] = closes.await(lingering.get(i).connection());
            for (int i = 0; i < 3; i++)
            {
                assertTrue(ms(before[i], closed[i]) >= lingerMs, "connection " + i + " closed " + ms(before[i], closed[i]) + " ms after it began to linger");
                assertTrue(ms(after[i], closed[i]) < lingerMs + 1000, "connection " + i + " closed " + ms(after[i], closed[i]) + " ms after it began to linger");
                if (i > 0)
                    assertTrue(closed[i] - closed[i - 1] > 0, "closed out of order: " + (i - 1) + " then " + i);
            }
            awaitTrue("queue emptied", () -> linger.pending() == 0, 5000);
        }
        finally
        {
            for (Socket client : clients)
                client.close();
            scheduler.stop();
        }
    }
}
