package dev.gracefuldrain.examples;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import dev.gracefuldrain.GracefulDrain;
import org.eclipse.jetty.server.Server;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The example in this JVM, stopped with {@code Server.stop()}: HTTP/1.1, HTTPS, h2c and WebSocket drained. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class EmbeddedExampleTest
{
    @Test
    void serverStopDrainsEveryProtocol() throws Exception
    {
        System.setProperty("port", "0");
        System.setProperty("tls.port", "0");
        System.setProperty("keystore", Keystore.create().toString());
        System.setProperty("keystore.password", Keystore.PASSWORD);
        System.setProperty("drain.timeout", "10000");
        Server server = EmbeddedExample.create();
        server.setStopAtShutdown(false);
        server.start();
        GracefulDrain drain = server.getBean(GracefulDrain.class);
        try (Clients clients = new Clients(EmbeddedExample.port(server, 0), EmbeddedExample.port(server, 1), true))
        {
            long t0 = System.nanoTime();
            CompletableFuture<Long> stopped = CompletableFuture.supplyAsync(() ->
            {
                try
                {
                    server.stop();
                    return System.nanoTime();
                }
                catch (Exception x)
                {
                    throw new RuntimeException(x);
                }
            });
            long lastBusy = clients.assertDrained(t0, "embedded, Server.stop()");
            long stoppedAt = stopped.get(10, TimeUnit.SECONDS);
            System.out.printf("embedded, Server.stop(): stop() returned %d ms after the last busy response; %s%n",
                Clients.ms(stoppedAt - lastBusy), drain.status().getLastDrainSummary());
            assertTrue(stoppedAt - lastBusy < TimeUnit.MILLISECONDS.toNanos(500), "stop() returned " + Clients.ms(stoppedAt - lastBusy) + " ms after");
            assertEquals("STOPPED", drain.phase());
            String summary = drain.status().getLastDrainSummary();
            assertTrue(summary.contains("h1 finished=2 aborted=0") && summary.contains("ws finished=1") && summary.contains("busy aborted=0"), summary);
        }
        finally
        {
            server.stop();
        }
    }
}
