package dev.gracefuldrain;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.IntConsumer;
import java.util.function.LongConsumer;

import org.eclipse.jetty.http2.ErrorCode;
import org.eclipse.jetty.http2.HTTP2Connection;
import org.eclipse.jetty.http2.HTTP2Session;
import org.eclipse.jetty.http2.api.Session;
import org.eclipse.jetty.http2.frames.Frame;
import org.eclipse.jetty.http2.frames.GoAwayFrame;
import org.eclipse.jetty.http2.frames.HeadersFrame;
import org.eclipse.jetty.http2.frames.PingFrame;
import org.eclipse.jetty.http2.frames.ResetFrame;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The two-step GOAWAY of one HTTP/2 connection, as Envoy and gRPC do it.
 * <ol>
 * <li>At the drain: GOAWAY with last-stream-id 2^31-1 (go away soon; streams already on their
 * way are still served), and a PING;</li>
 * <li>when the PING comes back (one round trip: whatever the client sent before it saw the first
 * GOAWAY has arrived), or after {@link #MAX_PING_WAIT_MS}: the final GOAWAY with the last stream
 * id really received; later streams get RST_STREAM(REFUSED_STREAM), so the client retries them
 * elsewhere;</li>
 * <li>when no stream is left: FIN (after a TLS close_notify), then the linger.</li>
 * </ol>
 * <p>The first GOAWAY is sent as a plain frame, not through {@link HTTP2Session#goAway}: Jetty's
 * session would otherwise send its own final GOAWAY at once on a connection with no stream,
 * without waiting for the round trip. Only the final GOAWAY goes through the session, so that
 * Jetty drops the streams above it.</p>
 * <p>A seam: the one class that uses Jetty's {@code HTTP2Session} implementation (its frame
 * listener, {@code frames()} and {@code goAway()}), which the public {@code Session} API lacks.
 * Checked against Jetty 12.1.0 to 12.1.12, 12.0.25 and 12.0.16. Only loaded once an HTTP/2 connection
 * exists, so the module runs without the http2 jars.</p>
 * <p>Jetty before the frame listener ({@code HTTP2Session.FrameListener}, jetty/jetty.project#12988:
 * absent in 12.0.16, present in 12.0.25) lets nothing see a frame arrive. There the drain is chosen
 * once, at the first HTTP/2 connection, without it: no PING (its answer could not be seen), the final
 * GOAWAY {@link #MAX_PING_WAIT_MS} after the first, through {@link HTTP2Session#close}, with the last
 * stream Jetty itself accepted; a stream sent after it is dropped by Jetty without RST_STREAM (the
 * GOAWAY's last stream id tells the client to retry it).</p>
 */
final class Http2Drain
{
    static final long MAX_PING_WAIT_MS = 1000;
    private static final long RECHECK_MS = 20;
    private static final Logger LOG = LoggerFactory.getLogger(Http2Drain.class);
    /** Whether this Jetty can tell us of each frame that arrives; looked up once. */
    static final boolean FRAME_LISTENER = hasFrameListener();

    /** The tracked connection this drain closes once its last stream is done. */
    interface Owner
    {
        /** @return true if no request is being served on it */
        boolean isIdle();

        /** The final GOAWAY is out and no stream is left: FIN. */
        void closeGoneAway();
    }

    /** What a drain gives every HTTP/2 connection: timers, and where to count refused streams. */
    record Context(Scheduler scheduler, Runnable onStreamRefused)
    {
    }

    private final Owner owner;
    private final HTTP2Session session;
    /** Sees HEADERS and the PING's answer (false: the drain without the frame listener). */
    private final boolean watching;
    private final long pingPayload = ThreadLocalRandom.current().nextLong();
    private Context context;
    /** The highest stream id the client opened; the final GOAWAY carries it. */
    private int lastStreamId;
    private boolean started;
    private boolean finalSent;
    private final CompletableFuture<Void> finalGoAway = new CompletableFuture<>();

    private Http2Drain(Connection connection, Owner owner, boolean watching)
    {
        this.owner = owner;
        this.session = ((HTTP2Connection)connection).getSession();
        this.watching = watching;
    }

    /** Watches the connection's streams from its opening, so that the final GOAWAY knows the last one. */
    static Http2Drain attach(Connection connection, Owner owner)
    {
        Http2Drain http2 = new Http2Drain(connection, owner, FRAME_LISTENER);
        if (FRAME_LISTENER)
            Frames.watch(http2.session, http2::onHeaders, http2::onPingReply);
        return http2;
    }

    private static boolean hasFrameListener()
    {
        try
        {
            Class.forName(HTTP2Session.class.getName() + "$FrameListener", false, HTTP2Session.class.getClassLoader());
            return true;
        }
        catch (ClassNotFoundException x)
        {
            LOG.info("graceful-drain: this Jetty has no HTTP/2 frame listener: the final GOAWAY follows the first after {} ms, without a PING", MAX_PING_WAIT_MS);
            return false;
        }
    }

    /** Step 1: GOAWAY(2^31-1) and a PING, at once. */
    void start(Context context)
    {
        synchronized (this)
        {
            if (started)
                return;
            started = true;
            this.context = context;
        }
        GoAwayFrame goAwaySoon = new GoAwayFrame(Integer.MAX_VALUE, ErrorCode.NO_ERROR.code, "drain".getBytes(StandardCharsets.US_ASCII));
        // The PING only once the GOAWAY is written, so that its answer proves the client saw the GOAWAY.
        session.frames(null, List.of(goAwaySoon), !watching ? Callback.NOOP : Callback.from(() ->
            session.frames(null, List.of(new PingFrame(pingPayload, false)), Callback.NOOP)));
        context.scheduler().schedule(this::sendFinal, MAX_PING_WAIT_MS, TimeUnit.MILLISECONDS);
    }

    private void onPingReply(long payload)
    {
        if (payload == pingPayload)
            sendFinal();
    }

    /** Runs before Jetty creates the stream, on the same thread: decides for the final GOAWAY's race. */
    private void onHeaders(int streamId)
    {
        boolean refuse;
        synchronized (this)
        {
            if (streamId <= lastStreamId)
                return; // trailers, or a stream already known
            refuse = finalSent;
            if (!refuse)
                lastStreamId = streamId;
        }
        if (refuse)
        {
            // Jetty drops a stream above the final GOAWAY's id; say so, so the client retries it elsewhere at once.
            session.frames(null, List.of(new ResetFrame(streamId, ErrorCode.REFUSED_STREAM_ERROR.code)), Callback.NOOP);
            context.onStreamRefused().run();
        }
    }

    /** Step 2: the final GOAWAY, with the last stream id received. */
    private void sendFinal()
    {
        synchronized (this)
        {
            if (finalSent)
                return;
            finalSent = true;
            // Under the lock: a HEADERS parsed from now on is refused by onHeaders(), and by Jetty once this returns.
            if (watching)
                session.goAway(new GoAwayFrame(lastStreamId, ErrorCode.NO_ERROR.code, "drained".getBytes(StandardCharsets.US_ASCII)),
                    Callback.from(this::onIdle));
            else
                session.close(ErrorCode.NO_ERROR.code, "drained", Callback.from(this::onIdle)); // Jetty's own last stream id
        }
        finalGoAway.complete(null);
    }

    /**
     * Waits, at most until the deadline, for the final GOAWAY to be handed to the session. The stop
     * thread waits here so that Jetty's own graceful shutdown of HTTP/2 sessions, which comes next in
     * {@code Server.stop()}, finds every session already closed by us: otherwise it would send its
     * own final GOAWAY at once on a connection with no stream, without the PING round trip.
     */
    void awaitFinalGoAway(long deadlineNanos)
    {
        long left = deadlineNanos - System.nanoTime();
        if (left <= 0)
            return;
        try
        {
            finalGoAway.get(left, TimeUnit.NANOSECONDS);
        }
        catch (InterruptedException x)
        {
            Thread.currentThread().interrupt();
        }
        catch (Exception x)
        {
            // Timed out: the scheduled step 2 sends it anyway.
        }
    }

    /** Step 3: after the final GOAWAY, once no stream is left, FIN. */
    void onIdle()
    {
        synchronized (this)
        {
            if (!finalSent || session.isDisconnected())
                return;
        }
        if (owner.isIdle() && session.getStreamCount() == 0)
        {
            owner.closeGoneAway();
            return;
        }
        // A stream is still ending (its completion can be reported before Jetty removes it), or arrived
        // before the final GOAWAY and has not reached the handlers yet: look again shortly.
        if (owner.isIdle())
            context.scheduler().schedule(this::onIdle, RECHECK_MS, TimeUnit.MILLISECONDS);
    }

    /**
     * Jetty's frame listener, in a class of its own: only loaded where it exists, so that
     * {@link Http2Drain} loads on a Jetty without it.
     */
    private static final class Frames implements HTTP2Session.FrameListener
    {
        private final IntConsumer onHeaders;
        private final LongConsumer onPingReply;

        private Frames(IntConsumer onHeaders, LongConsumer onPingReply)
        {
            this.onHeaders = onHeaders;
            this.onPingReply = onPingReply;
        }

        static void watch(HTTP2Session session, IntConsumer onHeaders, LongConsumer onPingReply)
        {
            session.addEventListener(new Frames(onHeaders, onPingReply));
        }

        @Override
        public void onIncomingFrame(Session session, Frame frame)
        {
            if (frame instanceof HeadersFrame headers)
                onHeaders.accept(headers.getStreamId());
            else if (frame instanceof PingFrame ping && ping.isReply())
                onPingReply.accept(ping.getPayloadAsLong());
        }
    }
}
