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
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Server-sent events and long polls must not hold the stop to its timeout. The webapp is told at the
 * drain's start (ServletContext attribute dev.gracefuldrain.draining) and ends them cleanly; those that
 * ignore it are ended by the module when jetty.drain.streamTimeout is over.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class LongResponsesIT
{
    static final long STREAM_BUDGET_MS = 1500;

    @Test
    void longResponsesEndOnDrainOrAtTheStreamBudget() throws Exception
    {
        Jetty.Base base = Jetty.base("long-responses", Jetty.Enable.START_D, "http", "ee10-deploy", "graceful-drain");
        try (Jetty.Server server = base.start("jetty.drain.timeout=20000", "jetty.drain.streamTimeout=" + STREAM_BUDGET_MS))
        {
            CompletableFuture<Timed> sse = exchange(server.port, "/sample/sse?gapMs=100");
            CompletableFuture<Timed> sseIgnoring = exchange(server.port, "/sample/sse?gapMs=100&ignoreDrain=true");
            CompletableFuture<Timed> poll = exchange(server.port, "/sample/poll?ms=60000");
            CompletableFuture<Timed> pollIgnoring = exchange(server.port, "/sample/poll?ms=60000&ignoreDrain=true");
            DrainScenario.awaitInFlight(server.port, 4, Duration.ofSeconds(20));

            long t0 = server.sigterm();
            Timed sseEnd = sse.get(30, TimeUnit.SECONDS);
            Timed sseIgnoringEnd = sseIgnoring.get(30, TimeUnit.SECONDS);
            Timed pollEnd = poll.get(30, TimeUnit.SECONDS);
            Timed pollIgnoringEnd = pollIgnoring.get(30, TimeUnit.SECONDS);
            long exit = server.awaitExit(Duration.ofSeconds(30));
            String summary = server.summaryLine();
            String report = String.format("sse %s at %d ms; sse ignoring %s at %d ms; poll %s at %d ms; poll ignoring %s at %d ms; exit %d ms%n%s",
                sseEnd.what, TlsDrainIT.ms(t0, sseEnd.nanos), sseIgnoringEnd.what, TlsDrainIT.ms(t0, sseIgnoringEnd.nanos),
                pollEnd.what, TlsDrainIT.ms(t0, pollEnd.nanos), pollIgnoringEnd.what, TlsDrainIT.ms(t0, pollIgnoringEnd.nanos), TlsDrainIT.ms(t0, exit), summary);
            System.out.println("[long responses] " + report);
            assertAll(report,
                () -> assertTrue(sseEnd.response != null && sseEnd.response.complete(), "SSE told of the drain: complete response"),
                () -> assertTrue(sseEnd.response != null && sseEnd.response.bodyText().contains("event: drain"), "with its drain event"),
                () -> assertTrue(TlsDrainIT.ms(t0, sseEnd.nanos) < 1000, "at once"),
                () -> assertTrue(pollEnd.response != null && pollEnd.response.status() == 200 && pollEnd.response.bodyText().startsWith("drain"),
                    "long poll told of the drain: answered"),
                () -> assertTrue(TlsDrainIT.ms(t0, pollEnd.nanos) < 1000, "at once"),
                () -> assertTrue(sseIgnoringEnd.response == null || !sseIgnoringEnd.response.complete(),
                    "SSE ignoring the drain: ended by the module (no last chunk)"),
                () -> assertTrue(TlsDrainIT.ms(t0, sseIgnoringEnd.nanos) >= STREAM_BUDGET_MS, "not before the stream budget"),
                () -> assertTrue(TlsDrainIT.ms(t0, sseIgnoringEnd.nanos) < STREAM_BUDGET_MS + 2000, "soon after it"),
                () -> assertEquals(null, pollIgnoringEnd.response, "long poll ignoring the drain: closed with no response"),
                () -> assertTrue(TlsDrainIT.ms(t0, pollIgnoringEnd.nanos) >= STREAM_BUDGET_MS, "not before the stream budget"),
                () -> assertTrue(TlsDrainIT.ms(t0, pollIgnoringEnd.nanos) < STREAM_BUDGET_MS + 2000, "soon after it"),
                () -> assertTrue(TlsDrainIT.ms(t0, exit) < STREAM_BUDGET_MS + 3000, "the stop did not wait for its 20 s timeout"),
                () -> assertTrue(summary.contains("long responses ended=2"), "summary counts the two ended by the module"),
                () -> assertTrue(summary.contains("busy aborted=0"), "nothing aborted at the timeout"),
                () -> assertFalse(server.log().contains("Exception"), "no exception in the log"));
        }
    }

    /**
     * Over HTTP/2 the stream budget ends one stream, not the connection: a server-sent event stream that
     * ignores the drain is reset when the budget is over, then the connection closes (its final GOAWAY
     * went out at most a second after the stop).
     */
    @Test
    void h2StreamIgnoringTheDrainIsResetAtTheStreamBudget() throws Exception
    {
        Jetty.Base base = Jetty.base("long-responses-h2", Jetty.Enable.START_D, "http", "http2c", "ee10-deploy", "graceful-drain");
        try (Jetty.Server server = base.start("jetty.drain.timeout=20000", "jetty.drain.streamTimeout=" + STREAM_BUDGET_MS);
             H2Wire wire = H2Wire.open(server.port))
        {
            wire.get(1, "/sample/sse?gapMs=100&ignoreDrain=true");
            DrainScenario.awaitInFlight(server.port, 1, Duration.ofSeconds(20));
            long t0 = server.sigterm();
            H2Wire.Frame reset = wire.await(H2Wire.RST_STREAM, 10_000);
            H2Wire.Frame end = wire.await(-1, 10_000);
            long exit = server.awaitExit(Duration.ofSeconds(30));
            String summary = server.summaryLine();
            String report = String.format("reset %s at %d ms, end %s, exit %d ms%n%s", reset, reset == null ? -1 : TlsDrainIT.ms(t0, reset.nanos()),
                end, TlsDrainIT.ms(t0, exit), summary);
            System.out.println("[long responses h2] " + report);
            assertAll(report,
                () -> assertTrue(reset != null && reset.streamId() == 1, "the stream was reset"),
                () -> assertTrue(reset != null && TlsDrainIT.ms(t0, reset.nanos()) >= STREAM_BUDGET_MS, "not before the stream budget"),
                () -> assertTrue(reset != null && TlsDrainIT.ms(t0, reset.nanos()) < STREAM_BUDGET_MS + 2000, "soon after it"),
                () -> assertTrue(end != null && "FIN".equals(end.end()), "then the connection closed with a FIN"),
                () -> assertTrue(TlsDrainIT.ms(t0, exit) < STREAM_BUDGET_MS + 3000, "the stop did not wait for its 20 s timeout"),
                () -> assertTrue(summary.contains("long responses ended=1"), "summary counts it"));
        }
    }

    /** How an exchange ended: a response (complete or not), or a close before any response byte. */
    record Timed(Wire.Response response, String what, long nanos)
    {
    }

    private static CompletableFuture<Timed> exchange(int port, String path)
    {
        return CompletableFuture.supplyAsync(() ->
        {
            try (Wire wire = Wire.open(port))
            {
                wire.send(Wire.request("GET", path));
                try
                {
                    Wire.Response response = wire.readResponse(Duration.ofSeconds(30));
                    return new Timed(response, response.status() + (response.complete() ? " complete" : " cut"), response.lastByteNanos());
                }
                catch (java.io.IOException x)
                {
                    return new Timed(null, "closed: " + x.getMessage(), System.nanoTime());
                }
            }
            catch (java.io.IOException x)
            {
                throw new IllegalStateException(x);
            }
        });
    }
}
