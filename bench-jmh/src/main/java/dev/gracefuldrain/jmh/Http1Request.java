package dev.gracefuldrain.jmh;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import org.eclipse.jetty.server.HttpConnectionFactory;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * One HTTP/1.1 keep-alive request on an open connection, whole: Jetty's HttpConnection parses it,
 * its HttpChannelState runs the handlers, the response (200, empty) is generated and written, the
 * exchange completes (completion listeners run) and the connection waits for the next request.
 * One operation is one request.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class Http1Request
{
    static final byte[] REQUEST = "GET /fast HTTP/1.1\r\nHost: localhost\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

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
        request = ByteBuffer.wrap(REQUEST);
        for (int i = 0; i < 3; i++)
        {
            String response = StandardCharsets.US_ASCII.decode(request()).toString();
            if (!response.startsWith("HTTP/1.1 200 ") || !response.contains("Content-Length: 0"))
                throw new IllegalStateException(wrapper + ": not answered on the calling thread with an empty 200: [" + response + "]");
        }
        rig.checkTracked();
    }

    @Benchmark
    public ByteBuffer request()
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
