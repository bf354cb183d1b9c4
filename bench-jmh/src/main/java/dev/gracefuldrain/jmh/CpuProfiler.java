package dev.gracefuldrain.jmh;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Collection;
import java.util.List;

import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.profile.InternalProfiler;
import org.openjdk.jmh.results.AggregationPolicy;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.ScalarResult;

/**
 * The CPU time of the benchmark thread per operation ({@code cpu.time.norm}, ns/op), beside JMH's
 * wall-clock score. On a shared machine the benchmark thread is descheduled for whole time slices,
 * which the wall clock counts and its CPU time does not; the work itself (the request path) is the
 * same. Garbage collection runs on other threads: its cost shows in B/op, not here.
 */
public class CpuProfiler implements InternalProfiler
{
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    /** Set by the benchmark's setup, which JMH runs on the benchmark thread. */
    static volatile long worker = -1;
    private long workerId = -1;
    private long before;

    @Override
    public String getDescription()
    {
        return "CPU time of the benchmark thread per operation";
    }

    @Override
    public void beforeIteration(BenchmarkParams benchmarkParams, IterationParams iterationParams)
    {
        workerId = worker;
        before = workerId < 0 ? -1 : THREADS.getThreadCpuTime(workerId);
    }

    @Override
    public Collection<? extends Result> afterIteration(BenchmarkParams benchmarkParams, IterationParams iterationParams, IterationResult result)
    {
        long ops = result.getMetadata().getAllOps();
        if (workerId < 0 || before < 0 || ops <= 0)
            return List.of();
        long after = THREADS.getThreadCpuTime(workerId);
        if (after < 0)
            return List.of();
        return List.of(new ScalarResult("cpu.time.norm", (after - before) / (double)ops, "ns/op", AggregationPolicy.AVG));
    }
}
