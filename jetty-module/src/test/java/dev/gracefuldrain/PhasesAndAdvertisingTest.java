package dev.gracefuldrain;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static dev.gracefuldrain.Harness.ms;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The phase every request reads, and telling clients to go: maintenance and the pre-stop delay. */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class PhasesAndAdvertisingTest
{
    @Test
    void readinessAndFlagsPerPhase()
    {
        Phases phases = new Phases();
        assertEquals(Phases.Phase.SERVING, phases.get());
        // phase, readiness text, isDraining, isTellingClientsToGo, isAdvertising
        Object[][] table = {
            {Phases.Phase.SERVING, "serving", false, false, false},
            {Phases.Phase.MAINTENANCE, "maintenance", true, true, false},
            {Phases.Phase.ADVERTISING, "advertising", false, true, true},
            {Phases.Phase.DRAINING, "draining", true, false, false},
            {Phases.Phase.FORCING, "forcing", true, false, false},
            {Phases.Phase.STOPPED, "stopped", true, false, false},
        };
        assertEquals(Phases.Phase.values().length, table.length);
        for (Object[] row : table)
        {
            phases.set((Phases.Phase)row[0]);
            assertEquals(row[1], phases.readiness(), row[0].toString());
            assertEquals(row[2], phases.isDraining(), row[0] + " isDraining");
            assertEquals(row[3], phases.isTellingClientsToGo(), row[0] + " isTellingClientsToGo");
            assertEquals(row[4], phases.isAdvertising(), row[0] + " isAdvertising");
        }

        phases.set(Phases.Phase.DRAINING);
        assertFalse(phases.move(Phases.Phase.FORCING, Phases.Phase.STOPPED), "only from the phase it is in");
        assertEquals(Phases.Phase.DRAINING, phases.get());
        assertTrue(phases.move(Phases.Phase.DRAINING, Phases.Phase.FORCING));
        assertFalse(phases.move(Phases.Phase.DRAINING, Phases.Phase.STOPPED), "once");
        assertEquals(Phases.Phase.FORCING, phases.get());
    }

    @Test
    void maintenanceStartsAndResumesAndRefusesOutOfTurn()
    {
        Phases phases = new Phases();
        Advertising advertising = new Advertising(phases, new DrainSettings("1000", "100"));
        AtomicInteger sweeps = new AtomicInteger();

        assertEquals("not in maintenance: serving", advertising.resumeServing());
        assertEquals("maintenance: closed 3 idle or never-used connection(s)", advertising.startMaintenance(() -> sweeps.incrementAndGet() * 3));
        assertEquals(Phases.Phase.MAINTENANCE, phases.get());
        assertEquals("not serving: maintenance", advertising.startMaintenance(sweeps::incrementAndGet));
        assertEquals(1, sweeps.get(), "a refused start closes nothing");
        assertEquals("serving", advertising.resumeServing());
        assertEquals(Phases.Phase.SERVING, phases.get());

        phases.set(Phases.Phase.DRAINING);
        assertEquals("not serving: draining", advertising.startMaintenance(sweeps::incrementAndGet));
        assertEquals("not in maintenance: draining", advertising.resumeServing());
        assertEquals(Phases.Phase.DRAINING, phases.get(), "a stop is never undone");
        assertEquals(1, sweeps.get());
    }

    private static DrainSettings delay(long preStopDelayMs, long quietPeriodMs)
    {
        return new DrainSettings("1000", "100", "", String.valueOf(preStopDelayMs), String.valueOf(quietPeriodMs), "", "");
    }

    @Test
    void thePreStopDelayEndsAfterTheQuietPeriod() throws Exception
    {
        long quietMs = 100;
        long quietNanos = TimeUnit.MILLISECONDS.toNanos(quietMs);
        Phases phases = new Phases();
        Advertising advertising = new Advertising(phases, delay(5000, quietMs));
        assertTrue(advertising.hasDelay());
        try (Harness.LogCapture log = new Harness.LogCapture())
        {
            long t0 = System.nanoTime();
            CompletableFuture<Long> ended = CompletableFuture.supplyAsync(() ->
            {
                advertising.advertise();
                return System.nanoTime();
            });
            Harness.awaitTrue("advertising", phases::isAdvertising, 2000);
            Thread.sleep(40); // spacing, not synchronisation: a request in the middle of the quiet period
            long before = System.nanoTime();
            advertising.onActivity();
            long after = System.nanoTime();
            long end = ended.get(3, TimeUnit.SECONDS);

            assertTrue(end - t0 >= quietNanos, "ended " + ms(t0, end) + " ms after it began");
            // The quiet period cannot have ended before t0 + quietMs: a request made before then starts it over.
            if (after - t0 < quietNanos)
                assertTrue(end - before >= quietNanos, "ended " + ms(before, end) + " ms after the last request");
            else
                System.out.printf("quiet period: the request came %d ms late, its effect not checked%n", ms(t0, after));
            assertTrue(ms(t0, end) < 2500, "ended by the quiet period, not the 5000 ms delay: " + ms(t0, end) + " ms");
            assertEquals(Phases.Phase.ADVERTISING, phases.get(), "the drain moves on from here, not the delay");
            assertTrue(log.find("graceful-drain: advertised for ").endsWith(" ms, ended by no request for 100 ms"), log.drainLines().toString());
            log.assertLogged("graceful-drain: stop requested; advertising for up to 5000 ms (readiness 503, Connection: close on every response), ending after 100 ms without a request");
        }
    }

    @Test
    void thePreStopDelayEndsAtASecondStopRequest() throws Exception
    {
        Phases phases = new Phases();
        Advertising advertising = new Advertising(phases, delay(5000, 0)); // no quiet period: only the delay or skip() end it
        try (Harness.LogCapture log = new Harness.LogCapture())
        {
            long t0 = System.nanoTime();
            CompletableFuture<Long> ended = CompletableFuture.supplyAsync(() ->
            {
                advertising.advertise();
                return System.nanoTime();
            });
            Harness.awaitTrue("advertising", phases::isAdvertising, 2000);
            long skipped = System.nanoTime();
            advertising.skip();
            long end = ended.get(2, TimeUnit.SECONDS);
            assertTrue(ms(skipped, end) < 1000, "ended " + ms(skipped, end) + " ms after skip()");
            assertTrue(ms(t0, end) < 2500, ms(t0, end) + " ms");
            assertTrue(log.find("graceful-drain: advertised for ").endsWith(" ms, ended by a second stop request"), log.drainLines().toString());
        }
    }

    @Test
    void thePreStopDelayEndsAtItsDeadlineAndNoDelayReturnsAtOnce()
    {
        Phases phases = new Phases();
        Advertising none = new Advertising(phases, delay(0, 1000));
        assertFalse(none.hasDelay());
        none.advertise();
        assertEquals(Phases.Phase.SERVING, phases.get(), "no delay: not even advertising");

        long delayMs = 150;
        Advertising advertising = new Advertising(phases, delay(delayMs, 1000)); // quiet period longer than the delay
        try (Harness.LogCapture log = new Harness.LogCapture())
        {
            long t0 = System.nanoTime();
            advertising.advertise();
            long end = System.nanoTime();
            assertTrue(ms(t0, end) >= delayMs, "ended after " + ms(t0, end) + " ms");
            assertTrue(ms(t0, end) < delayMs + 1000, "ended after " + ms(t0, end) + " ms");
            assertTrue(log.find("graceful-drain: advertised for ").endsWith(" ms, ended by the delay is over"), log.drainLines().toString());
        }
    }
}
