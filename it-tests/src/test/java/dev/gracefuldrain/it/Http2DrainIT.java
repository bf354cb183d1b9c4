package dev.gracefuldrain.it;

import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import dev.gracefuldrain.testsupport.Jetty;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * HTTP/2: the two-step GOAWAY. GOAWAY(2^31-1) and a PING at once; after the PING's answer (or at most
 * 1 s) the final GOAWAY with the last stream received; a stream that crossed the first GOAWAY is served,
 * one sent after the final GOAWAY is refused with REFUSED_STREAM; each connection closes (FIN) once its
 * last stream is done.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class Http2DrainIT
{
    static final int MAX = Integer.MAX_VALUE;

    @Test
    void h2cTwoStepGoAwayFrameByFrame() throws Exception
    {
        Jetty.Base base = Jetty.base("h2c", Jetty.Enable.START_D, "http", "http2c", "ee10-deploy", "graceful-drain");
        try (Jetty.Server server = base.start())
        {
            // Busy: stream 1 takes 2.5 s.
            H2Wire busy = H2Wire.open(server.port);
            busy.get(1, "/sample/slow?ms=2500");
            // Idle: one stream done, then nothing; it will not answer the PING either.
            H2Wire idle = H2Wire.open(server.port);
            idle.get(1, "/sample/fast");
            assertEndOfStream(idle, 1);
            // An upload: 8 000 of its 20 000 bytes arrive before the stop, the rest after it.
            H2Wire upload = H2Wire.open(server.port);
            upload.post(1, "/sample/upload", 20_000);
            upload.data(1, 8000, false);
            try
            {
                DrainScenario.awaitInFlight(server.port, 2, Duration.ofSeconds(5));
            }
            catch (AssertionError x)
            {
                StringBuilder frames = new StringBuilder();
                for (H2Wire.Frame f = upload.next(50); f != null; f = upload.next(50))
                    frames.append(f).append(f.type() == 3 || f.type() == 7 ? " err=" + f.errorCode() : "").append("; ");
                StringBuilder bf = new StringBuilder();
                for (H2Wire.Frame f = busy.next(50); f != null; f = busy.next(50))
                    bf.append(f).append("; ");
                throw new AssertionError(x.getMessage() + "\nupload frames: " + frames + "\nbusy frames: " + bf + "\n" + server.log());
            }

            CompletableFuture<IdleWitness> idleSeen = CompletableFuture.supplyAsync(() -> watchIdle(idle));
            long t0 = server.sigterm();
            CompletableFuture<String> uploaded = CompletableFuture.supplyAsync(() -> finishUpload(upload));

            H2Wire.Frame first = busy.await(H2Wire.GOAWAY, 5000);
            assertNotNull(first, "a GOAWAY within 5 s");
            assertEquals(MAX, first.lastStreamId(), "the first GOAWAY says 2^31-1");
            // Without Jetty's frame listener (12.0.16) the drain sends no PING: the final GOAWAY comes 1 s after the first.
            H2Wire.Frame ping = Jetty.H2_FRAME_LISTENER ? busy.await(H2Wire.PING, 2000) : null;
            if (Jetty.H2_FRAME_LISTENER)
            {
                assertNotNull(ping, "a PING after the first GOAWAY");
                assertTrue((ping.flags() & H2Wire.ACK) == 0, "a PING, not an answer");
            }
            // A request that crossed the first GOAWAY: sent before we answer the PING. It must be served.
            busy.get(3, "/sample/fast");
            if (ping != null)
                busy.pingAck(ping);

            H2Wire.Frame last = null;
            H2Wire.Frame refused = null;
            H2Wire.Frame end = null;
            long lastStreamEnd = 0;
            Set<Integer> ended = new HashSet<>();
            List<String> seen = new ArrayList<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
            while (end == null && System.nanoTime() < deadline)
            {
                H2Wire.Frame frame = busy.next(1000);
                if (frame == null)
                    continue;
                seen.add(frame.toString());
                if (frame.is(H2Wire.GOAWAY) && last == null)
                {
                    last = frame;
                    // Too late: this stream comes after the final GOAWAY.
                    busy.get(5, "/sample/fast");
                }
                else if (frame.is(H2Wire.RST_STREAM))
                    refused = frame;
                else if ((frame.is(H2Wire.DATA) || frame.is(H2Wire.HEADERS)) && (frame.flags() & H2Wire.END_STREAM) != 0)
                {
                    ended.add(frame.streamId());
                    lastStreamEnd = frame.nanos();
                }
                else if (frame.type() < 0)
                    end = frame;
            }
            busy.close();
            IdleWitness idleWitness = idleSeen.get(20, TimeUnit.SECONDS);
            String uploadEnd = uploaded.get(20, TimeUnit.SECONDS);
            long exit = server.awaitExit(Duration.ofSeconds(30));
            String summary = server.summaryLine();
            H2Wire.Frame finalGoAway = last;
            H2Wire.Frame reset = refused;
            H2Wire.Frame closed = end;
            long lastEnd = lastStreamEnd;
            String report = String.format("busy: first GOAWAY %d ms, final GOAWAY %s at %d ms, refused %s, streams ended %s, end %s %d ms after last stream; "
                    + "idle: %s; upload: %s; exit %d ms%nframes: %s%n%s",
                TlsDrainIT.ms(t0, first.nanos()), finalGoAway == null ? "none" : finalGoAway.lastStreamId(), finalGoAway == null ? -1 : TlsDrainIT.ms(t0, finalGoAway.nanos()),
                reset, ended, closed, closed == null ? -1 : TlsDrainIT.ms(lastEnd, closed.nanos()), idleWitness, uploadEnd, TlsDrainIT.ms(t0, exit), seen, summary);
            System.out.println("[h2c] " + report);
            assertAll(report,
                () -> assertTrue(TlsDrainIT.ms(t0, first.nanos()) < DrainIT.AT_ONCE_MS, "first GOAWAY at once"),
                () -> assertNotNull(finalGoAway, "a final GOAWAY"),
                () -> assertEquals(3, finalGoAway.lastStreamId(), "the final GOAWAY names the stream that crossed the first"),
                () -> assertLateStream(reset, ended),
                () -> assertTrue(ended.containsAll(Set.of(1, 3)), "streams 1 and 3 served to the end"),
                () -> assertNotNull(closed, "the connection ended"),
                () -> assertEquals("FIN", closed.end(), "with a FIN, no reset"),
                () -> assertTrue(TlsDrainIT.ms(lastEnd, closed.nanos()) < 500, "right after its last stream"),
                () -> assertEquals(MAX, idleWitness.first, "idle: first GOAWAY 2^31-1"),
                () -> assertEquals(1, idleWitness.last, "idle: final GOAWAY names its one stream"),
                () -> assertTrue(idleWitness.pingWaitMs >= 800 && idleWitness.pingWaitMs < 3000,
                    "idle: unanswered PING waited for at most about 1 s"),
                () -> assertEquals("FIN", idleWitness.end, "idle: FIN"),
                () -> assertTrue(idleWitness.closeAfterFinalMs < 500, "idle: closed right after the final GOAWAY"),
                () -> assertEquals("answered, then FIN", uploadEnd, "upload still arriving at the stop: read to the end and answered"),
                () -> assertTrue(summary.contains("h2 idle=1"), "summary counts the idle h2 connection"),
                () -> assertTrue(summary.contains("h2 finished=2 aborted=0"), "summary counts the busy h2 connections"),
                () -> assertTrue(summary.contains("h2 streams refused=" + (Jetty.H2_FRAME_LISTENER ? 1 : 0)), "summary counts the refused stream"));
        }
    }

    /**
     * Stream 5, sent after the final GOAWAY, is never served: refused with RST_STREAM(REFUSED_STREAM); on a Jetty
     * without the frame listener (12.0.16) dropped by Jetty unanswered, the GOAWAY's last stream id telling the
     * client to retry it.
     */
    private static void assertLateStream(H2Wire.Frame reset, Set<Integer> ended)
    {
        assertTrue(!ended.contains(5), "stream 5 was not served");
        if (!Jetty.H2_FRAME_LISTENER)
            return;
        assertNotNull(reset, "the stream after the final GOAWAY was reset");
        assertEquals(5, reset.streamId(), "stream 5 reset");
        assertEquals(H2Wire.REFUSED_STREAM, reset.errorCode(), "with REFUSED_STREAM");
    }

    /** An HTTP/2 stream still running at the timeout: cut, named in the log, its connection closed, and the stop ends. */
    @Test
    void h2cStreamCutAtTheTimeout() throws Exception
    {
        Jetty.Base base = Jetty.base("h2c-timeout", Jetty.Enable.START_D, "http", "http2c", "ee10-deploy", "graceful-drain");
        try (Jetty.Server server = base.start("jetty.drain.timeout=1500");
             H2Wire wire = H2Wire.open(server.port))
        {
            wire.get(1, "/sample/slow?ms=60000");
            DrainScenario.awaitInFlight(server.port, 1, Duration.ofSeconds(20));
            long t0 = server.sigterm();
            H2Wire.Frame end = wire.await(-1, 10_000);
            long exit = server.awaitExit(Duration.ofSeconds(30));
            String log = server.log();
            String summary = server.summaryLine();
            String report = String.format("end %s at %d ms, exit %d ms%n%s", end, end == null ? -1 : TlsDrainIT.ms(t0, end.nanos()), TlsDrainIT.ms(t0, exit), summary);
            System.out.println("[h2c timeout] " + report);
            assertAll(report,
                () -> assertNotNull(end, "the connection was closed"),
                () -> assertTrue(end != null && TlsDrainIT.ms(t0, end.nanos()) >= 1400, "not before the timeout"),
                () -> assertTrue(end != null && TlsDrainIT.ms(t0, end.nanos()) < 1500 + 1500, "at the timeout"),
                () -> assertTrue(TlsDrainIT.ms(t0, exit) < 1500 + 2500, "the stop ended soon after the timeout"),
                () -> assertTrue(log.matches("(?s).*graceful-drain: cut GET /sample/slow\\?ms=60000 from /127\\.0\\.0\\.1:\\d+ over h2 after \\d+ ms.*"), "the stream is named"),
                () -> assertTrue(summary.contains("h2 finished=0 aborted=1"), "summary counts it aborted"));
        }
    }

    /** Sends the rest of the upload once the first GOAWAY is seen; the response must end its stream, then a FIN. */
    private static String finishUpload(H2Wire upload)
    {
        try (upload)
        {
            if (upload.await(H2Wire.GOAWAY, 10_000) == null)
                return "no GOAWAY";
            upload.data(1, 12_000, true);
            StringBuilder body = new StringBuilder();
            boolean ended = false;
            while (true)
            {
                H2Wire.Frame frame = upload.next(10_000);
                boolean answered = ended && body.toString().contains("received 20000 bytes");
                if (frame == null)
                    return answered ? "answered, never closed" : "no answer: " + body;
                if (frame.type() < 0)
                    return (answered ? "answered, then " : "not answered (" + body + "), ") + frame.end();
                if (frame.streamId() == 1 && frame.is(H2Wire.DATA))
                    body.append(new String(frame.payload(), java.nio.charset.StandardCharsets.UTF_8));
                if (frame.streamId() == 1 && (frame.flags() & H2Wire.END_STREAM) != 0)
                    ended = true;
            }
        }
        catch (Exception x)
        {
            return "failed: " + x;
        }
    }

    /** What the idle connection saw: both GOAWAYs, how long the unanswered PING held the final one, the end. */
    record IdleWitness(int first, int last, long pingWaitMs, String end, long closeAfterFinalMs)
    {
    }

    private static IdleWitness watchIdle(H2Wire idle)
    {
        try
        {
            H2Wire.Frame first = idle.await(H2Wire.GOAWAY, 10_000);
            H2Wire.Frame last = idle.await(H2Wire.GOAWAY, 5000);
            H2Wire.Frame end = idle.await(-1, 5000);
            idle.close();
            return new IdleWitness(first == null ? -1 : first.lastStreamId(), last == null ? -1 : last.lastStreamId(),
                first == null || last == null ? -1 : TlsDrainIT.ms(first.nanos(), last.nanos()), end == null ? "still open" : end.end(),
                last == null || end == null ? -1 : TlsDrainIT.ms(last.nanos(), end.nanos()));
        }
        catch (InterruptedException x)
        {
            throw new IllegalStateException(x);
        }
    }

    private static void assertEndOfStream(H2Wire wire, int streamId) throws InterruptedException
    {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline)
        {
            H2Wire.Frame frame = wire.next(1000);
            if (frame != null && frame.streamId() == streamId && (frame.flags() & H2Wire.END_STREAM) != 0
                && (frame.is(H2Wire.DATA) || frame.is(H2Wire.HEADERS)))
                return;
        }
        throw new AssertionError("stream " + streamId + " did not end");
    }

    /**
     * Jetty's own HTTP2Client, five streams in flight on one h2c connection at the stop: all five are
     * served to the end, and the client's session hears GOAWAY(2^31-1), then the final GOAWAY.
     */
    @Test
    void h2cWithJettyHttp2Client() throws Exception
    {
        Jetty.Base base = Jetty.base("h2c-client", Jetty.Enable.START_D, "http", "http2c", "ee10-deploy", "graceful-drain");
        org.eclipse.jetty.http2.client.HTTP2Client client = new org.eclipse.jetty.http2.client.HTTP2Client();
        client.start();
        try (Jetty.Server server = base.start())
        {
            List<String> goAways = java.util.Collections.synchronizedList(new ArrayList<>());
            org.eclipse.jetty.http2.api.Session session = client.connect(new java.net.InetSocketAddress(Jetty.HOST, server.port),
                new org.eclipse.jetty.http2.api.Session.Listener()
                {
                    @Override
                    public void onGoAway(org.eclipse.jetty.http2.api.Session session, org.eclipse.jetty.http2.frames.GoAwayFrame frame)
                    {
                        goAways.add(Integer.toString(frame.getLastStreamId()));
                    }
                }).get(10, TimeUnit.SECONDS);
            List<CompletableFuture<String>> responses = new ArrayList<>();
            for (int i = 0; i < 5; i++)
                responses.add(request(session, server.port, "/sample/slow?ms=2000"));
            DrainScenario.awaitInFlight(server.port, 5, Duration.ofSeconds(20));
            long t0 = server.sigterm();
            List<String> results = new ArrayList<>();
            for (CompletableFuture<String> response : responses)
                results.add(response.get(20, TimeUnit.SECONDS));
            long exit = server.awaitExit(Duration.ofSeconds(30));
            String summary = server.summaryLine();
            String report = "responses " + results + ", GOAWAYs " + goAways + ", exit " + TlsDrainIT.ms(t0, exit) + " ms\n" + summary;
            System.out.println("[h2c HTTP2Client] " + report);
            assertAll(report,
                () -> assertEquals(List.of("200", "200", "200", "200", "200"), results, "all five streams served"),
                () -> assertTrue(goAways.size() >= 2 && goAways.get(0).equals(Integer.toString(MAX)), "first GOAWAY 2^31-1"),
                () -> assertEquals("9", goAways.get(goAways.size() - 1), "final GOAWAY: the last of the five streams (1, 3, 5, 7, 9)"),
                () -> assertTrue(summary.contains("h2 finished=1 aborted=0"), "summary counts the h2 connection"));
        }
        finally
        {
            client.stop();
        }
    }

    /** A GET on a new stream; completes with the status once the response has ended, or with what went wrong. */
    static CompletableFuture<String> request(org.eclipse.jetty.http2.api.Session session, int port, String path)
    {
        CompletableFuture<String> result = new CompletableFuture<>();
        org.eclipse.jetty.http.MetaData.Request request = new org.eclipse.jetty.http.MetaData.Request("GET",
            org.eclipse.jetty.http.HttpURI.from("http://" + Jetty.HOST + ":" + port + path), org.eclipse.jetty.http.HttpVersion.HTTP_2,
            org.eclipse.jetty.http.HttpFields.EMPTY);
        int[] status = new int[1];
        session.newStream(new org.eclipse.jetty.http2.frames.HeadersFrame(request, null, true), new org.eclipse.jetty.http2.api.Stream.Listener()
        {
            @Override
            public void onHeaders(org.eclipse.jetty.http2.api.Stream stream, org.eclipse.jetty.http2.frames.HeadersFrame frame)
            {
                if (frame.getMetaData() instanceof org.eclipse.jetty.http.MetaData.Response response)
                    status[0] = response.getStatus();
                if (frame.isEndStream())
                    result.complete(Integer.toString(status[0]));
                else
                    stream.demand();
            }

            @Override
            public void onDataAvailable(org.eclipse.jetty.http2.api.Stream stream)
            {
                org.eclipse.jetty.http2.api.Stream.Data data = stream.readData();
                if (data == null)
                {
                    stream.demand();
                    return;
                }
                data.release();
                if (data.frame().isEndStream())
                    result.complete(Integer.toString(status[0]));
                else
                    stream.demand();
            }

            @Override
            public void onReset(org.eclipse.jetty.http2.api.Stream stream, org.eclipse.jetty.http2.frames.ResetFrame frame, org.eclipse.jetty.util.Callback callback)
            {
                result.complete("reset " + frame.getError());
                callback.succeeded();
            }

            @Override
            public void onFailure(org.eclipse.jetty.http2.api.Stream stream, int error, String reason, Throwable failure, org.eclipse.jetty.util.Callback callback)
            {
                result.complete("failed " + reason);
                callback.succeeded();
            }
        }).whenComplete((stream, failure) ->
        {
            if (failure != null)
                result.complete("not opened: " + failure);
        });
        return result;
    }

    /**
     * HTTP/2 over TLS with a real client: nghttp (Debian's nghttp2-client) prints every frame it
     * receives; its in-flight request is served, and it sees both GOAWAYs.
     */
    @Test
    void h2OverTlsWithNghttp() throws Exception
    {
        Assumptions.assumeTrue(Files.isExecutable(java.nio.file.Path.of("/usr/bin/nghttp")), "nghttp not installed (apt-get install nghttp2-client)");
        Jetty.Base base = Jetty.base("h2-tls", Jetty.Enable.START_D, "http", "ssl", "https", "http2", "ee10-deploy", "graceful-drain");
        int tlsPort = Jetty.freePort();
        try (Jetty.Server server = base.start(base.tls(tlsPort).toArray(String[]::new)))
        {
            String url = "https://127.0.0.1:" + tlsPort + "/sample/slow?ms=2000";
            CompletableFuture<Jetty.Result> nghttp = CompletableFuture.supplyAsync(() ->
            {
                try
                {
                    return Jetty.run(List.of("/usr/bin/nghttp", "-nv", "-t", "30", url), java.util.Map.of(), base.dir, Duration.ofSeconds(40));
                }
                catch (Exception x)
                {
                    throw new IllegalStateException(x);
                }
            });
            DrainScenario.awaitInFlight(server.port, 1, Duration.ofSeconds(20));
            long t0 = server.sigterm();
            Jetty.Result result = nghttp.get(45, TimeUnit.SECONDS);
            long exit = server.awaitExit(Duration.ofSeconds(30));
            String out = result.output();
            String summary = server.summaryLine();
            System.out.println("[h2 tls nghttp] exit " + TlsDrainIT.ms(t0, exit) + " ms\n" + out + "\n" + summary);
            java.util.regex.Matcher sent = java.util.regex.Pattern.compile("send HEADERS frame <[^>]*stream_id=(\\d+)>").matcher(out);
            String streamId = sent.find() ? sent.group(1) : "?";
            int firstGoAway = out.indexOf("last_stream_id=2147483647");
            int finalGoAway = out.indexOf("last_stream_id=" + streamId + ",", Math.max(0, firstGoAway));
            assertAll(out + "\n" + summary,
                () -> assertEquals(0, result.exitCode(), "nghttp succeeded"),
                () -> assertTrue(out.contains(":status: 200"), "the in-flight request was served"),
                () -> assertTrue(firstGoAway >= 0, "first GOAWAY 2^31-1"),
                () -> assertTrue(finalGoAway > firstGoAway, "then the final GOAWAY with the stream served"),
                () -> assertTrue(summary.contains("h2 finished=1 aborted=0"), "summary counts the h2 connection"));
        }
    }
}
