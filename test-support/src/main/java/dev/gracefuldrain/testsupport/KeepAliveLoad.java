package dev.gracefuldrain.testsupport;

import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Keep-alive clients, one platform thread and one connection each, that send their next request as
 * soon as the last one is answered, reconnect whenever the server closes, and count how every
 * exchange ended. Bounded: the clients stop at {@link #close()}, or at the deadline.
 * <p>What a client does on a refused connect depends on the test: retry (the server restarts on the
 * same port) or stop (the listener is closed for good).</p>
 */
public final class KeepAliveLoad implements AutoCloseable
{
    /** What the clients send. */
    public enum Requests
    {
        /** {@code GET /sample/fast} only. */
        GETS,
        /** GETs and POSTs with a 1 000-byte body and an X-Request-Id, in turn. */
        GETS_AND_POSTS
    }

    /** What a client does when its connect is refused. */
    public enum OnRefused
    {
        RETRY,
        STOP
    }

    /** Answered whole with the expected 200. */
    public final AtomicLong completed = new AtomicLong();
    /** Answered whole, any status; and of those, after {@link #mark(long)}. */
    public final AtomicLong answered = new AtomicLong();
    public final AtomicLong answeredAfterMark = new AtomicLong();
    /** Answered whole, but not the expected 200 (503 counted apart too). */
    public final AtomicLong errorStatus = new AtomicLong();
    public final AtomicLong status503 = new AtomicLong();
    /** The connection ended in the middle of a response. */
    public final AtomicLong truncated = new AtomicLong();
    public final AtomicLong resets = new AtomicLong();
    public final AtomicLong resetsOnSend = new AtomicLong();
    public final AtomicLong resetsBeforeResponse = new AtomicLong();
    public final AtomicLong resetsAfterResponse = new AtomicLong();
    public final AtomicLong freshConnectionResets = new AtomicLong();
    /** When each reset was seen (System.nanoTime()), to place it against start and stop. */
    public final Queue<Long> resetTimes = new ConcurrentLinkedQueue<>();
    /** A clean close (FIN) before any byte of the response: the request was not handled; the client sends it again. */
    public final AtomicLong finBeforeAnyByte = new AtomicLong();
    public final AtomicLong refusedConnects = new AtomicLong();
    /** Responses that said Connection: close (or ended with the connection): the client then reconnected. */
    public final AtomicLong connectionClose = new AtomicLong();
    /** No answer within the socket timeout: the client stops. */
    public final AtomicLong timeouts = new AtomicLong();
    /** Any other I/O failure (see {@link #errorSamples}). */
    public final AtomicLong otherErrors = new AtomicLong();
    /** Connections opened after {@link #mark(long)}. */
    public final AtomicLong reconnectsAfterMark = new AtomicLong();
    /** Ids of the POSTs that got a complete answer. */
    public final Queue<String> answeredPosts = new ConcurrentLinkedQueue<>();
    /** The first few failures, described. */
    public final Queue<String> errorSamples = new ConcurrentLinkedQueue<>();

    private final int port;
    private final Requests requests;
    private final OnRefused onRefused;
    private final Duration socketTimeout;
    private final AtomicLong nextPostId = new AtomicLong();
    private final List<Thread> threads = new ArrayList<>();
    private final AtomicInteger running = new AtomicInteger();
    private final CountDownLatch connected;
    private final Set<Wire> open = ConcurrentHashMap.newKeySet();
    private volatile long deadlineNanos;
    private volatile long markNanos;
    private volatile boolean stopping;

    /** GETs and POSTs, retrying refused connects, 30 s for each response. */
    public KeepAliveLoad(int port, int clients, Duration maxDuration)
    {
        this(port, clients, maxDuration, Requests.GETS_AND_POSTS, OnRefused.RETRY, Duration.ofSeconds(30));
    }

    public KeepAliveLoad(int port, int clients, Duration maxDuration, Requests requests, OnRefused onRefused, Duration socketTimeout)
    {
        this.port = port;
        this.requests = requests;
        this.onRefused = onRefused;
        this.socketTimeout = socketTimeout;
        this.deadlineNanos = System.nanoTime() + maxDuration.toNanos();
        this.connected = new CountDownLatch(clients);
        for (int i = 0; i < clients; i++)
        {
            // Small stacks: a few hundred clients on a small machine.
            Thread thread = new Thread(null, this::client, "load-" + i, 256 * 1024);
            thread.setDaemon(true);
            threads.add(thread);
            running.incrementAndGet();
            thread.start();
        }
    }

    /** Waits until every client has connected once; false if some did not within the timeout. */
    public boolean awaitConnected(Duration timeout) throws InterruptedException
    {
        return connected.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** From now on, answers and reconnects are counted apart too (e.g. from a stop request on). */
    public void mark(long nanos)
    {
        markNanos = nanos;
    }

    /** Moves the deadline: the clients stop at {@code nanos}. */
    public void stopAt(long nanos)
    {
        deadlineNanos = nanos;
    }

    private boolean marked()
    {
        return markNanos != 0;
    }

    private boolean running()
    {
        return !stopping && System.nanoTime() - deadlineNanos < 0;
    }

    private void client()
    {
        Wire wire = null;
        boolean first = true;
        long n = 0;
        try
        {
            while (running())
            {
                boolean fresh = wire == null;
                if (wire == null)
                {
                    try
                    {
                        wire = Wire.openBuffered(port);
                    }
                    catch (ConnectException refused)
                    {
                        refusedConnects.incrementAndGet();
                        if (onRefused == OnRefused.STOP)
                            return;
                        pause();
                        continue;
                    }
                    catch (IOException x)
                    {
                        if (stopping)
                            return;
                        otherErrors.incrementAndGet();
                        sample("connect: " + x);
                        pause();
                        continue;
                    }
                    open.add(wire);
                    if (marked())
                        reconnectsAfterMark.incrementAndGet();
                    if (first)
                    {
                        first = false;
                        connected.countDown();
                    }
                }
                if (!exchange(wire, fresh, requests == Requests.GETS_AND_POSTS && (n++ & 1) == 1))
                {
                    open.remove(wire);
                    wire.close();
                    wire = null;
                }
            }
        }
        catch (StopClient stop)
        {
            // counted where it was thrown
        }
        finally
        {
            if (wire != null)
            {
                open.remove(wire);
                wire.close();
            }
            running.decrementAndGet();
        }
    }

    /** A failure after which this client gives up. */
    private static final class StopClient extends RuntimeException
    {
        StopClient()
        {
            super(null, null, false, false);
        }
    }

    /**
     * One request and its response.
     * @return true to send the next request on the same connection
     */
    private boolean exchange(Wire wire, boolean fresh, boolean post)
    {
        String body = post ? "p".repeat(1000) : "";
        String postId = post ? "post-" + nextPostId.incrementAndGet() : null;
        try
        {
            wire.send(post
                ? "POST /sample/upload HTTP/1.1\r\nHost: localhost\r\nX-Request-Id: " + postId + "\r\nContent-Length: " + body.length() + "\r\n\r\n" + body
                : Wire.request("GET", "/sample/fast"));
        }
        catch (IOException x)
        {
            if (stopping)
                throw new StopClient();
            resets.incrementAndGet();
            resetsOnSend.incrementAndGet();
            sample("send: " + x.getMessage());
            return false;
        }
        Wire.Response response;
        try
        {
            response = wire.tryReadResponse(socketTimeout);
        }
        catch (SocketTimeoutException x)
        {
            if (stopping)
                throw new StopClient();
            timeouts.incrementAndGet();
            sample("no response within " + socketTimeout);
            throw new StopClient();
        }
        catch (SocketException x)
        {
            if (stopping)
                throw new StopClient();
            resets.incrementAndGet();
            resetsBeforeResponse.incrementAndGet();
            if (fresh)
                freshConnectionResets.incrementAndGet();
            resetTimes.add(System.nanoTime());
            sample("before the response: " + x.getMessage());
            return false;
        }
        catch (IOException x)
        {
            if (stopping)
                throw new StopClient();
            otherErrors.incrementAndGet();
            sample(x.toString());
            return false;
        }
        if (response == null)
        {
            // Closed before any byte: the request was never handled; send it again.
            finBeforeAnyByte.incrementAndGet();
            return false;
        }
        if (stopping)
        {
            // Read while close() ran: not counted (a proxy may answer a request its client gave up with an empty 200).
            if (response.status() != 200)
                sample("after close(): status " + response.status());
            else if (!response.bodyText().equals(post ? "received 1000 bytes\n" : "fast\n"))
                sample("after close(): 200 with " + response.body().length + " body bytes");
            throw new StopClient();
        }
        if (!response.complete())
        {
            truncated.incrementAndGet();
            sample("truncated: status " + response.status() + ", " + response.body().length + " body bytes");
            return false;
        }
        answered.incrementAndGet();
        if (marked())
            answeredAfterMark.incrementAndGet();
        String expected = post ? "received 1000 bytes\n" : "fast\n";
        if (response.status() == 200 && response.bodyText().equals(expected))
        {
            completed.incrementAndGet();
            if (post)
                answeredPosts.add(postId);
        }
        else
        {
            errorStatus.incrementAndGet();
            if (response.status() == 503)
                status503.incrementAndGet();
            String text = response.bodyText();
            sample((post ? "POST" : "GET") + " answered " + response.status() + " " + response.headers() + (response.chunked() ? " chunked" : "")
                + ": " + text.substring(0, Math.min(80, text.length())).replaceAll("\\s+", " ").strip());
        }
        if (response.connectionClose() || response.untilClose())
        {
            connectionClose.incrementAndGet();
            // As a client does: wait for the server's close, then close too; a reset here is still a reset.
            if (wire.awaitClose(Duration.ofSeconds(10)).kind() == Wire.Close.RESET && !stopping)
            {
                resets.incrementAndGet();
                resetsAfterResponse.incrementAndGet();
            }
            return false;
        }
        return true;
    }

    private void sample(String what)
    {
        if (errorSamples.size() < 5)
            errorSamples.add(marked() ? TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - markNanos) + " ms after the mark: " + what : what);
    }

    private static void pause()
    {
        try
        {
            Thread.sleep(5); // back-off while the server is down, not a synchronisation
        }
        catch (InterruptedException x)
        {
            Thread.currentThread().interrupt();
        }
    }

    /** Requests that failed, as a client sees it: an error status, a truncated answer, a reset, a close with no answer, no answer at all. */
    public long failed()
    {
        return errorStatus.get() + truncated.get() + resets.get() + finBeforeAnyByte.get() + timeouts.get() + otherErrors.get();
    }

    /** Waits, bounded, until {@code more} further responses have completed. */
    public void awaitCompleted(long more, Duration timeout) throws Exception
    {
        long target = completed.get() + more;
        Await.until("load makes progress", timeout, Duration.ofMillis(5), () -> this, load -> load.completed.get() >= target);
    }

    /** Waits, bounded, for the clients to end by themselves; returns how many still run. */
    public int awaitClients(Duration timeout) throws InterruptedException
    {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (Thread thread : threads)
        {
            long left = deadline - System.nanoTime();
            if (left > 0)
                thread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
        }
        return running.get();
    }

    /** Stops the clients: closes what is still open so that a blocked client returns; nothing after this is counted. */
    @Override
    public void close() throws InterruptedException
    {
        stopping = true;
        for (Wire wire : open)
            wire.close();
        awaitClients(Duration.ofSeconds(40));
    }

    @Override
    public String toString()
    {
        return String.format("completed %d, error status %d (503: %d), truncated %d, resets %d (on send %d, before the response %d of which on a fresh connection %d, after a response %d), "
                + "FIN before any byte %d, Connection: close %d, refused connects %d, timeouts %d, other errors %d%s",
            completed.get(), errorStatus.get(), status503.get(), truncated.get(), resets.get(), resetsOnSend.get(), resetsBeforeResponse.get(),
            freshConnectionResets.get(), resetsAfterResponse.get(), finBeforeAnyByte.get(), connectionClose.get(), refusedConnects.get(),
            timeouts.get(), otherErrors.get(), errorSamples.isEmpty() ? "" : " " + errorSamples);
    }
}
