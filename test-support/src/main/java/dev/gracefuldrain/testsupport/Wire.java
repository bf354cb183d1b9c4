package dev.gracefuldrain.testsupport;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * HTTP/1.1 over a raw socket, so the test sees the wire: FIN or RST, the Connection header,
 * Content-Length or chunked framing, and when each byte arrived. {@link #readResponse(InputStream)}
 * is the one response parser of the tests and the bench.
 */
public final class Wire implements AutoCloseable
{
    /** How a connection ended, as the client saw it. */
    public enum Close
    {
        /** read() returned -1: a clean FIN (over TLS: a close_notify, then a FIN). */
        FIN,
        /** The connection was reset. */
        RESET,
        /** Still open when the wait ended. */
        OPEN
    }

    public record Closing(Close kind, long nanos, int bytesBefore)
    {
    }

    /**
     * @param complete false if the connection ended inside the headers or the body
     * @param untilClose the body had neither length nor chunks: it ended with the connection
     */
    public record Response(int status, Map<String, List<String>> headers, byte[] body, boolean complete, boolean chunked,
                           boolean untilClose, long lastByteNanos)
    {
        public String header(String name)
        {
            List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
            return values == null ? null : String.join(", ", values);
        }

        public boolean connectionClose()
        {
            String connection = header("connection");
            return connection != null && connection.toLowerCase(Locale.ROOT).contains("close");
        }

        public String bodyText()
        {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    public final Socket socket;
    /** Over TLS, the TCP socket under it: the FIN after the close_notify is read there. */
    private final Socket tcp;
    private final InputStream in;

    private Wire(Socket socket, Socket tcp, InputStream in)
    {
        this.socket = socket;
        this.tcp = tcp;
        this.in = in;
    }

    /**
     * A TLS connection (the test's self-signed certificate is trusted blindly), with or without
     * its handshake done, and its TCP socket kept, so that a close_notify and the FIN after it
     * are told apart from a reset.
     */
    public static Wire openTls(int port, boolean handshake) throws Exception
    {
        Socket tcp = new Socket();
        tcp.connect(new InetSocketAddress(Jetty.HOST, port), 5000);
        tcp.setTcpNoDelay(true);
        SSLSocket tls = (SSLSocket)trustAll().getSocketFactory().createSocket(tcp, Jetty.HOST, port, false);
        tls.setEnabledProtocols(new String[]{"TLSv1.3", "TLSv1.2"});
        if (handshake)
        {
            tls.setSoTimeout(10_000);
            tls.startHandshake();
        }
        return new Wire(tls, tcp, tls.getInputStream());
    }

    public static SSLContext trustAll() throws Exception
    {
        TrustManager blind = new X509TrustManager()
        {
            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType)
            {
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType)
            {
            }

            @Override
            public X509Certificate[] getAcceptedIssuers()
            {
                return new X509Certificate[0];
            }
        };
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, new TrustManager[]{blind}, null);
        return context;
    }

    public static Wire open(int port) throws IOException
    {
        Socket socket = connect(port);
        return new Wire(socket, null, socket.getInputStream());
    }

    /**
     * As {@link #open(int)}, read through a buffer: for a client that alone reads its socket and
     * sends its next request only after the response (a load), where a system call per byte would
     * cost more than the server being measured.
     */
    public static Wire openBuffered(int port) throws IOException
    {
        Socket socket = connect(port);
        return new Wire(socket, null, new BufferedInputStream(socket.getInputStream(), 8192));
    }

    private static Socket connect(int port) throws IOException
    {
        Socket socket = new Socket();
        try
        {
            socket.connect(new InetSocketAddress(Jetty.HOST, port), 5000);
            socket.setTcpNoDelay(true);
            return socket;
        }
        catch (IOException x)
        {
            socket.close();
            throw x;
        }
    }

    /** One request on a new connection that is closed after the response. */
    public static Response get(int port, String path) throws IOException
    {
        try (Wire wire = open(port))
        {
            wire.send("GET " + path + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
            return wire.readResponse(Duration.ofSeconds(10));
        }
    }

    public static String request(String method, String path)
    {
        return method + " " + path + " HTTP/1.1\r\nHost: localhost\r\n\r\n";
    }

    public void send(String text) throws IOException
    {
        socket.getOutputStream().write(text.getBytes(StandardCharsets.ISO_8859_1));
        socket.getOutputStream().flush();
    }

    /**
     * Reads one whole response: status line, headers, body by its framing. Reads the socket byte by
     * byte, so that nothing after the response is consumed and its last byte is timed when it arrives.
     */
    public Response readResponse(Duration timeout) throws IOException
    {
        Response response = tryReadResponse(timeout);
        if (response == null)
            throw new IOException("connection closed before any response byte");
        return response;
    }

    /** As {@link #readResponse(Duration)}, but null if the connection was closed (FIN) before any response byte. */
    public Response tryReadResponse(Duration timeout) throws IOException
    {
        socket.setSoTimeout((int)timeout.toMillis());
        return readResponse(in);
    }

    /**
     * One HTTP/1.1 response from {@code in} (give it a buffered stream where no one else reads the
     * socket and the time of the last byte does not matter, as the bench's clients do).
     * @return null if the stream ended before the first byte; a response with {@code complete}
     * false if it ended in the middle
     */
    public static Response readResponse(InputStream in) throws IOException
    {
        StringBuilder line = new StringBuilder();
        if (!readLine(in, line))
        {
            if (line.length() == 0)
                return null;
            return new Response(0, Map.of(), new byte[0], false, false, false, System.nanoTime());
        }
        String[] parts = line.toString().split(" ", 3);
        if (parts.length < 2 || !parts[0].startsWith("HTTP/1."))
            throw new IOException("bad status line: " + line);
        int status = Integer.parseInt(parts[1]);
        Map<String, List<String>> headers = new LinkedHashMap<>();
        while (true)
        {
            if (!readLine(in, line))
                return new Response(status, headers, new byte[0], false, false, false, System.nanoTime());
            if (line.length() == 0)
                break;
            int colon = line.indexOf(":");
            if (colon > 0)
                headers.computeIfAbsent(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), k -> new ArrayList<>())
                    .add(line.substring(colon + 1).trim());
        }
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        List<String> transferEncoding = headers.get("transfer-encoding");
        boolean chunked = transferEncoding != null && String.join(",", transferEncoding).toLowerCase(Locale.ROOT).contains("chunked");
        List<String> contentLength = headers.get("content-length");
        boolean untilClose = false;
        boolean complete;
        if (chunked)
            complete = readChunked(in, body, line);
        else if (contentLength != null)
            complete = readFixed(in, body, Long.parseLong(contentLength.get(0)));
        else if (status == 204 || status == 304 || status / 100 == 1)
            complete = true;
        else
        {
            untilClose = true;
            in.transferTo(body);
            complete = true;
        }
        return new Response(status, headers, body.toByteArray(), complete, chunked, untilClose, System.nanoTime());
    }

    private static boolean readFixed(InputStream in, ByteArrayOutputStream body, long length) throws IOException
    {
        byte[] buffer = new byte[8192];
        long left = length;
        while (left > 0)
        {
            int n = in.read(buffer, 0, (int)Math.min(buffer.length, left));
            if (n < 0)
                return false;
            body.write(buffer, 0, n);
            left -= n;
        }
        return true;
    }

    private static boolean readChunked(InputStream in, ByteArrayOutputStream body, StringBuilder line) throws IOException
    {
        while (true)
        {
            if (!readLine(in, line))
                return false;
            int semicolon = line.indexOf(";");
            long size = Long.parseLong((semicolon < 0 ? line.toString() : line.substring(0, semicolon)).trim(), 16);
            if (size == 0)
            {
                // Trailers, up to an empty line.
                while (true)
                {
                    if (!readLine(in, line))
                        return false;
                    if (line.length() == 0)
                        return true;
                }
            }
            if (!readFixed(in, body, size) || !readLine(in, line))
                return false;
        }
    }

    /** One line into {@code line}, without its CRLF; false if the stream ended before its LF. */
    private static boolean readLine(InputStream in, StringBuilder line) throws IOException
    {
        line.setLength(0);
        while (true)
        {
            int b = in.read();
            if (b < 0)
                return false;
            if (b == '\n')
            {
                int end = line.length();
                if (end > 0 && line.charAt(end - 1) == '\r')
                    line.setLength(end - 1);
                return true;
            }
            line.append((char)b);
        }
    }

    /**
     * Reads until the server closes, at most for {@code timeout}, then closes our side, as a
     * client does on EOF. Bytes that arrive first are counted: an idle connection should get none.
     */
    public Closing awaitClose(Duration timeout)
    {
        int bytes = 0;
        Closing closing;
        try
        {
            socket.setSoTimeout((int)Math.max(1, timeout.toMillis()));
            byte[] buffer = new byte[4096];
            while (true)
            {
                int n = in.read(buffer);
                if (n < 0)
                {
                    long at = System.nanoTime();
                    // Over TLS that was the close_notify: the TCP FIN must follow, not a reset.
                    closing = new Closing(tcp == null || tcp.getInputStream().read() < 0 ? Close.FIN : Close.OPEN, at, bytes);
                    break;
                }
                bytes += n;
            }
        }
        catch (SocketTimeoutException x)
        {
            closing = new Closing(Close.OPEN, System.nanoTime(), bytes);
        }
        catch (SocketException x)
        {
            closing = new Closing(Close.RESET, System.nanoTime(), bytes);
        }
        catch (IOException x)
        {
            closing = new Closing(Close.RESET, System.nanoTime(), bytes);
        }
        close();
        return closing;
    }

    @Override
    public void close()
    {
        try
        {
            socket.close();
            if (tcp != null)
                tcp.close();
        }
        catch (IOException ignored)
        {
            // closing anyway
        }
    }
}
