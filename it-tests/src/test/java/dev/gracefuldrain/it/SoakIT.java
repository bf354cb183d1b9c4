package dev.gracefuldrain.it;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;

import dev.gracefuldrain.testsupport.Jetty;
import dev.gracefuldrain.testsupport.KeepAliveLoad;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Start/stop cycles of one Jetty base under continuous keep-alive load (GETs and POSTs):
 * no truncated response and no reset in total, and every request the server handled delivered
 * its response. CI size: 5 cycles. Full size: {@code -Dsoak.cycles=50}.
 */
@Timeout(value = 900, unit = TimeUnit.SECONDS)
class SoakIT
{
    static final int CYCLES = Integer.getInteger("soak.cycles", 5);
    static final int CLIENTS = Integer.getInteger("soak.clients", 8);

    @Test
    void startStopCyclesUnderLoad() throws Exception
    {
        Jetty.Base base = Jetty.base("soak", Jetty.Enable.START_D, "http", "ee10-deploy", "graceful-drain");
        int port = Jetty.freePort();
        List<String> problems = new ArrayList<>();
        List<long[]> events = new ArrayList<>();
        long handled = 0;
        long drainMsTotal = 0;
        try (KeepAliveLoad load = new KeepAliveLoad(port, CLIENTS, Duration.ofMinutes(14)))
        {
            for (int cycle = 0; cycle < CYCLES; cycle++)
            {
                long startAt = System.nanoTime();
                try (Jetty.Server server = base.startOn(port))
                {
                    long readyAt = System.nanoTime();
                    load.awaitCompleted(500, Duration.ofSeconds(30));
                    long stopAt = server.sigterm();
                    long exitAt = server.awaitExit(Duration.ofSeconds(40));
                    events.add(new long[]{startAt, readyAt, stopAt, exitAt});
                    DrainScenario.Summary summary = DrainScenario.Summary.parse(server.log());
                    if (summary == null)
                        problems.add("cycle " + cycle + ": no summary");
                    else
                    {
                        handled += summary.requests();
                        drainMsTotal += summary.drainMs();
                        if (summary.requestFailures() != 0)
                            problems.add("cycle " + cycle + ": " + summary.requestFailures() + " handled requests failed");
                        if (summary.busyAborted() != 0)
                            problems.add("cycle " + cycle + ": aborted " + summary.busyAborted());
                    }
                }
            }
            load.close();
            System.out.printf("%n== soak: %d start/stop cycles, %d keep-alive clients ==%n%s%nserver-handled requests %d; mean drain %d ms%n",
                CYCLES, CLIENTS, load, handled, drainMsTotal / Math.max(1, CYCLES));
            problems.forEach(p -> System.out.println("  PROBLEM " + p));
            for (long r : load.resetTimes)
            {
                // Placed against the cycle whose stop is nearest.
                long[] e = events.stream().min(Comparator.comparingLong(cycle -> Math.abs(r - cycle[2]))).orElseThrow();
                System.out.printf("  reset in cycle %d: start %+d ms, ready %+d ms, stop %+d ms, exit %+d ms%n", events.indexOf(e),
                    (r - e[0]) / 1_000_000, (r - e[1]) / 1_000_000, (r - e[2]) / 1_000_000, (r - e[3]) / 1_000_000);
            }
            long h = handled;
            assertAll(
                () -> assertEquals(0, load.truncated.get(), "truncated responses"),
                () -> assertEquals(0, load.errorStatus.get(), "error responses"),
                () -> assertEquals(0, load.resets.get(), "resets"),
                () -> assertTrue(load.completed.get() >= 500L * CYCLES, "load ran: " + load),
                () -> assertTrue(h >= load.completed.get(), "the servers handled at least what the clients received"),
                () -> assertTrue(problems.isEmpty(), String.join("\n", problems)));
        }
    }
}
