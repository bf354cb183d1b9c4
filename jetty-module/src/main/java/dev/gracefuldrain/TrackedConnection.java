package dev.gracefuldrain;

import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.function.IntConsumer;

import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EofException;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.NanoTime;

/**
 * One connection and its state: never-used, idle, busy, lingering, closed.
 * <p>The request path ({@link #beginRequest}, {@link #endRequest}) and the drain
 * ({@link #drain}, {@link #abort}) race on the same connection; the lock makes
 * "is it idle?" and "close it" one step, so a request is either served
 * or never handled, and never cut in between.</p>
 * <p>An HTTP/1.1 connection serves one request at a time (though Jetty may report a completion
 * after the next request began); an HTTP/2 connection serves many at once and is closed
 * through its {@link Http2Drain}; a WebSocket connection is busy from open to close.</p>
 */
final class TrackedConnection
{
    /** The protocol a connection speaks; "pending" is a TLS connection whose protocol is not chosen yet (ALPN). */
    enum Kind
    {
        H1("h1"), H2("h2"), WS("ws"), PENDING("pending");

        final String label;

        Kind(String label)
        {
            this.label = label;
        }

        /** @return the kind of a connection, or null for one that only carries another (TLS). */
        static Kind of(Connection connection)
        {
            if (Http1.isHttp1(connection))
                return H1;
            for (Class<?> c = connection.getClass(); c != null; c = c.getSuperclass())
            {
                switch (c.getName())
                {
                    case "org.eclipse.jetty.http2.HTTP2Connection":
                        return H2;
                    case "org.eclipse.jetty.websocket.core.WebSocketConnection":
                        return WS;
                    case "org.eclipse.jetty.io.ssl.SslConnection":
                        return null;
                    default:
                        break;
                }
            }
            return PENDING;
        }
    }

    enum State
    {
        NEVER_USED, IDLE, BUSY, LINGERING, CLOSED
    }

    /** What the drain did with this connection when it found it. */
    enum Found
    {
        /** Idle: closed at once (HTTP/2: after its two GOAWAYs). */
        IDLE,
        /** Never used: closed at once. */
        NEVER_USED,
        /** Busy (or reading a request, or a WebSocket): left to finish. */
        BUSY,
        /** Still in its TLS handshake: given the handshake budget. */
        HANDSHAKE,
        /** Still in its TLS handshake when the handshake budget ended: closed. */
        HANDSHAKE_CLOSED,
        /** Already lingering or closed: nothing to do. */
        DONE
    }

    private final Connection connection;
    private final Kind kind;
    private final ConnectionTracker tracker;
    private State state;
    /**
     * The requests being served, as (request, response, callback) triples, and when each began; more
     * than one only for HTTP/2 (or an HTTP/1.1 completion reported late). Allocated at the first
     * request and reused: nothing is allocated per request, and a never-used connection costs nothing here.
     */
    private Object[] slots;
    private long[] starts;
    private int active;
    private long lingerSinceNanos;
    private boolean busyInDrain;
    private boolean aborted;
    private final Http2Drain http2;

    TrackedConnection(Connection connection, Kind kind, ConnectionTracker tracker)
    {
        this.connection = connection;
        this.kind = kind;
        this.tracker = tracker;
        // A WebSocket connection exists only while a session is open.
        this.state = kind == Kind.WS ? State.BUSY : State.NEVER_USED;
        this.http2 = kind == Kind.H2 ? Http2Drain.attach(this) : null;
    }

    Kind kind()
    {
        return kind;
    }

    Connection connection()
    {
        return connection;
    }

    /**
     * @return false if this connection is already closing: the request could never be answered,
     * so it must not be handled. The drain half-closes idle HTTP/1.1 connections; Jetty half-closes
     * one whose keep-alive response it finished after its connector was shut down, and would still
     * parse and dispatch the request the client sent next.
     */
    synchronized boolean beginRequest(Request request, Response response, Callback callback, boolean draining)
    {
        if (state == State.LINGERING || state == State.CLOSED)
            return false;
        if (kind == Kind.H1 && connection.getEndPoint().isOutputShutdown())
        {
            state = State.LINGERING;
            return false;
        }
        if (slots == null)
        {
            slots = new Object[3];
            starts = new long[1];
        }
        else if (active == starts.length)
        {
            slots = Arrays.copyOf(slots, active * 6);
            starts = Arrays.copyOf(starts, active * 2);
        }
        slots[3 * active] = request;
        slots[3 * active + 1] = response;
        slots[3 * active + 2] = callback;
        starts[active] = NanoTime.now();
        active++;
        state = State.BUSY;
        if (draining)
            busyInDrain = true;
        return true;
    }

    /**
     * A response is complete. During a drain an HTTP/1.1 connection is half-closed now: Jetty does it
     * too for a response it marked {@code Connection: close}, but not for one it had finished
     * sending, keep-alive, just before the stop. An HTTP/2 connection closes after its final GOAWAY
     * once its last stream is done.
     * <p>Only the completion of a request this connection is serving changes its state: Jetty may
     * report one after the next request on the same HTTP/1.1 connection began.</p>
     */
    void endRequest(Request request, boolean draining)
    {
        Http2Drain goingAway;
        synchronized (this)
        {
            int index = indexOf(request);
            if (index < 0)
                return;
            active--;
            System.arraycopy(slots, 3 * active, slots, 3 * index, 3);
            starts[index] = starts[active];
            Arrays.fill(slots, 3 * active, 3 * active + 3, null);
            if (active > 0 || state != State.BUSY)
                return;
            if (kind != Kind.H1 || !draining)
            {
                state = State.IDLE;
                goingAway = draining ? http2 : null;
            }
            else
            {
                linger();
                return;
            }
        }
        if (goingAway != null)
            goingAway.onIdle();
    }

    private Request request(int index)
    {
        return (Request)slots[3 * index];
    }

    private int indexOf(Request request)
    {
        Request unwrapped = Request.unWrap(request);
        for (int i = 0; i < active; i++)
        {
            if (Request.unWrap(request(i)) == unwrapped)
                return i;
        }
        return -1;
    }

    /**
     * At the drain's start, when a connection is opened during it, or when its TLS handshake ends:
     * close it if it is idle or never used (HTTP/2: begin its two-step GOAWAY); otherwise leave it to finish.
     * @param handshakeOver true once the handshake budget has ended: a handshake still going on is cut
     */
    Found drain(Drain drain, boolean handshakeOver)
    {
        Found found;
        Http2Drain goingAway = null;
        synchronized (this)
        {
            switch (state)
            {
                case NEVER_USED, IDLE ->
                {
                    if (state == State.NEVER_USED && tracker.inTlsHandshake(connection))
                    {
                        if (!handshakeOver)
                            return Found.HANDSHAKE;
                        // Closed outright: a close_notify means nothing to a peer that is not past its handshake.
                        state = State.LINGERING;
                        connection.getEndPoint().close();
                        return Found.HANDSHAKE_CLOSED;
                    }
                    if (kind == Kind.H1 && Http1.readingRequest(connection))
                    {
                        busyInDrain = true;
                        return Found.BUSY;
                    }
                    found = state == State.IDLE ? Found.IDLE : Found.NEVER_USED;
                    if (kind == Kind.H2)
                        goingAway = http2;
                    else
                    {
                        linger();
                        return found;
                    }
                }
                case BUSY ->
                {
                    busyInDrain = true;
                    found = Found.BUSY;
                    goingAway = http2;
                }
                default ->
                {
                    return Found.DONE;
                }
            }
        }
        if (goingAway != null)
            goingAway.start(drain);
        return found;
    }

    /** HTTP/2: waits (bounded) until its final GOAWAY is out; see {@link Http2Drain#awaitFinalGoAway}. */
    void awaitFinalGoAway(long deadlineNanos)
    {
        if (http2 != null)
            http2.awaitFinalGoAway(deadlineNanos);
    }

    /** HTTP/2: its final GOAWAY is out; close it if no stream is left. */
    synchronized boolean isIdle()
    {
        return active == 0 && state != State.BUSY;
    }

    /** HTTP/2 after its final GOAWAY, with no stream left: FIN now. */
    synchronized void closeGoneAway()
    {
        if (state == State.LINGERING || state == State.CLOSED)
            return;
        linger();
    }

    /**
     * FIN first (after a TLS close_notify), so the client sees a clean close and never a reset;
     * Jetty keeps reading (and refuses, through {@link #beginRequest}, any request that still
     * arrives) until the client closes its side, or {@link Linger} closes the connection.
     */
    private void linger()
    {
        state = State.LINGERING;
        lingerSinceNanos = NanoTime.now();
        connection.getEndPoint().shutdownOutput();
        tracker.lingering();
    }

    enum Lingering
    {
        NOT, GOING_ON, OVER
    }

    synchronized Lingering lingering(long nowNanos, long lingerNanos)
    {
        if (state != State.LINGERING)
            return Lingering.NOT;
        return nowNanos - lingerSinceNanos >= lingerNanos ? Lingering.OVER : Lingering.GOING_ON;
    }

    /**
     * The stream budget is over: end the long responses this connection still serves (server-sent
     * events, or responses the webapp marked as long). HTTP/1.1: FIN after what was written; HTTP/2:
     * that stream alone is reset.
     * @param ending told how many are ended, before they are: the last one ending may complete the drain
     */
    void endLongResponses(IntConsumer ending)
    {
        Callback[] toFail;
        synchronized (this)
        {
            if (state != State.BUSY || active == 0)
                return;
            toFail = new Callback[active];
            int n = 0;
            for (int i = 0; i < active; i++)
            {
                if (isLong(request(i), (Response)slots[3 * i + 1]))
                    toFail[n++] = (Callback)slots[3 * i + 2];
            }
            if (n == 0)
                return;
            ending.accept(n);
            // HTTP/1.1: what was written goes out, then a FIN; failing the request then closes the connection.
            if (kind == Kind.H1)
                connection.getEndPoint().shutdownOutput();
            toFail = Arrays.copyOf(toFail, n);
        }
        for (Callback callback : toFail)
            callback.failed(new EofException("graceful-drain: long response ended at the stream budget"));
    }

    private static boolean isLong(Request request, Response response)
    {
        Object marked = request.getAttribute(DrainNotice.LONG_RESPONSE_ATTRIBUTE);
        if (Boolean.TRUE.equals(marked) || "true".equals(marked))
            return true;
        String type = response.getHeaders().get(HttpHeader.CONTENT_TYPE);
        return type != null && type.regionMatches(true, 0, "text/event-stream", 0, 17);
    }

    /**
     * At the timeout: marks what is left as aborted, before {@link #close()} closes it.
     * @return a description of each request cut off (empty if none was)
     */
    synchronized String[] abort(long nowNanos)
    {
        if (state == State.CLOSED || !busyInDrain || (state == State.LINGERING && kind == Kind.H1))
            return new String[0];
        aborted = true;
        Object remote = connection.getEndPoint().getRemoteSocketAddress();
        if (kind == Kind.WS)
            return new String[]{String.format("a WebSocket session with %s", remote)};
        if (active == 0)
            return kind == Kind.H1 ? new String[]{String.format("a request still being received from %s", remote)} : new String[0];
        String[] cut = new String[active];
        for (int i = 0; i < active; i++)
        {
            cut[i] = String.format("%s %s from %s%s after %d ms", request(i).getMethod(), request(i).getHttpURI().getPathQuery(),
                remote, kind == Kind.H1 ? "" : " over " + kind.label, TimeUnit.NANOSECONDS.toMillis(nowNanos - starts[i]));
        }
        return cut;
    }

    /**
     * Closes the connection now (the linger is over, or the timeout). The endpoint, not the connection:
     * an HTTP/2 connection's close() only asks its session for a GOAWAY, which the session ignores once
     * the final GOAWAY is out.
     */
    void close()
    {
        connection.getEndPoint().close();
    }

    /** How a connection that was busy during the drain ended. */
    enum Ending
    {
        /** Not busy during the drain: counted when the drain found it. */
        NOT_BUSY,
        FINISHED,
        ABORTED
    }

    synchronized Ending closed()
    {
        state = State.CLOSED;
        if (slots != null)
            Arrays.fill(slots, null);
        active = 0;
        if (!busyInDrain)
            return Ending.NOT_BUSY;
        return aborted ? Ending.ABORTED : Ending.FINISHED;
    }

    synchronized State state()
    {
        return state;
    }

    @Override
    public String toString()
    {
        return String.format("%s %s@%s", kind.label, state(), connection.getEndPoint().getRemoteSocketAddress());
    }
}
