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
 * round; each row pools the measurement iterations of all its forks. Any JMH option on the command
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

    /** The measurement iterations of one row, from every fork of every round. */
    static final class Samples
    {
        final ListStatistics ns = new ListStatistics();
        final ListStatistics bytes = new ListStatistics();
        final ListStatistics cpu = new ListStatistics();
        int forks;

        void add(RunResult run)
        {
            for (BenchmarkResult fork : run.getBenchmarkResults())
            {
                forks++;
                for (IterationResult iteration : fork.getIterationResults())
                {
                    ns.addValue(iteration.getPrimaryResult().getScore());
                    Result<?> alloc = iteration.getSecondaryResults().get("gc.alloc.rate.norm");
                    if (alloc != null)
                        bytes.addValue(alloc.getScore());
                    Result<?> cpuTime = iteration.getSecondaryResults().get("cpu.time.norm");
                    if (cpuTime != null)
                        cpu.addValue(cpuTime.getScore());
                }
            }
        }
    }

    static String table(Map<String, Samples> samples)
    {
        StringBuilder out = new StringBuilder();
        out.append("Per request. wall: JMH's score (average time); cpu: CPU time of the benchmark thread; B: gc.alloc.rate.norm.\n");
        out.append("Error: 99.9% confidence half-width of the mean over all measurement iterations (n, from all forks).\n");
        out.append(String.format(Locale.ROOT, "%-18s %-9s %17s %17s %15s %8s%n", "protocol", "wrapper", "wall ns", "cpu ns", "B", "n(forks)"));
        Map<String, Map<String, Samples>> byProtocol = new LinkedHashMap<>();
        List<String> keys = new ArrayList<>(samples.keySet());
        keys.sort((a, b) -> a.split("\\|")[0].equals(b.split("\\|")[0])
            ? Integer.compare(order(a.split("\\|")[1]), order(b.split("\\|")[1])) : a.compareTo(b));
        for (String key : keys)
        {
            String[] parts = key.split("\\|");
            Samples s = samples.get(key);
            byProtocol.computeIfAbsent(parts[0], p -> new LinkedHashMap<>()).put(parts[1], s);
            out.append(String.format(Locale.ROOT, "%-18s %-9s %s %s %s %4d(%d)%n", parts[0], parts[1],
                cell(s.ns, 8), cell(s.cpu, 8), cell(s.bytes, 6), s.ns.getN(), s.forks));
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
                    delta(drain.ns, base.ns, 8), delta(drain.cpu, base.cpu, 8), delta(drain.bytes, base.bytes, 6)));
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
