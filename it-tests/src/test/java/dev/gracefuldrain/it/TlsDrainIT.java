package dev.gracefuldrain.it;

import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import dev.gracefuldrain.testsupport.Jetty;
import dev.gracefuldrain.testsupport.Wire;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * HTTPS (the ssl and https modules, a keytool certificate): idle and never-used TLS connections get a
 * close_notify and a FIN at once; one still in its handshake gets the handshake budget, then is closed;
 * a request in flight and an upload whose body is still arriving are answered with Connection: close.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class TlsDrainIT
{
    static final long HANDSHAKE_BUDGET_MS = 1500;

    @Test
    void httpsConnectionsDrainByState() throws Exception
    {
        Jetty.Base base = Jetty.base("https", Jetty.Enable.START_D, "http", "ssl", "https", "ee10-deploy", "graceful-drain");
        int tlsPort = Jetty.freePort();
        List<String> properties = new ArrayList<>(base.tls(tlsPort));
        properties.add("jetty.drain.handshakeTimeout=" + HANDSHAKE_BUDGET_MS);
        try (Jetty.Server server = base.start(properties.toArray(String[]::new)))
        {
            Wire idle = Wire.openTls(tlsPort, true);
            idle.send(Wire.request("GET", "/sample/fast"));
            assertEquals(200, idle.readResponse(Duration.ofSeconds(10)).status(), "idle connection's first response");
            Wire neverUsed = Wire.openTls(tlsPort, true);
            // A client that connected and has not even sent its ClientHello.
            Socket inHandshake = new Socket();
            inHandshake.connect(new InetSocketAddress(Jetty.HOST, tlsPort), 5000);
            Wire busy = Wire.openTls(tlsPort, true);
            busy.send(Wire.request("GET", "/sample/slow?ms=2500"));
            Wire upload = Wire.openTls(tlsPort, true);
            upload.send("POST /sample/upload HTTP/1.1\r\nHost: localhost\r\nContent-Length: 20000\r\n\r\n" + "x".repeat(8000));
            DrainScenario.awaitInFlight(server.port, 2, Duration.ofSeconds(20));

            CompletableFuture<Wire.Closing> idleClose = CompletableFuture.supplyAsync(() -> idle.awaitClose(Duration.ofSeconds(10)));
            CompletableFuture<Wire.Closing> neverUsedClose = CompletableFuture.supplyAsync(() -> neverUsed.awaitClose(Duration.ofSeconds(10)));
            CompletableFuture<Long> handshakeClosed = CompletableFuture.supplyAsync(() -> awaitEnd(inHandshake, Duration.ofSeconds(15)));
            CompletableFuture<Wire.Response> busyResponse = CompletableFuture.supplyAsync(() -> read(busy));
            long t0 = server.sigterm();
            // The rest of the upload arrives after the drain began: once the idle connection's FIN is seen.
            idleClose.get(20, TimeUnit.SECONDS);
            upload.send("y".repeat(12000));
            Wire.Response uploaded = upload.readResponse(Duration.ofSeconds(15));
            upload.close();
            Wire.Response slow = busyResponse.get(20, TimeUnit.SECONDS);
            busy.close();
            Wire.Closing idleClosing = idleClose.get(20, TimeUnit.SECONDS);
            Wire.Closing neverUsedClosing = neverUsedClose.get(20, TimeUnit.SECONDS);
            long handshakeClosedAt = handshakeClosed.get(20, TimeUnit.SECONDS);
            long exit = server.awaitExit(Duration.ofSeconds(30));
            String summary = server.summaryLine();
            String report = String.format("idle %s %d ms, never-used %s %d ms, in handshake closed at %d ms, busy %d %s, upload %d %s, exit %d ms%n%s",
                idleClosing.kind(), ms(t0, idleClosing.nanos()), neverUsedClosing.kind(), ms(t0, neverUsedClosing.nanos()),
                ms(t0, handshakeClosedAt), slow.status(), slow.header("connection"), uploaded.status(), uploaded.bodyText().trim(), ms(t0, exit), summary);
            System.out.println("[https] " + report);
            assertAll(report,
                () -> assertEquals(Wire.Close.FIN, idleClosing.kind(), "idle TLS connection: close_notify then FIN"),
                () -> assertTrue(ms(t0, idleClosing.nanos()) < DrainIT.AT_ONCE_MS, "idle closed at once"),
                () -> assertEquals(Wire.Close.FIN, neverUsedClosing.kind(), "never-used TLS connection: close_notify then FIN"),
                () -> assertTrue(ms(t0, neverUsedClosing.nanos()) < DrainIT.AT_ONCE_MS, "never-used closed at once"),
                // Exact: the budget runs from the drain's start, which is after t0.
                () -> assertTrue(ms(t0, handshakeClosedAt) >= HANDSHAKE_BUDGET_MS, "the handshake budget was given"),
                () -> assertTrue(ms(t0, handshakeClosedAt) < HANDSHAKE_BUDGET_MS + 2000, "then the connection was closed"),
                () -> assertEquals(200, slow.status(), "in-flight request served"),
                () -> assertTrue(slow.complete() && slow.connectionClose(), "in-flight response complete, Connection: close"),
                () -> assertEquals(200, uploaded.status(), "upload still arriving at the stop is read to the end and answered"),
                () -> assertTrue(uploaded.bodyText().contains("20000"), "the whole body was read"),
                () -> assertTrue(uploaded.connectionClose(), "upload answered with Connection: close"),
                () -> assertTrue(summary.contains("h1 idle=1 never-used=1"), "summary counts idle and never-used over TLS"),
                () -> assertTrue(summary.contains("tls-handshake waited=1 cut=1"), "summary counts the handshake cut"),
                () -> assertTrue(summary.contains("busy aborted=0"), "nothing aborted"));
        }
    }

    private static Wire.Response read(Wire wire)
    {
        try
        {
            return wire.readResponse(Duration.ofSeconds(15));
        }
        catch (Exception x)
        {
            throw new IllegalStateException(x);
        }
    }

    /** @return when the server ended a plain TCP connection (FIN or reset), bounded by timeout */
    private static long awaitEnd(Socket socket, Duration timeout)
    {
        try (socket)
        {
            socket.setSoTimeout((int)timeout.toMillis());
            int n = socket.getInputStream().read();
            if (n >= 0)
                throw new IllegalStateException("unexpected byte before the close: " + new String(new byte[]{(byte)n}, StandardCharsets.ISO_8859_1));
            return System.nanoTime();
        }
        catch (java.net.SocketTimeoutException x)
        {
            throw new IllegalStateException("the connection in its handshake was not closed within " + timeout);
        }
        catch (java.io.IOException x)
        {
            return System.nanoTime();
        }
    }

    static long ms(long from, long to)
    {
        return TimeUnit.NANOSECONDS.toMillis(to - from);
    }
}
