package dev.gracefuldrain.jmh;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * Runs the benchmarks with JMH's GC profiler and prints one table: ns and bytes per request for each
 * wrapper and protocol, then the module's delta over the bare wrapper and over GracefulHandler.
 * Any JMH option on the command line overrides the defaults here (e.g. {@code -f 3 -i 8},
 * or a benchmark pattern such as {@code Http1}).
 */
public final class Main
{
    private Main()
    {
    }

    public static void main(String[] args) throws Exception
    {
        CommandLineOptions cli = new CommandLineOptions(args);
        OptionsBuilder builder = new OptionsBuilder();
        builder.parent(cli);
        if (cli.getIncludes().isEmpty())
            builder.include("dev\\.gracefuldrain\\.jmh\\..*");
        if (!cli.getForkCount().hasValue())
            builder.forks(2);
        if (!cli.getWarmupIterations().hasValue())
            builder.warmupIterations(4);
        if (!cli.getWarmupTime().hasValue())
            builder.warmupTime(org.openjdk.jmh.runner.options.TimeValue.seconds(1));
        if (!cli.getMeasurementIterations().hasValue())
            builder.measurementIterations(5);
        if (!cli.getMeasurementTime().hasValue())
            builder.measurementTime(org.openjdk.jmh.runner.options.TimeValue.seconds(1));
        if (cli.getProfilers().isEmpty())
            builder.addProfiler(GCProfiler.class);
        // The same heap and collector in every fork, so allocation and GC cost compare.
        if (!cli.getJvmArgs().hasValue())
            builder.jvmArgs("-Xms512m", "-Xmx512m", "-XX:+UseParallelGC");
        Options options = builder.build();
        Collection<RunResult> results = new Runner(options).run();
        System.out.println();
        System.out.print(table(results));
    }

    record Row(String protocol, String wrapper, double ns, double nsError, double bytes, double bytesError)
    {
    }

    static String table(Collection<RunResult> results)
    {
        List<Row> rows = new ArrayList<>();
        for (RunResult run : results)
        {
            String benchmark = run.getParams().getBenchmark();
            String protocol;
            if (benchmark.contains("Http1Request"))
                protocol = "HTTP/1.1";
            else if (benchmark.contains("Http2Streams"))
                protocol = "HTTP/2 inFlight=" + run.getParams().getParam("inFlight");
            else
                protocol = benchmark;
            Result<?> primary = run.getPrimaryResult();
            Result<?> alloc = run.getSecondaryResults().get("gc.alloc.rate.norm");
            rows.add(new Row(protocol, run.getParams().getParam("wrapper"), primary.getScore(), primary.getScoreError(),
                alloc == null ? Double.NaN : alloc.getScore(), alloc == null ? Double.NaN : alloc.getScoreError()));
        }
        StringBuilder out = new StringBuilder();
        out.append("Per request (error: JMH's 99.9% confidence half-width; deltas: errors combined in quadrature)\n");
        out.append(String.format(Locale.ROOT, "%-18s %-9s %18s %16s%n", "protocol", "wrapper", "ns/request", "B/request"));
        Map<String, Map<String, Row>> byProtocol = new LinkedHashMap<>();
        for (Row row : rows)
        {
            byProtocol.computeIfAbsent(row.protocol(), p -> new LinkedHashMap<>()).put(row.wrapper(), row);
            out.append(String.format(Locale.ROOT, "%-18s %-9s %10.1f ± %5.1f %8.1f ± %5.1f%n",
                row.protocol(), row.wrapper(), row.ns(), row.nsError(), row.bytes(), row.bytesError()));
        }
        out.append("\nDeltas of drain (graceful-drain's DrainHandler + Drain)\n");
        out.append(String.format(Locale.ROOT, "%-18s %-13s %18s %16s%n", "protocol", "over", "ns/request", "B/request"));
        for (Map.Entry<String, Map<String, Row>> entry : byProtocol.entrySet())
        {
            Row drain = entry.getValue().get("drain");
            if (drain == null)
                continue;
            for (String other : new String[]{"bare", "graceful"})
            {
                Row base = entry.getValue().get(other);
                if (base == null)
                    continue;
                out.append(String.format(Locale.ROOT, "%-18s %-13s %+10.1f ± %5.1f %+8.1f ± %5.1f%n",
                    entry.getKey(), other, drain.ns() - base.ns(), Math.hypot(drain.nsError(), base.nsError()),
                    drain.bytes() - base.bytes(), Math.hypot(drain.bytesError(), base.bytesError())));
            }
        }
        return out.toString();
    }
}
