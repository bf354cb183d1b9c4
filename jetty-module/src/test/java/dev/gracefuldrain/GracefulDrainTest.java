package dev.gracefuldrain;

import java.io.IOException;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The embedded API: settings in code, the install, the handle. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class GracefulDrainTest
{
    private Server server;

    @AfterEach
    void stop() throws Exception
    {
        if (server != null)
            server.stop();
    }

    @Test
    void builderChecksAsTheModuleDoesWithTheSameMessages()
    {
        IllegalArgumentException fromCode = assertThrows(IllegalArgumentException.class,
            () -> DrainSettings.builder().timeout(Duration.ofDays(2)).build());
        IllegalArgumentException fromProperties = assertThrows(IllegalArgumentException.class,
            () -> new DrainSettings("172800000", "1000", "", "0", "1000", "", ""));
        assertEquals(fromProperties.getMessage(), fromCode.getMessage());
        assertEquals("jetty.drain.timeout=172800000 is invalid: expected a whole number of milliseconds from 1 to 86400000", fromCode.getMessage());

        assertEquals("jetty.drain.lingerTimeout=PT0.0005S is invalid: expected a whole number of milliseconds from 0 to 60000",
            assertThrows(IllegalArgumentException.class, () -> DrainSettings.builder().lingerTimeout(Duration.ofNanos(500_000)).build()).getMessage());
        assertEquals("server.jetty.drain.stream-timeout=2000 is invalid: it must be less than server.jetty.drain.timeout=2000",
            assertThrows(IllegalArgumentException.class, () -> DrainSettings.builder().propertyPrefix("server.jetty.drain")
                .timeout(Duration.ofSeconds(2)).streamTimeout(Duration.ofSeconds(2)).build()).getMessage());
        assertEquals("jetty.drain.readinessPath=ready is invalid: expected an absolute path such as /ready, or nothing to turn the endpoint off",
            assertThrows(IllegalArgumentException.class, () -> DrainSettings.builder().readinessPath("ready").build()).getMessage());

        DrainSettings defaults = DrainSettings.builder().build();
        assertEquals(new DrainSettings("30000", "1000", "", "0", "1000", "", "").toString(), defaults.toString());
        DrainSettings set = DrainSettings.builder().timeout(Duration.ofSeconds(10)).lingerTimeout(Duration.ofMillis(500)).readinessPath("/ready")
            .preStopDelay(Duration.ofSeconds(3)).quietPeriod(Duration.ZERO).handshakeTimeout(Duration.ofMillis(700)).streamTimeout(Duration.ofSeconds(2)).build();
        assertEquals(new DrainSettings("10000", "500", "/ready", "3000", "0", "700", "2000").toString(), set.toString());
    }

    @Test
    void installOnceBeforeStartAndAfterTheHandler() throws Exception
    {
        server = new Server();
        server.setHandler(new Ok());
        GracefulDrain drain = GracefulDrain.install(server);
        assertTrue(server.getHandler() instanceof DrainHandler, "outermost: " + server.getHandler());
        assertEquals(drain, server.getBean(GracefulDrain.class));
        assertThrows(IllegalStateException.class, () -> GracefulDrain.install(server));

        server.setHandler(new Ok());
        Exception failed = assertThrows(Exception.class, server::start);
        assertTrue(failed.getMessage().contains("call GracefulDrain.install after server.setHandler"), failed.getMessage());
        server.stop();

        Server started = new Server();
        started.setHandler(new Ok());
        started.start();
        try
        {
            assertThrows(IllegalStateException.class, () -> GracefulDrain.install(started));
        }
        finally
        {
            started.stop();
        }
    }

    /** Spring Boot starts its Server without connectors and adds them to the started server. */
    @Test
    void connectorAddedToTheStartedServerIsDrained() throws Exception
    {
        server = new Server();
        server.setHandler(new Ok());
        GracefulDrain drain = GracefulDrain.install(server, DrainSettings.builder().timeout(Duration.ofSeconds(5)).build());
        server.start();
        ServerConnector late = new ServerConnector(server);
        late.setHost("127.0.0.1");
        server.addConnector(late);
        late.start();

        CompletableFuture<Duration> told = drain.drainNotice().toCompletableFuture();
        try (Socket idle = new Socket("127.0.0.1", late.getLocalPort()))
        {
            idle.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            idle.setSoTimeout(5000);
            byte[] response = new byte[4096];
            int n = idle.getInputStream().read(response);
            assertTrue(new String(response, 0, n, StandardCharsets.US_ASCII).startsWith("HTTP/1.1 200"));
            assertEquals(1, drain.status().getConnections(), "tracked: " + drain.status().getConnectionStates());

            // The drain without the stop, as the Spring Boot starter runs it; the stop then finds it done.
            CompletableFuture<Void> drained = drain.drainNow().toCompletableFuture();
            assertEquals(-1, readSkipping(idle), "FIN on the idle connection");
            drained.get(5, TimeUnit.SECONDS);
            assertEquals(Duration.ofMillis(2500), told.get(5, TimeUnit.SECONDS));
            assertEquals("STOPPED", drain.phase());
            assertTrue(drain.status().getLastDrainSummary().contains("idle closed=1"), drain.status().getLastDrainSummary());
        }
        server.stop();
        assertEquals(1, drain.status().getDrains());
    }

    private static int readSkipping(Socket socket) throws IOException
    {
        byte[] buffer = new byte[4096];
        int n;
        do
            n = socket.getInputStream().read(buffer);
        while (n > 0);
        return n;
    }

    private static final class Ok extends Handler.Abstract
    {
        @Override
        public boolean handle(org.eclipse.jetty.server.Request request, org.eclipse.jetty.server.Response response, org.eclipse.jetty.util.Callback callback)
        {
            response.write(true, ByteBuffer.wrap("ok\n".getBytes(StandardCharsets.US_ASCII)), callback);
            return true;
        }
    }
}
