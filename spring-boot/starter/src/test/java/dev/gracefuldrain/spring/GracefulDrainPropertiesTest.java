package dev.gracefuldrain.spring;

import java.time.Duration;

import dev.gracefuldrain.DrainSettings;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class GracefulDrainPropertiesTest
{
    /**
     * The properties keep their defaults as literals, which Spring's configuration processor puts in the
     * IDE metadata; they must be the module's own.
     */
    @Test
    void theDefaultsAreTheModules()
    {
        GracefulDrainProperties properties = new GracefulDrainProperties();
        assertEquals(DrainSettings.DEFAULT_LINGER_TIMEOUT_MS, properties.getLingerTimeout().toMillis());
        assertEquals(DrainSettings.DEFAULT_PRE_STOP_DELAY_MS, properties.getPreStopDelay().toMillis());
        assertEquals(DrainSettings.DEFAULT_QUIET_PERIOD_MS, properties.getQuietPeriod().toMillis());
        assertEquals(DrainSettings.builder().build().toString(),
            properties.toSettings(Duration.ofMillis(DrainSettings.DEFAULT_TIMEOUT_MS)).toString());
    }
}
