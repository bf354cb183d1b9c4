package dev.gracefuldrain;

import org.eclipse.jetty.util.annotation.Name;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The drain's configuration, parsed from the {@code jetty.drain.*} properties.
 * Values arrive as text so that a bad one is rejected with its property name,
 * and Jetty refuses to start rather than run half-configured.
 */
public final class DrainSettings
{
    private static final Logger LOG = LoggerFactory.getLogger(DrainSettings.class);
    static final String TIMEOUT = "jetty.drain.timeout";
    static final String LINGER_TIMEOUT = "jetty.drain.lingerTimeout";

    private final long timeoutMs;
    private final long lingerTimeoutMs;

    public DrainSettings(@Name("timeout") String timeout, @Name("lingerTimeout") String lingerTimeout)
    {
        try
        {
            this.timeoutMs = millis(TIMEOUT, timeout, 1, 86_400_000);
            this.lingerTimeoutMs = millis(LINGER_TIMEOUT, lingerTimeout, 0, 60_000);
            if (lingerTimeoutMs > timeoutMs)
                throw new IllegalArgumentException(String.format(
                    "%s=%d is invalid: it must not be more than %s=%d", LINGER_TIMEOUT, lingerTimeoutMs, TIMEOUT, timeoutMs));
        }
        catch (IllegalArgumentException x)
        {
            // One line an operator reads first; Jetty's XML loader then prints its own trace and exits.
            LOG.error("graceful-drain: {}; Jetty will not start", x.getMessage());
            throw x;
        }
    }

    public long getTimeoutMs()
    {
        return timeoutMs;
    }

    public long getLingerTimeoutMs()
    {
        return lingerTimeoutMs;
    }

    private static long millis(String property, String value, long min, long max)
    {
        String text = value == null ? "" : value.trim();
        long parsed;
        try
        {
            parsed = Long.parseLong(text);
        }
        catch (NumberFormatException x)
        {
            parsed = Long.MIN_VALUE;
        }
        if (parsed < min || parsed > max)
            throw new IllegalArgumentException(String.format(
                "%s=%s is invalid: expected a whole number of milliseconds from %d to %d", property, value, min, max));
        return parsed;
    }

    @Override
    public String toString()
    {
        return String.format("%s=%d %s=%d", TIMEOUT, timeoutMs, LINGER_TIMEOUT, lingerTimeoutMs);
    }
}
