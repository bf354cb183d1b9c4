package dev.gracefuldrain.it;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import dev.gracefuldrain.testsupport.Jetty;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A bad jetty.drain.* value: Jetty refuses to start, and says which property and value. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class BadInputIT
{
    private static Jetty.Base base;

    @BeforeAll
    static void makeBase() throws Exception
    {
        base = Jetty.base("bad-input", Jetty.Enable.START_D, "http", "graceful-drain");
    }

    @ParameterizedTest(name = "{0}={1}")
    @CsvSource(delimiter = '|', value = {
        "jetty.drain.timeout|-5|",
        "jetty.drain.timeout|abc|",
        "jetty.drain.timeout|0|",
        "jetty.drain.timeout|30s|",
        "jetty.drain.timeout|99999999999|",
        "jetty.drain.lingerTimeout|-1|",
        "jetty.drain.lingerTimeout|1.5|",
        "jetty.drain.lingerTimeout|5000|jetty.drain.timeout=2000",
        "jetty.drain.readinessPath|ready|",
        "jetty.drain.readinessPath|/ready?x=1|",
        "jetty.drain.preStopDelay|-1|",
        "jetty.drain.preStopDelay|5min|",
        "jetty.drain.quietPeriod|abc|",
        "jetty.drain.handshakeTimeout|-1|",
        "jetty.drain.handshakeTimeout|5000|jetty.drain.timeout=2000",
        "jetty.drain.streamTimeout|1s|",
        "jetty.drain.streamTimeout|2000|jetty.drain.timeout=2000",
    })
    void jettyRefusesToStart(String property, String value, String other) throws Exception
    {
        int port = Jetty.freePort();
        String[] args = other == null
            ? new String[]{"jetty.http.host=" + Jetty.HOST, "jetty.http.port=" + port, property + "=" + value}
            : new String[]{"jetty.http.host=" + Jetty.HOST, "jetty.http.port=" + port, property + "=" + value, other};
        Jetty.Result result = base.run(Duration.ofSeconds(60), args);
        String errorLine = result.output().lines().filter(l -> l.contains("ERROR") && l.contains("graceful-drain: ")).findFirst().orElse("<none>");
        System.out.printf("%s=%s%s -> exit %d: %s%n", property, value, other == null ? "" : " " + other, result.exitCode(), errorLine);
        assertNotEquals(0, result.exitCode(), "Jetty must refuse to start:\n" + result.output());
        assertTrue(errorLine.contains(property + "=" + value + " is invalid"), "one ERROR line names the property and the value:\n" + result.output());
        assertTrue(errorLine.contains("expected") || errorLine.contains("must not be more than") || errorLine.contains("must be less than"), "and says what is allowed: " + errorLine);
        assertTrue(!result.output().contains("Started oejs.Server"), "the server never started");
    }
}
