package dev.gracefuldrain.bench;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * A stop under full load: {@code clients} keep-alive clients, each on its own connection sending
 * {@code GET /sample/fast} as fast as it is answered, and a SIGTERM in the middle. Counts how each
 * connection ended: a clean close before any byte of a response (the request was not handled; the
 * client reconnects), a connect refused (the listener is closed; the client stops), a response cut
 * in the middle ("truncated"), a reset. The module must give no truncated response and no reset.
 */
final class UnderLoad
{
    static final String PATH = "/sample/fast";
    static final int SOCKET_TIMEOUT_MS = 10_000;
    /** The drain (or stock stop) timeout given to Jetty. */
    static final int STOP_TIMEOUT_MS = 10_000;
    /** How long after the SIGTERM the clients may go on, and Jetty may take to exit. */
    static final Duration AFTER = Duration.ofSeconds(15);
    private static final byte[] REQUEST = ("GET " + PATH + " HTTP/1.1\r\nHost: localhost\r\n\r\n").getBytes(StandardCharsets.US_ASCII);

    /**
     * @param completedBefore responses read whole before the SIGTERM was sent
     * @param completedAfter responses read whole after it (all statuses)
     * @param status503 of those, 503s
     * @param otherStatus responses neither 200 nor 503
     * @param closeResponses responses that carried {@code Connection: close} (the client then reconnected)
     * @param refusedCleanly a clean close (EOF) before any byte of a response to a sent request
     * @param connectRefused connects refused (each stops its client)
     * @param truncated EOF in the middle of a response
     * @param reset "Connection reset" on read or write
     * @param timeouts socket timeouts (connect or read)
     * @param otherErrors any other I/O failure (see {@code errorSamples})
     * @param reconnects connections opened after the SIGTERM
     * @param stillRunning clients still running at the deadline ({@link #AFTER} after the SIGTERM)
     * @param drainMs from the SIGTERM to the process's exit; -1 if it did not exit within {@link #AFTER}
     * @param drainedLine the module's "graceful-drain: drained: ..." log line, or "" (stock)
     */
    record Result(Jetty.Variant variant, int clients, long completedBefore, long completedAfter, long status503, long otherStatus,
        long closeResponses, long refusedCleanly, long connectRefused, long truncated, long reset, long timeouts, long otherErrors,
        long reconnects, int stillRunning, long drainMs, String drainedLine, List<String> errorSamples)
    {
        @Override
        public String toString()
        {
            return String.format(Locale.ROOT,
                "%s, %d clients: completed %d before SIGTERM + %d after (503: %d, other non-200: %d, with Connection: close: %d); "
                    + "refused cleanly %d, connect refused %d, truncated %d, reset %d, timeouts %d, other errors %d%s; "
                    + "reconnects after SIGTERM %d, clients still running at the deadline %d; exit %s after SIGTERM%s",
                variant.label, clients, completedBefore, completedAfter, status503, otherStatus, closeResponses,
                refusedCleanly, connectRefused, truncated, reset, timeouts, otherErrors, errorSamples.isEmpty() ? "" : " " + errorSamples,
                reconnects, stillRunning, drainMs < 0 ? "NOT within " + AFTER.toSeconds() + " s" : drainMs + " ms",
                drainedLine.isEmpty() ? "" : "\n  " + drainedLine);
        }
    }

    private UnderLoad()
    {
    }

    static Result run(Jetty.Variant variant, int clients, Duration before) throws Exception
    {
        String property = variant == Jetty.Variant.MODULE ? "jetty.drain.timeout=" + STOP_TIMEOUT_MS : "jetty.server.stopTimeout=" + STOP_TIMEOUT_MS;
        try (Jetty jetty = Jetty.start(variant, List.of(), property))
        {
            Load load = new Load(new InetSocketAddress(Jetty.HOST, jetty.port), clients);
            try
            {
                load.start();
                if (!load.connected.await(SOCKET_TIMEOUT_MS, TimeUnit.MILLISECONDS))
                    throw new IllegalStateException("only " + (clients - load.connected.getCount()) + " of " + clients + " clients connected");
                Thread.sleep(before.toMillis());

                long sigterm = jetty.sigterm();
                load.sigtermNanos = sigterm;
                load.deadlineNanos = sigterm + AFTER.toNanos();
                long drainMs;
                try
                {
                    drainMs = TimeUnit.NANOSECONDS.toMillis(jetty.awaitExit(AFTER) - sigterm);
                }
                catch (java.util.concurrent.TimeoutException x)
                {
                    drainMs = -1;
                }
                int stillRunning = load.await(load.deadlineNanos - System.nanoTime() + TimeUnit.SECONDS.toNanos(1));
                String drained = jetty.log().lines().filter(l -> l.contains("graceful-drain: drained:")).findFirst().map(String::strip).orElse("");
                // Counted before a Jetty that did not exit is killed, so the kill's resets are not counted.
                return load.result(variant, stillRunning, drainMs, drained);
            }
            finally
            {
                load.stop();
            }
        }
    }

    /** What a read of one response found. */
    private enum Outcome
    {
        COMPLETE, COMPLETE_CLOSE, EOF_BEFORE
    }

    /** The clients: platform threads, each blocking on its own socket. */
    private static final class Load
    {
        final InetSocketAddress address;
        final int clients;
        final CountDownLatch connected;
        final List<Thread> threads = new ArrayList<>();
        final AtomicInteger running = new AtomicInteger();
        final List<Socket> open = java.util.Collections.synchronizedList(new ArrayList<>());
        volatile long sigtermNanos;
        volatile long deadlineNanos = Long.MAX_VALUE;
        volatile boolean stopping;

        final LongAdder completedBefore = new LongAdder();
        final LongAdder completedAfter = new LongAdder();
        final LongAdder status503 = new LongAdder();
        final LongAdder otherStatus = new LongAdder();
        final LongAdder closeResponses = new LongAdder();
        final LongAdder refusedCleanly = new LongAdder();
        final LongAdder connectRefused = new LongAdder();
        final LongAdder truncated = new LongAdder();
        final LongAdder reset = new LongAdder();
        final LongAdder timeouts = new LongAdder();
        final LongAdder otherErrors = new LongAdder();
        final LongAdder reconnects = new LongAdder();
        final Queue<String> errorSamples = new ConcurrentLinkedQueue<>();

        Load(InetSocketAddress address, int clients)
        {
            this.address = address;
            this.clients = clients;
            this.connected = new CountDownLatch(clients);
        }

        void start()
        {
            for (int i = 0; i < clients; i++)
            {
                Thread thread = new Thread(null, this::client, "under-load-" + i, 256 * 1024);
                thread.setDaemon(true);
                threads.add(thread);
                running.incrementAndGet();
                thread.start();
            }
        }

        /** Waits for the clients to end, up to {@code nanos}; returns how many still run. */
        int await(long nanos) throws InterruptedException
        {
            long deadline = System.nanoTime() + Math.max(0, nanos);
            for (Thread thread : threads)
            {
                long left = deadline - System.nanoTime();
                if (left > 0)
                    thread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
            }
            return running.get();
        }

        /** Ends what is left: closes every socket still open, so that blocked clients return. */
        void stop() throws InterruptedException
        {
            stopping = true;
            synchronized (open)
            {
                for (Socket socket : open)
                {
                    try
                    {
                        socket.close();
                    }
                    catch (IOException ignored)
                    {
                    }
                }
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
            for (Thread thread : threads)
            {
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (left <= 0)
                    break;
                thread.join(left);
            }
        }

        private boolean afterSigterm()
        {
            return sigtermNanos != 0;
        }

        private void client()
        {
            boolean first = true;
            try
            {
                while (!stopping && System.nanoTime() < deadlineNanos)
                {
                    Socket socket = new Socket();
                    open.add(socket);
                    try (socket)
                    {
                        try
                        {
                            socket.connect(address, SOCKET_TIMEOUT_MS);
                        }
                        catch (ConnectException x)
                        {
                            connectRefused.increment();
                            return;
                        }
                        if (afterSigterm())
                            reconnects.increment();
                        if (first)
                        {
                            first = false;
                            connected.countDown();
                        }
                        socket.setSoTimeout(SOCKET_TIMEOUT_MS);
                        socket.setTcpNoDelay(true);
                        if (!serve(socket))
                            return;
                    }
                    catch (IOException x)
                    {
                        if (stopping)
                            return;
                        if (!failed(x))
                            return;
                    }
                    finally
                    {
                        open.remove(socket);
                    }
                }
            }
            finally
            {
                running.decrementAndGet();
            }
        }

        /**
         * Requests on one connection until it closes.
         * @return true to reconnect
         */
        private boolean serve(Socket socket) throws IOException
        {
            InputStream in = new BufferedInputStream(socket.getInputStream(), 4096);
            OutputStream out = socket.getOutputStream();
            Response response = new Response();
            while (!stopping && System.nanoTime() < deadlineNanos)
            {
                out.write(REQUEST);
                out.flush();
                Outcome outcome;
                try
                {
                    outcome = response.read(in);
                }
                catch (EOFException x)
                {
                    truncated.increment();
                    sample("truncated after " + response.bytes + " bytes");
                    return true;
                }
                if (outcome == Outcome.EOF_BEFORE)
                {
                    refusedCleanly.increment();
                    return true;
                }
                (afterSigterm() ? completedAfter : completedBefore).increment();
                if (response.status == 503)
                    status503.increment();
                else if (response.status != 200)
                    otherStatus.increment();
                if (outcome == Outcome.COMPLETE_CLOSE)
                {
                    closeResponses.increment();
                    return true;
                }
            }
            return false;
        }

        /** @return true to reconnect */
        private boolean failed(IOException x)
        {
            String message = String.valueOf(x.getMessage());
            if (x instanceof SocketTimeoutException)
            {
                timeouts.increment();
                sample("timeout: " + message);
                return false;
            }
            if (x instanceof SocketException && message.contains("Connection reset"))
            {
                reset.increment();
                sample(message);
                return true;
            }
            otherErrors.increment();
            sample(x.getClass().getSimpleName() + ": " + message);
            return true;
        }

        private void sample(String what)
        {
            if (errorSamples.size() < 5)
                errorSamples.add((afterSigterm() ? "" : "before SIGTERM: ") + what);
        }

        Result result(Jetty.Variant variant, int stillRunning, long drainMs, String drainedLine)
        {
            return new Result(variant, clients, completedBefore.sum(), completedAfter.sum(), status503.sum(), otherStatus.sum(),
                closeResponses.sum(), refusedCleanly.sum(), connectRefused.sum(), truncated.sum(), reset.sum(), timeouts.sum(),
                otherErrors.sum(), reconnects.sum(), stillRunning, drainMs, drainedLine, List.copyOf(errorSamples));
        }
    }

    /** One HTTP/1.1 response, read whole: status line, headers, then a Content-Length or chunked body. */
    static final class Response
    {
        int status;
        /** Bytes of the current response read so far. */
        long bytes;
        private final StringBuilder line = new StringBuilder();

        /**
         * @return EOF_BEFORE on a clean close before any byte, else COMPLETE (or COMPLETE_CLOSE: the
         * server said it closes the connection)
         * @throws EOFException on a close in the middle of the response
         */
        Outcome read(InputStream in) throws IOException
        {
            bytes = 0;
            status = 0;
            String statusLine = line(in, true);
            if (statusLine == null)
                return Outcome.EOF_BEFORE;
            String[] parts = statusLine.split(" ", 3);
            if (parts.length < 2 || !parts[0].startsWith("HTTP/1."))
                throw new IOException("bad status line: " + statusLine);
            status = Integer.parseInt(parts[1]);
            long contentLength = -1;
            boolean chunked = false;
            boolean close = parts[0].equals("HTTP/1.0");
            for (String header = line(in, false); !header.isEmpty(); header = line(in, false))
            {
                int colon = header.indexOf(':');
                if (colon < 0)
                    continue;
                String name = header.substring(0, colon).trim();
                String value = header.substring(colon + 1).trim();
                if (name.equalsIgnoreCase("Content-Length"))
                    contentLength = Long.parseLong(value);
                else if (name.equalsIgnoreCase("Transfer-Encoding") && value.toLowerCase(Locale.ROOT).contains("chunked"))
                    chunked = true;
                else if (name.equalsIgnoreCase("Connection"))
                    close = value.toLowerCase(Locale.ROOT).contains("close");
            }
            if (chunked)
            {
                while (true)
                {
                    String size = line(in, false);
                    int semicolon = size.indexOf(';');
                    long n = Long.parseLong((semicolon < 0 ? size : size.substring(0, semicolon)).trim(), 16);
                    if (n == 0)
                    {
                        // Trailers, up to an empty line.
                        while (!line(in, false).isEmpty())
                        {
                        }
                        break;
                    }
                    skip(in, n);
                    line(in, false);
                }
            }
            else if (contentLength >= 0)
                skip(in, contentLength);
            else if (status != 204 && status != 304 && status / 100 != 1)
            {
                // Body up to the close.
                while (in.read() >= 0)
                    bytes++;
                return Outcome.COMPLETE_CLOSE;
            }
            return close ? Outcome.COMPLETE_CLOSE : Outcome.COMPLETE;
        }

        /** A line without its CRLF; null on EOF before its first byte if {@code first}. */
        private String line(InputStream in, boolean first) throws IOException
        {
            line.setLength(0);
            while (true)
            {
                int b = in.read();
                if (b < 0)
                {
                    if (first && bytes == 0)
                        return null;
                    throw new EOFException();
                }
                bytes++;
                if (b == '\n')
                {
                    int n = line.length();
                    if (n > 0 && line.charAt(n - 1) == '\r')
                        line.setLength(n - 1);
                    return line.toString();
                }
                line.append((char)b);
            }
        }

        private void skip(InputStream in, long n) throws IOException
        {
            while (n > 0)
            {
                long skipped = in.skip(n);
                if (skipped <= 0)
                {
                    if (in.read() < 0)
                        throw new EOFException();
                    skipped = 1;
                }
                bytes += skipped;
                n -= skipped;
            }
        }
    }
}
