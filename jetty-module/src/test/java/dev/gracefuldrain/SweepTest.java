package dev.gracefuldrain;

import java.net.Socket;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.eclipse.jetty.server.LocalConnector;
import org.eclipse.jetty.util.thread.ScheduledExecutorScheduler;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The sweep: every connection found at once, idle and never-used ones closed, the rest counted. */
@Timeout(value = 15, unit = TimeUnit.SECONDS)
class SweepTest
{
    /** Through a LocalConnector: no listener, so no listener-check probe, and exact counts. */
    @Test
    void theSweepClosesIdleAndNeverUsedAtOnceAndLeavesBusyToFinish() throws Exception
    {
        TrackedConnectionTest.App app = new TrackedConnectionTest.App();
        try (Harness.LogCapture log = new Harness.LogCapture();
             Harness h = Harness.start(new DrainSettings("5000", "1000"), app, null, Harness.local()))
        {
            LocalConnector connector = h.localConnector();
            LocalConnector.LocalEndPoint never = connector.connect();
            LocalConnector.LocalEndPoint idle = connector.connect();
            LocalConnector.LocalEndPoint busy = connector.connect();
            h.tracked(never);
            idle.addInput("GET /app HTTP/1.1\r\nHost: x\r\n\r\n");
            assertTrue(idle.getResponse().startsWith("HTTP/1.1 200"));
            busy.addInputAndExecute("GET /block HTTP/1.1\r\nHost: x\r\n\r\n");
            assertTrue(app.entered.await(5, TimeUnit.SECONDS));
            Harness.awaitTrue("one of each", () -> h.drain.status().getConnectionStates().equals("never-used=1 idle=1 busy=1 lingering=0"), 5000);

            CompletableFuture<Long> stopped = h.stopAsync();
            // A LocalEndPoint closes outright when its output is shut down.
            Harness.awaitTrue("never-used and idle closed at once", () -> !never.isOpen() && !idle.isOpen(), 5000);
            assertEquals("", never.takeOutputString() + idle.takeOutputString(), "not a byte for them");
            assertTrue(busy.isOpen(), "busy: left to finish");
            Harness.awaitTrue("only the busy one left", () -> h.drain.status().getConnectionStates().equals("never-used=0 idle=0 busy=1 lingering=0"), 5000);
            app.release.countDown();
            String response = busy.getResponse();
            assertTrue(response.endsWith("released\n") && response.contains("Connection: close"), response);
            stopped.get(5, TimeUnit.SECONDS);

            String swept = log.find("graceful-drain: idle closed in ");
            assertTrue(swept != null && swept.matches("graceful-drain: idle closed in \\d+ ms: h1 idle=1 never-used=1; "
                + "busy left to finish within 5000 ms: h1 1; already closing: 0; in TLS handshake: 0"), log.drainLines().toString());
            String summary = h.drain.status().getLastDrainSummary();
            assertTrue(summary.startsWith("idle closed=1, never-used closed=1, busy finished=1, busy aborted=0, late requests refused=0, "), summary);
            assertTrue(summary.contains("; since start: requests=2, request failures=0; closed at once: h1 idle=1 never-used=1; busy: h1 finished=1 aborted=0;"), summary);
            assertEquals(0, h.drain.status().getConnections());
        }
    }

    /**
     * A connection of the listener check's own probes is closed, never counted, even if its channel is
     * already closed when the sweep reaches it: the probe closes at once, so Jetty may close the channel
     * just before (or, for HTTP/2, while writing the first GOAWAY: a write to a closed peer fails and
     * closes it), and a closed channel no longer tells its remote address. Seen for real over a
     * ServerConnector before the port was kept from the connection's start: an h2c stop counted
     * "h2 never-used=1" that no client opened.
     */
    @Test
    void aProbeIsNotCountedEvenIfItsChannelClosedFirst() throws Exception
    {
        ScheduledExecutorScheduler scheduler = new ScheduledExecutorScheduler("test-sweep", true);
        scheduler.start();
        try (Harness h = Harness.start(new DrainSettings("5000", "1000"), new TrackedConnectionTest.App(), null, Harness.loopback());
             Socket open = h.connect();
             Socket closing = h.connect())
        {
            Linger linger = new Linger(scheduler, 1000);
            Sweep sweep = new Sweep(new ConnectionTracker(linger, h.drain), scheduler);
            sweep.ignoreProbes(Set.of(open.getLocalPort(), closing.getLocalPort()));
            TrackedConnection openProbe = null;
            TrackedConnection closingProbe = null;
            for (TrackedConnection c : h.trackedConnections(2))
            {
                // Connections of the test's own, over the same Jetty connections, that no tracker closes.
                TrackedConnection own = new TrackedConnection(c.connection(), Protocol.H1, linger);
                if (c.connection().getEndPoint().getRemoteSocketAddress().toString().endsWith(":" + open.getLocalPort()))
                    openProbe = own;
                else
                    closingProbe = own;
            }

            DrainReport report = new DrainReport();
            assertEquals(Found.NEVER_USED, sweep.one(openProbe, report, null));
            assertEquals(0, report.neverUsedClosed(), "a probe, recognised by its port");

            closingProbe.connection().getEndPoint().close(); // the channel closed, the close not yet heard of
            assertEquals(Found.CLOSED, sweep.one(closingProbe, report, null), "gone: nothing to close");
            assertEquals(0, report.neverUsedClosed(), "a probe whose channel closed first is still a probe");
        }
        finally
        {
            scheduler.stop();
        }
    }
}
