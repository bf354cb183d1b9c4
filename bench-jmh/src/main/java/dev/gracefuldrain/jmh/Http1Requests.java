package dev.gracefuldrain.jmh;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import org.eclipse.jetty.server.HttpConnectionFactory;
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
 * HTTP/1.1 keep-alive requests on one open connection, whole: Jetty's HttpConnection parses each,
 * its HttpChannelState runs the handlers, the response (200, empty) is generated and written, the
 * exchange completes (completion listeners run), then the next request is parsed.
 * <p>Each invocation feeds {@value #REQUESTS} requests in one read (pipelined), as
 * {@link Http2Streams} feeds 8 streams: the cost of a read and of taking the output (about 0.8 us,
 * the same for every wrapper) is shared, so the per-request figure is smaller and its error bars
 * with it. The score is per request.</p>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class Http1Requests
{
    static final byte[] REQUEST = "GET /fast HTTP/1.1\r\nHost: localhost\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    static final int REQUESTS = 8;

    @Param({"bare", "drain", "graceful"})
    public String wrapper;

    private Rig rig;
    private Answer answer;
    private ByteBuffer request;

    @Setup
    public void setUp() throws Exception
    {
        answer = new Answer(1);
        rig = new Rig(wrapper, new HttpConnectionFactory(), answer);
        request = ByteBuffer.allocate(REQUEST.length * REQUESTS);
        for (int i = 0; i < REQUESTS; i++)
            request.put(REQUEST);
        request.flip();
        for (int i = 0; i < 3; i++)
        {
            long before = answer.handled;
            String response = StandardCharsets.US_ASCII.decode(requests()).toString();
            int answered = response.split("HTTP/1.1 200 ", -1).length - 1;
            if (answer.handled - before != REQUESTS || answered != REQUESTS || !response.contains("Content-Length: 0"))
                throw new IllegalStateException(wrapper + ": " + REQUESTS + " requests in, " + (answer.handled - before)
                    + " handled and " + answered + " answered with an empty 200 on the calling thread: [" + response + "]");
        }
        rig.checkTracked();
        CpuProfiler.worker = Thread.currentThread().getId();
    }

    @Benchmark
    @OperationsPerInvocation(REQUESTS)
    public ByteBuffer requests()
    {
        request.position(0);
        return rig.exchange(request);
    }

    @TearDown
    public void tearDown() throws Exception
    {
        rig.checkTracked();
        rig.close();
    }
}
