package dev.gracefuldrain;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What one drain did, by protocol, and the exact text an operator (and a script) reads. */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class DrainReportTest
{
    private static final Pattern DRAIN_TIME = Pattern.compile("drain time=(\\d+) ms");

    /** Replaces the one measured field; checks it is a plausible number of ms first. */
    private static String withoutDrainTime(String text, long atMostMs)
    {
        Matcher m = DRAIN_TIME.matcher(text);
        assertTrue(m.find(), text);
        assertTrue(Long.parseLong(m.group(1)) <= atMostMs, text);
        return m.replaceFirst("drain time=T ms");
    }

    @Test
    void countsByProtocolAndTheExactSummary()
    {
        long t0 = System.nanoTime();
        DrainReport report = new DrainReport();
        report.found(Protocol.H1, Found.IDLE);
        report.found(Protocol.H1, Found.IDLE);
        report.found(Protocol.H1, Found.NEVER_USED);
        report.found(Protocol.H2, Found.IDLE);
        report.found(Protocol.H1, Found.BUSY);
        report.found(Protocol.H1, Found.READING);
        report.found(Protocol.H2, Found.BUSY);
        report.found(Protocol.WS, Found.BUSY);
        report.found(Protocol.H1, Found.LINGERING);
        report.found(Protocol.PENDING, Found.HANDSHAKE);
        report.found(Protocol.PENDING, Found.HANDSHAKE_CLOSED);
        report.handshakeCut();
        report.found(Protocol.H1, Found.CLOSED); // gone before the drain reached it: not counted
        report.ended(Protocol.H1, Ending.FINISHED);
        report.ended(Protocol.H1, Ending.FINISHED);
        report.ended(Protocol.H2, Ending.ABORTED);
        report.ended(Protocol.WS, Ending.FINISHED);
        report.ended(Protocol.H1, Ending.NOT_BUSY); // counted when found
        report.lateRequestRefused();
        report.streamRefused();
        report.streamRefused();
        report.longResponsesEnded(5000, 3);

        assertEquals(3, report.idleClosed());
        assertEquals(1, report.neverUsedClosed());
        assertEquals(4, report.busyFound(), "busy and reading, every protocol");
        assertEquals(3, report.busyFinished());
        assertEquals(1, report.busyAborted());
        assertEquals(1, report.closingFound());
        assertEquals(1, report.handshakesWaited());

        String summary = report.finish(42, 1);
        long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertEquals("idle closed=3, never-used closed=1, busy finished=3, busy aborted=1, late requests refused=1, drain time=T ms"
                + "; since start: requests=42, request failures=1"
                + "; closed at once: h1 idle=2 never-used=1, h2 idle=1 never-used=0"
                + "; busy: h1 finished=2 aborted=0, h2 finished=0 aborted=1, ws finished=1 aborted=0"
                + "; tls-handshake waited=1 cut=2; h2 streams refused=2; long responses ended=3",
            withoutDrainTime(summary, elapsedMs));
    }

    @Test
    void anEmptyDrainStillNamesHttp1AndEveryTotal()
    {
        DrainReport report = new DrainReport();
        assertEquals("idle closed=0, never-used closed=0, busy finished=0, busy aborted=0, late requests refused=0, drain time=T ms"
                + "; since start: requests=0, request failures=0; closed at once: h1 idle=0 never-used=0; busy: h1 finished=0 aborted=0"
                + "; tls-handshake waited=0 cut=0; h2 streams refused=0; long responses ended=0",
            withoutDrainTime(report.finish(0, 0), 5000));
    }

    @Test
    void everyLogLineOfADrainInOrder()
    {
        try (Harness.LogCapture log = new Harness.LogCapture())
        {
            DrainReport report = new DrainReport();
            report.found(Protocol.H1, Found.IDLE);
            report.found(Protocol.H1, Found.BUSY);
            report.found(Protocol.H1, Found.BUSY);
            report.found(Protocol.H2, Found.BUSY);
            report.found(Protocol.H1, Found.LINGERING);
            report.listenersClosed(3, false);
            report.listenersClosed(4, true);
            report.swept(30000);
            report.longResponsesEnded(5000, 2);
            Map<Protocol, Integer> left = new EnumMap<>(Protocol.class);
            left.put(Protocol.H1, 2);
            left.put(Protocol.H2, 1);
            report.forcing(left);
            report.cut("GET /slow?ms=60000 from /127.0.0.1:4242 after 1503 ms");
            report.ended(Protocol.H1, Ending.FINISHED);
            report.ended(Protocol.H1, Ending.ABORTED);
            report.ended(Protocol.H2, Ending.ABORTED);
            String summary = report.finish(7, 0);

            String[] expected = {
                "graceful-drain: stop requested; listeners closed in 3 ms",
                "graceful-drain: listeners closed in 4 ms",
                "graceful-drain: idle closed in T ms: h1 idle=1 never-used=0; busy left to finish within 30000 ms: h1 2, h2 1; already closing: 1; in TLS handshake: 0",
                "graceful-drain: stream budget of 5000 ms over: ended 2 long response(s)",
                "graceful-drain: forcing at T ms: timeout reached, aborting h1 2, h2 1 connection(s)",
                "graceful-drain: cut GET /slow?ms=60000 from /127.0.0.1:4242 after 1503 ms",
                "graceful-drain: forced in T ms: h1 finished=1 aborted=1, h2 finished=0 aborted=1",
                "graceful-drain: drained: " + withoutDrainTime(summary, 5000),
            };
            String lines = String.join("\n", log.drainLines()).replaceAll("\\b(in|at) \\d+ ms:", "$1 T ms:");
            assertEquals(String.join("\n", expected), withoutDrainTime(lines, 5000));
        }
    }
}
