package dev.gracefuldrain;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.eclipse.jetty.util.annotation.Name;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The drain's configuration, parsed from the {@code jetty.drain.*} properties.
 * Values arrive as text so that a bad one is rejected with its property name,
 * and Jetty refuses to start rather than run half-configured. In code, {@link #builder()} takes
 * {@link Duration}s and goes through the same checks, with the same messages.
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

    /** The defaults: the builder's, and the ones etc/graceful-drain.xml and the ini-template quote (DrainSettingsTest checks). */
    public static final long DEFAULT_TIMEOUT_MS = 30_000;
    public static final long DEFAULT_LINGER_TIMEOUT_MS = 1000;
    public static final long DEFAULT_PRE_STOP_DELAY_MS = 0;
    public static final long DEFAULT_QUIET_PERIOD_MS = 1000;
    /** Unset budgets: these, or half the timeout if that is less. */
    public static final long DEFAULT_HANDSHAKE_TIMEOUT_MS = 1000;
    public static final long DEFAULT_STREAM_TIMEOUT_MS = 5000;

    private final long timeoutMs;
    private final long lingerTimeoutMs;
    private final String readinessPath;
    private final long preStopDelayMs;
    private final long quietPeriodMs;
    private final long handshakeTimeoutMs;
    private final long streamTimeoutMs;

    /** Settings in code: unset values take the module's defaults; {@link Builder#build()} checks them as the module does. */
    public static Builder builder()
    {
        return new Builder();
    }

    /** Only the drain's timeouts: no readiness endpoint, no pre-stop delay (embedded use). */
    public DrainSettings(@Name("timeout") String timeout, @Name("lingerTimeout") String lingerTimeout)
    {
        this(timeout, lingerTimeout, "", Long.toString(DEFAULT_PRE_STOP_DELAY_MS), Long.toString(DEFAULT_QUIET_PERIOD_MS), "", "");
    }

    /**
     * @param handshakeTimeout empty: {@value #DEFAULT_HANDSHAKE_TIMEOUT_MS}, or half the timeout if that is less
     * @param streamTimeout empty: {@value #DEFAULT_STREAM_TIMEOUT_MS}, or half the timeout if that is less
     */
    public DrainSettings(@Name("timeout") String timeout, @Name("lingerTimeout") String lingerTimeout,
                         @Name("readinessPath") String readinessPath, @Name("preStopDelay") String preStopDelay,
                         @Name("quietPeriod") String quietPeriod, @Name("handshakeTimeout") String handshakeTimeout,
                         @Name("streamTimeout") String streamTimeout)
    {
        this(null, timeout, lingerTimeout, readinessPath, preStopDelay, quietPeriod, handshakeTimeout, streamTimeout);
    }

    private DrainSettings(String prefix, String timeout, String lingerTimeout, String readinessPath, String preStopDelay,
                          String quietPeriod, String handshakeTimeout, String streamTimeout)
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
            this.handshakeTimeoutMs = shorterThanTimeout(HANDSHAKE_TIMEOUT, handshakeTimeout, Math.min(DEFAULT_HANDSHAKE_TIMEOUT_MS, timeoutMs / 2));
            this.streamTimeoutMs = shorterThanTimeout(STREAM_TIMEOUT, streamTimeout, Math.min(DEFAULT_STREAM_TIMEOUT_MS, timeoutMs / 2));
        }
        catch (IllegalArgumentException x)
        {
            // One line an operator reads first; Jetty's XML loader then prints its own trace and exits.
            IllegalArgumentException named = prefix == null ? x : new IllegalArgumentException(renamed(x.getMessage(), prefix), x);
            LOG.error("graceful-drain: {}; Jetty will not start", named.getMessage());
            throw named;
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

    /** The message with each jetty.drain.someName as prefix + some-name (Spring Boot's canonical form). */
    private static String renamed(String message, String prefix)
    {
        Matcher property = Pattern.compile("jetty\\.drain\\.([A-Za-z]+)").matcher(message);
        StringBuilder out = new StringBuilder();
        while (property.find())
        {
            String kebab = property.group(1).replaceAll("([a-z])([A-Z])", "$1-$2").toLowerCase(Locale.ROOT);
            property.appendReplacement(out, Matcher.quoteReplacement(prefix + kebab));
        }
        property.appendTail(out);
        return out.toString();
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

    /**
     * The settings in code. Each value is handed to the same checks as the module's property, so an
     * invalid one fails {@link #build()} with the message an operator would get (a {@link Duration} that
     * is not a whole number of milliseconds is reported as written, e.g. {@code PT0.0005S}).
     */
    public static final class Builder
    {
        private String prefix;
        private String timeout = Long.toString(DEFAULT_TIMEOUT_MS);
        private String lingerTimeout = Long.toString(DEFAULT_LINGER_TIMEOUT_MS);
        private String readinessPath = "";
        private String preStopDelay = Long.toString(DEFAULT_PRE_STOP_DELAY_MS);
        private String quietPeriod = Long.toString(DEFAULT_QUIET_PERIOD_MS);
        private String handshakeTimeout = "";
        private String streamTimeout = "";

        private Builder()
        {
        }

        /**
         * Name the properties in error messages with this prefix instead of {@code jetty.drain.}, in kebab
         * case as Spring Boot writes them: {@code propertyPrefix("server.jetty.drain")} gives {@code server.jetty.drain.stream-timeout}.
         */
        public Builder propertyPrefix(String prefix)
        {
            this.prefix = prefix.endsWith(".") ? prefix : prefix + ".";
            return this;
        }

        public Builder timeout(Duration timeout)
        {
            this.timeout = millis(timeout);
            return this;
        }

        public Builder lingerTimeout(Duration lingerTimeout)
        {
            this.lingerTimeout = millis(lingerTimeout);
            return this;
        }

        /** @param path an absolute path such as {@code /ready}; null or empty: no endpoint */
        public Builder readinessPath(String path)
        {
            this.readinessPath = path == null ? "" : path;
            return this;
        }

        public Builder preStopDelay(Duration preStopDelay)
        {
            this.preStopDelay = millis(preStopDelay);
            return this;
        }

        public Builder quietPeriod(Duration quietPeriod)
        {
            this.quietPeriod = millis(quietPeriod);
            return this;
        }

        /** @param handshakeTimeout null: {@value DrainSettings#DEFAULT_HANDSHAKE_TIMEOUT_MS} ms, or half the timeout if less */
        public Builder handshakeTimeout(Duration handshakeTimeout)
        {
            this.handshakeTimeout = handshakeTimeout == null ? "" : millis(handshakeTimeout);
            return this;
        }

        /** @param streamTimeout null: {@value DrainSettings#DEFAULT_STREAM_TIMEOUT_MS} ms, or half the timeout if less */
        public Builder streamTimeout(Duration streamTimeout)
        {
            this.streamTimeout = streamTimeout == null ? "" : millis(streamTimeout);
            return this;
        }

        /** @throws IllegalArgumentException naming the property and the value, as the module's start would */
        public DrainSettings build()
        {
            return new DrainSettings(prefix, timeout, lingerTimeout, readinessPath, preStopDelay, quietPeriod, handshakeTimeout, streamTimeout);
        }

        private static String millis(Duration duration)
        {
            if (duration == null)
                return "";
            // Whole milliseconds as the module's text; anything else as written, which the check rejects.
            boolean whole = duration.getNano() % 1_000_000 == 0;
            return whole && duration.getSeconds() < 100_000_000 && duration.getSeconds() > -100_000_000 ? Long.toString(duration.toMillis()) : duration.toString();
        }
    }
}
