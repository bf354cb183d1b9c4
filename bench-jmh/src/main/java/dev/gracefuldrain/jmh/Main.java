package dev.gracefuldrain.jmh;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.BenchmarkResult;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.util.ListStatistics;

/**
 * Runs the benchmarks with JMH's GC profiler and prints one table: ns and bytes per request for each
 * wrapper and protocol, then the module's delta over the bare wrapper and over GracefulHandler.
 * <p>The machine is shared and its load drifts over minutes, so the suite runs in rounds
 * ({@code -Drounds=2}), one fork per benchmark and round, the wrappers' order reversed every other
 * round; each row pools the measurement iterations (200 ms each) of all its forks and reports a low
 * quantile of them, not their mean (see {@link #QUANTILE}). Any JMH option on the command line overrides the defaults (e.g. {@code -f 2 -i 8}, or a benchmark pattern such as {@code Http1}).</p>
 */
public final class Main
{
    static final String[] WRAPPERS = {"bare", "drain", "graceful"};

    private Main()
    {
    }

    public static void main(String[] args) throws Exception
    {
        CommandLineOptions cli = new CommandLineOptions(args);
        int rounds = Integer.getInteger("rounds", 2);
        Map<String, Samples> samples = new LinkedHashMap<>();
        for (int round = 0; round < rounds; round++)
        {
            OptionsBuilder builder = new OptionsBuilder();
            builder.parent(cli);
            if (cli.getIncludes().isEmpty())
                builder.include("dev\\.gracefuldrain\\.jmh\\.Http.*");
            if (!cli.getForkCount().hasValue())
                builder.forks(1);
            if (!cli.getWarmupIterations().hasValue())
                builder.warmupIterations(6);
            if (!cli.getWarmupTime().hasValue())
                builder.warmupTime(TimeValue.seconds(1));
            if (!cli.getMeasurementIterations().hasValue())
                builder.measurementIterations(25);
            if (!cli.getMeasurementTime().hasValue())
                builder.measurementTime(TimeValue.milliseconds(200));
            if (cli.getProfilers().isEmpty())
                builder.addProfiler(GCProfiler.class).addProfiler(CpuProfiler.class);
            // The same heap and collector in every fork, so that allocation and GC cost compare.
            if (!cli.getJvmArgs().hasValue())
                builder.jvmArgs("-Xms1g", "-Xmx1g", "-XX:+UseParallelGC");
            // HTTP/2 with 8 streams open at once by default; -p inFlight=1,8 adds the one-at-a-time case.
            if (!cli.getParameter("inFlight").hasValue())
                builder.param("inFlight", "8");
            String[] wrappers = cli.getParameter("wrapper").hasValue()
                ? cli.getParameter("wrapper").get().toArray(new String[0]) : WRAPPERS;
            builder.param("wrapper", round % 2 == 0 ? wrappers : reversed(wrappers));
            System.out.printf(Locale.ROOT, "%n### round %d of %d%n", round + 1, rounds);
            for (RunResult run : new Runner(builder.build()).run())
                samples.computeIfAbsent(row(run.getParams()), k -> new Samples()).add(run);
        }
        System.out.println();
        System.out.print(table(samples));
    }

    private static String[] reversed(String[] values)
    {
        String[] out = new String[values.length];
        for (int i = 0; i < values.length; i++)
            out[i] = values[values.length - 1 - i];
        return out;
    }

    /** @return "protocol|wrapper" */
    static String row(BenchmarkParams params)
    {
        String benchmark = params.getBenchmark();
        String protocol;
        if (benchmark.contains("Http1Requests"))
            protocol = "HTTP/1.1";
        else if (benchmark.contains("Http2Streams"))
            protocol = "HTTP/2 inFlight=" + params.getParam("inFlight");
        else
            protocol = benchmark.substring(benchmark.lastIndexOf('.', benchmark.lastIndexOf('.') - 1) + 1);
        return protocol + "|" + params.getParam("wrapper");
    }

    /** One fork's measurement iterations. */
    record Fork(double[] ns, double[] cpu, double[] bytes)
    {
    }

    /** The measurement iterations of one row, from every fork of every round. */
    static final class Samples
    {
        final List<Fork> forks = new ArrayList<>();

        void add(RunResult run)
        {
            for (BenchmarkResult fork : run.getBenchmarkResults())
            {
                List<Double> ns = new ArrayList<>();
                List<Double> cpu = new ArrayList<>();
                List<Double> bytes = new ArrayList<>();
                for (IterationResult iteration : fork.getIterationResults())
                {
                    ns.add(iteration.getPrimaryResult().getScore());
                    Result<?> alloc = iteration.getSecondaryResults().get("gc.alloc.rate.norm");
                    bytes.add(alloc == null ? Double.NaN : alloc.getScore());
                    Result<?> cpuTime = iteration.getSecondaryResults().get("cpu.time.norm");
                    cpu.add(cpuTime == null ? Double.NaN : cpuTime.getScore());
                }
                forks.add(new Fork(array(ns), array(cpu), array(bytes)));
            }
        }
    }

    private static double[] array(List<Double> values)
    {
        return values.stream().mapToDouble(Double::doubleValue).toArray();
    }

    private static ListStatistics stats(double[] values)
    {
        ListStatistics s = new ListStatistics();
        for (double v : values)
        {
            if (!Double.isNaN(v))
                s.addValue(v);
        }
        return s;
    }

    /** The quantile of the 200 ms iterations that estimates the undisturbed cost: other load only ever adds time. */
    static final double QUANTILE = Double.parseDouble(System.getProperty("quantile", "0.2"));
    static final int RESAMPLES = 2000;

    /** @return all measurement iterations of a row, every fork */
    private static double[] all(Samples s, java.util.function.Function<Fork, double[]> field)
    {
        return s.forks.stream().flatMapToDouble(f -> java.util.Arrays.stream(field.apply(f))).filter(v -> !Double.isNaN(v)).toArray();
    }

    private static double quantile(double[] values)
    {
        double[] sorted = values.clone();
        java.util.Arrays.sort(sorted);
        if (sorted.length == 0)
            return Double.NaN;
        double pos = QUANTILE * (sorted.length - 1);
        int lo = (int)Math.floor(pos);
        int hi = Math.min(sorted.length - 1, lo + 1);
        return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
    }

    private static double[] resample(double[] values, java.util.Random random)
    {
        double[] out = new double[values.length];
        for (int i = 0; i < out.length; i++)
            out[i] = values[random.nextInt(values.length)];
        return out;
    }

    /** @return {estimate, 99% bootstrap half-width} of quantile(a) - quantile(b); b null: of quantile(a) */
    private static double[] estimate(double[] a, double[] b)
    {
        if (a.length == 0 || (b != null && b.length == 0))
            return new double[]{Double.NaN, Double.NaN};
        double point = quantile(a) - (b == null ? 0 : quantile(b));
        java.util.Random random = new java.util.Random(11);
        double[] boot = new double[RESAMPLES];
        for (int r = 0; r < RESAMPLES; r++)
            boot[r] = quantile(resample(a, random)) - (b == null ? 0 : quantile(resample(b, random)));
        java.util.Arrays.sort(boot);
        double low = boot[(int)(0.005 * (RESAMPLES - 1))];
        double high = boot[(int)Math.ceil(0.995 * (RESAMPLES - 1))];
        return new double[]{point, Math.max(point - low, high - point)};
    }

    private static String cell(double[] e, int width)
    {
        return String.format(Locale.ROOT, "%" + width + ".1f ± %5.1f", e[0], e[1]);
    }

    private static String signed(double[] e, int width)
    {
        return String.format(Locale.ROOT, "%+" + width + ".1f ± %5.1f", e[0], e[1]);
    }

    static String table(Map<String, Samples> samples)
    {
        StringBuilder out = new StringBuilder();
        int pct = (int)Math.round(QUANTILE * 100);
        out.append("Per request. wall: JMH's score (average time per request); cpu: CPU time of the benchmark thread per request;\n");
        out.append("B: gc.alloc.rate.norm (mean). The machine is shared and other load only ever adds time, so each time is the\n");
        out.append(pct + "th percentile of all the row's measurement iterations (200 ms each, all forks), ± its 99% bootstrap\n");
        out.append("half-width; deltas bootstrap the difference. mean: the plain mean of the wall times, for comparison.\n");
        out.append(String.format(Locale.ROOT, "%-18s %-9s %16s %16s %15s %9s %s%n", "protocol", "wrapper", "wall ns", "cpu ns", "B", "mean", "n(forks)"));
        Map<String, Map<String, Samples>> byProtocol = new LinkedHashMap<>();
        List<String> keys = new ArrayList<>(samples.keySet());
        keys.sort((a, b) -> a.split("\\|")[0].equals(b.split("\\|")[0])
            ? Integer.compare(order(a.split("\\|")[1]), order(b.split("\\|")[1])) : a.compareTo(b));
        for (String key : keys)
        {
            String[] parts = key.split("\\|");
            Samples s = samples.get(key);
            byProtocol.computeIfAbsent(parts[0], p -> new LinkedHashMap<>()).put(parts[1], s);
            ListStatistics bytes = stats(all(s, Fork::bytes));
            out.append(String.format(Locale.ROOT, "%-18s %-9s %s %s %8.1f ± %4.1f %9.1f %4d(%d)%n", parts[0], parts[1],
                cell(estimate(all(s, Fork::ns), null), 8), cell(estimate(all(s, Fork::cpu), null), 8),
                bytes.getMean(), error(bytes), stats(all(s, Fork::ns)).getMean(), all(s, Fork::ns).length, s.forks.size()));
        }
        out.append("\nDelta of drain (graceful-drain: DrainHandler, its Drain tracking the connection)\n");
        out.append(String.format(Locale.ROOT, "%-18s %-9s %16s %16s %15s%n", "protocol", "over", "wall ns", "cpu ns", "B"));
        for (Map.Entry<String, Map<String, Samples>> entry : byProtocol.entrySet())
        {
            for (String variant : entry.getValue().keySet())
            {
                if (!variant.startsWith("drain") && !variant.startsWith("exp"))
                    continue;
                Samples drain = entry.getValue().get(variant);
                for (String other : new String[]{"bare", "graceful"})
                {
                    Samples base = entry.getValue().get(other);
                    if (base == null)
                        continue;
                    ListStatistics a = stats(all(drain, Fork::bytes));
                    ListStatistics b = stats(all(base, Fork::bytes));
                    out.append(String.format(Locale.ROOT, "%-18s %-9s %s %s %+8.1f ± %4.1f%n", entry.getKey(),
                        (variant.equals("drain") ? "" : variant + "-") + other,
                        signed(estimate(all(drain, Fork::ns), all(base, Fork::ns)), 8),
                        signed(estimate(all(drain, Fork::cpu), all(base, Fork::cpu)), 8),
                        a.getMean() - b.getMean(), Math.hypot(error(a), error(b))));
                }
            }
        }
        return out.toString();
    }

    private static double error(ListStatistics s)
    {
        return s.getN() > 1 ? s.getMeanErrorAt(0.999) : Double.NaN;
    }

    private static int order(String wrapper)
    {
        for (int i = 0; i < WRAPPERS.length; i++)
        {
            if (WRAPPERS[i].equals(wrapper))
                return i;
        }
        return WRAPPERS.length;
    }

}
