package dev.gracefuldrain.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;

import dev.gracefuldrain.testsupport.Jetty;

/**
 * The whole bench, one command: drain latency at scale, request-path overhead (wrk), memory and
 * allocation, a stop under load; stock Jetty and the module in the same run, alternating. Prints every
 * figure and writes the report with its charts.
 * <pre>
 *   bench/run            # full run, writes docs/BENCHMARKS.md and docs/bench/*.png (under 10 minutes)
 *   bench/run --smoke    # a few seconds per part, writes bench/target/smoke/BENCHMARKS.md (CI)
 * </pre>
 */
public final class Bench
{
    /** The bench module's build directory: the smoke run's report goes there. */
    static final Path TARGET = Path.of(System.getProperty("bench.target", "bench/target")).toAbsolutePath();
    /** Targets from the issue; the report marks each figure met or missed. */
    static final double IDLE_CLOSED_TARGET_MS = 100;
    static final double EXIT_IDLE_TARGET_MS = 500;
    static final double EXIT_AFTER_BUSY_TARGET_MS = 20;
    static final double THROUGHPUT_RATIO_TARGET = 0.98;
    static final double P99_RATIO_TARGET = 1.05;
    static final double BYTES_PER_CONNECTION_TARGET = 200;

    record Plan(boolean smoke, int[] idle, int[] busy, long busyMs, int busyRepeats, int overheadRounds, Duration overheadEach,
                int memoryConnections, Duration memoryWrk, int loadClients, Duration loadBefore)
    {
        static Plan full()
        {
            return new Plan(false, new int[]{100, 1000, 10_000}, new int[]{0, 10}, 1000, 5, 5, Duration.ofSeconds(6),
                10_000, Duration.ofSeconds(10), 200, Duration.ofSeconds(3));
        }

        static Plan quick()
        {
            return new Plan(true, new int[]{100}, new int[]{0, 2}, 500, 1, 1, Duration.ofSeconds(2),
                500, Duration.ofSeconds(2), 20, Duration.ofSeconds(1));
        }
    }

    /** Everything one run measured. */
    record Results(List<KernelFloor.Result> floor, List<DrainAtScale.Run> drains, List<DrainAtScale.Run> busyRepeats, List<Overhead.Run> overhead,
                   Memory.Result memory, List<UnderLoad.Result> load, Duration took)
    {
    }

    public static void main(String[] args) throws Exception
    {
        boolean smoke = Arrays.asList(args).contains("--smoke");
        Path out = smoke ? Bench.TARGET.resolve("smoke/BENCHMARKS.md") : Path.of(System.getProperty("bench.out", "docs/BENCHMARKS.md"));
        Results results = run(smoke ? Plan.quick() : Plan.full());
        write(results, smoke, out);
        System.out.println("bench: report written to " + out.toAbsolutePath());
    }

    static Results run(Plan plan) throws Exception
    {
        long start = System.nanoTime();
        Jetty.cleanWork();
        // The kernel's own cost for the same FINs (one process holds both ends: at most 9 000 pairs under a 20 000-descriptor limit).
        int floorSize = Math.min(9000, Arrays.stream(plan.idle()).max().orElse(100));
        List<KernelFloor.Result> floor = new ArrayList<>();
        for (int threads : new int[]{1, 2 * Runtime.getRuntime().availableProcessors()})
        {
            KernelFloor.Result result = KernelFloor.run(floorSize, threads);
            System.out.printf(Locale.ROOT, "kernel floor: %d connections, %d thread(s): shutdownOutput loop %.1f ms, last FIN seen %.1f ms%n",
                result.connections(), threads, result.loopMs(), result.lastFinSeenMs());
            floor.add(result);
        }
        List<DrainAtScale.Run> drains = new ArrayList<>();
        Variant[] variants = plan.smoke()
            ? new Variant[]{Variant.MODULE, Variant.STOCK}
            : new Variant[]{Variant.MODULE, Variant.STOCK, Variant.STOCK_NO_SHRINK};
        int turn = 0;
        for (int idle : plan.idle())
        {
            for (int busy : plan.busy())
            {
                // Alternate which variant goes first, so that no variant always runs on a warmer machine.
                for (int i = 0; i < variants.length; i++)
                {
                    Variant variant = variants[(i + turn) % variants.length];
                    DrainAtScale.Run run = DrainAtScale.run(variant, idle, busy, plan.busyMs());
                    System.out.println("drain: " + run.describe());
                    drains.add(run);
                }
                turn++;
            }
        }
        // The exit after the last busy request, several times: its target is a median.
        List<DrainAtScale.Run> repeats = new ArrayList<>();
        for (int i = 0; i < plan.busyRepeats(); i++)
        {
            DrainAtScale.Run run = DrainAtScale.run(Variant.MODULE, 100, 10, plan.busyMs());
            System.out.println("drain (repeat): " + run.describe());
            repeats.add(run);
        }

        List<Overhead.Run> overhead = new ArrayList<>(Overhead.run(plan.overheadRounds(), plan.overheadEach(), false));
        overhead.addAll(Overhead.run(plan.overheadRounds(), plan.overheadEach(), true));
        System.out.print("overhead:\n" + Overhead.summary(overhead));

        Memory.Result memory = Memory.run(plan.memoryConnections(), plan.memoryWrk());
        System.out.print("memory:\n" + memory);

        List<UnderLoad.Result> load = new ArrayList<>();
        for (Variant variant : new Variant[]{Variant.MODULE, Variant.STOCK})
        {
            UnderLoad.Result result = UnderLoad.run(variant, plan.loadClients(), plan.loadBefore());
            System.out.println("under load: " + result);
            load.add(result);
        }
        return new Results(floor, drains, repeats, overhead, memory, load, Duration.ofNanos(System.nanoTime() - start));
    }

    static void write(Results r, boolean smoke, Path out) throws Exception
    {
        Report report = new Report(out);
        report.heading(1, "Benchmarks" + (smoke ? " (smoke run: small sizes, not the figures)" : ""));
        report.paragraph(String.format(Locale.ROOT, "Written by `bench/run%s` on this project's machine (%d cores, %s, Java %s), in %d s. "
                + "Jetty is the real jetty-home %s distribution, started as its own process in a fresh base for every measurement; the "
                + "clients (a Java NIO client, wrk) run on the same machine over loopback, so they share the cores with the server. "
                + "Stock Jetty and the module run in the same session, alternating. Targets are from issue 7 and each figure says met or missed.",
            smoke ? " --smoke" : "", Runtime.getRuntime().availableProcessors(), System.getProperty("os.name") + " " + System.getProperty("os.version"),
            System.getProperty("java.version"), r.took().toSeconds(), Jetty.VERSION));

        drainSection(report, r);
        overheadSection(report, r.overhead());
        memorySection(report, r.memory());
        loadSection(report, r.load());
        report.write();
    }

    private static void drainSection(Report report, Results r) throws Exception
    {
        report.heading(2, "1. Drain latency at scale");
        long busyMs = r.drains().get(0).busyMs();
        report.paragraph("N idle keep-alive connections (each has served one request), plus 0 or 10 requests in flight (`/sample/slow?ms=" + busyMs + "`), "
            + "then SIGTERM. *FINs on the wire* are the kernel's timestamps of the server's FINs (tcpdump on `lo`), p50 and the last idle one; "
            + "*seen by client* is when the client (one Java NIO selector thread, closing each connection on EOF as a browser or a pool does) "
            + "read them: it shares the two cores with the server, so it lags. *Drained* is the module's summary line (every connection closed), "
            + "*exit* the process's end. Stock `graceful` runs with its default stop timeout (5 s); with "
            + "`jetty.graceful.shutdownIdleTimeout=-1` it holds idle connections until then.");
        StringBuilder floorText = new StringBuilder("The kernel alone, for comparison (no Jetty, no HTTP: one process half-closes loopback connections in a tight loop): ");
        for (KernelFloor.Result f : r.floor())
            floorText.append(String.format(Locale.ROOT, "%,d connections on %d thread(s): loop %s ms, last FIN read by the other end %s ms; ",
                f.connections(), f.threads(), Report.fmt(f.loopMs()), Report.fmt(f.lastFinSeenMs())));
        report.paragraph(floorText.toString().trim());
        List<List<String>> rows = new ArrayList<>();
        for (DrainAtScale.Run run : r.drains())
        {
            rows.add(List.of(run.variant().label, Integer.toString(run.idle()), Integer.toString(run.busy()),
                Report.fmt(run.wireIdleFinP50Ms()), Report.fmt(run.wireIdleFinAllMs()),
                Report.fmt(run.idleClosedP50Ms()), Report.fmt(run.idleClosedMaxMs()),
                run.idleFin() + " / " + run.idleReset() + " / " + run.idleOpen(),
                run.busy() == 0 ? "-" : run.busyCompleted() + "/" + run.busy(),
                Report.fmt(run.drainedMs()), Report.fmt(run.exitMs()), run.busy() == 0 ? "-" : Report.fmt(run.exitAfterLastBusyMs())));
        }
        report.table(List.of("variant", "idle N", "busy", "FINs on the wire p50 (ms)", "all idle FINs on the wire (ms)",
            "seen by client p50 (ms)", "all seen by client (ms)", "client saw FIN / RST / open", "busy completed", "drained (ms)", "exit (ms)",
            "exit after last busy (ms)"), rows);

        // Ratios, stock over module, for each size: how many times sooner the module closes idle connections and exits.
        List<List<String>> ratios = new ArrayList<>();
        for (DrainAtScale.Run module : r.drains().stream().filter(d -> d.variant() == Variant.MODULE).toList())
        {
            List<String> row = new ArrayList<>(List.of(Integer.toString(module.idle()), Integer.toString(module.busy())));
            for (Variant stock : new Variant[]{Variant.STOCK, Variant.STOCK_NO_SHRINK})
            {
                DrainAtScale.Run other = r.drains().stream().filter(d -> d.variant() == stock && d.idle() == module.idle() && d.busy() == module.busy())
                    .findFirst().orElse(null);
                row.add(other == null ? "-" : Report.fmt(other.wireIdleFinAllMs() / module.wireIdleFinAllMs()) + "×");
                row.add(other == null ? "-" : Report.fmt(other.exitMs() / module.exitMs()) + "×");
            }
            ratios.add(row);
        }
        report.paragraph("Stock over module, in the same run (how many times longer stock takes):");
        report.table(List.of("idle N", "busy", "last idle FIN: stock graceful / module", "exit: stock graceful / module",
            "last idle FIN: stock, shrink off / module", "exit: stock, shrink off / module"), ratios);

        List<String> groups = new ArrayList<>();
        for (int idle : r.drains().stream().mapToInt(DrainAtScale.Run::idle).distinct().toArray())
            groups.add("N=" + idle);
        for (int busy : r.drains().stream().mapToInt(DrainAtScale.Run::busy).distinct().toArray())
        {
            report.target(IDLE_CLOSED_TARGET_MS, "target 100 ms");
            report.barChart("drain-idle-closed-busy" + busy, "Last idle connection's FIN on the wire after SIGTERM, " + busy + " busy", "ms", groups,
                series(r.drains(), busy, DrainAtScale.Run::wireIdleFinAllMs), true);
            report.barChart("drain-exit-busy" + busy, "Process exit after SIGTERM, " + busy + " busy", "ms", groups,
                series(r.drains(), busy, DrainAtScale.Run::exitMs), true);
        }

        DrainAtScale.Run big = r.drains().stream().filter(d -> d.variant() == Variant.MODULE && d.busy() == 0)
            .max((a, b) -> Integer.compare(a.idle(), b.idle())).orElseThrow();
        double[] afterBusy = r.busyRepeats().stream().mapToDouble(DrainAtScale.Run::drainedAfterLastBusyMs).sorted().toArray();
        double[] exitAfterBusy = r.busyRepeats().stream().mapToDouble(DrainAtScale.Run::exitAfterLastBusyMs).sorted().toArray();
        double medianDrained = median(afterBusy);
        report.table(List.of("target (module)", "measured", "met?"), List.of(
            List.of(String.format(Locale.ROOT, "%,d idle connections all closed within 100 ms (last FIN on the wire)", big.idle()),
                Report.fmt(big.wireIdleFinAllMs()) + " ms (client saw the last at " + Report.fmt(big.idleClosedMaxMs()) + " ms)",
                verdict(big.wireIdleFinAllMs() <= IDLE_CLOSED_TARGET_MS)),
            List.of(String.format(Locale.ROOT, "exit within 500 ms with %,d idle, nothing busy", big.idle()), Report.fmt(big.exitMs()) + " ms",
                verdict(big.exitMs() <= EXIT_IDLE_TARGET_MS)),
            List.of("drain complete within 20 ms (median) of the last busy request's end, JVM exit aside (" + afterBusy.length + " runs, N=100 + 10 busy)",
                Report.fmt(medianDrained) + " ms (runs: " + joined(afterBusy) + "); process exit " + Report.fmt(median(exitAfterBusy)) + " ms",
                verdict(medianDrained <= EXIT_AFTER_BUSY_TARGET_MS))));
    }

    private static LinkedHashMap<String, double[]> series(List<DrainAtScale.Run> runs, int busy, ToDoubleFunction<DrainAtScale.Run> value)
    {
        int[] sizes = runs.stream().mapToInt(DrainAtScale.Run::idle).distinct().toArray();
        LinkedHashMap<String, double[]> series = new LinkedHashMap<>();
        for (Variant variant : new Variant[]{Variant.STOCK, Variant.STOCK_NO_SHRINK, Variant.MODULE})
        {
            if (runs.stream().noneMatch(d -> d.variant() == variant))
                continue;
            double[] values = new double[sizes.length];
            for (int i = 0; i < sizes.length; i++)
            {
                int size = sizes[i];
                values[i] = runs.stream().filter(d -> d.variant() == variant && d.busy() == busy && d.idle() == size)
                    .mapToDouble(value).findFirst().orElse(Double.NaN);
            }
            series.put(variant.label, values);
        }
        return series;
    }

    private static void overheadSection(Report report, List<Overhead.Run> runs) throws Exception
    {
        report.heading(2, "2. Request-path overhead");
        report.paragraph("wrk (Debian's package), 2 threads, 64 connections, `/sample/fast`, after a 3 s warm-up, against stock Jetty with "
            + "`graceful` and against the module, alternating round by round. *Churn* sends `Connection: close`: one request per connection. "
            + "wrk and Jetty share the 2 cores, and this machine's throughput moves by ±30 % from one run to the next whatever runs "
            + "(the same stock Jetty measured 22 000 to 44 000 requests/s in runs minutes apart), so the ratios are medians over rounds and the server's own CPU "
            + "time per request (from /proc) is given too.");
        List<List<String>> rows = new ArrayList<>();
        List<List<String>> targets = new ArrayList<>();
        for (boolean churn : new boolean[]{false, true})
        {
            List<Overhead.Run> these = runs.stream().filter(x -> x.churn() == churn).toList();
            for (Overhead.Run run : these)
            {
                rows.add(List.of(churn ? "churn" : "keep-alive", Integer.toString(run.round() + 1), run.variant().label,
                    String.format(Locale.ROOT, "%,.0f", run.rps()), Report.fmt(run.p50us()), Report.fmt(run.p99us()), Report.fmt(run.cpuUsPerRequest())));
            }
            double stockRps = Overhead.median(these.stream().filter(x -> x.variant() == Variant.STOCK).mapToDouble(Overhead.Run::rps).toArray());
            double moduleRps = Overhead.median(these.stream().filter(x -> x.variant() == Variant.MODULE).mapToDouble(Overhead.Run::rps).toArray());
            double stockP99 = Overhead.median(these.stream().filter(x -> x.variant() == Variant.STOCK).mapToDouble(Overhead.Run::p99us).toArray());
            double moduleP99 = Overhead.median(these.stream().filter(x -> x.variant() == Variant.MODULE).mapToDouble(Overhead.Run::p99us).toArray());
            String mode = churn ? "churn" : "keep-alive";
            targets.add(List.of(mode + ": throughput module / stock >= 0.98 (medians)", Report.fmt(moduleRps / stockRps),
                verdict(moduleRps / stockRps >= THROUGHPUT_RATIO_TARGET)));
            targets.add(List.of(mode + ": p99 latency module / stock <= 1.05 (medians)", Report.fmt(moduleP99 / stockP99),
                verdict(moduleP99 / stockP99 <= P99_RATIO_TARGET)));
            double stockCpu = Overhead.median(these.stream().filter(x -> x.variant() == Variant.STOCK).mapToDouble(Overhead.Run::cpuUsPerRequest).toArray());
            double moduleCpu = Overhead.median(these.stream().filter(x -> x.variant() == Variant.MODULE).mapToDouble(Overhead.Run::cpuUsPerRequest).toArray());
            targets.add(List.of(mode + ": server CPU per request module / stock (medians; no target, steadier than throughput here)",
                Report.fmt(moduleCpu / stockCpu), "-"));
        }
        report.table(List.of("mode", "round", "variant", "requests/s", "p50 (µs)", "p99 (µs)", "server CPU per request (µs)"), rows);
        List<String> groups = List.of("keep-alive", "churn");
        LinkedHashMap<String, double[]> rps = new LinkedHashMap<>();
        for (Variant variant : new Variant[]{Variant.STOCK, Variant.MODULE})
        {
            rps.put(variant.label, new double[]{
                Overhead.median(runs.stream().filter(x -> !x.churn() && x.variant() == variant).mapToDouble(Overhead.Run::rps).toArray()),
                Overhead.median(runs.stream().filter(x -> x.churn() && x.variant() == variant).mapToDouble(Overhead.Run::rps).toArray())});
        }
        report.barChart("overhead-throughput", "Throughput, median of the rounds", "requests/s", groups, rps, false);
        report.table(List.of("target", "measured", "met?"), targets);
    }

    private static void memorySection(Report report, Memory.Result m) throws Exception
    {
        report.heading(2, "3. Memory and allocation");
        report.paragraph(String.format(Locale.ROOT, "%,d idle keep-alive connections open on stock `graceful` and on the module, heap measured "
            + "after a full GC (`jcmd GC.class_histogram`, `GC.heap_info`, -Xmx512m). Allocation: JFR `jdk.ObjectAllocationSample` "
            + "during a 10 s wrk run (64 connections, `/sample/fast`), each sample's weight charged to the first frame from the allocation "
            + "site that is neither the JDK nor `org.eclipse.jetty.util` (so a wrapper Jetty's StatisticsHandler allocates is charged to it, "
            + "not to the module's handler that called it), divided by the requests served. JFR samples: figures of a few bytes are within "
            + "sampling error (about ±15%%).", m.connections()));
        report.table(List.of("measure", "bytes", "met?"), List.of(
            List.of("per tracked connection: dev.gracefuldrain.* objects + their arrays + the tracker's map entries (class histograms, module − stock)",
                Report.fmt(m.trackedWithArraysPerConnection()), verdict(m.trackedWithArraysPerConnection() <= BYTES_PER_CONNECTION_TARGET)),
            List.of("per connection: whole live heap after a full GC, module − stock (includes noise)", Report.fmt(m.livePerConnection()), "-"),
            List.of("per request: allocated by the tracking (TrackedConnection, ConnectionTracker, Drain, DrainReport)", Report.fmt(m.trackerPerRequest()),
                verdict(m.trackerPerRequest() < 1)),
            List.of("per request: allocated for the module's handler: its completion listener and the stream wrapper Jetty makes for it",
                Report.fmt(m.otherModulePerRequest()), "-"),
            List.of("per request: allocated by stock's `GracefulHandler`, which the module replaces", Report.fmt(m.gracefulPerRequest()),
                m.otherModulePerRequest() <= m.gracefulPerRequest() ? "less with the module" : "more with the module"),
            List.of("per request: everything allocated, stock `graceful`", Report.fmt(m.stockTotalPerRequest()), "-"),
            List.of("per request: everything allocated, module", Report.fmt(m.moduleTotalPerRequest()), "-")));
    }

    private static void loadSection(Report report, List<UnderLoad.Result> results)
    {
        report.heading(2, "4. A stop under load");
        report.paragraph("Keep-alive clients on raw sockets, each sending `GET /sample/fast` as fast as it is answered; SIGTERM in the middle. "
            + "A client whose connection is closed before a response byte counts as *refused cleanly* and reconnects (then is refused by the closed listener).");
        List<List<String>> rows = new ArrayList<>();
        for (UnderLoad.Result x : results)
        {
            rows.add(List.of(x.variant().label, Integer.toString(x.clients()), Long.toString(x.completedBefore()), Long.toString(x.completedAfter()),
                Long.toString(x.status503()), Long.toString(x.refusedCleanly()), Long.toString(x.connectRefused()),
                Long.toString(x.truncated()), Long.toString(x.reset()), x.drainMs() < 0 ? "n/a" : Long.toString(x.drainMs())));
        }
        report.table(List.of("variant", "clients", "completed before SIGTERM", "completed after", "503", "refused cleanly", "connect refused",
            "truncated", "reset", "exit after SIGTERM (ms)"), rows);
        UnderLoad.Result module = results.stream().filter(x -> x.variant() == Variant.MODULE).findFirst().orElseThrow();
        report.table(List.of("target (module)", "measured", "met?"), List.of(
            List.of("truncated responses = 0", Long.toString(module.truncated()), verdict(module.truncated() == 0)),
            List.of("connection resets seen by clients = 0", Long.toString(module.reset()), verdict(module.reset() == 0))));
    }

    static String verdict(boolean met)
    {
        return met ? "met" : "**missed**";
    }

    static double median(double[] sorted)
    {
        double[] values = Arrays.stream(sorted).filter(v -> !Double.isNaN(v)).sorted().toArray();
        if (values.length == 0)
            return Double.NaN;
        int n = values.length;
        return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
    }

    private static String joined(double[] values)
    {
        StringBuilder out = new StringBuilder();
        for (double value : values)
            out.append(out.isEmpty() ? "" : ", ").append(Report.fmt(value));
        return out.toString();
    }
}
