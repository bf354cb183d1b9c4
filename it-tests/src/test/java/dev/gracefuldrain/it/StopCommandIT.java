package dev.gracefuldrain.it;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import dev.gracefuldrain.testsupport.Jetty;
import dev.gracefuldrain.testsupport.Wire;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code bin/graceful-drain-stop}: the stop request through the stop port (12.1: ShutdownService; 12.0: ShutdownMonitor), the drain's progress, the summary, the exit status. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class StopCommandIT
{
    @Test
    void showsProgressAndTheSummaryAndExitsZero() throws Exception
    {
        Run run = stop("stop-cmd-ok", List.of(), "/sample/slow?ms=1500", DrainIT.STOP_KEY);
        System.out.printf("%n== bin/graceful-drain-stop (piped), a 1.5 s request in flight ==%nexit %d%n%s%n", run.result().exitCode(), run.result().output());
        assertAll(
            () -> assertEquals(0, run.result().exitCode()),
            () -> assertTrue(run.result().output().matches("(?s).*draining: \\d+ connection\\(s\\) left, \\d+\\.\\d s of 30\\.0 s.*"), "progress lines"),
            () -> assertTrue(run.result().output().contains("graceful-drain: idle closed="), "the summary"),
            () -> assertTrue(run.result().output().contains("busy finished=1, busy aborted=0"), "the summary's counts"),
            () -> assertTrue(run.server().process.waitFor(30, TimeUnit.SECONDS), "the server exited"));
    }

    @Test
    void exitsOneWhenARequestWasCut() throws Exception
    {
        Run run = stop("stop-cmd-cut", List.of("jetty.drain.timeout=1000"), "/sample/slow?ms=20000", DrainIT.STOP_KEY);
        System.out.printf("%n== bin/graceful-drain-stop, timeout 1000 ms, a 20 s request ==%nexit %d%n%s%n", run.result().exitCode(), run.result().output());
        assertAll(
            () -> assertEquals(1, run.result().exitCode(), "a request was cut"),
            () -> assertTrue(run.result().output().contains("busy aborted=1"), run.result().output()));
    }

    @Test
    void aWrongKeyStopsNothingAndExitsTwo() throws Exception
    {
        Run run = stop("stop-cmd-key", List.of(), null, "not-the-key");
        System.out.printf("%n== bin/graceful-drain-stop with a wrong key ==%nexit %d%n%s%n", run.result().exitCode(), run.result().output());
        assertAll(
            () -> assertEquals(2, run.result().exitCode()),
            () -> assertTrue(run.server().process.isAlive(), "the server still runs"),
            () -> assertEquals(200, Wire.get(run.server().port, "/sample/fast").status()));
        run.server().close();
    }

    record Run(Jetty.Result result, Jetty.Server server)
    {
    }

    private static Run stop(String name, List<String> properties, String busyPath, String key) throws Exception
    {
        Jetty.Base base = Jetty.base(name, Jetty.Enable.START_D, Jetty.withStopPort("http", "ee10-deploy", "graceful-drain"));
        int stopPort = Jetty.freePort();
        List<String> props = new ArrayList<>(properties);
        props.addAll(Jetty.stopPort(stopPort, DrainIT.STOP_KEY));
        Jetty.Server server = base.start(props.toArray(String[]::new));
        if (busyPath != null)
        {
            Wire busy = Wire.open(server.port);
            busy.send(Wire.request("GET", busyPath));
            DrainScenario.awaitInFlight(server.port, 1, Duration.ofSeconds(10));
        }
        Jetty.Result result;
        try
        {
            result = Jetty.run(List.of("bash", base.dir.resolve("bin/graceful-drain-stop").toString(), "--port", String.valueOf(stopPort), "--key", key, "--wait", "60"),
                Map.of("JAVA", Jetty.javaBin()), base.dir, Duration.ofSeconds(90));
        }
        catch (IllegalStateException x)
        {
            server.close();
            throw x;
        }
        return new Run(result, server);
    }
}
