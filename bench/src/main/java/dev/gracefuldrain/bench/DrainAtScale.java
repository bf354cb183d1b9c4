package dev.gracefuldrain.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

import dev.gracefuldrain.testsupport.Await;
import dev.gracefuldrain.testsupport.Jetty;

/**
 * Drain latency at scale: N idle keep-alive connections (each has served one request) plus B busy
 * requests, then SIGTERM; measured from the signal to the last idle connection's close, and to the
 * process exit. One selector thread owns every client connection, so a close is seen (and timed)
 * as soon as the kernel delivers it.
 */
final class DrainAtScale
{
    static final byte[] FAST = "GET /sample/fast HTTP/1.1\r\nHost: localhost\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    record Run(Variant variant, int idle, int busy, long busyMs,
               double idleClosedP50Ms, double idleClosedMaxMs, int idleFin, int idleReset, int idleOpen,
               int busyCompleted, double lastBusyEndMs, double exitMs, double exitAfterLastBusyMs, double drainedAfterLastBusyMs,
               double drainedMs, double wireIdleFinP50Ms, double wireIdleFinAllMs)
    {
        String describe()
        {
            return String.format(Locale.ROOT, "%-40s idle=%-6d busy=%-3d idle FINs on the wire p50 %7.1f ms, all %7.1f ms; seen by the client p50 %7.1f ms, all %7.1f ms (FIN %d, RST %d, open %d); busy done %d/%d (last %7.1f ms); drained %.0f ms; exit %7.1f ms (%.1f ms after last busy; drain done %.0f ms after it)",
                variant.label, idle, busy, wireIdleFinP50Ms, wireIdleFinAllMs, idleClosedP50Ms, idleClosedMaxMs, idleFin, idleReset, idleOpen, busyCompleted, busy, lastBusyEndMs, drainedMs, exitMs, exitAfterLastBusyMs, drainedAfterLastBusyMs);
        }
    }

    /** One client connection and what it has read. */
    static final class Client
    {
        final SocketChannel channel;
        final boolean busy;
        final ByteBuffer in = ByteBuffer.allocate(4096);
        ByteBuffer out;
        int responses;
        long closedNanos;
        long closedWallMs;
        long responseWallMs;
        boolean reset;
        boolean responseComplete;

        Client(SocketChannel channel, boolean busy)
        {
            this.channel = channel;
            this.busy = busy;
        }
    }

    static Run run(Variant variant, int idle, int busy, long busyMs) throws Exception
    {
        return run(variant, idle, busy, busyMs, false);
    }

    /** The key the bench's ShutdownService runs with (loopback only). */
    static final String STOP_KEY = "bench-stop";

    /**
     * @param viaShutdownService stop with Jetty's ShutdownService (module {@code shutdown}, its stop
     *     command as {@code start.jar --stop} sends it) instead of SIGTERM
     */
    static Run run(Variant variant, int idle, int busy, long busyMs, boolean viaShutdownService) throws Exception
    {
        List<String> properties = new ArrayList<>();
        List<String> modules = new ArrayList<>();
        int stopPort = 0;
        if (viaShutdownService)
        {
            stopPort = Jetty.freePort();
            modules.add("shutdown");
            properties.add("jetty.shutdown.port=" + stopPort);
            properties.add("jetty.shutdown.key=" + STOP_KEY);
        }
        // Enough acceptors' backlog for a burst of connects, and room for the process to exit on its own.
        properties.add("jetty.http.acceptQueueSize=4096");
        if (variant == Variant.MODULE)
            properties.add("jetty.drain.timeout=30000");
        else
            properties.add("jetty.server.stopTimeout=5000"); // the graceful module's default
        for (String extra : System.getProperty("bench.properties", "").split("\\s+"))
        {
            if (!extra.isBlank())
                properties.add(extra);
        }
        List<String> jvm = new ArrayList<>(List.of("-Xmx1g"));
        // e.g. -Dbench.jvmOptions=-XX:StartFlightRecording=... to look inside a drain
        String extra = System.getProperty("bench.jvmOptions", "");
        if (!extra.isBlank())
            jvm.addAll(List.of(extra.trim().split("\\s+")));
        try (Jetty.Server jetty = variant.start(modules, jvm, properties.toArray(String[]::new));
             Selector selector = Selector.open())
        {
            List<Client> idleClients = open(selector, jetty.port, idle, false, FAST);
            awaitResponses(selector, idleClients, Duration.ofSeconds(120));
            byte[] slow = ("GET /sample/slow?ms=" + busyMs + " HTTP/1.1\r\nHost: localhost\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
            List<Client> busyClients = open(selector, jetty.port, busy, true, slow);
            awaitInFlight(jetty, selector, busy);

            FinCapture capture = FinCapture.start(jetty.port);
            long t0Micros = FinCapture.nowEpochMicros();
            long t0Wall = System.currentTimeMillis();
            // -Dbench.stopKey=...: stop through the ShutdownService (module "shutdown"), so that a JFR recording still runs during the drain.
            String stopKey = System.getProperty("bench.stopKey");
            long t0 = viaShutdownService ? jetty.stopViaShutdownService(stopPort, STOP_KEY)
                : stopKey == null ? jetty.sigterm() : jetty.stopViaShutdownService(Integer.getInteger("bench.stopPort"), stopKey);
            List<Client> all = new ArrayList<>(idleClients);
            all.addAll(busyClients);
            awaitCloses(selector, all, Duration.ofSeconds(60));
            long exit = jetty.awaitExit(Duration.ofSeconds(60));
            // The idle connections' FINs come first (the busy ones' follow their responses).
            double[] fins = capture == null ? new double[0] : capture.finsAfter(t0Micros);
            double wireP50 = fins.length == 0 ? Double.NaN : fins[Math.min(fins.length - 1, idle / 2)];
            double wireAll = fins.length < idle || idle == 0 ? Double.NaN : fins[idle - 1];

            double[] idleCloses = idleClients.stream().filter(c -> c.closedNanos > 0 && !c.reset)
                .mapToDouble(c -> ms(t0, c.closedNanos)).sorted().toArray();
            int fin = idleCloses.length;
            int reset = (int)idleClients.stream().filter(c -> c.reset).count();
            int open = (int)idleClients.stream().filter(c -> c.closedNanos == 0).count();
            int busyDone = (int)busyClients.stream().filter(c -> c.responseComplete).count();
            double lastBusy = busyClients.stream().mapToDouble(c -> c.closedNanos == 0 ? 0 : ms(t0, c.closedNanos)).max().orElse(0);
            double exitMs = ms(t0, exit);
            long lastBusyWall = busyClients.stream().mapToLong(c -> c.responseWallMs).max().orElse(0);
            long drainedWall = drainedAt(jetty.log());
            return new Run(variant, idle, busy, busyMs, percentile(idleCloses, 0.5), fin == 0 ? Double.NaN : idleCloses[fin - 1],
                fin, reset, open, busyDone, lastBusy, exitMs, busy == 0 ? Double.NaN : exitMs - lastBusy,
                busy == 0 || drainedWall == 0 ? Double.NaN : drainedWall - lastBusyWall, drainedWall == 0 ? Double.NaN : drainedWall - t0Wall, wireP50, wireAll);
        }
    }

    static List<Client> open(Selector selector, int port, int count, boolean busy, byte[] request) throws IOException
    {
        List<Client> clients = new ArrayList<>(count);
        for (int i = 0; i < count; i++)
        {
            SocketChannel channel = SocketChannel.open();
            channel.configureBlocking(false);
            channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
            Client client = new Client(channel, busy);
            client.out = ByteBuffer.wrap(request);
            channel.connect(new InetSocketAddress(Jetty.HOST, port));
            channel.register(selector, SelectionKey.OP_CONNECT, client);
            clients.add(client);
            // Connect in bursts the backlog can hold; the selector finishes them meanwhile.
            if (i % 512 == 511)
                selectOnce(selector, 1);
        }
        return clients;
    }

    /** Until every client has its first response (idle clients) or until the timeout. */
    static void awaitResponses(Selector selector, List<Client> clients, Duration timeout) throws IOException
    {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (clients.stream().anyMatch(c -> c.responses == 0))
        {
            if (System.nanoTime() > deadline)
                throw new IllegalStateException("not all connections were served within " + timeout + ": "
                    + clients.stream().filter(c -> c.responses == 0).count() + " left");
            selectOnce(selector, 100);
        }
    }

    static void awaitCloses(Selector selector, List<Client> clients, Duration timeout) throws IOException
    {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (clients.stream().anyMatch(c -> c.closedNanos == 0) && System.nanoTime() < deadline)
            selectOnce(selector, 50);
        for (Client client : clients)
            client.channel.close();
    }

    /** Closes, for the selector thread, the channels whose FIN it has seen: the observer stays quick, clients still close at once. */
    private static final java.util.concurrent.BlockingQueue<SocketChannel> TO_CLOSE = new java.util.concurrent.LinkedBlockingQueue<>();

    static
    {
        Thread closer = new Thread(() ->
        {
            while (true)
            {
                try
                {
                    TO_CLOSE.take().close();
                }
                catch (InterruptedException x)
                {
                    return;
                }
                catch (IOException ignored)
                {
                    // closing anyway
                }
            }
        }, "bench-closer");
        closer.setDaemon(true);
        closer.start();
    }

    static void selectOnce(Selector selector, long timeoutMs) throws IOException
    {
        selector.select(timeoutMs);
        // One timestamp for all the keys this select returned: their events had all arrived by then.
        long now = System.nanoTime();
        for (SelectionKey key : selector.selectedKeys())
        {
            Client client = (Client)key.attachment();
            try
            {
                if (key.isConnectable() && client.channel.finishConnect())
                    key.interestOps(SelectionKey.OP_WRITE);
                if (key.isValid() && key.isWritable())
                {
                    client.channel.write(client.out);
                    if (!client.out.hasRemaining())
                        key.interestOps(SelectionKey.OP_READ);
                }
                if (key.isValid() && key.isReadable())
                    read(client, key, now);
            }
            catch (IOException x)
            {
                client.reset = true;
                client.closedNanos = now;
                key.cancel();
            }
        }
        selector.selectedKeys().clear();
    }

    private static void read(Client client, SelectionKey key, long now) throws IOException
    {
        while (true)
        {
            client.in.clear();
            int n = client.channel.read(client.in);
            if (n < 0)
            {
                // As a client does on EOF: close its side too.
                client.closedNanos = now;
                client.closedWallMs = System.currentTimeMillis();
                key.cancel();
                if (!Boolean.getBoolean("bench.keepOpen"))
                    TO_CLOSE.add(client.channel);
                return;
            }
            if (n == 0)
                return;
            // The responses here are small and fixed-length: the end of one is the end of its body.
            String text = new String(client.in.array(), 0, n, StandardCharsets.ISO_8859_1);
            if (text.contains("\r\n\r\n"))
            {
                client.responses++;
                client.responseComplete = true;
                client.responseWallMs = System.currentTimeMillis();
            }
        }
    }

    /** Drives the selector (the busy requests are sent from it) until the webapp counts them in flight. */
    private static void awaitInFlight(Jetty.Server jetty, Selector selector, int count) throws Exception
    {
        if (count > 0)
            Await.until(count + " busy request(s) in flight", Duration.ofSeconds(30), () -> selectOnce(selector, 10), () -> Jetty.inFlight(jetty.port), n -> n >= count);
    }

    /**
     * When the module logged its summary (the drain is complete; the JVM's exit follows), as epoch
     * milliseconds read from the log line's own timestamp (same machine, same clock); 0 if absent.
     */
    static long drainedAt(String log)
    {
        long at = 0;
        for (String line : log.split("\n"))
        {
            if (line.contains("graceful-drain: drained:") && line.length() > 23)
            {
                java.time.LocalDateTime time = java.time.LocalDateTime.parse(line.substring(0, 23).replace(' ', 'T'));
                at = time.atZone(java.time.ZoneId.systemDefault()).toInstant().toEpochMilli();
            }
        }
        return at;
    }

    static double ms(long fromNanos, long toNanos)
    {
        return (toNanos - fromNanos) / 1_000_000.0;
    }

    static double percentile(double[] sorted, double p)
    {
        if (sorted.length == 0)
            return Double.NaN;
        return sorted[Math.min(sorted.length - 1, (int)Math.floor(p * sorted.length))];
    }

    public static void main(String[] args) throws Exception
    {
        int idle = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        int busy = args.length > 1 ? Integer.parseInt(args[1]) : 0;
        Variant variant = args.length > 2 ? Variant.valueOf(args[2]) : Variant.MODULE;
        System.out.println(run(variant, idle, busy, 2000).describe());
    }
}
