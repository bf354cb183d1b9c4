package dev.gracefuldrain.it;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import dev.gracefuldrain.testsupport.Jetty;
import dev.gracefuldrain.testsupport.Wire;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code jetty.sh start} / {@code jetty.sh stop}, as an operator or the {@code jetty.service} unit runs them.
 * jetty.sh needs the {@code pid} and {@code state} modules. Its stop sends HUP (through
 * start-stop-daemon) or TERM and KILLs after a fixed 30 s; the pid module removes the pid file as soon
 * as the stop begins, so {@code jetty.sh stop} returns while the drain goes on, and the process exits
 * when the drain is done.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class JettyShIT
{
    @Test
    void jettyShStopDrains() throws Exception
    {
        Jetty.Base base = Jetty.base("jetty-sh", Jetty.Enable.START_D, "http", "ee10-deploy", "pid", "state", "graceful-drain");
        int port = Jetty.freePort();
        Path run = Files.createDirectories(base.dir.resolve("run"));
        Map<String, String> env = Map.of(
            "JETTY_HOME", Jetty.HOME.toString(),
            "JETTY_BASE", base.dir.toString(),
            "JETTY_RUN", run.toString(),
            "JETTY_ARGS", "jetty.http.host=" + Jetty.HOST + " jetty.http.port=" + port,
            "JAVA", Jetty.javaBin());
        Jetty.Result started = jettySh(env, "start");
        assertEquals(0, started.exitCode(), "jetty.sh start:\n" + started.output());
        long pid = Long.parseLong(Files.readString(run.resolve("jetty.pid")).trim());
        ProcessHandle jetty = ProcessHandle.of(pid).orElseThrow();
        CompletableFuture<Long> exited = jetty.onExit().thenApply(p -> System.nanoTime());
        try
        {
            Wire busy = Wire.open(port);
            // Long enough to be in flight when jetty.sh's TERM lands: jetty.sh stop took up to 5.3 s to send it on a loaded machine.
            busy.send(Wire.request("GET", "/sample/slow?ms=8000"));
            DrainScenario.awaitInFlight(port, 1, Duration.ofSeconds(10));

            long t0 = System.nanoTime();
            Jetty.Result stopped = jettySh(env, "stop");
            long stopReturnedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            Wire.Response response = busy.readResponse(Duration.ofSeconds(30));
            long exitMs = TimeUnit.NANOSECONDS.toMillis(exited.get(60, TimeUnit.SECONDS) - t0);
            String log = Files.readString(run.resolve("start-stop.log"), StandardCharsets.UTF_8);
            DrainScenario.Summary summary = DrainScenario.Summary.parse(log);
            System.out.printf("%n== jetty.sh stop ==%njetty.sh stop returned after %d ms (exit %d: %s); busy request %d Connection:%s; Jetty exited at %d ms; %s%n",
                stopReturnedMs, stopped.exitCode(), stopped.output().trim().replace('\n', ' '), response.status(), response.header("connection"), exitMs, summary);
            assertAll(
                () -> assertEquals(0, stopped.exitCode(), "jetty.sh stop:\n" + stopped.output()),
                () -> assertEquals(200, response.status(), "the in-flight request completed"),
                () -> assertTrue(response.connectionClose(), "with Connection: close"),
                // Jetty is jetty.sh's child, not ours: ProcessHandle.onExit polls such a process at growing intervals
                // (seconds), so this says only that it exits after the drain, not how soon.
                () -> assertTrue(exitMs - TimeUnit.NANOSECONDS.toMillis(response.lastByteNanos() - t0) < 10_000,
                    "Jetty exited at " + exitMs + " ms, after the busy response's last byte"),
                () -> assertNotNull(summary, "the drain summary is in jetty.sh's log:\n" + log),
                () -> assertEquals(1, summary.busyFinished(), "summary: " + summary));
        }
        finally
        {
            if (jetty.isAlive())
                jetty.destroyForcibly();
        }
    }

    private static Jetty.Result jettySh(Map<String, String> env, String command) throws Exception
    {
        return Jetty.run(List.of(Jetty.HOME.resolve("bin/jetty.sh").toString(), command), env, Path.of(env.get("JETTY_BASE")), Duration.ofSeconds(90));
    }
}
