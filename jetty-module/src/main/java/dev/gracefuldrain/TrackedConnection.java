package dev.gracefuldrain;

import java.util.concurrent.TimeUnit;

import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.IdleTimeout;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.util.NanoTime;

/**
 * One HTTP/1.1 connection and its state: never-used, idle, busy, lingering, closed.
 * <p>The request path ({@link #beginRequest}, {@link #endRequest}) and the drain
 * ({@link #drain}, {@link #abort}) race on the same connection; the lock makes
 * "is it idle?" and "half-close it" one step, so a request is either served
 * or never handled, and never cut in between.</p>
 */
final class TrackedConnection
{
    enum State
    {
        NEVER_USED, IDLE, BUSY, LINGERING, CLOSED
    }

    /** What the drain did with this connection when it found it. */
    enum Found
    {
        /** Idle: half-closed at once. */
        IDLE,
        /** Never used: half-closed at once. */
        NEVER_USED,
        /** Busy (or reading a request): left to finish. */
        BUSY,
        /** Already lingering or closed: nothing to do. */
        DONE
    }

    private final Connection connection;
    private State state = State.NEVER_USED;
    private Request request;
    private long requestStartNanos;
    private boolean busyInDrain;
    private boolean aborted;

    TrackedConnection(Connection connection)
    {
        this.connection = connection;
    }

    /**
     * @return false if this connection is already half-closed: the request could never be answered,
     * so it must not be handled. The drain half-closes idle connections; Jetty half-closes one whose
     * keep-alive response it finished after its connector was shut down, and would still parse and
     * dispatch the request the client sent next.
     */
    synchronized boolean beginRequest(Request request, boolean draining)
    {
        if (state == State.LINGERING || state == State.CLOSED)
            return false;
        if (connection.getEndPoint().isOutputShutdown())
        {
            state = State.LINGERING;
            return false;
        }
        state = State.BUSY;
        this.request = request;
        requestStartNanos = NanoTime.now();
        if (draining)
            busyInDrain = true;
        return true;
    }

    /**
     * A response is complete. During a drain the connection is half-closed now: Jetty does it
     * too for a response it marked {@code Connection: close}, but not for one it had finished
     * sending, keep-alive, just before the stop.
     * <p>Jetty may already be serving the next request on this connection when the previous one's
     * completion is reported (the client sent it as soon as it had the response), so only the
     * completion of the request being served changes the state.</p>
     */
    synchronized void endRequest(Request request, boolean draining, long lingerMs)
    {
        if (state != State.BUSY || this.request == null || Request.unWrap(request) != Request.unWrap(this.request))
            return;
        this.request = null;
        state = draining ? State.LINGERING : State.IDLE;
        if (draining)
            linger(lingerMs);
    }

    /**
     * At the drain's start, or when a connection is opened during it:
     * half-close it if it is idle or never used; otherwise leave it to finish.
     */
    synchronized Found drain(long lingerMs)
    {
        switch (state)
        {
            case NEVER_USED, IDLE ->
            {
                if (Http1.readingRequest(connection))
                {
                    busyInDrain = true;
                    return Found.BUSY;
                }
                Found found = state == State.IDLE ? Found.IDLE : Found.NEVER_USED;
                state = State.LINGERING;
                linger(lingerMs);
                return found;
            }
            case BUSY ->
            {
                busyInDrain = true;
                return Found.BUSY;
            }
            default ->
            {
                return Found.DONE;
            }
        }
    }

    /**
     * FIN first, so the client sees a clean close and never a reset; Jetty keeps reading
     * (and refuses, through {@link #beginRequest}, any request that still arrives) until the
     * client closes its side, or the linger timeout closes the connection.
     */
    private void linger(long lingerMs)
    {
        EndPoint endPoint = connection.getEndPoint();
        lingerFromNow(endPoint, lingerMs);
        endPoint.shutdownOutput();
    }

    /** The endpoint's idle timeout counts from its last activity: restart it, so the client gets the whole linger. */
    private static void lingerFromNow(EndPoint endPoint, long lingerMs)
    {
        if (endPoint instanceof IdleTimeout idleTimeout)
            idleTimeout.notIdle();
        endPoint.setIdleTimeout(lingerMs);
    }

    /**
     * At the timeout: marks what is left as aborted, before {@link #close()} closes it.
     * @return a description of the request cut off, or null if no request was cut
     */
    synchronized String abort(long nowNanos)
    {
        if (state == State.CLOSED || !busyInDrain || state == State.LINGERING)
            return null;
        aborted = true;
        if (request == null)
            return String.format("a request still being received from %s", connection.getEndPoint().getRemoteSocketAddress());
        return String.format("%s %s from %s after %d ms", request.getMethod(), request.getHttpURI().getPathQuery(),
            connection.getEndPoint().getRemoteSocketAddress(), TimeUnit.NANOSECONDS.toMillis(nowNanos - requestStartNanos));
    }

    void close()
    {
        connection.close();
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
        request = null;
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
        return String.format("%s@%s", state(), connection.getEndPoint().getRemoteSocketAddress());
    }
}
