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
    static final String HANDSHAKE_TIMEOUT = "jetty.drain.handshakeTimeout";
    static final String STREAM_TIMEOUT = "jetty.drain.streamTimeout";

    private final long timeoutMs;
    private final long lingerTimeoutMs;
    private final String readinessPath;
    private final long preStopDelayMs;
    private final long quietPeriodMs;
    private final long handshakeTimeoutMs;
    private final long streamTimeoutMs;

    /** Only the drain's timeouts: no readiness endpoint, no pre-stop delay (embedded use). */
    public DrainSettings(@Name("timeout") String timeout, @Name("lingerTimeout") String lingerTimeout)
    {
        this(timeout, lingerTimeout, "", "0", "1000", "", "");
    }

    /**
     * @param handshakeTimeout empty: 1000, or half the timeout if that is less
     * @param streamTimeout empty: 5000, or half the timeout if that is less
     */
    public DrainSettings(@Name("timeout") String timeout, @Name("lingerTimeout") String lingerTimeout,
                         @Name("readinessPath") String readinessPath, @Name("preStopDelay") String preStopDelay,
                         @Name("quietPeriod") String quietPeriod, @Name("handshakeTimeout") String handshakeTimeout,
                         @Name("streamTimeout") String streamTimeout)
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
            this.handshakeTimeoutMs = shorterThanTimeout(HANDSHAKE_TIMEOUT, handshakeTimeout, Math.min(1000, timeoutMs / 2));
            this.streamTimeoutMs = shorterThanTimeout(STREAM_TIMEOUT, streamTimeout, Math.min(5000, timeoutMs / 2));
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

    /** How long a connection still in its TLS handshake at the stop may take to finish it. */
    public long getHandshakeTimeoutMs()
    {
        return handshakeTimeoutMs;
    }

    /** How long long responses (server-sent events, long polls) have to end after the drain began. */
    public long getStreamTimeoutMs()
    {
        return streamTimeoutMs;
    }

    /** A budget inside the drain's: unset takes the default, otherwise it must be less than the timeout. */
    private long shorterThanTimeout(String property, String value, long unset)
    {
        if (value == null || value.isBlank())
            return unset;
        long parsed = millis(property, value, 0, 86_400_000);
        if (parsed >= timeoutMs)
            throw new IllegalArgumentException(String.format(
                "%s=%d is invalid: it must be less than %s=%d", property, parsed, TIMEOUT, timeoutMs));
        return parsed;
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
        return String.format("%s=%d %s=%d %s=%s %s=%d %s=%d %s=%d %s=%d", TIMEOUT, timeoutMs, LINGER_TIMEOUT, lingerTimeoutMs,
            READINESS_PATH, readinessPath == null ? "(off)" : readinessPath, PRE_STOP_DELAY, preStopDelayMs, QUIET_PERIOD, quietPeriodMs,
            HANDSHAKE_TIMEOUT, handshakeTimeoutMs, STREAM_TIMEOUT, streamTimeoutMs);
    }
}
