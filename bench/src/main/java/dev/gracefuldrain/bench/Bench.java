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
 * The whole bench, one command: drain latency at scale (beside the kernel's floor), request-path
 * overhead (server CPU per request, wrk keep-alive and close, h2load over h2c), memory and allocation,
 * a stop under load, a stop with the thread pool saturated, the fixed cost of the stop path; stock
 * Jetty and the module in the same run, alternating. Prints every figure and writes the report with its charts.
 * <pre>
 *   bench/run            # full run, writes docs/BENCHMARKS.md and docs/bench/*.png (about 11 minutes)
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
    /** Scale: the module's last idle FIN against the kernel's floor for the same count. */
    static final double FLOOR_RATIO_TARGET = 1.3;
    /** Saturation: the module's last idle FIN against its own figure without busy requests. */
    static final double SATURATION_FIN_FACTOR_TARGET = 2;

    record Plan(boolean smoke, int[] idle, int[] busy, long busyMs, int busyRepeats, int overheadRounds, Duration overheadEach,
                Duration overheadWarmup, int memoryConnections, Duration memoryWrk, int loadClients, Duration loadBefore,
                int saturationIdle, int saturationBusy, long saturationBusyMs, int stopRounds)
    {
        static Plan full()
        {
            return new Plan(false, new int[]{100, 1000, 10_000}, new int[]{0, 10}, 1000, 5, 5, Duration.ofSeconds(6), Duration.ofSeconds(3),
                10_000, Duration.ofSeconds(10), 200, Duration.ofSeconds(3), 1000, 40, 4000, 6);
        }

        static Plan quick()
        {
            return new Plan(true, new int[]{100}, new int[]{0, 2}, 500, 1, 1, Duration.ofSeconds(1), Duration.ofSeconds(1),
                500, Duration.ofSeconds(2), 20, Duration.ofSeconds(1), 100, 10, 1000, 2);
        }
    }

    /** Everything one run measured. */
    record Results(List<KernelFloor.Result> floor, List<DrainAtScale.Run> drains, List<DrainAtScale.Run> busyRepeats, List<Overhead.Run> overhead,
                   Memory.Result memory, List<UnderLoad.Result> load, List<Saturation.Run> saturation, List<StopCost.Run> stopCost, Duration took)
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
        // The kernel's own cost for as many FINs as the largest drain has idle connections (a process of its own closes them).
        int floorSize = Arrays.stream(plan.idle()).max().orElse(100);
        List<KernelFloor.Result> floor = new ArrayList<>();
        for (int threads : new int[]{1, 2 * Runtime.getRuntime().availableProcessors()})
        {
            KernelFloor.Result result = KernelFloor.run(floorSize, threads);
            System.out.printf(Locale.ROOT, "kernel floor: %d connections, %d thread(s): shutdownOutput loop %.1f ms, last FIN seen %.1f ms%n",
                result.connections(), threads, result.loopMs(), result.lastFinSeenMs());
            floor.add(result);
        }
        took("kernel floor", start);
        long part = System.nanoTime();
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

        System.out.print(scale(floor, drains));
        part = took("drain at scale", part);

        List<Saturation.Run> saturation = Saturation.run(plan.saturationIdle(), plan.saturationBusy(), plan.saturationBusyMs());
        part = took("saturation", part);
        List<StopCost.Run> stopCost = StopCost.run(plan.stopRounds());
        System.out.print("stop cost:\n" + StopCost.summary(stopCost));

        part = took("stop cost", part);
        List<Overhead.Run> overhead = Overhead.run(plan.overheadRounds(), plan.overheadEach(), plan.overheadWarmup());
        System.out.print("overhead:\n" + Overhead.summary(overhead));

        part = took("overhead", part);
        Memory.Result memory = Memory.run(plan.memoryConnections(), plan.memoryWrk());
        System.out.print("memory:\n" + memory);
        part = took("memory", part);

        List<UnderLoad.Result> load = new ArrayList<>();
        for (Variant variant : new Variant[]{Variant.MODULE, Variant.STOCK})
        {
            UnderLoad.Result result = UnderLoad.run(variant, plan.loadClients(), plan.loadBefore());
            System.out.println("under load: " + result);
            load.add(result);
        }
        took("under load", part);
        return new Results(floor, drains, repeats, overhead, memory, load, saturation, stopCost, Duration.ofNanos(System.nanoTime() - start));
    }

    /** Prints how long a part took; returns now, the next part's start. */
    private static long took(String what, long since)
    {
        long now = System.nanoTime();
        System.out.printf(Locale.ROOT, "bench: %s took %.1f s%n", what, (now - since) / 1e9);
        return now;
    }

    static void write(Results r, boolean smoke, Path out) throws Exception
    {
        Report report = new Report(out);
        report.heading(1, "Benchmarks" + (smoke ? " (smoke run: small sizes, not the figures)" : ""));
        report.paragraph(String.format(Locale.ROOT, "Written by `bench/run%s` on this project's machine (%d cores, %s, Java %s), in %d s. "
                + "Jetty is the real jetty-home %s distribution, started as a fresh process for every measurement (one base per variant and set of modules, made once per run); the "
                + "clients (a Java NIO client, wrk) run on the same machine over loopback, so they share the cores with the server. "
                + "Stock Jetty and the module run in the same session, alternating. Targets are from issues 7 and 11 and each figure says met or missed.",
            smoke ? " --smoke" : "", Runtime.getRuntime().availableProcessors(), System.getProperty("os.name") + " " + System.getProperty("os.version"),
            System.getProperty("java.version"), r.took().toSeconds(), Jetty.VERSION));

        drainSection(report, r);
        overheadSection(report, r.overhead());
        memorySection(report, r.memory());
        loadSection(report, r.load());
        saturationSection(report, r.saturation());
        stopCostSection(report, r.stopCost());
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
        StringBuilder floorText = new StringBuilder("The kernel alone, for comparison (no Jetty, no HTTP: a process of its own half-closes loopback "
            + "connections in a tight loop, on 1 thread or on 2 per core, while this one's selector thread waits for the FINs): ");
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
        scaleSection(report, r);
    }

    /**
     * The largest idle drain of the module beside the kernel's floor, both as the client saw the last
     * FIN; the fastest of the floor's thread counts (scaled linearly to the drain's count, should the
     * floor have measured fewer connections).
     */
    record Scale(int idle, double moduleLastFinMs, double exitMs, int floorConnections, int floorThreads, double floorMs, double floorAtIdleMs)
    {
        double ratio()
        {
            return moduleLastFinMs / floorAtIdleMs;
        }
    }

    static Scale scaleFigures(List<KernelFloor.Result> floor, List<DrainAtScale.Run> drains)
    {
        DrainAtScale.Run big = drains.stream().filter(d -> d.variant() == Variant.MODULE && d.busy() == 0)
            .max((a, b) -> Integer.compare(a.idle(), b.idle())).orElseThrow();
        KernelFloor.Result best = floor.stream().min((a, b) -> Double.compare(a.lastFinSeenMs(), b.lastFinSeenMs())).orElseThrow();
        double atIdle = best.lastFinSeenMs() * big.idle() / best.connections();
        return new Scale(big.idle(), big.idleClosedMaxMs(), big.exitMs(), best.connections(), best.threads(), best.lastFinSeenMs(), atIdle);
    }

    static String scale(List<KernelFloor.Result> floor, List<DrainAtScale.Run> drains)
    {
        Scale x = scaleFigures(floor, drains);
        return String.format(Locale.ROOT, "scale: %,d idle: module's last FIN seen %.1f ms; kernel floor %.1f ms (%,d connections, %d thread(s)%s) "
                + "-> ratio %.2f (target <= %.1f: %s); exit %.1f ms (target <= %.0f ms: %s)%n",
            x.idle(), x.moduleLastFinMs(), x.floorAtIdleMs(), x.floorConnections(), x.floorThreads(),
            x.floorConnections() == x.idle() ? "" : String.format(Locale.ROOT, ", %.1f ms scaled to %,d", x.floorMs(), x.idle()),
            x.ratio(), FLOOR_RATIO_TARGET, x.ratio() <= FLOOR_RATIO_TARGET ? "met" : "MISSED", x.exitMs(), EXIT_IDLE_TARGET_MS,
            x.exitMs() <= EXIT_IDLE_TARGET_MS ? "met" : "MISSED");
    }

    private static void scaleSection(Report report, Results r)
    {
        Scale x = scaleFigures(r.floor(), r.drains());
        report.heading(3, "1.1 At scale, beside the kernel's floor");
        report.paragraph(String.format(Locale.ROOT, "The module's largest idle drain (%,d connections, nothing busy) and the kernel floor, in the same run, "
                + "both as the client saw the last FIN (one selector thread on the same 2 cores). The floor is the fastest of its thread counts, "
                + "and measured %,d connections%s.",
            x.idle(), x.floorConnections(), x.floorConnections() == x.idle() ? ""
                : String.format(Locale.ROOT, " and is scaled linearly to %,d (%s ms measured)", x.idle(), Report.fmt(x.floorMs()))));
        report.table(List.of("target (module)", "measured", "met?"), List.of(
            List.of(String.format(Locale.ROOT, "last idle FIN / kernel floor <= %s× (%,d idle)", Report.fmt(FLOOR_RATIO_TARGET), x.idle()),
                Report.fmt(x.ratio()) + "× (" + Report.fmt(x.moduleLastFinMs()) + " ms / " + Report.fmt(x.floorAtIdleMs()) + " ms)",
                verdict(x.ratio() <= FLOOR_RATIO_TARGET)),
            List.of(String.format(Locale.ROOT, "process exit <= %s ms (%,d idle)", Report.fmt(EXIT_IDLE_TARGET_MS), x.idle()),
                Report.fmt(x.exitMs()) + " ms", verdict(x.exitMs() <= EXIT_IDLE_TARGET_MS))));
    }

    private static void saturationSection(Report report, List<Saturation.Run> runs)
    {
        report.heading(2, "5. A stop with the thread pool saturated");
        Saturation.Run unloaded = runs.stream().filter(x -> x.variant() == Variant.MODULE && x.busy() == 0).findFirst().orElseThrow();
        Saturation.Run loaded = runs.stream().filter(x -> x.variant() == Variant.MODULE && x.busy() > 0).findFirst().orElseThrow();
        report.paragraph(String.format(Locale.ROOT, "jetty-home with `jetty.threadPool.maxThreads=%d`; %,d idle keep-alive connections (each has served one "
                + "request), then %d requests `GET /sample/slow?ms=%d`, each on a new connection, %s; SIGTERM %d ms after the last was sent (nothing asked of the server meanwhile: under saturation a status "
                + "request waits for a worker too). *Answered* counts the requests sent whole before the stop that got a 200 with their whole body; "
                + "the last idle FIN is as the client saw it (one NIO selector watching the idle connections). The module's figure without the busy "
                + "requests is its reference. Stock `graceful` runs with its default stop timeout (5 s), plain stock (no graceful module) with the same `jetty.server.stopTimeout`.",
            Saturation.MAX_THREADS, loaded.idle(), loaded.busy(), loaded.busyMs(),
            loaded.busy() > Saturation.MAX_THREADS ? "more than the pool has threads, so that some wait in the pool's queue"
                : "fewer than the pool has threads (so none waits in its queue here)", Saturation.STOP_AFTER_MS));
        List<List<String>> rows = new ArrayList<>();
        for (Saturation.Run x : runs)
        {
            rows.add(List.of(x.variant().label, Integer.toString(x.idle()), Integer.toString(x.busy()),
                x.busy() == 0 ? "-" : x.answered() + "/" + x.busy(), x.busy() == 0 ? "-" : Integer.toString(x.connectionClose()),
                x.idleFin() + " / " + x.idleReset() + " / " + x.idleOpen(), Report.fmt(x.lastIdleFinMs()), Report.fmt(x.exitMs())));
        }
        report.table(List.of("variant", "idle", "busy", "answered 200 in full", "of which Connection: close", "idle: FIN / RST / open",
            "last idle FIN seen (ms)", "exit (ms)"), rows);
        double allowed = SATURATION_FIN_FACTOR_TARGET * unloaded.lastIdleFinMs();
        report.table(List.of("target (module)", "measured", "met?"), List.of(
            List.of("every request sent before the stop answered 200 in full", loaded.answered() + "/" + loaded.busy()
                + " (Connection: close " + loaded.connectionClose() + ")", verdict(loaded.answered() == loaded.busy())),
            List.of("last idle FIN <= 2× the module's unloaded figure", Report.fmt(loaded.lastIdleFinMs()) + " ms (unloaded "
                + Report.fmt(unloaded.lastIdleFinMs()) + " ms, so <= " + Report.fmt(allowed) + " ms)", verdict(loaded.lastIdleFinMs() <= allowed))));
    }

    private static void stopCostSection(Report report, List<StopCost.Run> runs)
    {
        report.heading(2, "6. The fixed cost of the stop path");
        int rounds = (int)runs.stream().filter(x -> x.variant() == Variant.MODULE && !x.viaShutdownService()).count();
        report.paragraph(String.format(Locale.ROOT, "%d idle keep-alive connections, nothing busy, then the stop; measured to the last FIN the client "
                + "saw. graceful-drain against plain stock Jetty (no graceful module), alternating, %d runs each, each a fresh JVM (that is what a "
                + "stop is); by SIGTERM, and through Jetty's ShutdownService (module `shutdown`, the stop command `start.jar --stop` sends), the "
                + "same for both variants.", StopCost.IDLE, rounds));
        List<List<String>> rows = new ArrayList<>();
        List<List<String>> targets = new ArrayList<>();
        for (boolean via : new boolean[]{false, true})
        {
            StopCost.Figures module = StopCost.figures(runs, Variant.MODULE, via);
            StopCost.Figures stock = StopCost.figures(runs, Variant.PLAIN, via);
            if (module.lastFinMs().length == 0 || stock.lastFinMs().length == 0)
                continue;
            String path = via ? "ShutdownService" : "SIGTERM";
            for (StopCost.Figures f : List.of(module, stock))
            {
                rows.add(List.of(path, f.variant().label, Report.fmt(f.median()), Report.fmt(f.lastFinMs()[0]) + " – "
                    + Report.fmt(f.lastFinMs()[f.lastFinMs().length - 1]), joined(f.lastFinMs())));
            }
            double worst = module.lastFinMs()[module.lastFinMs().length - 1];
            targets.add(List.of(path + ": module median <= stock median + " + Report.fmt(StopCost.MEDIAN_ALLOWANCE_MS) + " ms, and no module run above "
                    + Report.fmt(StopCost.WORST_RUN_FACTOR) + "× stock's median",
                String.format(Locale.ROOT, "%s ms vs %s ms (%+.1f ms); worst module run %s ms = %s× stock's median", Report.fmt(module.median()),
                    Report.fmt(stock.median()), module.median() - stock.median(), Report.fmt(worst), Report.fmt(worst / stock.median())),
                verdict(StopCost.met(module, stock))));
        }
        report.table(List.of("stop by", "variant", "median last FIN (ms)", "range (ms)", "runs, sorted (ms)"), rows);
        report.table(List.of("target", "measured", "met?"), targets);
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
        boolean h2 = runs.stream().anyMatch(x -> x.mode() == Overhead.Mode.H2C);
        report.paragraph("The server's own CPU time per request first (user + system from `/proc/<pid>/stat`, over the measured window, divided by "
            + "the requests served): on this shared 2-core machine it is far steadier than throughput, which moves by ±30 % from one run to the "
            + "next whatever runs (the same stock Jetty measured 22 000 to 44 000 requests/s in runs minutes apart). graceful-drain against plain "
            + "stock Jetty (no graceful module: serving with nothing added) and against stock Jetty with `graceful` (what an operator would otherwise run). "
            + "Each round starts one fresh server per variant, the order rotating round by round, all with the `http2c` module, and measures it warm "
            + "(a warm-up before each mode): wrk (Debian's package) keep-alive, 2 threads, 64 connections, `/sample/fast`; wrk with "
            + "`Connection: close` (one request per connection); "
            + (h2 ? "h2load (nghttp2-client) over h2c with prior knowledge, " + Overhead.H2_CONNECTIONS + " connections × " + Overhead.H2_STREAMS
                + " streams (h2load gives no latency percentiles). " : "h2c not measured: h2load was missing. ")
            + "The load generator shares the 2 cores with Jetty. Figures are medians over rounds, and ratios module / other.");
        List<List<String>> cpu = new ArrayList<>();
        List<List<String>> targets = new ArrayList<>();
        for (Overhead.Mode mode : Overhead.Mode.values())
        {
            if (runs.stream().noneMatch(x -> x.mode() == mode && x.variant() == Variant.MODULE))
                continue;
            double module = Overhead.median(runs, mode, Variant.MODULE, Overhead.Run::cpuUsPerRequest);
            double plain = Overhead.median(runs, mode, Variant.PLAIN, Overhead.Run::cpuUsPerRequest);
            double stock = Overhead.median(runs, mode, Variant.STOCK, Overhead.Run::cpuUsPerRequest);
            cpu.add(List.of(mode.label, Report.fmt(module), Report.fmt(plain), Report.fmt(stock), Report.fmt(module / plain), Report.fmt(module / stock),
                ratios(Overhead.roundRatios(runs, mode, Variant.PLAIN, Overhead.Run::cpuUsPerRequest)),
                ratios(Overhead.roundRatios(runs, mode, Variant.STOCK, Overhead.Run::cpuUsPerRequest))));
            for (Variant other : new Variant[]{Variant.PLAIN, Variant.STOCK})
            {
                double moduleRps = Overhead.median(runs, mode, Variant.MODULE, Overhead.Run::rps);
                double otherRps = Overhead.median(runs, mode, other, Overhead.Run::rps);
                targets.add(List.of(mode.label + ": throughput module / " + other.label + " >= 0.98 (medians)", Report.fmt(moduleRps / otherRps),
                    verdict(moduleRps / otherRps >= THROUGHPUT_RATIO_TARGET)));
                if (mode != Overhead.Mode.H2C)
                {
                    double moduleP99 = Overhead.median(runs, mode, Variant.MODULE, Overhead.Run::p99us);
                    double otherP99 = Overhead.median(runs, mode, other, Overhead.Run::p99us);
                    targets.add(List.of(mode.label + ": p99 latency module / " + other.label + " <= 1.05 (medians)", Report.fmt(moduleP99 / otherP99),
                        verdict(moduleP99 / otherP99 <= P99_RATIO_TARGET)));
                }
            }
        }
        report.table(List.of("mode", "server CPU per request, graceful-drain (µs)", "plain stock (µs)", "stock graceful (µs)", "module / plain stock",
            "module / stock graceful", "module / plain stock, per round", "module / stock graceful, per round"), cpu);

        List<List<String>> rows = new ArrayList<>();
        for (Overhead.Run run : runs)
        {
            rows.add(List.of(run.mode().label, Integer.toString(run.round() + 1), run.variant().label, Report.fmt(run.cpuUsPerRequest()),
                String.format(Locale.ROOT, "%,.0f", run.rps()), Double.isNaN(run.p50us()) ? "n/a" : Report.fmt(run.p50us()),
                Double.isNaN(run.p99us()) ? "n/a" : Report.fmt(run.p99us())));
        }
        report.paragraph("Every run:");
        report.table(List.of("mode", "round", "variant", "server CPU per request (µs)", "requests/s", "p50 (µs)", "p99 (µs)"), rows);

        List<String> groups = new ArrayList<>();
        LinkedHashMap<String, double[]> cpuChart = new LinkedHashMap<>();
        LinkedHashMap<String, double[]> rps = new LinkedHashMap<>();
        List<Overhead.Mode> modes = java.util.Arrays.stream(Overhead.Mode.values()).filter(m -> runs.stream().anyMatch(x -> x.mode() == m)).toList();
        for (Overhead.Mode mode : modes)
            groups.add(mode.label);
        for (Variant variant : Overhead.VARIANTS)
        {
            cpuChart.put(variant.label, modes.stream().mapToDouble(m -> Overhead.median(runs, m, variant, Overhead.Run::cpuUsPerRequest)).toArray());
            rps.put(variant.label, modes.stream().mapToDouble(m -> Overhead.median(runs, m, variant, Overhead.Run::rps)).toArray());
        }
        report.barChart("overhead-cpu", "Server CPU per request, median of the rounds", "µs", groups, cpuChart, false);
        report.barChart("overhead-throughput", "Throughput, median of the rounds", "requests/s", groups, rps, false);
        report.table(List.of("target", "measured", "met?"), targets);
    }

    private static String ratios(List<Double> ratios)
    {
        StringBuilder out = new StringBuilder();
        for (double ratio : ratios)
            out.append(out.isEmpty() ? "" : ", ").append(Report.fmt(ratio));
        return out.toString();
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
