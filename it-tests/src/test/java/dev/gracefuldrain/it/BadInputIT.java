package dev.gracefuldrain.it;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import dev.gracefuldrain.testsupport.Jetty;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A bad jetty.drain.* value, on a real Jetty: it refuses to start, with one ERROR line naming the
 * property and the value. Three values reach the check through etc/graceful-drain.xml's first, middle
 * and last arguments (the last against the first); every property's bad values are in DrainSettingsTest.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class BadInputIT
{
    private static Jetty.Base base;

    @BeforeAll
    static void makeBase() throws Exception
    {
        base = Jetty.base("bad-input", Jetty.Enable.START_D, "http", "graceful-drain");
    }

    @ParameterizedTest(name = "{0}={1} {2}")
    @CsvSource(delimiter = '|', value = {
        "jetty.drain.timeout|30s||expected a whole number of milliseconds from 1 to 86400000",
        "jetty.drain.readinessPath|ready||expected an absolute path such as /ready, or nothing to turn the endpoint off",
        "jetty.drain.streamTimeout|2000|jetty.drain.timeout=2000|it must be less than jetty.drain.timeout=2000",
    })
    void jettyRefusesToStart(String property, String value, String other, String why) throws Exception
    {
        int port = Jetty.freePort();
        String[] args = other == null
            ? new String[]{"jetty.http.host=" + Jetty.HOST, "jetty.http.port=" + port, property + "=" + value}
            : new String[]{"jetty.http.host=" + Jetty.HOST, "jetty.http.port=" + port, property + "=" + value, other};
        Jetty.Result result = base.run(Duration.ofSeconds(60), args);
        List<String> errorLines = result.output().lines().filter(l -> l.contains("ERROR") && l.contains("graceful-drain: ")).toList();
        System.out.printf("%s=%s%s -> exit %d: %s%n", property, value, other == null ? "" : " " + other, result.exitCode(), errorLines);
        assertNotEquals(0, result.exitCode(), "Jetty must refuse to start:\n" + result.output());
        assertEquals(1, errorLines.size(), "one ERROR line from the module:\n" + result.output());
        assertTrue(errorLines.get(0).endsWith("graceful-drain: " + property + "=" + value + " is invalid: " + why + "; Jetty will not start"),
            "it names the property, the value and what is allowed: " + errorLines.get(0));
        assertFalse(result.output().contains("Started oejs.Server"), "the server never started");
    }
}
