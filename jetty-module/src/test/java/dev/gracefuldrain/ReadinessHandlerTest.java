package dev.gracefuldrain;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.eclipse.jetty.http.HttpTester;
import org.eclipse.jetty.server.LocalConnector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The readiness endpoint and DrainHandler, in process through a LocalConnector. */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class ReadinessHandlerTest
{
    private static final String PROBE = "GET /ready HTTP/1.1\r\nHost: x\r\n\r\n";
    private static final String APP = "GET /app HTTP/1.1\r\nHost: x\r\n\r\n";

    private static HttpTester.Response get(LocalConnector connector, String request) throws Exception
    {
        // One connection per request: the client closes it once it has the response.
        LocalConnector.LocalEndPoint endPoint = connector.connect();
        endPoint.addInput(request);
        HttpTester.Response response = HttpTester.parseResponse(endPoint.getResponse());
        endPoint.addInputEOF();
        return response;
    }

    private static void assertReadiness(HttpTester.Response response, int status, String body, boolean close)
    {
        assertEquals(status, response.getStatus(), response.toString());
        assertEquals(body + "\n", response.getContent());
        assertEquals("no-store", response.get("Cache-Control"));
        assertEquals("text/plain;charset=utf-8", response.get("Content-Type"));
        if (close)
            assertEquals("close", response.get("Connection"), "telling clients to go: " + response);
        else
            assertNull(response.get("Connection"), response.toString());
    }

    private static DrainSettings settings(long preStopDelayMs, long quietPeriodMs)
    {
        return new DrainSettings("3000", "100", "/ready", String.valueOf(preStopDelayMs), String.valueOf(quietPeriodMs), "", "");
    }

    @Test
    void servingThenMaintenanceTellsClientsToGoThenServingAgain() throws Exception
    {
        try (Harness h = Harness.start(settings(0, 1000), new TrackedConnectionTest.App(), null, Harness.local()))
        {
            LocalConnector connector = h.localConnector();
            assertReadiness(get(connector, PROBE), 200, "serving", false);
            HttpTester.Response app = get(connector, APP);
            assertEquals(200, app.getStatus());
            assertNull(app.get("Connection"));

            // One idle keep-alive connection, which maintenance closes.
            LocalConnector.LocalEndPoint idle = connector.connect();
            idle.addInput(APP);
            assertTrue(idle.getResponse().startsWith("HTTP/1.1 200"));
            Harness.awaitTrue("only the idle connection left", () -> h.drain.status().getConnections() == 1
                && h.drain.status().getConnectionStates().equals("never-used=0 idle=1 busy=0 lingering=0"), 5000);

            assertEquals("maintenance: closed 1 idle or never-used connection(s)", h.drain.status().startMaintenance());
            assertEquals("MAINTENANCE", h.drain.status().getPhase());
            Harness.awaitTrue("idle connection closed", () -> !idle.isOpen(), 5000);
            assertReadiness(get(connector, PROBE), 503, "maintenance", true);
            app = get(connector, APP);
            assertEquals(200, app.getStatus(), "still served");
            assertEquals("close", app.get("Connection"), "but told to go: " + app);
            assertTrue(h.drain.status().startMaintenance().startsWith("not serving"));

            assertEquals("serving", h.drain.status().resumeServing());
            assertReadiness(get(connector, PROBE), 200, "serving", false);
            assertNull(get(connector, APP).get("Connection"));
        }
    }

    @Test
    void duringThePreStopDelayProbesSayAdvertisingAndEveryResponseSaysClose() throws Exception
    {
        try (Harness h = Harness.start(settings(5000, 300), new TrackedConnectionTest.App(), null, Harness.local()))
        {
            LocalConnector connector = h.localConnector();
            long t0 = System.nanoTime();
            CompletableFuture<Long> stopped = h.stopAsync();
            h.awaitPhase(Phases.Phase.ADVERTISING);
            assertTrue(h.drain.isShutdown());
            assertReadiness(get(connector, PROBE), 503, "advertising", true);
            HttpTester.Response app = get(connector, APP);
            assertEquals(200, app.getStatus(), "still served while advertising");
            assertEquals("close", app.get("Connection"), app.toString());

            long stoppedAt = stopped.get(5, TimeUnit.SECONDS);
            assertTrue(Harness.ms(t0, stoppedAt) < 4000, "ended by the 300 ms quiet period, not the 5000 ms delay");
            assertEquals("STOPPED", h.drain.status().getPhase());
            assertTrue(h.drain.status().getLastDrainSummary().contains("; since start: requests=1, request failures=0;"), h.drain.status().getLastDrainSummary());
        }
    }

    @Test
    void probesAreNotCountedAsRequests() throws Exception
    {
        try (Harness h = Harness.start(settings(0, 1000), new TrackedConnectionTest.App(), null, Harness.local()))
        {
            LocalConnector connector = h.localConnector();
            for (int i = 0; i < 3; i++)
                assertReadiness(get(connector, PROBE), 200, "serving", false);
            assertEquals(200, get(connector, APP).getStatus());
            assertEquals(200, get(connector, "GET /ready/not-the-probe HTTP/1.1\r\nHost: x\r\n\r\n").getStatus());
            Harness.awaitTrue("requests done", () -> h.drain.status().getRequestsActive() == 0, 5000);
            assertEquals(2, h.drain.status().getRequests(), "probes aside");
            assertTrue(h.drain.requestCounts().failures() == 0);
        }
    }
}
