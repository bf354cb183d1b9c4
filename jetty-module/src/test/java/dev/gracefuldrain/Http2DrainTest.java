package dev.gracefuldrain;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.eclipse.jetty.http2.server.HTTP2CServerConnectionFactory;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The two-step GOAWAY of an h2c connection, seen by a client speaking raw HTTP/2 frames over a loopback
 * socket: nothing of Jetty's client stands between the test and the bytes the server sends.
 */
@Timeout(value = 15, unit = TimeUnit.SECONDS)
class Http2DrainTest
{
    private static final int DATA = 0;
    private static final int HEADERS = 1;
    private static final int RST_STREAM = 3;
    private static final int SETTINGS = 4;
    private static final int PING = 6;
    private static final int GOAWAY = 7;
    private static final int WINDOW_UPDATE = 8;
    private static final int END_STREAM = 0x1;
    private static final int ACK = 0x1;
    private static final int END_HEADERS = 0x4;
    private static final int REFUSED_STREAM = 0x7;

    private record Frame(int type, int flags, int stream, byte[] payload)
    {
        int int32(int offset)
        {
            return ByteBuffer.wrap(payload, offset, 4).getInt();
        }

        @Override
        public String toString()
        {
            return String.format("Frame[type=%d flags=0x%x stream=%d length=%d]", type, flags, stream, payload.length);
        }
    }

    /** A minimal h2c client: preface, SETTINGS, GET requests with literal HPACK, frames in and out. */
    private static final class RawH2 implements AutoCloseable
    {
        final Socket socket;
        private final DataInputStream in;
        private final OutputStream out;
        final List<Frame> seen = new ArrayList<>();

        RawH2(int port) throws IOException
        {
            socket = new Socket("127.0.0.1", port);
            socket.setSoTimeout(5000);
            in = new DataInputStream(socket.getInputStream());
            out = socket.getOutputStream();
            out.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            write(SETTINGS, 0, 0, new byte[0]);
        }

        synchronized void write(int type, int flags, int stream, byte[] payload) throws IOException
        {
            ByteBuffer frame = ByteBuffer.allocate(9 + payload.length);
            frame.put((byte)(payload.length >>> 16)).put((byte)(payload.length >>> 8)).put((byte)payload.length);
            frame.put((byte)type).put((byte)flags).putInt(stream).put(payload);
            out.write(frame.array());
            out.flush();
        }

        /** GET path on a new stream: indexed :method GET and :scheme http, literal (never indexed table) :authority and :path. */
        void get(int stream, String path) throws IOException
        {
            ByteArrayOutputStream block = new ByteArrayOutputStream();
            block.write(0x82);
            block.write(0x86);
            literal(block, 1, "127.0.0.1");
            literal(block, 4, path);
            write(HEADERS, END_STREAM | END_HEADERS, stream, block.toByteArray());
        }

        private static void literal(ByteArrayOutputStream block, int nameIndex, String value)
        {
            byte[] bytes = value.getBytes(StandardCharsets.US_ASCII);
            block.write(nameIndex); // literal header field without indexing, indexed name (4-bit prefix)
            block.write(bytes.length); // no Huffman, length < 127
            block.write(bytes, 0, bytes.length);
        }

        /** The next frame that is not connection housekeeping (SETTINGS, acknowledged here, and WINDOW_UPDATE); null at EOF. */
        Frame next() throws IOException
        {
            while (true)
            {
                byte[] header = new byte[9];
                try
                {
                    in.readFully(header);
                }
                catch (EOFException x)
                {
                    return null;
                }
                int length = (header[0] & 0xff) << 16 | (header[1] & 0xff) << 8 | (header[2] & 0xff);
                byte[] payload = new byte[length];
                in.readFully(payload);
                Frame frame = new Frame(header[3] & 0xff, header[4] & 0xff, ByteBuffer.wrap(header, 5, 4).getInt() & 0x7fffffff, payload);
                seen.add(frame);
                if (frame.type == SETTINGS)
                {
                    if ((frame.flags & ACK) == 0)
                        write(SETTINGS, ACK, 0, new byte[0]);
                    continue;
                }
                if (frame.type == WINDOW_UPDATE)
                    continue;
                return frame;
            }
        }

        Frame expect(int type) throws IOException
        {
            Frame frame = next();
            if (frame == null || frame.type != type)
                fail("expected frame type " + type + ", got " + frame + "; frames so far: " + seen);
            return frame;
        }

        /** Reads the response of a stream to its END_STREAM; returns its DATA. */
        String response(int stream) throws IOException
        {
            ByteArrayOutputStream data = new ByteArrayOutputStream();
            while (true)
            {
                Frame frame = next();
                if (frame == null)
                    fail("EOF before the end of stream " + stream + "; frames: " + seen);
                if (frame.stream != stream || (frame.type != HEADERS && frame.type != DATA))
                    fail("unexpected " + frame + " while reading stream " + stream + "; frames: " + seen);
                if (frame.type == DATA)
                    data.write(frame.payload, 0, frame.payload.length);
                if ((frame.flags & END_STREAM) != 0)
                    return data.toString(StandardCharsets.US_ASCII);
            }
        }

        @Override
        public void close() throws IOException
        {
            socket.close();
        }
    }

    private static void h2c(Server server)
    {
        ServerConnector connector = new ServerConnector(server, 1, 1, new HTTP2CServerConnectionFactory(new HttpConfiguration()));
        connector.setHost("127.0.0.1");
        server.addConnector(connector);
    }

    @Test
    void firstGoAwayThenPingThenFinalGoAwayAndALaterStreamIsRefused() throws Exception
    {
        TrackedConnectionTest.App app = new TrackedConnectionTest.App();
        try (Harness h = Harness.start(new DrainSettings("8000", "2000"), app, null, Http2DrainTest::h2c);
             RawH2 client = new RawH2(h.port()))
        {
            client.get(1, "/app");
            assertEquals("app\n", client.response(1));
            TrackedConnection connection = h.trackedConnections(1).get(0);
            assertEquals(Protocol.H2, connection.protocol());
            Harness.awaitTrue("idle", () -> connection.state() == TrackedConnection.State.IDLE, 5000);

            CompletableFuture<Long> stopped = h.stopAsync();
            Frame goAwaySoon = client.expect(GOAWAY);
            long firstSeen = System.nanoTime();
            assertEquals(0, goAwaySoon.stream);
            assertEquals(Integer.MAX_VALUE, goAwaySoon.int32(0), "first GOAWAY: last-stream-id 2^31-1");
            assertEquals(0, goAwaySoon.int32(4), "NO_ERROR");
            Frame ping = client.expect(PING);
            assertEquals(0, ping.flags & ACK, "a PING from the server, not an answer");

            // Sent before the client answers the PING: it was on its way, and is served.
            client.get(3, "/block");
            assertTrue(app.entered.await(5, TimeUnit.SECONDS));
            client.write(PING, ACK, 0, ping.payload);

            Frame finalGoAway = client.expect(GOAWAY);
            long finalSeen = System.nanoTime();
            assertEquals(3, finalGoAway.int32(0) & 0x7fffffff, "final GOAWAY: the last stream received");
            assertEquals(0, finalGoAway.int32(4), "NO_ERROR");
            assertEquals(TrackedConnection.State.BUSY, connection.state());

            // Opened after the final GOAWAY: refused, so the client may retry it elsewhere.
            client.get(5, "/app");
            Frame reset = client.expect(RST_STREAM);
            assertEquals(5, reset.stream);
            assertEquals(REFUSED_STREAM, reset.int32(0), "REFUSED_STREAM");

            app.release.countDown();
            assertEquals("released\n", client.response(3));
            Frame last = client.next();
            assertEquals(null, last, "FIN once the last stream is done, after " + client.seen);
            client.close();

            stopped.get(5, TimeUnit.SECONDS);
            String summary = h.drain.status().getLastDrainSummary();
            assertTrue(summary.contains("; closed at once: h1 idle=0 never-used=0, h2 idle=1 never-used=0; busy: h1 finished=0 aborted=0, h2 finished=1 aborted=0;"), summary);
            assertTrue(summary.contains("; h2 streams refused=1;"), summary);
            assertEquals(2, app.handled.size(), "stream 5 never reached the application");
            // The first GOAWAY was sent before it was seen: a final one seen less than MAX_PING_WAIT_MS later
            // followed the PING's answer, not the fallback timer.
            assertTrue(Harness.ms(firstSeen, finalSeen) < Http2Drain.MAX_PING_WAIT_MS, "final GOAWAY " + Harness.ms(firstSeen, finalSeen) + " ms after the first");
        }
    }

    /** Three streams at once on one connection, cut at the timeout: each one named, over h2, one connection aborted. */
    @Test
    void theTimeoutNamesEveryStreamItCuts() throws Exception
    {
        long timeoutMs = 300;
        TrackedConnectionTest.App app = new TrackedConnectionTest.App();
        try (Harness.LogCapture log = new Harness.LogCapture();
             Harness h = Harness.start(new DrainSettings(String.valueOf(timeoutMs), "100"), app, null, Http2DrainTest::h2c);
             RawH2 client = new RawH2(h.port()))
        {
            client.get(1, "/block?n=1");
            client.get(3, "/block?n=3");
            client.get(5, "/block?n=5");
            Harness.awaitTrue("three streams in the application", () -> app.handled.size() == 3, 5000);
            CompletableFuture<Long> stopped = h.stopAsync();
            assertEquals(5, twoStepGoAway(client).int32(0) & 0x7fffffff);
            // Cut at the timeout: the connection closes, and no stream was answered.
            for (Frame frame = client.next(); frame != null; frame = client.next())
                assertTrue(frame.type != HEADERS && frame.type != DATA, "an answer: " + frame + " in " + client.seen);
            app.release.countDown();
            stopped.get(5, TimeUnit.SECONDS);

            log.assertLogged("graceful-drain: forcing at ");
            assertTrue(log.find("graceful-drain: forcing at ").endsWith(": timeout reached, aborting h2 1 connection(s)"), log.drainLines().toString());
            String port = String.valueOf(client.socket.getLocalPort());
            for (int n : new int[]{1, 3, 5})
            {
                String cut = log.find("graceful-drain: cut GET /block?n=" + n + " ");
                assertTrue(cut != null && cut.matches("graceful-drain: cut GET /block\\?n=" + n + " from /127\\.0\\.0\\.1:" + port + " over h2 after \\d+ ms"),
                    log.drainLines().toString());
            }
            String summary = h.drain.status().getLastDrainSummary();
            assertTrue(summary.startsWith("idle closed=0, never-used closed=0, busy finished=0, busy aborted=1, "), summary);
        }
    }

    /** Stop, then the first GOAWAY and the PING answered at once: returns the final GOAWAY. */
    private static Frame twoStepGoAway(RawH2 client) throws IOException
    {
        Frame goAwaySoon = client.expect(GOAWAY);
        assertEquals(Integer.MAX_VALUE, goAwaySoon.int32(0));
        Frame ping = client.expect(PING);
        client.write(PING, ACK, 0, ping.payload);
        return client.expect(GOAWAY);
    }

    /**
     * A stream finishes during the drain; the client never closes its side of the connection, and its linger
     * outlasts the timeout. Nothing was cut: the abort at the timeout must not count it as aborted (an
     * HTTP/1.1 connection lingering after its last response is not).
     */
    @Test
    void anHttp2ConnectionLingeringAfterItsLastStreamIsNotAbortedAtTheTimeout() throws Exception
    {
        TrackedConnectionTest.App app = new TrackedConnectionTest.App();
        try (Harness h = Harness.start(new DrainSettings("600", "600"), app, null, Http2DrainTest::h2c);
             RawH2 client = new RawH2(h.port()))
        {
            client.get(1, "/block");
            assertTrue(app.entered.await(5, TimeUnit.SECONDS));
            assertEquals(TrackedConnection.State.BUSY, h.trackedConnections(1).get(0).state());
            long stopStart = System.nanoTime();
            CompletableFuture<Long> stopped = h.stopAsync();
            assertEquals(1, twoStepGoAway(client).int32(0) & 0x7fffffff);
            app.release.countDown();
            assertEquals("released\n", client.response(1));
            assertEquals(null, client.next(), "FIN after the last stream");
            long finSeen = System.nanoTime();
            // The client keeps its side open: the connection lingers past the 600 ms timeout.
            stopped.get(5, TimeUnit.SECONDS);
            String summary = h.drain.status().getLastDrainSummary();
            System.out.printf("h2 linger at the timeout: FIN %d ms after the stop; %s%n", Harness.ms(stopStart, finSeen), summary);
            assumeTrue(Harness.ms(stopStart, finSeen) < 400, "the FIN came too late for the linger to outlast the timeout");
            assertTrue(summary.startsWith("idle closed=0, never-used closed=0, busy finished=1, busy aborted=0, "), summary);
        }
    }

    /**
     * A connection opened and used during maintenance, idle when the stop comes, is one connection closed
     * at once: it must not also count as a busy one that finished.
     */
    @Test
    void anHttp2ConnectionUsedDuringMaintenanceIsCountedOnceAtTheStop() throws Exception
    {
        TrackedConnectionTest.App app = new TrackedConnectionTest.App();
        try (Harness h = Harness.start(new DrainSettings("5000", "1000"), app, null, Http2DrainTest::h2c))
        {
            assertEquals("maintenance: closed 0 idle or never-used connection(s)", h.drain.status().startMaintenance());
            try (RawH2 client = new RawH2(h.port()))
            {
                client.get(1, "/app");
                assertEquals("app\n", client.response(1));
                TrackedConnection connection = h.trackedConnections(1).get(0);
                Harness.awaitTrue("idle", () -> connection.state() == TrackedConnection.State.IDLE, 5000);
                assertEquals("serving", h.drain.status().resumeServing());

                CompletableFuture<Long> stopped = h.stopAsync();
                assertEquals(1, twoStepGoAway(client).int32(0) & 0x7fffffff);
                assertEquals(null, client.next(), "FIN: it was idle");
                client.close();
                stopped.get(5, TimeUnit.SECONDS);
            }
            String summary = h.drain.status().getLastDrainSummary();
            assertTrue(summary.startsWith("idle closed=1, never-used closed=0, busy finished=0, busy aborted=0, "), summary);
            assertTrue(summary.contains("; busy: h1 finished=0 aborted=0;"), summary);
        }
    }

    /**
     * A peer that resets right after its connect (a TCP health check with SO_LINGER 0, a scanner) fails the
     * SETTINGS Jetty writes before it tells listeners the connection opened, so the close can be heard
     * first. Such a connection must not stay tracked: the drain would wait for it until the timeout.
     */
    @Test
    void anHttp2ConnectionResetAtOnceIsNotTrackedAndTheDrainDoesNotWaitForIt() throws Exception
    {
        TrackedConnectionTest.App app = new TrackedConnectionTest.App();
        try (Harness h = Harness.start(new DrainSettings("5000", "1000"), app, null, Http2DrainTest::h2c))
        {
            for (int i = 0; i < 200; i++)
            {
                try (Socket socket = new Socket("127.0.0.1", h.port()))
                {
                    socket.setSoLinger(true, 0);
                }
            }
            // Not a sign that every listener was told: an endpoint leaves this set at its close, and the opening may come after.
            Harness.awaitTrue("Jetty closed every endpoint", () -> h.serverConnector().getConnectedEndPoints().isEmpty(), 10_000);
            long t0 = System.nanoTime();
            h.stopAsync().get(10, TimeUnit.SECONDS);
            assertTrue(Harness.msSince(t0) < 2500, "the drain did not wait for the timeout: " + Harness.msSince(t0) + " ms");
        }
    }
}
