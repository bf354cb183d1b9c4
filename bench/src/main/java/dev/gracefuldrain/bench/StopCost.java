package dev.gracefuldrain.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import dev.gracefuldrain.testsupport.Jetty;

/**
 * The fixed cost of the stop path: 50 idle keep-alive connections, nothing busy, then the stop;
 * measured to the last FIN the client saw. The module against plain stock Jetty (no graceful module),
 * alternating, each run a fresh JVM (that is what a stop is); by SIGTERM and through Jetty's
 * ShutdownService (module {@code shutdown}, the stop command {@code start.jar --stop} sends).
 */
final class StopCost
{
    static final int IDLE = 50;
    /** The budget over plain stock's median, and the bound on any one module run (times stock's median). */
    static final double MEDIAN_ALLOWANCE_MS = 2;
    static final double WORST_RUN_FACTOR = 2;

    record Run(Variant variant, boolean viaShutdownService, int round, double lastFinMs, double exitMs, int fins, int resets)
    {
    }

    /** Per stop path and variant: every run's last FIN, sorted. */
    record Figures(Variant variant, boolean viaShutdownService, double[] lastFinMs)
    {
        double median()
        {
            return Bench.median(lastFinMs);
        }

        String describe()
        {
            return String.format(Locale.ROOT, "%-28s %-17s last FIN seen by the client: median %6.1f ms, range %.1f to %.1f ms (%d runs: %s)",
                variant.label, viaShutdownService ? "ShutdownService" : "SIGTERM", median(), lastFinMs[0], lastFinMs[lastFinMs.length - 1],
                lastFinMs.length, Arrays.toString(Arrays.stream(lastFinMs).map(v -> Math.round(v * 10) / 10.0).toArray()));
        }
    }

    private StopCost()
    {
    }

    /** {@code rounds} rounds per stop path; in each, module and plain stock, the first of them alternating. */
    static List<Run> run(int rounds) throws Exception
    {
        List<Run> runs = new ArrayList<>();
        for (boolean viaShutdownService : new boolean[]{false, true})
        {
            for (int round = 0; round < rounds; round++)
            {
                Variant[] order = round % 2 == 0 ? new Variant[]{Variant.MODULE, Variant.PLAIN} : new Variant[]{Variant.PLAIN, Variant.MODULE};
                for (Variant variant : order)
                {
                    DrainAtScale.Run drain = DrainAtScale.run(variant, IDLE, 0, 0, viaShutdownService);
                    Run run = new Run(variant, viaShutdownService, round, drain.idleClosedMaxMs(), drain.exitMs(), drain.idleFin(), drain.idleReset());
                    System.out.printf(Locale.ROOT, "stop cost: %-28s %-17s round %d: last FIN seen %6.1f ms (FIN %d, RST %d), exit %6.1f ms%n",
                        variant.label, viaShutdownService ? "ShutdownService" : "SIGTERM", round + 1, run.lastFinMs(), run.fins(), run.resets(), run.exitMs());
                    runs.add(run);
                }
            }
        }
        return runs;
    }

    static Figures figures(List<Run> runs, Variant variant, boolean viaShutdownService)
    {
        return new Figures(variant, viaShutdownService, runs.stream().filter(r -> r.variant() == variant && r.viaShutdownService() == viaShutdownService)
            .mapToDouble(Run::lastFinMs).sorted().toArray());
    }

    /** Met if the module's median is within the allowance of stock's and no module run is over twice stock's median. */
    static boolean met(Figures module, Figures stock)
    {
        return module.median() <= stock.median() + MEDIAN_ALLOWANCE_MS && module.lastFinMs()[module.lastFinMs().length - 1] <= WORST_RUN_FACTOR * stock.median();
    }

    static String summary(List<Run> runs)
    {
        StringBuilder out = new StringBuilder();
        for (boolean viaShutdownService : new boolean[]{false, true})
        {
            Figures module = figures(runs, Variant.MODULE, viaShutdownService);
            Figures stock = figures(runs, Variant.PLAIN, viaShutdownService);
            if (module.lastFinMs().length == 0 || stock.lastFinMs().length == 0)
                continue;
            out.append("  ").append(module.describe()).append('\n');
            out.append("  ").append(stock.describe()).append('\n');
            out.append(String.format(Locale.ROOT, "  %s: module median - stock median %+.1f ms (target <= %+.0f ms), worst module run %.2f x stock median (target <= %.0f x): %s%n",
                viaShutdownService ? "ShutdownService" : "SIGTERM", module.median() - stock.median(), MEDIAN_ALLOWANCE_MS,
                module.lastFinMs()[module.lastFinMs().length - 1] / stock.median(), WORST_RUN_FACTOR, met(module, stock) ? "met" : "MISSED"));
        }
        return out.toString();
    }

    /** Alone: {@code StopCost [rounds]}. */
    public static void main(String[] args) throws Exception
    {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 6;
        Jetty.cleanWork();
        List<Run> runs = run(rounds);
        System.out.print("stop cost:\n" + summary(runs));
    }
}
