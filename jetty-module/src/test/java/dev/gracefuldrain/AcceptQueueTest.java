package dev.gracefuldrain;

import java.io.InputStream;
import java.net.ConnectException;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Connections the kernel completed but Jetty had not accepted when the listener closed: served, or
 * closed with a FIN, never reset. Jetty's acceptor is held off so that they sit in the accept queue.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class AcceptQueueTest
{
    private static final int WITH_REQUEST = 6;
    private static final int WITHOUT_BYTES = 3;

    private final Handler hello = new Handler.Abstract()
    {
        @Override
        public boolean handle(Request request, Response response, Callback callback)
        {
            response.write(true, Harness.ascii("hello\n"), callback);
            return true;
        }
    };

    @Test
    void queuedConnectionsAreServedOrClosedCleanlyNotReset() throws Exception
    {
        try (Harness harness = Harness.start(new DrainSettings("5000", "1000"), hello, null, Harness.loopback()))
        {
            // One exchange first: Jetty's acceptor is then back in accept(), blocked.
            Socket warm = harness.connect();
            Harness.send(warm, "GET /warm HTTP/1.1\r\nHost: localhost\r\n\r\n");
            assertNotNull(Harness.readResponse(warm.getInputStream()));
            harness.serverConnector().setAccepting(false);
            // Blocked in accept(), it still takes one connection before it sees the flag.
            Socket first = harness.connect();
            harness.trackedConnections(2);

            List<Socket> requests = new ArrayList<>();
            List<Socket> silent = new ArrayList<>();
            for (int i = 0; i < WITH_REQUEST; i++)
            {
                Socket socket = harness.connect();
                Harness.send(socket, "GET /queued/" + i + " HTTP/1.1\r\nHost: localhost\r\n\r\n");
                requests.add(socket);
            }
            for (int i = 0; i < WITHOUT_BYTES; i++)
                silent.add(harness.connect());
            assertEquals(2, harness.drain.tracker().size(), "the others wait in the kernel's accept queue");

            int port = harness.port();
            harness.stopAsync();

            for (Socket socket : requests)
            {
                try (socket)
                {
                    InputStream in = socket.getInputStream();
                    String response = Harness.readResponse(in);
                    assertNotNull(response, "a queued request is answered, not dropped");
                    assertTrue(response.startsWith("HTTP/1.1 200"), response);
                    assertTrue(response.contains("Connection: close"), response);
                    assertEquals(-1, in.read(), "FIN after the response");
                }
            }
            for (Socket socket : silent)
            {
                try (socket)
                {
                    assertEquals(-1, socket.getInputStream().read(), "a queued connection with no request gets a FIN, not a reset");
                }
            }
            for (Socket socket : List.of(warm, first))
            {
                try (socket)
                {
                    assertEquals(-1, socket.getInputStream().read());
                }
            }
            assertThrows(ConnectException.class, () -> new Socket("127.0.0.1", port).close(), "the listener is closed");
            // Handed to Jetty once the drain began, each is found as it opens: counted like any other, wake-ups aside.
            Harness.awaitTrue("the drain's summary", () -> !harness.drain.status().getLastDrainSummary().isEmpty(), 5000);
            String summary = harness.drain.status().getLastDrainSummary();
            assertTrue(summary.contains("idle closed=1, never-used closed=" + (1 + WITHOUT_BYTES) + ", busy finished=" + WITH_REQUEST + ","), summary);
        }
    }

    /** A connection opened at the stop whose request follows its connect by a few ms is served, not sent a FIN. */
    @Test
    void aYoungConnectionGetsItsFirstByteInTime() throws Exception
    {
        try (Harness harness = Harness.start(new DrainSettings("5000", "1000"), hello, null, Harness.loopback()))
        {
            Socket young = harness.connect();
            long connected = System.nanoTime();
            harness.trackedConnections(1);
            harness.stopAsync();
            harness.awaitPhase(Phases.Phase.DRAINING);
            Assumptions.assumeTrue(Harness.msSince(connected) < TrackedConnection.YOUNG_MS / 2, "the machine is too slow to send within the grace");
            try (young)
            {
                Harness.send(young, "GET /young HTTP/1.1\r\nHost: localhost\r\n\r\n");
                String response = Harness.readResponse(young.getInputStream());
                assertNotNull(response, "the request that follows the connect is served");
                assertTrue(response.startsWith("HTTP/1.1 200") && response.contains("Connection: close"), response);
                assertEquals(-1, young.getInputStream().read());
            }
            Harness.awaitTrue("the drain's summary", () -> !harness.drain.status().getLastDrainSummary().isEmpty(), 5000);
            String summary = harness.drain.status().getLastDrainSummary();
            assertTrue(summary.contains("never-used closed=0, busy finished=1,"), summary);
        }
    }
}
