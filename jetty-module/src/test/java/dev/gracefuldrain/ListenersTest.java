package dev.gracefuldrain;

import java.net.ConnectException;
import java.net.Socket;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.eclipse.jetty.server.LocalConnector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.ScheduledExecutorScheduler;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The listener is closed for real before any client is told to go. */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class ListenersTest
{
    @Test
    void aClosedListenerRefusesConnectionsAtOnce() throws Exception
    {
        Server server = new Server();
        ServerConnector connector = new ServerConnector(server, 1, 1);
        connector.setHost("127.0.0.1");
        server.addConnector(connector);
        LocalConnector local = new LocalConnector(server);
        server.addConnector(local);
        server.start();
        try
        {
            int port = connector.getLocalPort();
            new Socket("127.0.0.1", port).close(); // listening
            long t0 = System.nanoTime();
            Listeners listeners = new Listeners(server, new ConnectionTracker(new Linger(new ScheduledExecutorScheduler(), 1000), new ConnectionTracker.Events()
            {
                public void onOpened(TrackedConnection connection) { }

                public void onHandshakeOver(TrackedConnection connection) { }

                public void onClosed(TrackedConnection connection, Ending ending) { }

                public void onRemoved() { }
            }));
            assertEquals(2, listeners.size(), "both connectors speak HTTP/1.1 only");
            Set<Integer> probes = listeners.close();
            long closeMs = Harness.msSince(t0);
            assertFalse(connector.isOpen());
            assertTrue(local.isRunning(), "a connector without a socket is left alone");
            assertThrows(ConnectException.class, () -> new Socket("127.0.0.1", port).close(), "refused as soon as close() returned");
            assertTrue(closeMs < 1000, "close took " + closeMs + " ms");
            // Probes that the kernel still completed are named by their local port, so the drain does not count them.
            for (int probe : probes)
                assertTrue(probe > 0 && probe != port, probes.toString());
            // Closing again: nothing open, nothing probed.
            assertTrue(listeners.close().isEmpty());
        }
        finally
        {
            server.stop();
        }
    }
}
