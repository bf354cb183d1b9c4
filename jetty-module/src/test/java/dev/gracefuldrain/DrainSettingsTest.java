package dev.gracefuldrain;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DrainSettingsTest
{
    @Test
    void defaultsOfTheIniTemplateAreValid()
    {
        DrainSettings settings = new DrainSettings("30000", "1000");
        assertEquals(30000, settings.getTimeoutMs());
        assertEquals(1000, settings.getLingerTimeoutMs());
    }

    /** One set of defaults: the XML's {@code default=} values and the ini-template's are DrainSettings' constants. */
    @Test
    void theModuleQuotesTheDefaultsOfTheCode() throws IOException
    {
        Map<String, String> xml = xmlDefaults();
        String ini = Files.readString(Path.of("src/main/config/modules/graceful-drain.mod"));
        Map<String, Long> defaults = Map.of(
            DrainSettings.TIMEOUT, DrainSettings.DEFAULT_TIMEOUT_MS,
            DrainSettings.LINGER_TIMEOUT, DrainSettings.DEFAULT_LINGER_TIMEOUT_MS,
            DrainSettings.PRE_STOP_DELAY, DrainSettings.DEFAULT_PRE_STOP_DELAY_MS,
            DrainSettings.QUIET_PERIOD, DrainSettings.DEFAULT_QUIET_PERIOD_MS);
        defaults.forEach((property, value) -> assertEquals(Long.toString(value), xml.get(property), property + " in the XML"));
        Map<String, Long> quoted = new LinkedHashMap<>(defaults);
        quoted.put(DrainSettings.HANDSHAKE_TIMEOUT, DrainSettings.DEFAULT_HANDSHAKE_TIMEOUT_MS);
        quoted.put(DrainSettings.STREAM_TIMEOUT, DrainSettings.DEFAULT_STREAM_TIMEOUT_MS);
        quoted.forEach((property, value) ->
            assertTrue(ini.contains("\n# " + property + "=" + value + "\n"), property + " in the ini-template"));
        DrainSettings built = DrainSettings.builder().build();
        assertEquals(construct(xmlDefaults()).toString(), built.toString(), "the builder's defaults are the XML's");
    }

    @Test
    void unsetBudgetsFitInsideTheTimeout()
    {
        DrainSettings defaults = new DrainSettings("30000", "1000", "", "0", "1000", "", "");
        assertEquals(1000, defaults.getHandshakeTimeoutMs());
        assertEquals(5000, defaults.getStreamTimeoutMs());
        DrainSettings shortTimeout = new DrainSettings("2000", "500", "", "0", "1000", " ", "");
        assertEquals(1000, shortTimeout.getHandshakeTimeoutMs());
        assertEquals(1000, shortTimeout.getStreamTimeoutMs());
        DrainSettings set = new DrainSettings("2000", "500", "", "0", "1000", "300", "1999");
        assertEquals(300, set.getHandshakeTimeoutMs());
        assertEquals(1999, set.getStreamTimeoutMs());
        IllegalArgumentException x = assertThrows(IllegalArgumentException.class,
            () -> new DrainSettings("2000", "500", "", "0", "1000", "", "2000"));
        assertEquals("jetty.drain.streamTimeout=2000 is invalid: it must be less than jetty.drain.timeout=2000", x.getMessage());
    }

    @Test
    void surroundingBlanksAreTolerated()
    {
        assertEquals(5000, new DrainSettings(" 5000 ", "0").getTimeoutMs());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "-1|1000|jetty.drain.timeout=-1 is invalid",
        "0|0|jetty.drain.timeout=0 is invalid",
        "ten|1000|jetty.drain.timeout=ten is invalid",
        "86400001|1000|jetty.drain.timeout=86400001 is invalid",
        "30000|-1|jetty.drain.lingerTimeout=-1 is invalid",
        "30000|60001|jetty.drain.lingerTimeout=60001 is invalid",
        "500|1000|jetty.drain.lingerTimeout=1000 is invalid: it must not be more than jetty.drain.timeout=500",
    })
    void badValuesNameThePropertyAndTheValue(String timeout, String linger, String message)
    {
        IllegalArgumentException x = assertThrows(IllegalArgumentException.class, () -> new DrainSettings(timeout, linger));
        assertEquals(message, x.getMessage().substring(0, message.length()), x.getMessage());
    }

    @Test
    void aMissingValueIsNamedToo()
    {
        IllegalArgumentException x = assertThrows(IllegalArgumentException.class, () -> new DrainSettings(null, "1000"));
        assertEquals("jetty.drain.timeout=null is invalid: expected a whole number of milliseconds from 1 to 86400000", x.getMessage());
    }

    /**
     * Every property, through the constructor etc/graceful-drain.xml calls, with the XML's defaults
     * for the others: the whole message, since it is what an operator reads in the one ERROR line.
     * (BadInputIT proves on a real Jetty that such a value stops the start with that line.)
     */
    @ParameterizedTest(name = "{0}={1} {2}")
    @CsvSource(delimiter = '|', value = {
        "jetty.drain.timeout|-5||expected a whole number of milliseconds from 1 to 86400000",
        "jetty.drain.timeout|abc||expected a whole number of milliseconds from 1 to 86400000",
        "jetty.drain.timeout|0||expected a whole number of milliseconds from 1 to 86400000",
        "jetty.drain.timeout|30s||expected a whole number of milliseconds from 1 to 86400000",
        "jetty.drain.timeout|99999999999||expected a whole number of milliseconds from 1 to 86400000",
        "jetty.drain.timeout|''||expected a whole number of milliseconds from 1 to 86400000",
        "jetty.drain.lingerTimeout|-1||expected a whole number of milliseconds from 0 to 60000",
        "jetty.drain.lingerTimeout|1.5||expected a whole number of milliseconds from 0 to 60000",
        "jetty.drain.lingerTimeout|5000|jetty.drain.timeout=2000|it must not be more than jetty.drain.timeout=2000",
        "jetty.drain.readinessPath|ready||expected an absolute path such as /ready, or nothing to turn the endpoint off",
        "jetty.drain.readinessPath|/ready?x=1||expected an absolute path such as /ready, or nothing to turn the endpoint off",
        "jetty.drain.readinessPath|/ready#top||expected an absolute path such as /ready, or nothing to turn the endpoint off",
        "jetty.drain.readinessPath|/re ady||expected an absolute path such as /ready, or nothing to turn the endpoint off",
        "jetty.drain.preStopDelay|-1||expected a whole number of milliseconds from 0 to 3600000",
        "jetty.drain.preStopDelay|5min||expected a whole number of milliseconds from 0 to 3600000",
        "jetty.drain.preStopDelay|3600001||expected a whole number of milliseconds from 0 to 3600000",
        "jetty.drain.quietPeriod|abc||expected a whole number of milliseconds from 0 to 3600000",
        "jetty.drain.quietPeriod|-1||expected a whole number of milliseconds from 0 to 3600000",
        "jetty.drain.handshakeTimeout|-1||expected a whole number of milliseconds from 0 to 86400000",
        "jetty.drain.handshakeTimeout|5000|jetty.drain.timeout=2000|it must be less than jetty.drain.timeout=2000",
        "jetty.drain.handshakeTimeout|2000|jetty.drain.timeout=2000|it must be less than jetty.drain.timeout=2000",
        "jetty.drain.streamTimeout|1s||expected a whole number of milliseconds from 0 to 86400000",
        "jetty.drain.streamTimeout|2000|jetty.drain.timeout=2000|it must be less than jetty.drain.timeout=2000",
    })
    void everyPropertyRefusesABadValueNamingIt(String property, String value, String other, String why)
    {
        Map<String, String> values = xmlDefaults();
        values.put(property, value);
        if (other != null)
            values.put(other.substring(0, other.indexOf('=')), other.substring(other.indexOf('=') + 1));
        IllegalArgumentException x = assertThrows(IllegalArgumentException.class, () -> construct(values));
        assertEquals(property + "=" + value + " is invalid: " + why, x.getMessage());
    }

    /** The edges of each range are accepted, so the matrix above fails for the value, not for the property. */
    @ParameterizedTest(name = "{0}={1} {2}")
    @CsvSource(delimiter = '|', value = {
        "jetty.drain.timeout|1|jetty.drain.lingerTimeout=0",
        "jetty.drain.timeout|86400000|",
        "jetty.drain.lingerTimeout|0|",
        "jetty.drain.lingerTimeout|2000|jetty.drain.timeout=2000",
        "jetty.drain.readinessPath|/ready|",
        "jetty.drain.readinessPath|''|",
        "jetty.drain.preStopDelay|3600000|",
        "jetty.drain.quietPeriod|0|",
        "jetty.drain.handshakeTimeout|1999|jetty.drain.timeout=2000",
        "jetty.drain.streamTimeout|0|",
    })
    void goodValuesAreAccepted(String property, String value, String other)
    {
        Map<String, String> values = xmlDefaults();
        values.put(property, value);
        if (other != null)
            values.put(other.substring(0, other.indexOf('=')), other.substring(other.indexOf('=') + 1));
        construct(values);
    }

    /** The defaults of etc/graceful-drain.xml, read from it, in its argument order. */
    private static Map<String, String> xmlDefaults()
    {
        try
        {
            Matcher m = Pattern.compile("<Property name=\"(jetty\\.drain\\.\\w+)\" default=\"([^\"]*)\"/>")
                .matcher(Files.readString(Path.of("src/main/config/etc/graceful-drain.xml")));
            Map<String, String> values = new LinkedHashMap<>();
            while (m.find())
                values.put(m.group(1), m.group(2));
            assertEquals(7, values.size(), "every property of the XML: " + values);
            return values;
        }
        catch (IOException x)
        {
            throw new UncheckedIOException(x);
        }
    }

    private static DrainSettings construct(Map<String, String> v)
    {
        return new DrainSettings(v.get(DrainSettings.TIMEOUT), v.get(DrainSettings.LINGER_TIMEOUT), v.get(DrainSettings.READINESS_PATH),
            v.get(DrainSettings.PRE_STOP_DELAY), v.get(DrainSettings.QUIET_PERIOD), v.get(DrainSettings.HANDSHAKE_TIMEOUT),
            v.get(DrainSettings.STREAM_TIMEOUT));
    }
}
