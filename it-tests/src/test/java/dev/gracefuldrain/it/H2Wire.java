package dev.gracefuldrain.it;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import dev.gracefuldrain.testsupport.Jetty;

/**
 * HTTP/2 cleartext (prior knowledge) over a raw socket, frame by frame: the test decides when to
 * answer a PING and when to open a stream, which no real client lets it do, so that it can open a
 * stream that crosses the first GOAWAY and one that arrives after the final GOAWAY.
 * Requests are HPACK-encoded without the dynamic table; responses are not decoded (only the
 * frames' types, flags and the fields the test checks).
 */
final class H2Wire implements AutoCloseable
{
    static final int DATA = 0, HEADERS = 1, RST_STREAM = 3, SETTINGS = 4, PING = 6, GOAWAY = 7;
    static final int END_STREAM = 0x1, ACK = 0x1, END_HEADERS = 0x4;
    static final int REFUSED_STREAM = 0x7;

    /** A frame as received, with when it arrived; {@code type == -1} is the end of the connection. */
    record Frame(int type, int flags, int streamId, byte[] payload, long nanos, String end)
    {
        int lastStreamId()
        {
            return ((payload[0] & 0x7f) << 24) | ((payload[1] & 0xff) << 16) | ((payload[2] & 0xff) << 8) | (payload[3] & 0xff);
        }

        int errorCode()
        {
            int at = type == GOAWAY ? 4 : 0;
            return ((payload[at] & 0xff) << 24) | ((payload[at + 1] & 0xff) << 16) | ((payload[at + 2] & 0xff) << 8) | (payload[at + 3] & 0xff);
        }

        boolean is(int frameType)
        {
            return type == frameType;
        }

        @Override
        public String toString()
        {
            return type < 0 ? "end(" + end + ")" : String.format("frame(type=%d flags=0x%x stream=%d length=%d)", type, flags, streamId, payload.length);
        }
    }

    private final Socket socket;
    private final OutputStream out;
    private final BlockingQueue<Frame> frames = new LinkedBlockingQueue<>();

    private H2Wire(Socket socket) throws IOException
    {
        this.socket = socket;
        this.out = socket.getOutputStream();
        Thread reader = new Thread(this::read, "h2wire-reader");
        reader.setDaemon(true);
        reader.start();
    }

    /** Connects, sends the preface and empty SETTINGS, and acknowledges the server's SETTINGS as they come. */
    static H2Wire open(int port) throws IOException
    {
        Socket socket = new Socket();
        socket.connect(new InetSocketAddress(Jetty.HOST, port), 5000);
        socket.setTcpNoDelay(true);
        H2Wire wire = new H2Wire(socket);
        // Under the frame lock: the reader acknowledges the server's SETTINGS, and an ACK written between the
        // preface and our SETTINGS is a protocol error (GOAWAY PROTOCOL_ERROR, seen on a loaded CI machine).
        synchronized (wire)
        {
            wire.out.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            wire.frame(SETTINGS, 0, 0, new byte[0]);
        }
        // Streams only once the server's SETTINGS came: the cleartext connection has then become HTTP/2
        // (Jetty starts it as HTTP/1.1 and upgrades on the preface), so no test depends on that switch's timing.
        try
        {
            Frame settings = wire.await(SETTINGS, 5000);
            if (settings == null || settings.type() < 0)
                throw new IOException("no SETTINGS from the server within 5 s: " + settings);
        }
        catch (InterruptedException x)
        {
            throw new IOException(x);
        }
        return wire;
    }

    private void read()
    {
        try
        {
            DataInputStream in = new DataInputStream(socket.getInputStream());
            while (true)
            {
                int length = (in.readUnsignedByte() << 16) | (in.readUnsignedByte() << 8) | in.readUnsignedByte();
                int type = in.readUnsignedByte();
                int flags = in.readUnsignedByte();
                int streamId = in.readInt() & 0x7fffffff;
                byte[] payload = new byte[length];
                in.readFully(payload);
                long now = System.nanoTime();
                if (type == SETTINGS && (flags & ACK) == 0)
                    frame(SETTINGS, ACK, 0, new byte[0]);
                frames.add(new Frame(type, flags, streamId, payload, now, null));
            }
        }
        catch (EOFException x)
        {
            frames.add(new Frame(-1, 0, 0, new byte[0], System.nanoTime(), "FIN"));
        }
        catch (SocketException x)
        {
            frames.add(new Frame(-1, 0, 0, new byte[0], System.nanoTime(), socket.isClosed() ? "closed by us" : "RESET: " + x.getMessage()));
        }
        catch (IOException x)
        {
            frames.add(new Frame(-1, 0, 0, new byte[0], System.nanoTime(), "error: " + x));
        }
    }

    synchronized void frame(int type, int flags, int streamId, byte[] payload) throws IOException
    {
        byte[] header = new byte[9];
        header[0] = (byte)(payload.length >>> 16);
        header[1] = (byte)(payload.length >>> 8);
        header[2] = (byte)payload.length;
        header[3] = (byte)type;
        header[4] = (byte)flags;
        header[5] = (byte)(streamId >>> 24);
        header[6] = (byte)(streamId >>> 16);
        header[7] = (byte)(streamId >>> 8);
        header[8] = (byte)streamId;
        out.write(header);
        out.write(payload);
        out.flush();
    }

    /** GET path on a new stream: :method GET and :scheme http from HPACK's static table, the rest as literals. */
    void get(int streamId, String path) throws IOException
    {
        ByteArrayOutputStream block = new ByteArrayOutputStream();
        block.write(0x82); // :method GET
        block.write(0x86); // :scheme http
        literal(block, 4, path); // :path
        literal(block, 1, Jetty.HOST); // :authority
        frame(HEADERS, END_HEADERS | END_STREAM, streamId, block.toByteArray());
    }

    /** POST path with a body of {@code contentLength} bytes, of which none is sent yet. */
    void post(int streamId, String path, int contentLength) throws IOException
    {
        ByteArrayOutputStream block = new ByteArrayOutputStream();
        block.write(0x83); // :method POST
        block.write(0x86); // :scheme http
        literal(block, 4, path); // :path
        literal(block, 1, Jetty.HOST); // :authority
        literal(block, 28, Integer.toString(contentLength)); // content-length
        frame(HEADERS, END_HEADERS, streamId, block.toByteArray());
    }

    void data(int streamId, int length, boolean last) throws IOException
    {
        byte[] payload = new byte[length];
        java.util.Arrays.fill(payload, (byte)'x');
        frame(DATA, last ? END_STREAM : 0, streamId, payload);
    }

    /** A literal header field without indexing, its name from the static table. */
    private static void literal(ByteArrayOutputStream block, int nameIndex, String value)
    {
        byte[] bytes = value.getBytes(StandardCharsets.US_ASCII);
        if (bytes.length > 126)
            throw new IllegalArgumentException("value too long for this encoder: " + value);
        // HPACK integer with a 4-bit prefix (RFC 7541, 5.1)
        if (nameIndex < 15)
            block.write(nameIndex);
        else
        {
            block.write(15);
            block.write(nameIndex - 15);
        }
        block.write(bytes.length);
        block.write(bytes, 0, bytes.length);
    }

    void pingAck(Frame ping) throws IOException
    {
        frame(PING, ACK, 0, ping.payload());
    }

    /** The next frame (or the connection's end), waiting at most {@code timeoutMs}; null if none came. */
    Frame next(long timeoutMs) throws InterruptedException
    {
        return frames.poll(timeoutMs, TimeUnit.MILLISECONDS);
    }

    /** Skips frames until one of the given type (or the end) arrives, within {@code timeoutMs}. */
    Frame await(int type, long timeoutMs) throws InterruptedException
    {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (true)
        {
            long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            Frame frame = left <= 0 ? null : next(left);
            if (frame == null || frame.type() == type || frame.type() < 0)
                return frame;
        }
    }

    @Override
    public void close()
    {
        try
        {
            socket.close();
        }
        catch (IOException ignored)
        {
            // closing anyway
        }
    }
}
