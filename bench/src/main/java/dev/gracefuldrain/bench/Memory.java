package dev.gracefuldrain.bench;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.gracefuldrain.testsupport.Jetty;
import dev.gracefuldrain.testsupport.Wire;

import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;

/**
 * What the module costs in memory: the heap each tracked connection retains (many idle keep-alive
 * connections, stock graceful against graceful-drain, measured after a full GC), and what it
 * allocates per request (JFR allocation samples under wrk).
 */
final class Memory
{
    static final String PATH = "/sample/fast";
    static final Duration WRK_DURATION = Duration.ofSeconds(10);
    static final Duration WRK_WARMUP = Duration.ofSeconds(3);
    static final int WRK_CONNECTIONS = 64;
    /** Connects (and their one request) in progress at once, so that the accept queue does not overflow. */
    static final int IN_FLIGHT = 128;
    static final Duration OPEN_TIMEOUT = Duration.ofSeconds(60);
    /** Longer than the measurement, so Jetty's idle timeout (30 s by default) closes none of the connections. */
    static final String IDLE_TIMEOUT = "jetty.http.idleTimeout=600000";
    static final String JFR_NAME = "alloc";
    static final String JFR_FILE = "alloc.jfr";
    /**
     * The array classes a TrackedConnection holds per connection (its per-request slots and start
     * times; typed arrays in earlier versions). Shared with everything else in the heap, so only
     * their difference, module minus stock, means something.
     */
    static final List<String> TRACKER_ARRAYS = List.of("[Ljava.lang.Object;", "[J",
        "[Lorg.eclipse.jetty.server.Request;", "[Lorg.eclipse.jetty.server.Response;", "[Lorg.eclipse.jetty.util.Callback;");

    /**
     * One variant's figures.
     * @param heapUsedBefore GC.heap_info "used", bytes, after a full GC, before the idle connections were opened
     * @param heapUsedAfter the same with the connections open
     * @param liveBefore the class histogram's total (live bytes after the full GC), before
     * @param liveAfter the same, with the connections open
     * @param gracefulDrainBytes histogram bytes of classes named dev.gracefuldrain.*, connections open
     * @param trackedConnections instances of dev.gracefuldrain.TrackedConnection, connections open
     * @param chmNodeBytes histogram bytes of java.util.concurrent.ConcurrentHashMap$Node, connections open
     * @param trackerArrayBytes histogram bytes of the {@link #TRACKER_ARRAYS} classes, connections open
     * @param openMs how long opening the connections (each with its one request) took
     * @param closedByServer connections found closed by Jetty after the measurement (must be 0)
     * @param wrkRequests requests wrk made in the recorded window
     * @param allocTotal JFR ObjectAllocationSample weight in the window, all events (bytes)
     * @param allocAnyModuleFrame weight of events with a dev.gracefuldrain.* frame anywhere in the stack
     * @param allocTracker weight attributed to TrackedConnection, ConnectionTracker, Drain* (see {@link #bucket})
     * @param allocOtherModule weight attributed to other dev.gracefuldrain classes
     * @param allocStatistics weight attributed to StatisticsHandler and its superclass EventsHandler
     * @param allocGraceful weight attributed to stock's GracefulHandler
     * @param allocEvents ObjectAllocationSample events in the window
     * @param histogram class name to bytes, connections open
     */
    record Side(Variant variant, long heapUsedBefore, long heapUsedAfter, long liveBefore, long liveAfter,
        long gracefulDrainBytes, long trackedConnections, long chmNodeBytes, long trackerArrayBytes, long openMs, int closedByServer,
        long wrkRequests, double wrkRps, long allocTotal, long allocAnyModuleFrame, long allocTracker, long allocOtherModule,
        long allocStatistics, long allocGraceful, long allocEvents, Map<String, Long> histogram)
    {
        @Override
        public String toString()
        {
            return String.format(Locale.ROOT, "Side[%s: heap used %,d -> %,d, live %,d -> %,d, dev.gracefuldrain.* %,d B, TrackedConnection x%d, "
                    + "CHM$Node %,d B, tracker arrays %,d B, opened in %d ms, closed by server %d; wrk %d requests (%.0f/s), alloc samples %d: total %,d B, "
                    + "any dev.gracefuldrain frame %,d, tracker %,d, other module %,d, statistics %,d, GracefulHandler %,d]",
                variant, heapUsedBefore, heapUsedAfter, liveBefore, liveAfter, gracefulDrainBytes, trackedConnections, chmNodeBytes,
                trackerArrayBytes, openMs, closedByServer, wrkRequests, wrkRps, allocEvents, allocTotal, allocAnyModuleFrame, allocTracker,
                allocOtherModule, allocStatistics, allocGraceful);
        }
    }

    /**
     * @param heapPerConnection (a) GC.heap_info used after a full GC, module minus stock, per connection
     * @param livePerConnection the same from the class histograms' totals (live bytes)
     * @param trackedPerConnection (b) dev.gracefuldrain.* bytes plus the ConcurrentHashMap$Node difference, per connection
     * @param trackedWithArraysPerConnection (b) plus the difference in the {@link #TRACKER_ARRAYS} classes (Object[], long[], ...)
     * @param stockGrowthPerConnection stock's live bytes with the connections open minus before, per connection
     * @param moduleGrowthPerConnection the same for the module
     * @param trackerPerRequest JFR: bytes per request allocated in TrackedConnection, ConnectionTracker, Drain*
     * @param otherModulePerRequest JFR: in other dev.gracefuldrain classes
     * @param statisticsPerRequest JFR: in StatisticsHandler / EventsHandler, which DrainHandler extends
     * @param anyModuleFramePerRequest JFR: all samples with a dev.gracefuldrain frame anywhere on the stack,
     * which includes the webapp and Jetty work done below DrainHandler.handle
     * @param gracefulPerRequest JFR, stock: in GracefulHandler, what stock pays instead
     * @param stockTotalPerRequest JFR: all allocation per request, stock
     * @param moduleTotalPerRequest JFR: all allocation per request, module
     * @param topDiffs the classes whose retained bytes differ most, module minus stock, connections open
     */
    record Result(int connections, Side stock, Side module, double heapPerConnection, double livePerConnection,
        double trackedPerConnection, double trackedWithArraysPerConnection, double stockGrowthPerConnection,
        double moduleGrowthPerConnection, double trackerPerRequest, double otherModulePerRequest, double statisticsPerRequest,
        double anyModuleFramePerRequest, double gracefulPerRequest, double stockTotalPerRequest, double moduleTotalPerRequest,
        List<String> topDiffs)
    {
        @Override
        public String toString()
        {
            StringBuilder out = new StringBuilder();
            out.append(String.format(Locale.ROOT, "retained heap, %,d idle keep-alive connections, after a full GC (-Xmx512m):%n", connections));
            out.append(String.format(Locale.ROOT, "  (a) heap used, module - stock: %,.0f B/connection (live bytes from the histograms: %,.0f B/connection)%n",
                heapPerConnection, livePerConnection));
            out.append(String.format(Locale.ROOT, "  (b) dev.gracefuldrain.* + ConcurrentHashMap$Node difference: %,.0f B/connection"
                + " (adding the Object[]/long[] difference, the arrays a TrackedConnection holds: %,.0f)%n", trackedPerConnection, trackedWithArraysPerConnection));
            out.append(String.format(Locale.ROOT, "  growth with the connections open: stock %,.0f B/connection, module %,.0f B/connection"
                + "; TrackedConnection instances: %d; closed by server: stock %d, module %d%n", stockGrowthPerConnection, moduleGrowthPerConnection,
                module.trackedConnections(), stock.closedByServer(), module.closedByServer()));
            out.append("  largest differences (module - stock, bytes): ").append(String.join(", ", topDiffs)).append('\n');
            out.append(String.format(Locale.ROOT, "allocation per request (JFR ObjectAllocationSample weight / wrk requests; %,d stock, %,d module requests):%n",
                stock.wrkRequests(), module.wrkRequests()));
            out.append(String.format(Locale.ROOT, "  module: TrackedConnection/ConnectionTracker/Drain* %.1f B, other dev.gracefuldrain %.1f B, "
                + "StatisticsHandler/EventsHandler %.1f B; any dev.gracefuldrain frame on the stack %.1f B%n",
                trackerPerRequest, otherModulePerRequest, statisticsPerRequest, anyModuleFramePerRequest));
            out.append(String.format(Locale.ROOT, "  stock: GracefulHandler %.1f B%n", gracefulPerRequest));
            out.append(String.format(Locale.ROOT, "  everything: stock %,.0f B, module %,.0f B per request%n", stockTotalPerRequest, moduleTotalPerRequest));
            return out.toString();
        }
    }

    private Memory()
    {
    }

    static Result run(int connections) throws Exception
    {
        return run(connections, WRK_DURATION);
    }

    static Result run(int connections, Duration wrk) throws Exception
    {
        Side stock = side(Variant.STOCK, connections, wrk);
        Side module = side(Variant.MODULE, connections, wrk);
        double n = connections;
        long chmDiff = module.chmNodeBytes() - stock.chmNodeBytes();
        double tracked = (module.gracefulDrainBytes() + chmDiff) / n;
        double trackedWithArrays = tracked + (module.trackerArrayBytes() - stock.trackerArrayBytes()) / n;
        double moduleRequests = Math.max(1, module.wrkRequests());
        double stockRequests = Math.max(1, stock.wrkRequests());
        return new Result(connections, stock, module,
            (module.heapUsedAfter() - stock.heapUsedAfter()) / n,
            (module.liveAfter() - stock.liveAfter()) / n,
            tracked, trackedWithArrays,
            (stock.liveAfter() - stock.liveBefore()) / n,
            (module.liveAfter() - module.liveBefore()) / n,
            module.allocTracker() / moduleRequests,
            module.allocOtherModule() / moduleRequests,
            module.allocStatistics() / moduleRequests,
            module.allocAnyModuleFrame() / moduleRequests,
            stock.allocGraceful() / stockRequests,
            stock.allocTotal() / stockRequests,
            module.allocTotal() / moduleRequests,
            topDiffs(stock.histogram(), module.histogram(), 8));
    }

    private static Side side(Variant variant, int connections, Duration wrkDuration) throws Exception
    {
        // The recording's file is relative: Jetty runs in its base, so it is <base>/alloc.jfr.
        List<String> jvm = List.of("-Xmx512m",
            "-XX:StartFlightRecording=name=" + JFR_NAME + ",filename=" + JFR_FILE + ",settings=profile",
            "-XX:FlightRecorderOptions=stackdepth=256");
        try (Jetty.Server jetty = variant.start(jvm, IDLE_TIMEOUT))
        {
            // Allocation per request: warm up first, so the window sees compiled code only.
            wrk(jetty.port, WRK_WARMUP);
            Instant from = Instant.now();
            WrkRun wrk = wrk(jetty.port, wrkDuration);
            Instant to = Instant.now();
            String stopped = jetty.jcmd("JFR.stop", "name=" + JFR_NAME);
            Path recording = jetty.base.dir.resolve(JFR_FILE);
            if (!Files.isRegularFile(recording))
                throw new IllegalStateException("no recording at " + recording + ": " + stopped);
            Alloc alloc = alloc(recording, from, to);

            // Retained heap: a full GC (the histogram forces one) before and with the idle connections.
            String histogramBefore = jetty.jcmd("GC.class_histogram");
            long heapBefore = heapUsed(jetty.jcmd("GC.heap_info"));
            long openStart = System.nanoTime();
            try (Idle idle = Idle.open(new InetSocketAddress(Jetty.HOST, jetty.port), connections, OPEN_TIMEOUT))
            {
                long openMs = (System.nanoTime() - openStart) / 1_000_000;
                Thread.sleep(1000);
                String histogramAfter = jetty.jcmd("GC.class_histogram");
                long heapAfter = heapUsed(jetty.jcmd("GC.heap_info"));
                int closed = idle.closedByServer();
                Map<String, Long> before = histogram(histogramBefore);
                Map<String, Long> after = histogram(histogramAfter);
                Map<String, Long> instances = instances(histogramAfter);
                long gracefulDrain = after.entrySet().stream().filter(e -> e.getKey().startsWith("dev.gracefuldrain.")).mapToLong(Map.Entry::getValue).sum();
                long arrays = TRACKER_ARRAYS.stream().mapToLong(name -> after.getOrDefault(name, 0L)).sum();
                return new Side(variant, heapBefore, heapAfter, before.getOrDefault(TOTAL, 0L), after.getOrDefault(TOTAL, 0L), gracefulDrain,
                    instances.getOrDefault("dev.gracefuldrain.TrackedConnection", 0L), after.getOrDefault("java.util.concurrent.ConcurrentHashMap$Node", 0L),
                    arrays, openMs, closed, wrk.requests(), wrk.rps(), alloc.total, alloc.anyModuleFrame, alloc.tracker, alloc.otherModule, alloc.statistics,
                    alloc.graceful, alloc.events, after);
            }
        }
    }

    // --- wrk -----------------------------------------------------------------------------------

    private static final Pattern WRK_REQUESTS = Pattern.compile("(\\d+) requests in ");
    private static final Pattern WRK_RPS = Pattern.compile("Requests/sec:\\s+([0-9.]+)");
    private static final Pattern WRK_NON2XX = Pattern.compile("Non-2xx or 3xx responses: (\\d+)");

    private record WrkRun(long requests, double rps)
    {
    }

    /** wrk -t2 -c64 on /sample/fast. */
    private static WrkRun wrk(int port, Duration duration) throws Exception
    {
        long seconds = Math.max(1, duration.toSeconds());
        String output = Jetty.run(List.of("/usr/bin/wrk", "-t2", "-c" + WRK_CONNECTIONS, "-d" + seconds + "s", "--timeout", "5s",
            "http://" + Jetty.HOST + ":" + port + PATH), Duration.ofSeconds(seconds + 30));
        Matcher requests = WRK_REQUESTS.matcher(output);
        Matcher rps = WRK_RPS.matcher(output);
        if (!requests.find() || !rps.find())
            throw new IllegalStateException("unexpected wrk output:\n" + output);
        if (WRK_NON2XX.matcher(output).find())
            throw new IllegalStateException("wrk saw non-2xx responses:\n" + output);
        return new WrkRun(Long.parseLong(requests.group(1)), Double.parseDouble(rps.group(1)));
    }

    // --- jcmd output ---------------------------------------------------------------------------

    static final String TOTAL = "<total>";
    private static final Pattern HISTOGRAM_LINE = Pattern.compile("^\\s*\\d+:\\s+(\\d+)\\s+(\\d+)\\s+(\\S+)");
    private static final Pattern HISTOGRAM_TOTAL = Pattern.compile("^Total\\s+(\\d+)\\s+(\\d+)");
    /** Hidden classes are named per process ({@code Foo$$Lambda$389/0x00007ff144218ca8}): one name for all of a class's lambdas. */
    private static final Pattern LAMBDA = Pattern.compile("\\$\\$Lambda\\$\\d+/0x[0-9a-f]+");
    private static final Pattern HEAP_USED = Pattern.compile("total \\d+K, used (\\d+)K");

    /** GC.class_histogram: class name to bytes, and {@link #TOTAL}. */
    static Map<String, Long> histogram(String output)
    {
        return parseHistogram(output, 2);
    }

    static Map<String, Long> instances(String output)
    {
        return parseHistogram(output, 1);
    }

    private static Map<String, Long> parseHistogram(String output, int group)
    {
        Map<String, Long> classes = new HashMap<>();
        for (String line : output.split("\n"))
        {
            Matcher m = HISTOGRAM_LINE.matcher(line);
            if (m.find())
                classes.merge(LAMBDA.matcher(m.group(3)).replaceAll("\\$\\$Lambda"), Long.parseLong(m.group(group)), Long::sum);
            else
            {
                Matcher total = HISTOGRAM_TOTAL.matcher(line);
                if (total.find())
                    classes.put(TOTAL, Long.parseLong(total.group(group)));
            }
        }
        if (!classes.containsKey(TOTAL))
            throw new IllegalStateException("unexpected GC.class_histogram output:\n" + output.substring(0, Math.min(2000, output.length())));
        return classes;
    }

    /** GC.heap_info: the heap's used bytes (G1: one line; generational collectors: the sum of the generations). */
    static long heapUsed(String output)
    {
        long used = 0;
        boolean found = false;
        for (String line : output.split("\n"))
        {
            if (line.contains("Metaspace") || line.contains("class space"))
                continue;
            Matcher m = HEAP_USED.matcher(line);
            if (m.find())
            {
                used += Long.parseLong(m.group(1)) * 1024;
                found = true;
            }
        }
        if (!found)
            throw new IllegalStateException("unexpected GC.heap_info output:\n" + output);
        return used;
    }

    private static List<String> topDiffs(Map<String, Long> stock, Map<String, Long> module, int count)
    {
        Set<String> names = new HashSet<>(stock.keySet());
        names.addAll(module.keySet());
        names.remove(TOTAL);
        return names.stream()
            .map(name -> Map.entry(name, module.getOrDefault(name, 0L) - stock.getOrDefault(name, 0L)))
            .sorted(Comparator.comparingLong((Map.Entry<String, Long> e) -> Math.abs(e.getValue())).reversed())
            .limit(count)
            .map(e -> String.format(Locale.ROOT, "%s %+,d", e.getKey(), e.getValue()))
            .toList();
    }

    // --- JFR -----------------------------------------------------------------------------------

    /** Sums of ObjectAllocationSample weights in the window. */
    static final class Alloc
    {
        long events;
        long total;
        long anyModuleFrame;
        long tracker;
        long otherModule;
        long statistics;
        long graceful;
    }

    static Alloc alloc(Path recording, Instant from, Instant to) throws IOException
    {
        Alloc alloc = new Alloc();
        try (RecordingFile file = new RecordingFile(recording))
        {
            while (file.hasMoreEvents())
            {
                RecordedEvent event = file.readEvent();
                if (!event.getEventType().getName().equals("jdk.ObjectAllocationSample"))
                    continue;
                Instant at = event.getStartTime();
                if (at.isBefore(from) || at.isAfter(to))
                    continue;
                long weight = event.getLong("weight");
                alloc.events++;
                alloc.total += weight;
                RecordedStackTrace stack = event.getStackTrace();
                if (stack == null)
                    continue;
                List<RecordedFrame> frames = stack.getFrames();
                boolean any = false;
                for (RecordedFrame frame : frames)
                {
                    if (type(frame).startsWith("dev.gracefuldrain."))
                    {
                        any = true;
                        break;
                    }
                }
                if (any)
                    alloc.anyModuleFrame += weight;
                switch (bucket(frames))
                {
                    case TRACKER -> alloc.tracker += weight;
                    case OTHER_MODULE -> alloc.otherModule += weight;
                    case STATISTICS -> alloc.statistics += weight;
                    case GRACEFUL -> alloc.graceful += weight;
                    default ->
                    {
                    }
                }
            }
        }
        return alloc;
    }

    enum Bucket
    {
        TRACKER, OTHER_MODULE, STATISTICS, GRACEFUL, ELSEWHERE
    }

    /**
     * Who allocated: the first frame from the top (the allocation site) that is not the JDK or a Jetty
     * utility ({@code org.eclipse.jetty.util.*}: counters, NanoTime, ...), so that what a handler
     * allocates through such helpers is its own, while what it delegates (the next handler, the
     * webapp, the response write through Jetty's wrappers) is not.
     */
    static Bucket bucket(List<RecordedFrame> frames)
    {
        for (int i = 0; i < frames.size(); i++)
        {
            RecordedFrame frame = frames.get(i);
            String type = type(frame);
            if (type.startsWith("java.") || type.startsWith("jdk.") || type.startsWith("sun.") || type.startsWith("com.sun.")
                || type.startsWith("org.eclipse.jetty.util."))
                continue;
            // The stream wrapper Jetty makes for a completion listener is the caller's cost.
            if (type.equals("org.eclipse.jetty.server.Request") && "addCompletionListener".equals(frame.getMethod().getName())
                && i + 1 < frames.size() && type(frames.get(i + 1)).startsWith("dev.gracefuldrain."))
                return Bucket.OTHER_MODULE;
            if (type.startsWith("dev.gracefuldrain."))
            {
                // The tracking state (connections, their requests, the drain) apart from the handler's completion hook.
                String simple = type.substring("dev.gracefuldrain.".length());
                boolean tracking = simple.startsWith("TrackedConnection") || simple.startsWith("ConnectionTracker")
                    || simple.equals("Drain") || simple.startsWith("Drain$") || simple.startsWith("DrainReport");
                return tracking ? Bucket.TRACKER : Bucket.OTHER_MODULE;
            }
            if (type.startsWith("org.eclipse.jetty.server.handler.StatisticsHandler") || type.startsWith("org.eclipse.jetty.server.handler.EventsHandler"))
                return Bucket.STATISTICS;
            if (type.startsWith("org.eclipse.jetty.server.handler.GracefulHandler"))
                return Bucket.GRACEFUL;
            return Bucket.ELSEWHERE;
        }
        return Bucket.ELSEWHERE;
    }

    private static String type(RecordedFrame frame)
    {
        return frame.getMethod() == null || frame.getMethod().getType() == null ? "" : frame.getMethod().getType().getName();
    }

    // --- idle connections ----------------------------------------------------------------------

    /** Many keep-alive connections, each after one answered GET, left open and idle. */
    static final class Idle implements AutoCloseable
    {
        private static final byte[] REQUEST = ("GET " + PATH + " HTTP/1.1\r\nHost: localhost\r\n\r\n").getBytes(StandardCharsets.US_ASCII);

        private final Selector selector;
        private final List<SocketChannel> channels = new ArrayList<>();

        private Idle(Selector selector)
        {
            this.selector = selector;
        }

        /** One connection's progress: the request to send, the response read so far. */
        private static final class Exchange
        {
            final ByteBuffer request = ByteBuffer.wrap(REQUEST);
            ByteArrayOutputStream response = new ByteArrayOutputStream(256);

            /** @return true once the whole response is in (parsed again from the start: only while connecting) */
            boolean complete() throws IOException
            {
                Wire.Response parsed = Wire.readResponse(new ByteArrayInputStream(response.toByteArray()));
                if (parsed == null || !parsed.complete())
                    return false;
                if (parsed.status() != 200 || parsed.untilClose())
                    throw new IllegalStateException("expected a 200 with a length or chunks: " + response.toString(StandardCharsets.ISO_8859_1));
                return true;
            }
        }

        static Idle open(InetSocketAddress address, int count, Duration timeout) throws IOException
        {
            Idle idle = new Idle(Selector.open());
            try
            {
                idle.connect(address, count, timeout);
                return idle;
            }
            catch (IOException | RuntimeException x)
            {
                idle.close();
                throw x;
            }
        }

        private void connect(InetSocketAddress address, int count, Duration timeout) throws IOException
        {
            long deadline = System.nanoTime() + timeout.toNanos();
            ByteBuffer buffer = ByteBuffer.allocate(16 * 1024);
            int started = 0;
            int done = 0;
            int inFlight = 0;
            while (done < count)
            {
                if (System.nanoTime() > deadline)
                    throw new IllegalStateException("only " + done + " of " + count + " connections done within " + timeout + " (" + inFlight + " in flight)");
                while (inFlight < IN_FLIGHT && started < count)
                {
                    SocketChannel channel = SocketChannel.open();
                    channels.add(channel);
                    channel.configureBlocking(false);
                    Exchange exchange = new Exchange();
                    if (channel.connect(address))
                        channel.register(selector, SelectionKey.OP_WRITE, exchange);
                    else
                        channel.register(selector, SelectionKey.OP_CONNECT, exchange);
                    started++;
                    inFlight++;
                }
                selector.select(100);
                for (Iterator<SelectionKey> keys = selector.selectedKeys().iterator(); keys.hasNext(); )
                {
                    SelectionKey key = keys.next();
                    keys.remove();
                    SocketChannel channel = (SocketChannel)key.channel();
                    Exchange exchange = (Exchange)key.attachment();
                    if (key.isConnectable())
                    {
                        if (!channel.finishConnect())
                            continue;
                        key.interestOps(SelectionKey.OP_WRITE);
                    }
                    if (key.isValid() && key.isWritable())
                    {
                        channel.write(exchange.request);
                        if (!exchange.request.hasRemaining())
                            key.interestOps(SelectionKey.OP_READ);
                    }
                    else if (key.isValid() && key.isReadable())
                    {
                        buffer.clear();
                        int n = channel.read(buffer);
                        if (n < 0)
                            throw new IOException("connection closed before its response was complete, after " + exchange.response.size() + " bytes");
                        exchange.response.write(buffer.array(), 0, n);
                        if (exchange.complete())
                        {
                            key.interestOps(0);
                            key.attach(null);
                            inFlight--;
                            done++;
                        }
                    }
                }
            }
        }

        /** How many of the connections Jetty closed (or sent anything on) since they went idle. */
        int closedByServer() throws IOException
        {
            for (SelectionKey key : selector.keys())
            {
                if (key.isValid())
                    key.interestOps(SelectionKey.OP_READ);
            }
            selector.selectNow();
            int closed = selector.selectedKeys().size();
            selector.selectedKeys().clear();
            for (SelectionKey key : selector.keys())
            {
                if (key.isValid())
                    key.interestOps(0);
            }
            return closed;
        }

        @Override
        public void close() throws IOException
        {
            for (SocketChannel channel : channels)
            {
                try
                {
                    channel.close();
                }
                catch (IOException ignored)
                {
                }
            }
            selector.close();
        }
    }
}
