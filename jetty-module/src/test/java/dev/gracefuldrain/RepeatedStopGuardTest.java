package dev.gracefuldrain;

import java.net.Socket;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.eclipse.jetty.util.thread.ShutdownThread;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static dev.gracefuldrain.Harness.readResponse;
import static dev.gracefuldrain.Harness.send;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A second stop request during a drain: Jetty's JVM hook (ShutdownThread, run here directly as the JVM
 * runs it on SIGTERM) would skip stop() on a stopping server and destroy it. The guard the drain registers
 * ahead of the server skips what is left of the pre-stop delay and makes the hook wait for the drain.
 */
@Timeout(value = 15, unit = TimeUnit.SECONDS)
class RepeatedStopGuardTest
{
    @Test
    void theJvmHookDuringThePreStopDelaySkipsItAndWaitsForTheDrain() throws Exception
    {
        TrackedConnectionTest.App app = new TrackedConnectionTest.App();
        DrainSettings settings = new DrainSettings("5000", "100", "", "5000", "0", "", ""); // only a second stop ends the delay early
        try (Harness.LogCapture log = new Harness.LogCapture();
             Harness h = Harness.start(settings, app, null, server ->
             {
                 Harness.loopback().accept(server);
                 server.setStopAtShutdown(true);
             });
             Socket busy = h.connect())
        {
            assertTrue(ShutdownThread.isRegistered(h.server));
            send(busy, "GET /block HTTP/1.1\r\nHost: x\r\n\r\n");
            assertTrue(app.entered.await(5, TimeUnit.SECONDS));

            long t0 = System.nanoTime();
            CompletableFuture<Long> stopped = h.stopAsync();
            h.awaitPhase(Phases.Phase.ADVERTISING);
            CompletableFuture<Boolean> hook = new CompletableFuture<>();
            Thread jvmHook = new Thread(() ->
            {
                ShutdownThread.getInstance().run();
                hook.complete(h.server.isStopped()); // and by now destroyed, as the JVM hook does
            }, "test-jvm-hook");
            jvmHook.setDaemon(true);
            jvmHook.start();

            h.awaitPhase(Phases.Phase.DRAINING);
            assertTrue(Harness.msSince(t0) < 2500, "the 5000 ms delay was skipped: draining after " + Harness.msSince(t0) + " ms");
            // The busy request holds the drain, so the server cannot have stopped, and the hook must still be waiting.
            assertFalse(hook.isDone(), "the hook went on while the drain was in progress");
            // Released once the sweep has found it busy: a request that ends before the sweep reaches it is found
            // already closing, not busy (the phase is DRAINING before the sweep runs).
            Harness.awaitTrue("the sweep's log line", () -> log.find("graceful-drain: idle closed in ") != null, 5000);
            app.release.countDown();
            String response = readResponse(busy.getInputStream());
            assertTrue(response.startsWith("HTTP/1.1 200") && response.endsWith("released\n"), "served, not torn down: " + response);
            busy.close();

            assertTrue(hook.get(5, TimeUnit.SECONDS), "the hook returned before the server stopped");
            stopped.get(5, TimeUnit.SECONDS);
            assertEquals("STOPPED", h.drain.status().getPhase());
            assertTrue(h.drain.status().getLastDrainSummary().startsWith("idle closed=0, never-used closed="), h.drain.status().getLastDrainSummary());
            assertTrue(h.drain.status().getLastDrainSummary().contains(", busy finished=1, busy aborted=0, "), h.drain.status().getLastDrainSummary());
            log.assertLogged("graceful-drain: another stop request during the drain: skipping what is left of the pre-stop delay, waiting for the drain");
            assertTrue(log.find("graceful-drain: advertised for ").endsWith(" ms, ended by a second stop request"), log.drainLines().toString());
        }
    }
}
