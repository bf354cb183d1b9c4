package dev.gracefuldrain.examples;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import dev.gracefuldrain.testsupport.Wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One client of each kind against the example, over raw sockets where the wire matters: HTTP/1.1 idle
 * (one request done, keep-alive), never-used, busy; HTTPS idle and busy; h2c idle (prior knowledge,
 * frame by frame); a WebSocket (the JDK's client). {@link #assertDrained} checks what each one saw.
 */
final class Clients implements AutoCloseable
{
    static final long BUSY_MS = 1500;

    private final ExecutorService readers = Executors.newCachedThreadPool();
    final Wire idle;
    final Wire never;
    final Wire tlsIdle;
    final H2c h2c;
    final CompletableFuture<long[]> webSocketClosed = new CompletableFuture<>();
    private final WebSocket webSocket;
    final List<Future<Wire.Response>> busy = new ArrayList<>();
    private final List<Wire> busyWires = new ArrayList<>();

    Clients(int http, int https, boolean withBusy) throws Exception
    {
        idle = Wire.open(http);
        idle.send(Wire.request("GET", "/"));
        assertEquals(200, idle.readResponse(Duration.ofSeconds(10)).status());
        never = Wire.open(http);
        tlsIdle = Wire.openTls(https, true);
        tlsIdle.send(Wire.request("GET", "/"));
        assertEquals(200, tlsIdle.readResponse(Duration.ofSeconds(10)).status());
        h2c = new H2c(http);
        webSocket = HttpClient.newHttpClient().newWebSocketBuilder()
            .buildAsync(URI.create("ws://127.0.0.1:" + http + "/ws"), new WebSocket.Listener()
            {
                @Override
                public CompletionStage<?> onClose(WebSocket socket, int status, String reason)
                {
                    webSocketClosed.complete(new long[]{status, System.nanoTime()});
                    // The closing handshake is over: leave, as a client does (the JDK's would wait for the server's FIN).
                    socket.abort();
                    return null;
                }

                @Override
                public void onError(WebSocket socket, Throwable error)
                {
                    webSocketClosed.complete(new long[]{-1, System.nanoTime()});
                }
            }).get(10, TimeUnit.SECONDS);
        if (withBusy)
        {
            busy(Wire.open(http));
            busy(Wire.openTls(https, true));
        }
    }

    private void busy(Wire wire) throws IOException
    {
        busyWires.add(wire);
        wire.send(Wire.request("GET", "/slow?ms=" + BUSY_MS));
        busy.add(readers.submit(() ->
        {
            Wire.Response response = wire.readResponse(Duration.ofSeconds(20));
            // As a client does after Connection: close: see the FIN, close our side.
            Wire.Closing closing = wire.awaitClose(Duration.ofSeconds(5));
            if (closing.kind() != Wire.Close.FIN || closing.bytesBefore() != 0)
                throw new AssertionError("after the busy response: " + closing);
            return response;
        }));
    }

    /**
     * Every idle and never-used connection closed with a FIN well before the busy ones finish, the
     * h2c one after GOAWAY, the WebSocket with 1001; each busy response complete with {@code Connection: close}.
     * @return the time the last busy response ended (nanoTime), or {@code t0} without busy ones
     */
    long assertDrained(long t0, String label) throws Exception
    {
        List<String> figures = new ArrayList<>();
        long closeBound = TimeUnit.MILLISECONDS.toNanos(BUSY_MS / 2);
        for (Object[] kind : new Object[][]{{"idle", idle}, {"never-used", never}, {"tls idle", tlsIdle}})
        {
            Wire.Closing closing = ((Wire)kind[1]).awaitClose(Duration.ofSeconds(10));
            figures.add(kind[0] + " " + ms(closing.nanos() - t0));
            assertEquals(Wire.Close.FIN, closing.kind(), label + ": " + kind[0]);
            assertEquals(0, closing.bytesBefore(), label + ": " + kind[0] + " got bytes");
            assertTrue(closing.nanos() - t0 < closeBound, label + ": " + kind[0] + " closed at " + ms(closing.nanos() - t0));
        }
        H2c.Ending h2 = h2c.awaitClose(Duration.ofSeconds(10));
        figures.add("h2c idle " + ms(h2.nanos() - t0) + " (" + h2.goAways() + " GOAWAY)");
        assertTrue(h2.fin() && h2.goAways() >= 1, label + ": h2c " + h2);
        assertTrue(h2.nanos() - t0 < closeBound + TimeUnit.MILLISECONDS.toNanos(1100), label + ": h2c closed at " + ms(h2.nanos() - t0));
        long[] ws = webSocketClosed.get(10, TimeUnit.SECONDS);
        figures.add("websocket " + ws[0] + " " + ms(ws[1] - t0));
        assertEquals(1001, ws[0], label + ": WebSocket close status");
        long last = t0;
        for (Future<Wire.Response> future : busy)
        {
            Wire.Response response = future.get(20, TimeUnit.SECONDS);
            assertEquals(200, response.status(), label);
            assertTrue(response.complete() && response.bodyText().equals("done\n"), label + ": " + response);
            assertTrue(response.connectionClose(), label + ": busy response without Connection: close " + response.headers());
            last = Math.max(last, response.lastByteNanos());
        }
        if (!busy.isEmpty())
            figures.add("busy done " + ms(last - t0));
        System.out.printf("%s: from the stop request, ms: %s%n", label, String.join(", ", figures));
        return last;
    }

    static long ms(long nanos)
    {
        return TimeUnit.NANOSECONDS.toMillis(nanos);
    }

    @Override
    public void close()
    {
        readers.shutdownNow();
        idle.close();
        never.close();
        tlsIdle.close();
        busyWires.forEach(Wire::close);
        h2c.close();
        webSocket.abort();
    }

    /** HTTP/2 with prior knowledge, frame by frame: answers SETTINGS and PING as a client must, counts GOAWAYs. */
    static final class H2c implements AutoCloseable
    {
        record Ending(boolean fin, int goAways, long nanos)
        {
        }

        private final Socket socket = new Socket();
        private final InputStream in;
        private final OutputStream out;

        H2c(int port) throws IOException
        {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            socket.setTcpNoDelay(true);
            in = socket.getInputStream();
            out = socket.getOutputStream();
            out.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            frame(4, 0, new byte[0]);
            socket.setSoTimeout(10_000);
            // The server's SETTINGS: the HTTP/2 connection exists on the server from here on.
            while (readFrame()[0] != 4)
            {
            }
        }

        private void frame(int type, int flags, byte[] payload) throws IOException
        {
            byte[] header = {(byte)(payload.length >> 16), (byte)(payload.length >> 8), (byte)payload.length, (byte)type, (byte)flags, 0, 0, 0, 0};
            out.write(header);
            out.write(payload);
            out.flush();
        }

        /** @return {type, flags}, or null at EOF; answers SETTINGS and PING */
        private int[] readFrame() throws IOException
        {
            byte[] header = in.readNBytes(9);
            if (header.length < 9)
                return null;
            int length = ((header[0] & 0xFF) << 16) | ((header[1] & 0xFF) << 8) | (header[2] & 0xFF);
            int type = header[3] & 0xFF;
            int flags = header[4] & 0xFF;
            byte[] payload = in.readNBytes(length);
            if (type == 4 && (flags & 1) == 0)
                frame(4, 1, new byte[0]);
            if (type == 6 && (flags & 1) == 0)
                frame(6, 1, payload);
            return new int[]{type, flags};
        }

        Ending awaitClose(Duration timeout) throws IOException
        {
            socket.setSoTimeout((int)timeout.toMillis());
            int goAways = 0;
            try
            {
                int[] frame;
                while ((frame = readFrame()) != null)
                {
                    if (frame[0] == 7)
                        goAways++;
                }
                return new Ending(true, goAways, System.nanoTime());
            }
            catch (IOException x)
            {
                return new Ending(false, goAways, System.nanoTime());
            }
            finally
            {
                close(); // as a client does on EOF: the server lingers until then
            }
        }

        @Override
        public void close()
        {
            try
            {
                socket.close();
            }
            catch (IOException ignored)
            {
                // closing anyway
            }
        }
    }
}
