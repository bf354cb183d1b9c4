package dev.gracefuldrain;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ContextHandler;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.ScheduledExecutorScheduler;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static dev.gracefuldrain.Harness.ms;
import static dev.gracefuldrain.Harness.send;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The drain's clocks: the timeout, the stream budget, the handshake budget. */
@Timeout(value = 15, unit = TimeUnit.SECONDS)
class DeadlinesTest
{
    @Test
    void theTimeoutAbortsBusyConnectionsAndNamesTheCutRequests() throws Exception
    {
        long timeoutMs = 300;
        TrackedConnectionTest.App app = new TrackedConnectionTest.App();
        try (Harness.LogCapture log = new Harness.LogCapture();
             Harness h = Harness.start(new DrainSettings(String.valueOf(timeoutMs), "100"), app, null, Harness.loopback());
             Socket client = h.connect())
        {
            send(client, "GET /block?id=7 HTTP/1.1\r\nHost: x\r\n\r\n");
            assertTrue(app.entered.await(5, TimeUnit.SECONDS));
            long stopStart = System.nanoTime();
            CompletableFuture<Long> stopped = h.stopAsync();
            assertEquals(-1, client.getInputStream().read(), "cut at the timeout: closed with no response byte");
            long cutAt = System.nanoTime();
            app.release.countDown();
            stopped.get(5, TimeUnit.SECONDS);

            assertTrue(ms(stopStart, cutAt) >= timeoutMs, "cut " + ms(stopStart, cutAt) + " ms after the stop request");
            assertTrue(ms(stopStart, cutAt) < timeoutMs + 2000, "cut " + ms(stopStart, cutAt) + " ms after the stop request");
            String forcing = log.find("graceful-drain: forcing at ");
            assertTrue(forcing != null && forcing.endsWith(" ms: timeout reached, aborting h1 1 connection(s)"), log.drainLines().toString());
            String cut = log.find("graceful-drain: cut ");
            assertTrue(cut != null, log.drainLines().toString());
            Matcher m = Pattern.compile("graceful-drain: cut GET /block\\?id=7 from /127\\.0\\.0\\.1:(\\d+) after (\\d+) ms").matcher(cut);
            assertTrue(m.matches(), cut);
            assertEquals(client.getLocalPort(), Integer.parseInt(m.group(1)), cut);
            assertTrue(Long.parseLong(m.group(2)) >= timeoutMs, "the request ran from before the stop: " + cut);
            String summary = h.drain.status().getLastDrainSummary();
            assertTrue(summary.startsWith("idle closed=0, never-used closed=0, busy finished=0, busy aborted=1, "), summary);
            log.assertLogged("graceful-drain: forced in ");
        }
    }

    /**
     * Two long responses: server-sent events (by Content-Type) and one the webapp marked with the request
     * attribute. The webapp is told the drain began, with its budget; at the budget both are ended and counted.
     */
    @Test
    void theStreamBudgetEndsLongResponsesAndCountsThem() throws Exception
    {
        long budgetMs = 200;
        CountDownLatch streaming = new CountDownLatch(2);
        Handler.Abstract longResponses = new Handler.Abstract()
        {
            @Override
            public boolean handle(Request request, Response response, Callback callback)
            {
                if ("/events".equals(request.getHttpURI().getPath()))
                    response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/event-stream");
                else
                    request.setAttribute(DrainNotice.LONG_RESPONSE_ATTRIBUTE, Boolean.TRUE);
                // The first part, then nothing: the callback is left for the stream budget to fail.
                response.write(false, Harness.ascii("data: 1\n\n"), Callback.from(streaming::countDown, x -> { }));
                return true;
            }
        };
        ContextHandler context = new ContextHandler(longResponses, "/");
        try (Harness.LogCapture log = new Harness.LogCapture();
             Harness h = Harness.start(new DrainSettings("5000", "100", "", "0", "1000", "", String.valueOf(budgetMs)), context, null, Harness.loopback());
             Socket events = h.connect();
             Socket marked = h.connect())
        {
            @SuppressWarnings("unchecked")
            CompletionStage<Duration> draining = (CompletionStage<Duration>)context.getAttribute(DrainNotice.DRAINING_ATTRIBUTE);
            CompletableFuture<Duration> told = draining.toCompletableFuture();
            assertTrue(!told.isDone());
            send(events, "GET /events HTTP/1.1\r\nHost: x\r\n\r\n");
            send(marked, "GET /poll HTTP/1.1\r\nHost: x\r\n\r\n");
            assertTrue(streaming.await(5, TimeUnit.SECONDS));

            long stopStart = System.nanoTime();
            CompletableFuture<Long> stopped = h.stopAsync();
            assertEquals(Duration.ofMillis(budgetMs), told.get(5, TimeUnit.SECONDS), "the webapp is told its budget");
            String first = readToEnd(events.getInputStream());
            String second = readToEnd(marked.getInputStream());
            long endedAt = System.nanoTime();
            stopped.get(5, TimeUnit.SECONDS);

            assertTrue(first.startsWith("HTTP/1.1 200") && first.contains("text/event-stream") && first.contains("data: 1"), first);
            assertTrue(second.startsWith("HTTP/1.1 200") && second.contains("data: 1"), second);
            assertTrue(ms(stopStart, endedAt) >= budgetMs, "ended " + ms(stopStart, endedAt) + " ms after the stop request");
            log.assertLogged("graceful-drain: stream budget of 200 ms over: ended 2 long response(s)");
            String summary = h.drain.status().getLastDrainSummary();
            assertTrue(summary.startsWith("idle closed=0, never-used closed=0, busy finished=2, busy aborted=0, "), summary);
            assertTrue(summary.endsWith("; long responses ended=2"), summary);
        }
    }

    private static String readToEnd(InputStream in) throws IOException
    {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        byte[] buffer = new byte[1024];
        for (int n = in.read(buffer); n >= 0; n = in.read(buffer))
            all.write(buffer, 0, n);
        return all.toString(StandardCharsets.US_ASCII);
    }

    /** Waits for a task scheduled {@code delayMs} from now on the same scheduler (its single thread runs tasks in time order). */
    private static void awaitSchedulerPast(ScheduledExecutorScheduler scheduler, long delayMs) throws Exception
    {
        CompletableFuture<Void> marker = new CompletableFuture<>();
        scheduler.schedule(() -> marker.complete(null), delayMs, TimeUnit.MILLISECONDS);
        marker.get(5, TimeUnit.SECONDS);
    }

    @Test
    void theHandshakeBudgetIsArmedOnceAndCountsFromTheStopRequest() throws Exception
    {
        ScheduledExecutorScheduler scheduler = new ScheduledExecutorScheduler("test-deadlines", true);
        scheduler.start();
        try
        {
            // handshakeTimeout 250 ms; the first handshake was found 200 ms into the drain: 50 ms are left.
            Deadlines deadlines = new Deadlines(scheduler, new DrainSettings("1000", "0", "", "0", "1000", "250", "500"));
            AtomicInteger fired = new AtomicInteger();
            AtomicLong firedAt = new AtomicLong();
            long armedAt = System.nanoTime();
            deadlines.handshakeBudget(200, () ->
            {
                firedAt.set(System.nanoTime());
                fired.incrementAndGet();
            });
            deadlines.handshakeBudget(0, fired::incrementAndGet);
            deadlines.handshakeBudget(10, fired::incrementAndGet);
            awaitSchedulerPast(scheduler, 400);
            assertEquals(1, fired.get(), "armed once");
            assertTrue(ms(armedAt, firedAt.get()) >= 50, "fired " + ms(armedAt, firedAt.get()) + " ms after it was armed");
            assertTrue(ms(armedAt, firedAt.get()) < 250, "fired " + ms(armedAt, firedAt.get()) + " ms after it was armed: the 200 ms already elapsed count");

            // A budget already spent when the first handshake is found: fires at once.
            Deadlines late = new Deadlines(scheduler, new DrainSettings("1000", "0", "", "0", "1000", "250", "500"));
            CompletableFuture<Void> atOnce = new CompletableFuture<>();
            late.handshakeBudget(900, () -> atOnce.complete(null));
            atOnce.get(5, TimeUnit.SECONDS);
        }
        finally
        {
            scheduler.stop();
        }
    }

    @Test
    void theStreamBudgetAndTimeoutFireInOrderAndCancelStopsEveryClock() throws Exception
    {
        ScheduledExecutorScheduler scheduler = new ScheduledExecutorScheduler("test-deadlines", true);
        scheduler.start();
        try
        {
            DrainSettings settings = new DrainSettings("120", "0", "", "0", "1000", "30", "60");
            Deadlines running = new Deadlines(scheduler, settings);
            List<String> order = new CopyOnWriteArrayList<>();
            running.timeout(0, () -> order.add("timeout"));
            running.streamBudget(0, () -> order.add("stream"));
            running.handshakeBudget(0, () -> order.add("handshake"));
            awaitSchedulerPast(scheduler, 250);
            assertEquals(List.of("handshake", "stream", "timeout"), order);

            Deadlines cancelled = new Deadlines(scheduler, settings);
            AtomicInteger fired = new AtomicInteger();
            cancelled.timeout(0, fired::incrementAndGet);
            cancelled.streamBudget(0, fired::incrementAndGet);
            cancelled.handshakeBudget(0, fired::incrementAndGet);
            cancelled.cancel();
            awaitSchedulerPast(scheduler, 250);
            assertEquals(0, fired.get(), "the drain completed: no clock fires after it");
        }
        finally
        {
            scheduler.stop();
        }
    }
}
