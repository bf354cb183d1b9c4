package dev.gracefuldrain.it;

import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import dev.gracefuldrain.testsupport.Await;
import dev.gracefuldrain.testsupport.Wire;

/**
 * Keep-alive clients that send GETs and POSTs with bodies without pause, reconnecting whenever the
 * server closes, and count what they see. Bounded: stops on {@link #close()} or after its deadline.
 */
final class KeepAliveLoad implements AutoCloseable
{
    final AtomicLong completed = new AtomicLong();
    final AtomicLong truncated = new AtomicLong();
    final AtomicLong errorStatus = new AtomicLong();
    final AtomicLong resets = new AtomicLong();
    final AtomicLong resetsOnSend = new AtomicLong();
    final AtomicLong resetsBeforeResponse = new AtomicLong();
    final AtomicLong resetsAfterResponse = new AtomicLong();
    final AtomicLong freshConnectionResets = new AtomicLong();
    /** When each reset was seen (System.nanoTime()), to place it against start and stop. */
    final Queue<Long> resetTimes = new ConcurrentLinkedQueue<>();
    /** Ids of the POSTs that got a complete answer. */
    final Queue<String> answeredPosts = new ConcurrentLinkedQueue<>();
    private final AtomicLong nextPostId = new AtomicLong();
    final AtomicLong finBeforeAnyByte = new AtomicLong();
    final AtomicLong refusedConnects = new AtomicLong();
    final AtomicLong connectionClose = new AtomicLong();
    private final int port;
    private final long deadlineNanos;
    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean running = true;

    KeepAliveLoad(int port, int clients, Duration maxDuration)
    {
        this.port = port;
        this.deadlineNanos = System.nanoTime() + maxDuration.toNanos();
        for (int i = 0; i < clients; i++)
        {
            Thread thread = new Thread(this::client, "load-" + i);
            thread.setDaemon(true);
            threads.add(thread);
            thread.start();
        }
    }

    private boolean running()
    {
        return running && System.nanoTime() < deadlineNanos;
    }

    private void client()
    {
        Wire wire = null;
        long n = 0;
        while (running())
        {
            boolean fresh = wire == null;
            try
            {
                if (wire == null)
                    wire = Wire.open(port);
            }
            catch (ConnectException refused)
            {
                refusedConnects.incrementAndGet();
                pause();
                continue;
            }
            catch (IOException x)
            {
                pause();
                continue;
            }
            boolean post = (n++ & 1) == 1;
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
                resets.incrementAndGet();
                resetsOnSend.incrementAndGet();
                wire.close();
                wire = null;
                continue;
            }
            try
            {
                Wire.Response response = wire.readResponse(Duration.ofSeconds(30));
                String expected = post ? "received 1000 bytes\n" : "fast\n";
                if (response.complete() && response.status() == 200 && response.bodyText().equals(expected))
                {
                    completed.incrementAndGet();
                    if (post)
                        answeredPosts.add(postId);
                }
                else if (response.complete())
                    errorStatus.incrementAndGet();
                else
                    truncated.incrementAndGet();
                if (response.connectionClose())
                {
                    connectionClose.incrementAndGet();
                    if (wire.awaitClose(Duration.ofSeconds(10)).kind() == Wire.Close.RESET)
                    {
                        resets.incrementAndGet();
                        resetsAfterResponse.incrementAndGet();
                    }
                    wire = null;
                }
            }
            catch (SocketException x)
            {
                resets.incrementAndGet();
                resetsBeforeResponse.incrementAndGet();
                if (fresh)
                    freshConnectionResets.incrementAndGet();
                resetTimes.add(System.nanoTime());
                wire.close();
                wire = null;
            }
            catch (IOException x)
            {
                // closed before any byte of the response: the request was never handled; send it again
                finBeforeAnyByte.incrementAndGet();
                wire.close();
                wire = null;
            }
        }
        if (wire != null)
            wire.close();
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

    /** Requests that failed, as a client sees it: an error status, a truncated answer, a reset, or a close with no answer. */
    long failed()
    {
        return errorStatus.get() + truncated.get() + resets.get() + finBeforeAnyByte.get();
    }

    /** Waits, bounded, until {@code more} further responses have completed. */
    void awaitCompleted(long more, Duration timeout) throws Exception
    {
        long target = completed.get() + more;
        Await.until("load makes progress", timeout, Duration.ofMillis(5), () -> this, load -> load.completed.get() >= target);
    }

    @Override
    public void close() throws InterruptedException
    {
        running = false;
        for (Thread thread : threads)
            thread.join(TimeUnit.SECONDS.toMillis(40));
    }

    @Override
    public String toString()
    {
        return String.format("completed %d, error status %d, truncated %d, resets %d (on send %d, before the response %d of which on a fresh connection %d, after a response %d), "
                + "FIN before any byte %d, Connection: close %d, refused connects %d",
            completed.get(), errorStatus.get(), truncated.get(), resets.get(), resetsOnSend.get(), resetsBeforeResponse.get(), freshConnectionResets.get(),
            resetsAfterResponse.get(), finBeforeAnyByte.get(), connectionClose.get(), refusedConnects.get());
    }
}
