package dev.gracefuldrain.it;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import dev.gracefuldrain.testsupport.Jetty;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * A second stop request during the drain changes nothing: one drain, one summary, no exception trace.
 * Exit status: that of the first request to reach the JVM's exit: 143 (128 + SIGTERM) for a SIGTERM,
 * 0 for the ShutdownService, which exits only once the drain is over; so a SIGTERM during a
 * ShutdownService drain ends with 143.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RepeatedStopsIT
{
    static final DrainScenario ONE_BUSY = new DrainScenario(2, 1, List.of("/sample/slow?ms=1500"));

    /** How a stop request is sent. */
    enum Stop
    {
        SIGTERM, SHUTDOWN_SERVICE
    }

    @Test
    void secondSigtermDuringTheDrain() throws Exception
    {
        twoStops("second SIGTERM", Stop.SIGTERM, Stop.SIGTERM, 143);
    }

    @Test
    void shutdownServiceStopDuringASigtermDrain() throws Exception
    {
        // The SIGTERM's exit status wins: the JVM was already exiting.
        twoStops("ShutdownService stop during a SIGTERM drain", Stop.SIGTERM, Stop.SHUTDOWN_SERVICE, 143);
    }

    @Test
    void sigtermDuringAShutdownServiceDrain() throws Exception
    {
        // The SIGTERM reaches the JVM's exit before the ShutdownService's exit(0), which waits for the drain.
        twoStops("SIGTERM during a ShutdownService drain", Stop.SHUTDOWN_SERVICE, Stop.SIGTERM, 143);
    }

    private static void twoStops(String title, Stop first, Stop second, int expectedExit) throws Exception
    {
        Jetty.Base base = Jetty.base("two-stops", Jetty.Enable.START_D, Jetty.withStopPort("http", "ee10-deploy", "graceful-drain"));
        int stopPort = Jetty.freePort();
        try (Jetty.Server server = base.start(Jetty.stopPort(stopPort, DrainIT.STOP_KEY).toArray(String[]::new)))
        {
            DrainScenario.Figures f = ONE_BUSY.run(server, () ->
            {
                long t0 = send(first, server, stopPort);
                Jetty.awaitRefused(server.port, Duration.ofSeconds(5));
                send(second, server, stopPort);
                return t0;
            });
            assertOneQuietDrain(title, f, server);
            assertEquals(expectedExit, server.exitCode(), "exit status");
        }
    }

    private static long send(Stop stop, Jetty.Server server, int stopPort) throws Exception
    {
        return stop == Stop.SIGTERM ? server.sigterm() : server.stopViaShutdownService(stopPort, DrainIT.STOP_KEY);
    }

    private static void assertOneQuietDrain(String title, DrainScenario.Figures f, Jetty.Server server)
    {
        System.out.println(f.describe(title) + "exit status " + server.exitCode());
        String log = f.log();
        DrainScenario.Summary summary = f.summary();
        assertAll(title,
            () -> assertEquals(1, f.busyCompleted(), "the in-flight request completed"),
            () -> assertEquals(1, DrainIT.count(log, "graceful-drain: stop requested"), "one drain"),
            () -> assertEquals(1, DrainIT.count(log, "graceful-drain: drained:"), "one summary"),
            () -> assertNotNull(summary),
            () -> assertEquals(1, summary.busyFinished()),
            () -> assertFalse(log.contains("\tat "), "no exception trace:\n" + log),
            () -> assertFalse(log.contains("Exception"), "no exception:\n" + log));
    }
}
