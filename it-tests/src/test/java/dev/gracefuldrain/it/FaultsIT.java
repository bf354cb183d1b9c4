package dev.gracefuldrain.it;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import dev.gracefuldrain.testsupport.Jetty;
import dev.gracefuldrain.testsupport.Wire;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Faults during the drain, all at once: a client that aborts mid-response, a slowloris, a client
 * that never reads its large response, a handler that throws, a handler that hangs past the timeout.
 * The drain forces at its timeout, before Jetty's own stop timeout (the timeout + 1 s), the process
 * exits right after the last cut connection closed, and the log names every request it cut.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class FaultsIT
{
    static final long TIMEOUT_MS = 2000;

    @Test
    void faultsDuringTheDrain() throws Exception
    {
        Jetty.Base base = Jetty.base("faults", Jetty.Enable.START_D, "http", "ee10-deploy", "graceful-drain");
        try (Jetty.Server server = base.start("jetty.drain.timeout=" + TIMEOUT_MS))
        {
            int port = server.port;
            // Reads a little of a large response, then resets its connection during the drain.
            Wire aborter = Wire.open(port);
            aborter.send(Wire.request("GET", "/sample/large?kb=200000"));
            aborter.socket.getInputStream().readNBytes(64 * 1024);
            // Half a request line and half a header, then nothing.
            Wire slowloris = Wire.open(port);
            slowloris.send("GET /sample/fast HTTP/1.1\r\nHo");
            // Never reads: the server's write blocks.
            Wire neverReads = Wire.open(port);
            neverReads.socket.setReceiveBufferSize(4096);
            neverReads.send(Wire.request("GET", "/sample/large?kb=200000"));
            // A handler that throws during the drain (1.2 s: late enough to be busy at the stop even on a loaded machine), and one that hangs past the timeout.
            Wire throwing = Wire.open(port);
            throwing.send(Wire.request("GET", "/sample/fail?ms=1200"));
            Wire hanging = Wire.open(port);
            hanging.send(Wire.request("GET", "/sample/slow?ms=60000"));
            DrainScenario.awaitInFlight(port, 4, Duration.ofSeconds(10));

            CompletableFuture<Wire.Response> thrown = CompletableFuture.supplyAsync(() ->
            {
                try
                {
                    return throwing.readResponse(Duration.ofSeconds(30));
                }
                catch (Exception x)
                {
                    return null;
                }
            });

            // An idle canary: its FIN shows the drain has begun.
            Wire canary = Wire.open(port);
            canary.send(Wire.request("GET", "/sample/fast"));
            canary.readResponse(Duration.ofSeconds(10));

            long t0 = server.sigterm();
            assertEquals(Wire.Close.FIN, canary.awaitClose(Duration.ofSeconds(10)).kind(), "the idle canary is closed");
            aborter.socket.setSoLinger(true, 0);
            aborter.close();

            Wire.Response failed = thrown.get(30, TimeUnit.SECONDS);
            Wire.Closing throwingClosing = throwing.awaitClose(Duration.ofSeconds(10));
            Wire.Closing slowlorisClosing = slowloris.awaitClose(Duration.ofSeconds(30));
            Wire.Closing hangingClosing = hanging.awaitClose(Duration.ofSeconds(30));
            long exit = server.awaitExit(Duration.ofSeconds(30));
            long exitMs = TimeUnit.NANOSECONDS.toMillis(exit - t0);
            long firstCutMs = TimeUnit.NANOSECONDS.toMillis(Math.min(slowlorisClosing.nanos(), hangingClosing.nanos()) - t0);
            long lastCutMs = TimeUnit.NANOSECONDS.toMillis(Math.max(slowlorisClosing.nanos(), hangingClosing.nanos()) - t0);
            neverReads.close();

            String log = server.log();
            DrainScenario.Summary summary = DrainScenario.Summary.parse(log);
            System.out.printf("%n== faults during the drain (timeout %d ms) ==%nexit at %d ms; throwing handler: %s Connection:%s then %s; slowloris: %s at %d ms; hanging: %s at %d ms%n%s%n%s%n",
                TIMEOUT_MS, exitMs, failed == null ? "no response" : failed.status(), failed == null ? null : failed.header("connection"),
                throwingClosing.kind(), slowlorisClosing.kind(), TimeUnit.NANOSECONDS.toMillis(slowlorisClosing.nanos() - t0),
                hangingClosing.kind(), TimeUnit.NANOSECONDS.toMillis(hangingClosing.nanos() - t0),
                log.lines().filter(l -> l.contains("graceful-drain: cut") || l.contains("graceful-drain: forcing")).map(l -> "  " + l).collect(java.util.stream.Collectors.joining("\n")), summary);
            assertAll(
                () -> assertTrue(firstCutMs >= TIMEOUT_MS, "the slowloris and the hanging request were cut at " + firstCutMs + " ms, not before the timeout"),
                () -> assertTrue(DrainIT.forcingAtMs(log) >= TIMEOUT_MS, "the drain forced at " + DrainIT.forcingAtMs(log) + " ms of its " + TIMEOUT_MS + " ms"),
                () -> assertFalse(log.contains("TimeoutException"), "Jetty's own stop timeout (the timeout + 1 s) did not fire: ours aborted first"),
                () -> assertTrue(exitMs - lastCutMs < DrainIT.EXIT_AFTER_LAST_MS, "exited " + (exitMs - lastCutMs) + " ms after the last cut connection closed"),
                () -> assertNotNull(failed, "the throwing handler's request gets an answer"),
                () -> assertEquals(500, failed.status()),
                () -> assertTrue(failed.connectionClose(), "with Connection: close"),
                () -> assertEquals(Wire.Close.FIN, throwingClosing.kind()),
                () -> assertTrue(log.contains("cut a request still being received from /127.0.0.1:"), "the slowloris is named"),
                () -> assertTrue(log.matches("(?s).*cut GET /sample/large\\?kb=200000 from /127\\.0\\.0\\.1:\\d+ after \\d+ ms.*"), "the blocked write is named"),
                () -> assertTrue(log.matches("(?s).*cut GET /sample/slow\\?ms=60000 from /127\\.0\\.0\\.1:\\d+ after \\d+ ms.*"), "the hanging request is named"),
                () -> assertNotNull(summary, "summary logged"),
                () -> assertEquals(3, summary.busyAborted(), "slowloris, blocked write, hanging handler: " + summary),
                () -> assertEquals(1, summary.idleClosed(), "the canary: " + summary),
                // The aborting client's connection counts as finished whether its reset comes before or after the sweep reaches it.
                () -> assertEquals(2, summary.busyFinished(), "the throwing handler's, and the aborting client's: " + summary),
                () -> assertEquals(1, DrainIT.count(log, "graceful-drain: drained:"), "one summary"),
                () -> assertTrue(log.matches("(?s).*WARN :dg.Drain:[^\n]*graceful-drain: forcing at \\d+ ms: timeout reached, aborting h1 3 connection\\(s\\).*"), "phase line: forcing"),
                () -> assertTrue(log.matches("(?s).*graceful-drain: forced in \\d+ ms: h1 finished=2 aborted=3.*"), "phase line: forced"));
        }
    }
}
