package dev.gracefuldrain;

import java.net.InetSocketAddress;
import java.util.function.Consumer;

import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.NanoTime;

/**
 * One connection and its state: never-used, idle, busy, lingering, closed.
 * <p>The request path ({@link #beginRequest}, {@link #endRequest}) and the drain ({@link #drain},
 * {@link #abort}) race on the same connection; the lock makes "is it idle?" and "close it" one step,
 * so a request is either served or never handled, and never cut in between.</p>
 * <p>An HTTP/1.1 connection serves one request at a time; an HTTP/2 connection serves many at once
 * and is closed through its {@link Http2Drain}; a WebSocket connection is busy from open to close.</p>
 */
final class TrackedConnection implements Linger.Lingering, Http2Drain.Owner
{
    enum State
    {
        NEVER_USED, IDLE, BUSY, LINGERING, CLOSED
    }

    /** Clients write right after connecting (one taken from the accept queue often has not yet); Go's Shutdown waits 5 s. */
    static final long YOUNG_MS = 20;

    private static final Callback[] NONE = new Callback[0];

    private final Connection connection;
    private final Protocol protocol;
    private final Linger linger;
    private final Http2Drain http2;
    /** Kept from the start: a closed channel no longer tells its peer's address. */
    private final int remotePort;
    private final InFlight inFlight = new InFlight();
    private State state;
    private long lingerSinceNanos;
    private boolean busyInDrain;
    /** Found with a request on its way, none begun yet: busy if it ends so, not if it turns out idle. */
    private boolean readingInDrain;
    private boolean aborted;

    TrackedConnection(Connection connection, Protocol protocol, Linger linger)
    {
        this.connection = connection;
        this.protocol = protocol;
        this.linger = linger;
        // A WebSocket connection exists only while a session is open.
        this.state = protocol == Protocol.WS ? State.BUSY : State.NEVER_USED;
        this.http2 = protocol == Protocol.H2 ? Http2Drain.attach(connection, this) : null;
        this.remotePort = connection.getEndPoint().getRemoteSocketAddress() instanceof InetSocketAddress remote ? remote.getPort() : -1;
    }

    int remotePort()
    {
        return remotePort;
    }

    Protocol protocol()
    {
        return protocol;
    }

    Connection connection()
    {
        return connection;
    }

    /**
     * @return false if this connection is already closing: the request could never be answered, so it
     * must not be handled. The drain half-closes idle HTTP/1.1 connections; Jetty half-closes one whose
     * keep-alive response it finished after its connector was shut down, and would still parse and
     * dispatch the request the client sent next.
     */
    synchronized boolean beginRequest(Request request, Response response, Callback callback, boolean stopping)
    {
        if (state == State.LINGERING || state == State.CLOSED)
            return false;
        if (protocol == Protocol.H1 && connection.getEndPoint().isOutputShutdown())
        {
            state = State.LINGERING;
            return false;
        }
        inFlight.add(request, response, callback);
        state = State.BUSY;
        if (stopping)
            busyInDrain = true;
        return true;
    }

    /**
     * A response is complete. During a drain an HTTP/1.1 connection is half-closed now: Jetty does it
     * too for a response it marked {@code Connection: close}, but not for one it had finished sending,
     * keep-alive, just before the stop. An HTTP/2 connection closes after its final GOAWAY once its
     * last stream is done. Only the completion of a request this connection is serving counts: Jetty
     * may report one after the next request on the same HTTP/1.1 connection began.
     */
    void endRequest(Request request, boolean draining)
    {
        synchronized (this)
        {
            if (!inFlight.remove(request) || inFlight.size() > 0 || state != State.BUSY)
                return;
            if (protocol == Protocol.H1 && draining)
            {
                linger();
                return;
            }
            state = State.IDLE;
        }
        if (draining && http2 != null)
            http2.onIdle();
    }

    /**
     * The drain found this connection (at its start, when it opened during the drain, when its TLS
     * handshake ended, or looking again at one that was reading): closes it if it is idle or never
     * used (HTTP/2: begins its two-step GOAWAY), otherwise leaves it to finish.
     * @param tlsHandshaking true if it runs over TLS and its handshake is not over
     * @param handshakeOver true once the handshake budget has ended: a handshake still going on is cut
     * @param stopping false for maintenance (and the drain's own probes): what is busy is not part of a drain's
     * report, and a young connection gets no grace
     * @param count told what was found before anything goes out: the close that follows may be the drain's
     * last, and the drain ends on it
     */
    Found drain(boolean tlsHandshaking, boolean handshakeOver, Http2Drain.Context http2Context, boolean stopping, Consumer<Found> count)
    {
        Found found = find(tlsHandshaking, handshakeOver, stopping);
        count.accept(found);
        boolean quiet = found == Found.IDLE || found == Found.NEVER_USED;
        if (found == Found.HANDSHAKE_CLOSED)
            connection.getEndPoint().close(); // no close_notify: meaningless before the handshake's end
        else if (http2 != null && (quiet || found == Found.BUSY))
            http2.start(http2Context);
        else if (quiet)
            finLingering();
        return found;
    }

    /** Decides, and moves the state, in one step with the request path; sends nothing. */
    private synchronized Found find(boolean tlsHandshaking, boolean handshakeOver, boolean stopping)
    {
        if (state == State.BUSY)
            busyInDrain |= stopping;
        if (state != State.NEVER_USED && state != State.IDLE)
            return state == State.BUSY ? Found.BUSY : state == State.LINGERING ? Found.LINGERING : Found.CLOSED;
        // Jetty closed it before the drain got here (a peer that reset right after its connect, such as
        // the drain's own wake-up connections): gone, not part of this drain.
        if (!connection.getEndPoint().isOpen())
            return Found.CLOSED;
        if (state == State.NEVER_USED && tlsHandshaking)
        {
            if (!handshakeOver)
                return Found.HANDSHAKE;
            state = State.LINGERING;
            return Found.HANDSHAKE_CLOSED;
        }
        if (protocol == Protocol.H1 && Http1.hasRequestOnItsWay(connection))
        {
            readingInDrain |= stopping;
            return Found.READING;
        }
        readingInDrain = false; // no request came: the hint was wrong
        if (state == State.NEVER_USED && stopping && protocol == Protocol.H1 && System.currentTimeMillis() - connection.getEndPoint().getCreatedTimeStamp() < YOUNG_MS)
            return Found.YOUNG;
        Found found = state == State.IDLE ? Found.IDLE : Found.NEVER_USED;
        if (http2 == null)
            markLingering(); // from here on a request that arrives is refused; the FIN follows
        return found;
    }

    /** HTTP/2: waits (bounded) until its final GOAWAY is out; see {@link Http2Drain#awaitFinalGoAway}. */
    void awaitFinalGoAway(long deadlineNanos)
    {
        if (http2 != null)
            http2.awaitFinalGoAway(deadlineNanos);
    }

    @Override
    public synchronized boolean isIdle()
    {
        return inFlight.size() == 0 && state != State.BUSY;
    }

    @Override
    public synchronized void closeGoneAway()
    {
        if (state != State.LINGERING && state != State.CLOSED)
            linger();
    }

    /**
     * FIN first (after a TLS close_notify), so the client sees a clean close and never a reset; Jetty
     * keeps reading (and {@link #beginRequest} refuses any request that still arrives) until the client
     * closes its side, or {@link Linger} closes the connection.
     */
    private void linger()
    {
        markLingering();
        finLingering();
    }

    private synchronized void markLingering()
    {
        state = State.LINGERING;
        lingerSinceNanos = NanoTime.now();
    }

    private synchronized void finLingering()
    {
        if (state != State.LINGERING)
            return; // closed meanwhile
        connection.getEndPoint().shutdownOutput();
        linger.add(this, lingerSinceNanos);
    }

    @Override
    public synchronized boolean lingeringSince(long sinceNanos)
    {
        return state == State.LINGERING && lingerSinceNanos == sinceNanos;
    }

    /**
     * The stream budget is over: takes the long responses this connection still serves (server-sent
     * events, or responses the webapp marked as long) for the caller to fail. HTTP/1.1: FIN after
     * what was written, then failing the request closes the connection; HTTP/2: that stream is reset.
     * @return the callbacks to fail, outside this connection's lock (empty if none)
     */
    synchronized Callback[] takeLongResponses()
    {
        if (state != State.BUSY || inFlight.size() == 0)
            return NONE;
        Callback[] found = inFlight.longResponses();
        if (found.length > 0 && protocol == Protocol.H1)
            connection.getEndPoint().shutdownOutput();
        return found;
    }

    /**
     * At the timeout: marks what is left as aborted, before {@link #close()} closes it.
     * @return a description of each request cut off (empty if none was)
     */
    synchronized String[] abort(long nowNanos)
    {
        // Lingering: its requests are done (HTTP/2: its streams, after the final GOAWAY); only the client's close is awaited.
        if (state == State.CLOSED || state == State.LINGERING || !(busyInDrain || readingInDrain))
            return new String[0];
        aborted = true;
        Object remote = connection.getEndPoint().getRemoteSocketAddress();
        if (protocol == Protocol.WS)
            return new String[]{String.format("a WebSocket session with %s", remote)};
        if (inFlight.size() == 0)
            return protocol == Protocol.H1 ? new String[]{String.format("a request still being received from %s", remote)} : new String[0];
        return inFlight.describe(remote, protocol, nowNanos);
    }

    /**
     * Closes now (the linger is over, or the timeout). The endpoint, not the connection: an HTTP/2
     * connection's close() only asks its session for a GOAWAY, which it ignores after the final one.
     */
    @Override
    public void close()
    {
        connection.getEndPoint().close();
    }

    /**
     * @return how it ended; busy if it was busy in the drain, or is closing while busy (its client went
     * away, say) before the sweep reached it: counted the same whichever comes first
     */
    synchronized Ending closed()
    {
        boolean busy = busyInDrain || state == State.BUSY || (readingInDrain && aborted);
        state = State.CLOSED;
        inFlight.clear();
        if (!busy)
            return readingInDrain ? Ending.NEVER_BEGAN : Ending.NOT_BUSY;
        return aborted ? Ending.ABORTED : Ending.FINISHED;
    }

    synchronized State state()
    {
        return state;
    }

    @Override
    public String toString()
    {
        return String.format("%s %s@%s", protocol.label, state(), connection.getEndPoint().getRemoteSocketAddress());
    }
}
