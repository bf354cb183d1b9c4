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
 * ({@code -Drounds=3}), one fork per benchmark and round, the wrappers' order reversed every other
 * round; each row pools the measurement iterations of its undisturbed forks (see {@link Samples#kept()}). Any JMH option on the command
 * line overrides the defaults (e.g. {@code -f 2 -i 8}, or a benchmark pattern such as {@code Http1}).</p>
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
        int rounds = Integer.getInteger("rounds", 3);
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
                builder.measurementIterations(5);
            if (!cli.getMeasurementTime().hasValue())
                builder.measurementTime(TimeValue.seconds(1));
            if (cli.getProfilers().isEmpty())
                builder.addProfiler(GCProfiler.class).addProfiler(CpuProfiler.class);
            // The same heap and collector in every fork, so that allocation and GC cost compare.
            if (!cli.getJvmArgs().hasValue())
                builder.jvmArgs("-Xms1g", "-Xmx1g", "-XX:+UseParallelGC");
            // HTTP/2 with 8 streams open at once by default; -p inFlight=1,8 adds the one-at-a-time case.
            if (!cli.getParameter("inFlight").hasValue())
                builder.param("inFlight", "8");
            if (!cli.getParameter("wrapper").hasValue())
                builder.param("wrapper", round % 2 == 0 ? WRAPPERS : reversed(WRAPPERS));
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
        double meanCpu()
        {
            return stats(cpu).getMean();
        }

        /** @return the coefficient of variation of its CPU time per request over its iterations */
        double cvCpu()
        {
            ListStatistics s = stats(cpu);
            return s.getN() > 1 ? s.getStandardDeviation() / s.getMean() : 0;
        }
    }

    /**
     * A fork is kept if it ran undisturbed: its iterations' CPU time per request varies by at most
     * {@link #MAX_CV}, and its mean is within {@link #MAX_SLOWER} of the fastest fork of the same row.
     * On a shared machine other processes take the cores, the JIT and the caches: a fork they hit is
     * slower and erratic, never faster, so it says nothing about the request path and is dropped.
     */
    static final double MAX_CV = Double.parseDouble(System.getProperty("maxCv", "0.05"));
    static final double MAX_SLOWER = Double.parseDouble(System.getProperty("maxSlower", "1.15"));

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

        List<Fork> kept()
        {
            double fastest = forks.stream().mapToDouble(Fork::meanCpu).min().orElse(Double.NaN);
            List<Fork> kept = forks.stream().filter(f -> f.cvCpu() <= MAX_CV && f.meanCpu() <= fastest * MAX_SLOWER).toList();
            // None undisturbed: the fastest is the least disturbed (the table shows 0 kept).
            return !kept.isEmpty() ? kept : forks.stream().filter(f -> f.meanCpu() == fastest).limit(1).toList();
        }

        int undisturbed()
        {
            double fastest = forks.stream().mapToDouble(Fork::meanCpu).min().orElse(Double.NaN);
            return (int)forks.stream().filter(f -> f.cvCpu() <= MAX_CV && f.meanCpu() <= fastest * MAX_SLOWER).count();
        }

        ListStatistics ns()
        {
            return pool(kept(), Fork::ns);
        }

        ListStatistics cpu()
        {
            return pool(kept(), Fork::cpu);
        }

        ListStatistics bytes()
        {
            return pool(kept(), Fork::bytes);
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

    private static ListStatistics pool(List<Fork> forks, java.util.function.Function<Fork, double[]> field)
    {
        ListStatistics s = new ListStatistics();
        for (Fork fork : forks)
        {
            for (double v : field.apply(fork))
            {
                if (!Double.isNaN(v))
                    s.addValue(v);
            }
        }
        return s;
    }

    static String table(Map<String, Samples> samples)
    {
        StringBuilder out = new StringBuilder();
        out.append("Per request. wall: JMH's score (average time); cpu: CPU time of the benchmark thread; B: gc.alloc.rate.norm.\n");
        out.append("Error: 99.9% confidence half-width of the mean over the measurement iterations (n) of the forks kept;\n");
        out.append(String.format(Locale.ROOT, "a fork is kept if its iterations' CPU time varies by <= %.0f%% (CV) and it is within %.0f%% of the row's fastest fork;%n",
            MAX_CV * 100, (MAX_SLOWER - 1) * 100));
        out.append("if none is, the row shows its fastest fork alone (0 kept): rerun it.\n");
        out.append(String.format(Locale.ROOT, "%-18s %-9s %17s %17s %15s %s%n", "protocol", "wrapper", "wall ns", "cpu ns", "B", "   n(kept/forks)"));
        Map<String, Map<String, Samples>> byProtocol = new LinkedHashMap<>();
        List<String> keys = new ArrayList<>(samples.keySet());
        keys.sort((a, b) -> a.split("\\|")[0].equals(b.split("\\|")[0])
            ? Integer.compare(order(a.split("\\|")[1]), order(b.split("\\|")[1])) : a.compareTo(b));
        for (String key : keys)
        {
            String[] parts = key.split("\\|");
            Samples s = samples.get(key);
            byProtocol.computeIfAbsent(parts[0], p -> new LinkedHashMap<>()).put(parts[1], s);
            out.append(String.format(Locale.ROOT, "%-18s %-9s %s %s %s %4d(%d/%d)%n", parts[0], parts[1],
                cell(s.ns(), 8), cell(s.cpu(), 8), cell(s.bytes(), 6), s.ns().getN(), s.undisturbed(), s.forks.size()));
        }
        out.append("\nEach fork's mean CPU ns/request and CV, by round (x: dropped)\n");
        for (String key : keys)
        {
            Samples s = samples.get(key);
            List<Fork> kept = s.kept();
            StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%-28s", key.replace('|', ' ')));
            for (Fork fork : s.forks)
                line.append(String.format(Locale.ROOT, " %8.1f (%4.1f%%)%s", fork.meanCpu(), fork.cvCpu() * 100, kept.contains(fork) ? " " : "x"));
            out.append(line).append('\n');
        }
        out.append("\nDelta of drain (graceful-drain: DrainHandler, its Drain tracking the connection); errors combined in quadrature\n");
        out.append(String.format(Locale.ROOT, "%-18s %-9s %17s %17s %15s%n", "protocol", "over", "wall ns", "cpu ns", "B"));
        for (Map.Entry<String, Map<String, Samples>> entry : byProtocol.entrySet())
        {
            Samples drain = entry.getValue().get("drain");
            if (drain == null)
                continue;
            for (String other : new String[]{"bare", "graceful"})
            {
                Samples base = entry.getValue().get(other);
                if (base == null)
                    continue;
                out.append(String.format(Locale.ROOT, "%-18s %-9s %s %s %s%n", entry.getKey(), other,
                    delta(drain.ns(), base.ns(), 8), delta(drain.cpu(), base.cpu(), 8), delta(drain.bytes(), base.bytes(), 6)));
            }
        }
        return out.toString();
    }

    private static double error(ListStatistics s)
    {
        return s.getN() > 1 ? s.getMeanErrorAt(0.999) : Double.NaN;
    }

    private static String cell(ListStatistics s, int width)
    {
        return String.format(Locale.ROOT, "%" + width + ".1f ± %6.1f", s.getMean(), error(s));
    }

    private static String delta(ListStatistics a, ListStatistics b, int width)
    {
        return String.format(Locale.ROOT, "%+" + width + ".1f ± %6.1f", a.getMean() - b.getMean(), Math.hypot(error(a), error(b)));
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
