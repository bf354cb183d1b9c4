package dev.gracefuldrain.it;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import dev.gracefuldrain.testsupport.Await;
import dev.gracefuldrain.testsupport.Jetty;
import dev.gracefuldrain.testsupport.Wire;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The readiness endpoint and the pre-stop delay: after the stop request the server keeps serving,
 * readiness says 503 and every response says Connection: close, until traffic has moved away.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class AdvertisingIT
{
    static final long QUIET_MS = 500;

    @Test
    void readinessIsOffUnlessConfigured() throws Exception
    {
        Jetty.Base base = Jetty.base("no-readiness", Jetty.Enable.START_D, "http", "ee10-deploy", "graceful-drain");
        try (Jetty.Server server = base.start())
        {
            assertEquals(404, Wire.get(server.port, "/ready").status(), "no endpoint by default");
        }
    }

    @Test
    void readinessFlipsAndTheDelayEndsOnceTrafficIsGone() throws Exception
    {
        Jetty.Base base = Jetty.base("advertising", Jetty.Enable.START_INI, "http", "ee10-deploy", "graceful-drain");
        try (Jetty.Server server = base.start("jetty.drain.readinessPath=/ready", "jetty.drain.preStopDelay=20000", "jetty.drain.quietPeriod=" + QUIET_MS))
        {
            int port = server.port;
            Wire.Response ready = Wire.get(port, "/ready");
            assertEquals(200, ready.status());
            assertEquals("serving", ready.bodyText().trim());
            Wire pooled = Wire.open(port);
            pooled.send(Wire.request("GET", "/sample/fast"));
            Wire.Response before = pooled.readResponse(Duration.ofSeconds(10));
            assertNull(before.header("connection"), "nothing changes while ready");

            long t0 = server.sigterm();
            Wire.Response notReady = awaitStatus(port, "/ready", 503, Duration.ofSeconds(10));
            long flippedMs = ms(System.nanoTime() - t0);

            // Traffic still arrives for a while, on new connections and on a pooled one.
            for (int i = 0; i < 8; i++)
            {
                Wire.Response r = Wire.get(port, "/sample/fast");
                assertEquals(200, r.status(), "still served while advertising");
                assertTrue(r.connectionClose(), "with Connection: close");
                Thread.sleep(100); // pacing of the simulated traffic
            }
            // Taken before the send: the server cannot see the request earlier, so its quiet period
            // ends no earlier than this + QUIET_MS, and the listener closes after that.
            long lastRequest = System.nanoTime();
            pooled.send(Wire.request("GET", "/sample/fast"));
            Wire.Response onPooled = pooled.readResponse(Duration.ofSeconds(10));
            Wire.Closing pooledClosing = pooled.awaitClose(Duration.ofSeconds(10));

            long refused = Jetty.awaitRefused(port, Duration.ofSeconds(30));
            long quietMs = ms(refused - lastRequest);
            long exit = server.awaitExit(Duration.ofSeconds(30));
            String log = server.log();
            System.out.printf("%n== pre-stop delay 20000 ms, quiet period %d ms ==%nreadiness 503 '%s' at %d ms; last request at %d ms; listener closed %d ms after it; exit at %d ms%n",
                QUIET_MS, notReady.bodyText().trim(), flippedMs, ms(lastRequest - t0), quietMs, ms(exit - t0));
            assertAll(
                () -> assertEquals("advertising", notReady.bodyText().trim(), "the body is the state only"),
                () -> assertTrue(notReady.connectionClose(), "readiness answers say Connection: close too"),
                () -> assertTrue(flippedMs < 1000, "readiness flipped at " + flippedMs + " ms"),
                () -> assertEquals(200, onPooled.status()),
                () -> assertTrue(onPooled.connectionClose(), "the pooled connection is told to go"),
                () -> assertEquals(Wire.Close.FIN, pooledClosing.kind(), "and closed after its response"),
                () -> assertTrue(quietMs >= QUIET_MS, "the delay ended " + quietMs + " ms after the last request, quiet period " + QUIET_MS),
                () -> assertTrue(quietMs < QUIET_MS + 1500, "the delay ended " + quietMs + " ms after the last request, quiet period " + QUIET_MS),
                () -> assertTrue(log.contains("ended by no request for " + QUIET_MS + " ms"), "logged why it ended"),
                () -> assertTrue(log.contains("graceful-drain: drained:"), "then drained"));
        }
    }

    @Test
    void aSecondSigtermSkipsTheRestOfTheDelay() throws Exception
    {
        Jetty.Base base = Jetty.base("second-stop-delay", Jetty.Enable.START_D, "http", "ee10-deploy", "graceful-drain");
        try (Jetty.Server server = base.start("jetty.drain.readinessPath=/ready", "jetty.drain.preStopDelay=30000", "jetty.drain.quietPeriod=0"))
        {
            int port = server.port;
            Wire busy = Wire.open(port);
            busy.send(Wire.request("GET", "/sample/slow?ms=1500"));
            DrainScenario.awaitInFlight(port, 1, Duration.ofSeconds(10));

            long t0 = server.sigterm();
            awaitStatus(port, "/ready", 503, Duration.ofSeconds(10));
            long t1 = server.sigterm();
            long refusedMs = ms(Jetty.awaitRefused(port, Duration.ofSeconds(10)) - t1);
            Wire.Response response = busy.readResponse(Duration.ofSeconds(10));
            long exit = server.awaitExit(Duration.ofSeconds(30));
            String log = server.log();
            System.out.printf("%n== second SIGTERM during a 30 s pre-stop delay ==%nsecond SIGTERM at %d ms; listener closed %d ms after it; busy request %d Connection:%s; exit at %d ms, status %d%n",
                ms(t1 - t0), refusedMs, response.status(), response.header("connection"), ms(exit - t0), server.exitCode());
            assertAll(
                () -> assertTrue(refusedMs < 1000, "the drain began " + refusedMs + " ms after the second SIGTERM"),
                () -> assertEquals(200, response.status(), "the busy request still completes"),
                () -> assertTrue(response.connectionClose()),
                () -> assertTrue(log.contains("ended by a second stop request"), "logged why it ended"),
                () -> assertEquals(1, DrainIT.count(log, "graceful-drain: drained:"), "one drain"),
                () -> assertFalse(log.contains("\tat "), "no exception trace"),
                () -> assertEquals(143, server.exitCode()));
        }
    }

    @Test
    void aShutdownServiceStopSkipsTheRestOfTheDelay() throws Exception
    {
        Jetty.Base base = Jetty.base("service-stop-delay", Jetty.Enable.START_D, Jetty.withStopPort("http", "ee10-deploy", "graceful-drain"));
        int stopPort = Jetty.freePort();
        List<String> properties = new ArrayList<>(List.of("jetty.drain.readinessPath=/ready", "jetty.drain.preStopDelay=30000", "jetty.drain.quietPeriod=0"));
        properties.addAll(Jetty.stopPort(stopPort, DrainIT.STOP_KEY));
        try (Jetty.Server server = base.start(properties.toArray(String[]::new)))
        {
            long t0 = server.sigterm();
            awaitStatus(server.port, "/ready", 503, Duration.ofSeconds(10));
            long t1 = server.stopViaShutdownService(stopPort, DrainIT.STOP_KEY);
            long refusedMs = ms(Jetty.awaitRefused(server.port, Duration.ofSeconds(10)) - t1);
            long exit = server.awaitExit(Duration.ofSeconds(30));
            String log = server.log();
            System.out.printf("%n== ShutdownService stop during a 30 s pre-stop delay ==%nlistener closed %d ms after it; exit at %d ms%n", refusedMs, ms(exit - t0));
            assertAll(
                () -> assertTrue(refusedMs < 1000, "the drain began " + refusedMs + " ms after the ShutdownService stop"),
                () -> assertTrue(log.contains("ended by a second stop request"), "logged why it ended"),
                () -> assertEquals(1, DrainIT.count(log, "graceful-drain: drained:"), "one drain"),
                () -> assertFalse(log.contains("\tat "), "no exception trace"));
        }
    }

    private static long ms(long nanos)
    {
        return TimeUnit.NANOSECONDS.toMillis(nanos);
    }

    private static Wire.Response awaitStatus(int port, String path, int status, Duration timeout) throws Exception
    {
        return Await.until(path + " answers " + status, timeout, Duration.ofMillis(5), () -> Wire.get(port, path), r -> r.status() == status);
    }
}
