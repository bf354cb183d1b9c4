package dev.gracefuldrain.jmh;

import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.concurrent.TimeUnit;

import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpURI;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.http.MetaData;
import org.eclipse.jetty.http2.frames.Frame;
import org.eclipse.jetty.http2.frames.HeadersFrame;
import org.eclipse.jetty.http2.frames.PrefaceFrame;
import org.eclipse.jetty.http2.frames.SettingsFrame;
import org.eclipse.jetty.http2.generator.Generator;
import org.eclipse.jetty.http2.server.HTTP2CServerConnectionFactory;
import org.eclipse.jetty.io.ArrayByteBufferPool;
import org.eclipse.jetty.io.RetainableByteBuffer;
import org.eclipse.jetty.server.HttpConfiguration;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * HTTP/2 (h2c, prior knowledge) streams on one open connection, through Jetty's server-side h2:
 * HTTP2ServerConnection parses the frames, HTTP2ServerSession opens a stream per HEADERS frame,
 * HttpStreamOverHTTP2 and HttpChannelState run the handlers, the response HEADERS (200, END_STREAM)
 * is generated (HPACK) and flushed, the stream closes and the exchange completes.
 * <p>Each invocation feeds {@value #STREAMS} HEADERS frames (GET, END_STREAM) in one read, with fresh
 * stream ids; the score is per stream (per request). {@code inFlight=1}: each stream is answered at
 * once, before the next is parsed. {@code inFlight=8}: the application completes the 8 together once the
 * last has arrived, so 8 streams are open at once on the connection (the case the drain's
 * per-connection tracking is built for).</p>
 * <p>The client side is Jetty's own h2 frame generator, run once at setup: the HEADERS frame is
 * generated for stream 1 by a fresh HPACK encoder (static-table and literal fields only, so the
 * same header block decodes the same every time) and replayed with each new stream id.</p>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class Http2Streams
{
    static final int STREAMS = 8;

    @Param({"bare", "drain", "graceful"})
    public String wrapper;

    @Param({"1", "8"})
    public int inFlight;

    private Rig rig;
    private Answer answer;
    private ByteBuffer batch;
    private int frameLength;
    private int nextStreamId = 1;

    @Setup
    public void setUp() throws Exception
    {
        if (STREAMS % inFlight != 0)
            throw new IllegalArgumentException("inFlight must divide " + STREAMS);
        answer = new Answer(inFlight);
        HTTP2CServerConnectionFactory h2c = new HTTP2CServerConnectionFactory(new HttpConfiguration());
        rig = new Rig(wrapper, h2c, answer);

        Generator generator = new Generator(new ArrayByteBufferPool());
        // The client preface and SETTINGS, then the ack of the server's SETTINGS.
        rig.exchange(frames(generator, new PrefaceFrame(), new SettingsFrame(new HashMap<>(), false)));
        rig.exchange(frames(generator, new SettingsFrame(new HashMap<>(), true)));

        MetaData.Request get = new MetaData.Request("GET", HttpURI.from("http://localhost/fast"), HttpVersion.HTTP_2, HttpFields.EMPTY);
        ByteBuffer template = frames(generator, new HeadersFrame(1, get, null, true));
        frameLength = template.remaining();
        batch = ByteBuffer.allocate(frameLength * STREAMS);
        for (int i = 0; i < STREAMS; i++)
            batch.put(template.duplicate());
        batch.flip();

        for (int i = 0; i < 3; i++)
        {
            long before = answer.handled;
            int answered = countResponseHeaders(streams());
            if (answer.handled - before != STREAMS || answered != STREAMS)
                throw new IllegalStateException(wrapper + ": " + STREAMS + " streams in, " + (answer.handled - before)
                    + " handled and " + answered + " answered on the calling thread");
        }
        rig.checkTracked();
        CpuProfiler.worker = Thread.currentThread().getId();
    }

    @Benchmark
    @OperationsPerInvocation(STREAMS)
    public ByteBuffer streams()
    {
        ByteBuffer batch = this.batch;
        for (int i = 0; i < STREAMS; i++)
        {
            // The 31-bit stream id, bytes 5-8 of the frame header.
            batch.putInt(i * frameLength + 5, nextStreamId);
            nextStreamId += 2;
        }
        batch.position(0);
        return rig.exchange(batch);
    }

    @TearDown
    public void tearDown() throws Exception
    {
        if (answer.waiting() != 0)
            throw new IllegalStateException(answer.waiting() + " streams left unanswered");
        rig.checkTracked();
        rig.close();
    }

    private static ByteBuffer frames(Generator generator, Frame... frames) throws Exception
    {
        RetainableByteBuffer.Mutable out = new RetainableByteBuffer.DynamicCapacity();
        for (Frame frame : frames)
            generator.control(out, frame);
        ByteBuffer bytes = out.getByteBuffer();
        ByteBuffer copy = ByteBuffer.allocate(bytes.remaining());
        copy.put(bytes).flip();
        out.release();
        return copy;
    }

    /** @return the HEADERS frames on a stream, in what the server wrote */
    static int countResponseHeaders(ByteBuffer output)
    {
        int count = 0;
        ByteBuffer b = output.duplicate();
        while (b.remaining() >= 9)
        {
            int length = ((b.get() & 0xFF) << 16) | ((b.get() & 0xFF) << 8) | (b.get() & 0xFF);
            int type = b.get() & 0xFF;
            b.get();
            int streamId = b.getInt() & 0x7FFF_FFFF;
            if (type == 0x1 && streamId != 0)
                count++;
            b.position(b.position() + length);
        }
        return count;
    }
}
