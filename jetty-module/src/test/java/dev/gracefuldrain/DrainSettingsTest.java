package dev.gracefuldrain;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class DrainSettingsTest
{
    @Test
    void defaultsOfTheIniTemplateAreValid()
    {
        DrainSettings settings = new DrainSettings("30000", "1000");
        assertEquals(30000, settings.getTimeoutMs());
        assertEquals(1000, settings.getLingerTimeoutMs());
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
}
