package dev.gracefuldrain.bench;

import java.io.BufferedInputStream;
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
import java.util.OptionalLong;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

import dev.gracefuldrain.testsupport.Jetty;
import dev.gracefuldrain.testsupport.Wire;

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
    record Result(Variant variant, int clients, long completedBefore, long completedAfter, long status503, long otherStatus,
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

    static Result run(Variant variant, int clients, Duration before) throws Exception
    {
        String property = variant == Variant.MODULE ? "jetty.drain.timeout=" + STOP_TIMEOUT_MS : "jetty.server.stopTimeout=" + STOP_TIMEOUT_MS;
        try (Jetty.Server jetty = variant.start(List.of(), property))
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
                OptionalLong exit = jetty.exitWithin(AFTER);
                long drainMs = exit.isPresent() ? TimeUnit.NANOSECONDS.toMillis(exit.getAsLong() - sigterm) : -1;
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
            // Buffered: this client alone reads the socket, and it reads as fast as it is answered.
            InputStream in = new BufferedInputStream(socket.getInputStream(), 4096);
            OutputStream out = socket.getOutputStream();
            while (!stopping && System.nanoTime() < deadlineNanos)
            {
                out.write(REQUEST);
                out.flush();
                Wire.Response response = Wire.readResponse(in);
                if (response == null)
                {
                    refusedCleanly.increment();
                    return true;
                }
                if (!response.complete())
                {
                    truncated.increment();
                    sample("truncated: status " + response.status() + ", " + response.body().length + " body bytes");
                    return true;
                }
                (afterSigterm() ? completedAfter : completedBefore).increment();
                if (response.status() == 503)
                    status503.increment();
                else if (response.status() != 200)
                    otherStatus.increment();
                if (response.connectionClose() || response.untilClose())
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

        Result result(Variant variant, int stillRunning, long drainMs, String drainedLine)
        {
            return new Result(variant, clients, completedBefore.sum(), completedAfter.sum(), status503.sum(), otherStatus.sum(),
                closeResponses.sum(), refusedCleanly.sum(), connectRefused.sum(), truncated.sum(), reset.sum(), timeouts.sum(),
                otherErrors.sum(), reconnects.sum(), stillRunning, drainMs, drainedLine, List.copyOf(errorSamples));
        }
    }
}
