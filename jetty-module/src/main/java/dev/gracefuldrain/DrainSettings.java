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
    static final String READINESS_PATH = "jetty.drain.readinessPath";
    static final String PRE_STOP_DELAY = "jetty.drain.preStopDelay";
    static final String QUIET_PERIOD = "jetty.drain.quietPeriod";

    private final long timeoutMs;
    private final long lingerTimeoutMs;
    private final String readinessPath;
    private final long preStopDelayMs;
    private final long quietPeriodMs;

    /** Only the drain's timeouts: no readiness endpoint, no pre-stop delay (embedded use). */
    public DrainSettings(@Name("timeout") String timeout, @Name("lingerTimeout") String lingerTimeout)
    {
        this(timeout, lingerTimeout, "", "0", "1000");
    }

    public DrainSettings(@Name("timeout") String timeout, @Name("lingerTimeout") String lingerTimeout,
                         @Name("readinessPath") String readinessPath, @Name("preStopDelay") String preStopDelay,
                         @Name("quietPeriod") String quietPeriod)
    {
        try
        {
            this.timeoutMs = millis(TIMEOUT, timeout, 1, 86_400_000);
            this.lingerTimeoutMs = millis(LINGER_TIMEOUT, lingerTimeout, 0, 60_000);
            if (lingerTimeoutMs > timeoutMs)
                throw new IllegalArgumentException(String.format(
                    "%s=%d is invalid: it must not be more than %s=%d", LINGER_TIMEOUT, lingerTimeoutMs, TIMEOUT, timeoutMs));
            this.readinessPath = path(READINESS_PATH, readinessPath);
            this.preStopDelayMs = millis(PRE_STOP_DELAY, preStopDelay, 0, 3_600_000);
            this.quietPeriodMs = millis(QUIET_PERIOD, quietPeriod, 0, 3_600_000);
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

    /** @return the readiness endpoint's path, or null when it is off */
    public String getReadinessPath()
    {
        return readinessPath;
    }

    public long getPreStopDelayMs()
    {
        return preStopDelayMs;
    }

    public long getQuietPeriodMs()
    {
        return quietPeriodMs;
    }

    private static String path(String property, String value)
    {
        String text = value == null ? "" : value.trim();
        if (text.isEmpty())
            return null;
        if (!text.startsWith("/") || text.contains("?") || text.contains("#") || text.chars().anyMatch(Character::isWhitespace))
            throw new IllegalArgumentException(String.format(
                "%s=%s is invalid: expected an absolute path such as /ready, or nothing to turn the endpoint off", property, value));
        return text;
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
        return String.format("%s=%d %s=%d %s=%s %s=%d %s=%d", TIMEOUT, timeoutMs, LINGER_TIMEOUT, lingerTimeoutMs,
            READINESS_PATH, readinessPath == null ? "(off)" : readinessPath, PRE_STOP_DELAY, preStopDelayMs, QUIET_PERIOD, quietPeriodMs);
    }
}
