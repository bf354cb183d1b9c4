package dev.gracefuldrain.it;

import java.io.IOException;
import java.net.SocketException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import dev.gracefuldrain.testsupport.Jetty;
import dev.gracefuldrain.testsupport.Wire;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The reuse race: a request sent on an idle keep-alive connection at the very moment of the stop.
 * Each attempt must end as a complete response, or as a clean FIN before any response byte with
 * the request never handled. The server's own counts prove the second part: every FIN-without-a-byte
 * the clients saw is a request the module refused before any handler ran ("late requests refused"),
 * and no request the server handled failed to deliver its response ("request failures").
 * <p>CI size: 10 stops x 100 connections. Full size: {@code -Drace.rounds=100}.</p>
 */
@Timeout(value = 600, unit = TimeUnit.SECONDS)
class ReuseRaceIT
{
    static final int ROUNDS = Integer.getInteger("race.rounds", 10);
    static final int CONNECTIONS = Integer.getInteger("race.connections", 100);
    /** Requests are sent from 5 ms before to 20 ms after the stop. */
    static final long JITTER_FROM_US = -5_000;
    static final long JITTER_TO_US = 20_000;

    static final String COMPLETE = "complete response";
    static final String COMPLETE_CLOSE = "complete response, Connection: close";
    static final String FIN_NO_BYTE = "FIN before any response byte";
    static final String TRUNCATED = "truncated response";
    static final String RESET = "reset";

    @Test
    void everyAttemptIsAnsweredOrNeverHandled() throws Exception
    {
        long seed = Long.getLong("race.seed", System.nanoTime());
        Random random = new Random(seed);
        Jetty.Base base = Jetty.base("race", Jetty.Enable.START_D, "http", "ee10-deploy", "graceful-drain");
        Map<String, Integer> outcomes = new TreeMap<>();
        List<String> problems = new ArrayList<>();
        int attempts = 0;
        ExecutorService pool = Executors.newFixedThreadPool(CONNECTIONS);
        try
        {
            for (int round = 0; round < ROUNDS; round++)
            {
                try (Jetty.Server server = base.start())
                {
                    List<Wire> wires = new ArrayList<>();
                    for (int i = 0; i < CONNECTIONS; i++)
                    {
                        Wire wire = Wire.open(server.port);
                        wire.send(Wire.request("GET", "/sample/fast"));
                        wire.readResponse(Duration.ofSeconds(10));
                        wires.add(wire);
                    }
                    long stopAt = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(200);
                    List<CompletableFuture<String>> results = new ArrayList<>();
                    for (Wire wire : wires)
                    {
                        long sendAt = stopAt + TimeUnit.MICROSECONDS.toNanos(JITTER_FROM_US + (long)(random.nextDouble() * (JITTER_TO_US - JITTER_FROM_US)));
                        results.add(CompletableFuture.supplyAsync(() -> attempt(wire, sendAt), pool));
                    }
                    parkUntil(stopAt);
                    server.sigterm();
                    Map<String, Integer> roundOutcomes = new TreeMap<>();
                    for (CompletableFuture<String> result : results)
                        roundOutcomes.merge(result.get(60, TimeUnit.SECONDS), 1, Integer::sum);
                    server.awaitExit(Duration.ofSeconds(60));
                    attempts += CONNECTIONS;
                    roundOutcomes.forEach((k, v) -> outcomes.merge(k, v, Integer::sum));

                    DrainScenario.Summary summary = DrainScenario.Summary.parse(server.log());
                    assertNotNull(summary, "round " + round + ": no summary line\n" + server.log());
                    int noByte = roundOutcomes.getOrDefault(FIN_NO_BYTE, 0);
                    if (noByte != summary.lateRefused())
                        problems.add(String.format("round %d: clients saw %d FIN-without-response, the server refused %d late requests", round, noByte, summary.lateRefused()));
                    if (summary.requestFailures() != 0)
                        problems.add(String.format("round %d: %d handled requests failed to deliver their response", round, summary.requestFailures()));
                }
            }
        }
        finally
        {
            pool.shutdownNow();
        }

        System.out.printf("%n== reuse race: %d attempts (%d stops x %d connections), requests sent %d..%d ms around SIGTERM, seed %d ==%n",
            attempts, ROUNDS, CONNECTIONS, JITTER_FROM_US / 1000, JITTER_TO_US / 1000, seed);
        int total = attempts;
        outcomes.forEach((k, v) -> System.out.printf("  %-40s %5d  (%.1f %%)%n", k, v, 100.0 * v / Math.max(1, total)));
        problems.forEach(p -> System.out.println("  PROBLEM " + p));

        assertAll(
            () -> assertEquals(ROUNDS * CONNECTIONS, total),
            () -> assertEquals(0, outcomes.getOrDefault(RESET, 0), "no reset, ever"),
            () -> assertEquals(0, outcomes.getOrDefault(TRUNCATED, 0), "no truncated response, ever"),
            () -> assertEquals(total, outcomes.getOrDefault(COMPLETE, 0) + outcomes.getOrDefault(COMPLETE_CLOSE, 0) + outcomes.getOrDefault(FIN_NO_BYTE, 0),
                "every attempt is a complete response or a FIN before any byte: " + outcomes),
            () -> assertTrue(problems.isEmpty(), String.join("\n", problems)));
    }

    private static void parkUntil(long nanos)
    {
        for (long left = nanos - System.nanoTime(); left > 0; left = nanos - System.nanoTime())
            LockSupport.parkNanos(left);
    }

    /** Sends one request at {@code sendAt} on an idle connection, and says how it ended. */
    private static String attempt(Wire wire, long sendAt)
    {
        parkUntil(sendAt);
        try
        {
            wire.send(Wire.request("GET", "/sample/fast"));
        }
        catch (IOException x)
        {
            wire.close();
            return RESET;
        }
        String outcome;
        try
        {
            Wire.Response response = wire.readResponse(Duration.ofSeconds(30));
            if (!response.complete() || !response.bodyText().equals("fast\n"))
                outcome = TRUNCATED;
            else
                outcome = response.connectionClose() ? COMPLETE_CLOSE : COMPLETE;
        }
        catch (SocketException x)
        {
            wire.close();
            return RESET;
        }
        catch (IOException x)
        {
            wire.close();
            return FIN_NO_BYTE;
        }
        // After a response the server ends the connection (drained): it must be a FIN.
        Wire.Closing closing = wire.awaitClose(Duration.ofSeconds(30));
        return closing.kind() == Wire.Close.FIN ? outcome : RESET;
    }
}
