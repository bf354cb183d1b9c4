package dev.gracefuldrain.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import dev.gracefuldrain.testsupport.Jetty;

/**
 * What the kernel alone needs to half-close N loopback connections on this machine: no Jetty, no
 * HTTP; one process accepts N connections, then calls shutdownOutput() on each in a tight loop (on 1
 * thread, and on 2 per core) while a selector thread waits for the FINs. The drain cannot beat this.
 */
final class KernelFloor
{
    record Result(int connections, int threads, double loopMs, double lastFinSeenMs)
    {
    }

    static Result run(int connections, int threads) throws Exception
    {
        try (ServerSocketChannel server = ServerSocketChannel.open(); Selector selector = Selector.open())
        {
            server.bind(new InetSocketAddress(Jetty.HOST, 0), 4096);
            List<SocketChannel> clients = new ArrayList<>(connections);
            List<SocketChannel> accepted = new ArrayList<>(connections);
            try
            {
                for (int i = 0; i < connections; i++)
                {
                    SocketChannel client = SocketChannel.open(server.getLocalAddress());
                    client.configureBlocking(false);
                    client.register(selector, SelectionKey.OP_READ);
                    clients.add(client);
                    accepted.add(server.accept());
                }
                long[] lastSeen = new long[1];
                Thread observer = new Thread(() -> observe(selector, connections, lastSeen), "floor-observer");
                observer.start();
                ExecutorService pool = Executors.newFixedThreadPool(threads);
                long t0 = System.nanoTime();
                List<Future<?>> parts = new ArrayList<>();
                for (int t = 0; t < threads; t++)
                {
                    List<SocketChannel> part = accepted.subList(t * connections / threads, (t + 1) * connections / threads);
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
                long looped = System.nanoTime();
                observer.join(30_000);
                pool.shutdown();
                return new Result(connections, threads, (looped - t0) / 1e6, (lastSeen[0] - t0) / 1e6);
            }
            finally
            {
                for (SocketChannel channel : clients)
                    channel.close();
                for (SocketChannel channel : accepted)
                    channel.close();
            }
        }
    }

    private static void observe(Selector selector, int connections, long[] lastSeen)
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
            // the result says how far it got
        }
    }
}
