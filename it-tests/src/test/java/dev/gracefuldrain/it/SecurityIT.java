package dev.gracefuldrain.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import dev.gracefuldrain.testsupport.Jetty;
import dev.gracefuldrain.testsupport.ShutdownService;
import dev.gracefuldrain.testsupport.Wire;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The module opens no port, a stop needs a signal or the key, and the module never logs the key. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SecurityIT
{
    @Test
    void theModuleOpensNoPort() throws Exception
    {
        Set<Integer> without = listeningPorts(Jetty.base("ports-stock", Jetty.Enable.START_D, "http", "ee10-deploy"));
        Set<Integer> with = listeningPorts(Jetty.base("ports-drain", Jetty.Enable.START_D, "http", "ee10-deploy", "graceful-drain"));
        System.out.printf("listening sockets: without the module %d, with it %d%n", without.size(), with.size());
        assertEquals(1, without.size(), "stock: only the HTTP port " + without);
        assertEquals(1, with.size(), "with graceful-drain: still only the HTTP port " + with);
    }

    /** The ports the Jetty process listens on, read from /proc: the sockets it owns that are in LISTEN state. */
    private static Set<Integer> listeningPorts(Jetty.Base base) throws Exception
    {
        try (Jetty.Server server = base.start())
        {
            long pid = server.process.pid();
            Set<String> inodes = new HashSet<>();
            try (var fds = Files.list(Path.of("/proc/" + pid + "/fd")))
            {
                for (Path fd : fds.toList())
                {
                    try
                    {
                        String target = Files.readSymbolicLink(fd).toString();
                        if (target.startsWith("socket:["))
                            inodes.add(target.substring(8, target.length() - 1));
                    }
                    catch (IOException gone)
                    {
                        // closed meanwhile
                    }
                }
            }
            Set<Integer> ports = new HashSet<>();
            for (String table : List.of("tcp", "tcp6"))
            {
                for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/net/" + table)).subList(1, Files.readAllLines(Path.of("/proc/" + pid + "/net/" + table)).size()))
                {
                    String[] cols = line.trim().split("\\s+");
                    if (cols[3].equals("0A") && inodes.contains(cols[9]))
                        ports.add(Integer.parseInt(cols[1].substring(cols[1].indexOf(':') + 1), 16));
                }
            }
            assertTrue(ports.contains(server.port), "the HTTP port " + server.port + " is among " + ports);
            return ports;
        }
    }

    @Test
    void aWrongStopKeyChangesNothingAndTheKeyIsNeverLoggedByTheModule() throws Exception
    {
        Jetty.Base base = Jetty.base("wrong-key", Jetty.Enable.START_D, Jetty.withStopPort("http", "ee10-deploy", "graceful-drain"));
        int stopPort = Jetty.freePort();
        String key = "s3cret-" + System.nanoTime();
        try (Jetty.Server server = base.start(Jetty.stopPort(stopPort, key).toArray(String[]::new)))
        {
            Wire idle = Wire.open(server.port);
            idle.send(Wire.request("GET", "/sample/fast"));
            idle.readResponse(Duration.ofSeconds(10));

            assertEquals("", ShutdownService.send(stopPort, "wrong-key", "stop").answer(Duration.ofSeconds(10)),
                "the ShutdownService answers a wrong key with nothing");

            // Still serving, on the same keep-alive connection and on new ones.
            idle.send(Wire.request("GET", "/sample/fast"));
            assertEquals(200, idle.readResponse(Duration.ofSeconds(10)).status());
            assertEquals(200, Wire.get(server.port, "/sample/fast").status());
            assertTrue(server.process.isAlive());
            assertFalse(server.log().contains("graceful-drain: stop requested"), "no drain started");
            idle.close();

            long t0 = server.stopViaShutdownService(stopPort, key);
            server.awaitExit(Duration.ofSeconds(30));
            String log = server.log();
            assertTrue(log.contains("graceful-drain: drained:"), "the right key stops it");
            assertFalse(log.lines().filter(l -> l.contains("graceful-drain")).anyMatch(l -> l.contains(key)), "the module never logs the key");
            System.out.printf("wrong key: ignored; right key: drained, exit %d ms after the stop%n",
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
        }
    }
}
