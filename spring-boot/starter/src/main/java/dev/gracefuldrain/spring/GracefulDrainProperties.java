package dev.gracefuldrain.spring;

import java.time.Duration;
import java.time.temporal.ChronoUnit;

import dev.gracefuldrain.DrainSettings;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.convert.DurationUnit;

/**
 * The drain's settings, the Jetty module's {@code jetty.drain.*} under {@code server.jetty.drain.*}.
 * Durations take Spring's forms ({@code 30s}, {@code 500ms}); a bare number is milliseconds, as in the
 * module. They are checked by the module's own rules ({@link DrainSettings.Builder}), and an invalid one
 * stops the application at start with a message naming the property.
 */
@ConfigurationProperties(prefix = GracefulDrainProperties.PREFIX)
public class GracefulDrainProperties
{
    public static final String PREFIX = "server.jetty.drain";

    /** Whether to drain Spring Boot's embedded Jetty in the graceful-shutdown phase; false: Spring Boot's own graceful shutdown. */
    private boolean enabled = true;

    /**
     * How long busy connections may take to finish after the stop request; what is still busy then is
     * aborted and logged. Unset: spring.lifecycle.timeout-per-shutdown-phase (30s unless set).
     */
    @DurationUnit(ChronoUnit.MILLIS)
    private Duration timeout;

    /** How long a connection the drain has half-closed is read, while the client closes its side. */
    @DurationUnit(ChronoUnit.MILLIS)
    private Duration lingerTimeout = Duration.ofMillis(1000);

    /** Path of the drain's own readiness endpoint, answered before any servlet; empty: none (use the actuator's). */
    private String readinessPath = "";

    /** How long to keep serving after the stop request, readiness 503 and Connection: close on every response. */
    @DurationUnit(ChronoUnit.MILLIS)
    private Duration preStopDelay = Duration.ZERO;

    /** Ends the pre-stop delay early once no request has arrived for this long; 0: wait the whole delay. */
    @DurationUnit(ChronoUnit.MILLIS)
    private Duration quietPeriod = Duration.ofMillis(1000);

    /** How long a TLS connection still in its handshake at the stop may take to finish it. Unset: 1s, or half the timeout if less. */
    @DurationUnit(ChronoUnit.MILLIS)
    private Duration handshakeTimeout;

    /** How long long responses (server-sent events, long polls) may run once the drain began. Unset: 5s, or half the timeout if less. */
    @DurationUnit(ChronoUnit.MILLIS)
    private Duration streamTimeout;

    /** @param phaseTimeout spring.lifecycle.timeout-per-shutdown-phase, the timeout's default */
    DrainSettings toSettings(Duration phaseTimeout)
    {
        return DrainSettings.builder().propertyPrefix(PREFIX)
            .timeout(timeout != null ? timeout : phaseTimeout)
            .lingerTimeout(lingerTimeout)
            .readinessPath(readinessPath)
            .preStopDelay(preStopDelay)
            .quietPeriod(quietPeriod)
            .handshakeTimeout(handshakeTimeout)
            .streamTimeout(streamTimeout)
            .build();
    }

    public boolean isEnabled()
    {
        return enabled;
    }

    public void setEnabled(boolean enabled)
    {
        this.enabled = enabled;
    }

    public Duration getTimeout()
    {
        return timeout;
    }

    public void setTimeout(Duration timeout)
    {
        this.timeout = timeout;
    }

    public Duration getLingerTimeout()
    {
        return lingerTimeout;
    }

    public void setLingerTimeout(Duration lingerTimeout)
    {
        this.lingerTimeout = lingerTimeout;
    }

    public String getReadinessPath()
    {
        return readinessPath;
    }

    public void setReadinessPath(String readinessPath)
    {
        this.readinessPath = readinessPath;
    }

    public Duration getPreStopDelay()
    {
        return preStopDelay;
    }

    public void setPreStopDelay(Duration preStopDelay)
    {
        this.preStopDelay = preStopDelay;
    }

    public Duration getQuietPeriod()
    {
        return quietPeriod;
    }

    public void setQuietPeriod(Duration quietPeriod)
    {
        this.quietPeriod = quietPeriod;
    }

    public Duration getHandshakeTimeout()
    {
        return handshakeTimeout;
    }

    public void setHandshakeTimeout(Duration handshakeTimeout)
    {
        this.handshakeTimeout = handshakeTimeout;
    }

    public Duration getStreamTimeout()
    {
        return streamTimeout;
    }

    public void setStreamTimeout(Duration streamTimeout)
    {
        this.streamTimeout = streamTimeout;
    }
}
