package dev.gracefuldrain.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * What the kernel alone needs to half-close N loopback connections on this machine: no Jetty, no
 * HTTP. A process of its own (as Jetty is) accepts N connections from this one, then, on a word
 * from this process, calls shutdownOutput() on each in a tight loop (on 1 thread, or on 2 per core);
 * here one selector thread waits for the FINs, as the drain's client does. The drain cannot beat
 * this. Two processes, so each holds N descriptors, not 2N: 10 000 fit under a 20 000 limit.
 */
final class KernelFloor
{
    record Result(int connections, int threads, double loopMs, double lastFinSeenMs)
    {
    }

    private static final String HOST = "127.0.0.1";
    /** Connections the closer half-closes before the measured ones, so that its loop is compiled (a floor, not a cold start). */
    static final int WARM_UP = 2000;

    static Result run(int connections, int threads) throws Exception
    {
        Path classes = Path.of(KernelFloor.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Process closer = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xss256k", "-cp", classes.toString(),
            Closer.class.getName(), Integer.toString(connections), Integer.toString(threads)).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        List<SocketChannel> clients = new ArrayList<>(connections);
        try (Selector selector = Selector.open();
             BufferedReader from = new BufferedReader(new InputStreamReader(closer.getInputStream(), StandardCharsets.US_ASCII)))
        {
            OutputStream to = closer.getOutputStream();
            int port = Integer.parseInt(expect(from, "port "));
            // The warm-up connections first (the closer takes them in the order they were accepted): it half-closes them, we read their FINs.
            List<SocketChannel> warmUp = new ArrayList<>(WARM_UP);
            for (int i = 0; i < WARM_UP; i++)
                warmUp.add(SocketChannel.open(new InetSocketAddress(HOST, port)));
            for (int i = 0; i < connections; i++)
            {
                SocketChannel client = SocketChannel.open(new InetSocketAddress(HOST, port));
                client.configureBlocking(false);
                client.register(selector, SelectionKey.OP_READ);
                clients.add(client);
            }
            expect(from, "accepted");
            ByteBuffer one = ByteBuffer.allocate(1);
            for (SocketChannel channel : warmUp)
            {
                one.clear();
                if (channel.read(one) >= 0)
                    throw new IOException("kernel floor: data on a warm-up connection");
                channel.close();
            }
            long[] lastSeen = new long[1];
            int[] seen = new int[1];
            Thread observer = new Thread(() -> seen[0] = observe(selector, connections, lastSeen), "floor-observer");
            observer.start();
            long t0 = System.nanoTime();
            to.write("go\n".getBytes(StandardCharsets.US_ASCII));
            to.flush();
            double loopMs = Double.parseDouble(expect(from, "loop "));
            observer.join(30_000);
            if (seen[0] < connections)
                throw new IllegalStateException("kernel floor: " + seen[0] + " of " + connections + " FINs seen");
            return new Result(connections, threads, loopMs, (lastSeen[0] - t0) / 1e6);
        }
        finally
        {
            for (SocketChannel channel : clients)
                channel.close();
            closer.destroy();
            closer.waitFor(10, TimeUnit.SECONDS);
        }
    }

    private static String expect(BufferedReader from, String prefix) throws IOException
    {
        String line = from.readLine();
        if (line == null || !line.startsWith(prefix))
            throw new IOException("kernel floor's closer said " + line + ", not " + prefix + "...");
        return line.substring(prefix.length()).trim();
    }

    private static int observe(Selector selector, int connections, long[] lastSeen)
    {
        ByteBuffer buffer = ByteBuffer.allocate(64);
        int seen = 0;
        long deadline = System.nanoTime() + 30_000_000_000L;
        try
        {
            while (seen < connections && System.nanoTime() < deadline)
            {
                selector.select(100);
                long now = System.nanoTime();
                for (SelectionKey key : selector.selectedKeys())
                {
                    buffer.clear();
                    if (((SocketChannel)key.channel()).read(buffer) < 0)
                    {
                        key.cancel();
                        seen++;
                        lastSeen[0] = now;
                    }
                }
                selector.selectedKeys().clear();
            }
        }
        catch (IOException x)
        {
            // the count says how far it got
        }
        return seen;
    }

    /** Alone: {@code KernelFloor [connections]}, on 1 thread and on 2 per core. */
    public static void main(String[] args) throws Exception
    {
        int connections = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
        for (int threads : new int[]{1, 2 * Runtime.getRuntime().availableProcessors()})
        {
            Result result = run(connections, threads);
            System.out.printf(java.util.Locale.ROOT, "kernel floor: %d connections, %d thread(s): shutdownOutput loop %.1f ms, last FIN seen %.1f ms%n",
                result.connections(), threads, result.loopMs(), result.lastFinSeenMs());
        }
    }

    /** The closer's side, a process of its own: {@code KernelFloor$Closer connections threads}; talks on stdin and stdout. */
    static final class Closer
    {
        public static void main(String[] args) throws Exception
        {
            int connections = Integer.parseInt(args[0]);
            int threads = Integer.parseInt(args[1]);
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.US_ASCII));
            try (ServerSocketChannel server = ServerSocketChannel.open())
            {
                server.bind(new InetSocketAddress(HOST, 0), 4096);
                System.out.println("port " + ((InetSocketAddress)server.getLocalAddress()).getPort());
                System.out.flush();
                List<SocketChannel> accepted = new ArrayList<>(WARM_UP + connections);
                for (int i = 0; i < WARM_UP + connections; i++)
                    accepted.add(server.accept());
                ExecutorService pool = Executors.newFixedThreadPool(threads);
                // The pool's threads exist, and the loop is compiled, before the clock starts.
                halfClose(pool, accepted.subList(0, WARM_UP), threads);
                accepted = accepted.subList(WARM_UP, accepted.size());
                System.out.println("accepted");
                System.out.flush();
                if (!"go".equals(in.readLine()))
                    return;
                long t0 = System.nanoTime();
                halfClose(pool, accepted, threads);
                System.out.println("loop " + (System.nanoTime() - t0) / 1e6);
                System.out.flush();
                // Hold the connections until the other side has seen every FIN and closed (then stdin ends).
                in.readLine();
                pool.shutdown();
                for (SocketChannel channel : accepted)
                    channel.close();
            }
        }

        /** shutdownOutput() on each channel, the list split among {@code threads} of the pool; returns when all are done. */
        private static void halfClose(ExecutorService pool, List<SocketChannel> channels, int threads) throws Exception
        {
            List<Future<?>> parts = new ArrayList<>();
            for (int t = 0; t < threads; t++)
            {
                List<SocketChannel> part = channels.subList(t * channels.size() / threads, (t + 1) * channels.size() / threads);
                parts.add(pool.submit(() ->
                {
                    for (SocketChannel channel : part)
                    {
                        try
                        {
                            channel.shutdownOutput();
                        }
                        catch (IOException ignored)
                        {
                            // counted as not seen
                        }
                    }
                }));
            }
            for (Future<?> part : parts)
                part.get();
        }
    }
}
