package dev.gracefuldrain.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.gracefuldrain.testsupport.Jetty;

/**
 * What the module costs on the request path: wrk against stock Jetty with its graceful module
 * (what an operator would otherwise run) and against Jetty with graceful-drain, alternating, each
 * in a fresh process. With churn, every request opens its own connection ({@code Connection: close}),
 * so the per-connection tracking is paid on every request.
 */
final class Overhead
{
    static final String WRK = "/usr/bin/wrk";
    static final Duration WARMUP = Duration.ofSeconds(3);
    static final int THREADS = 2;
    static final int CONNECTIONS = 64;
    static final String PATH = "/sample/fast";

    /** One measurement: wrk's requests/s and latency percentiles (microseconds). */
    record Run(Variant variant, int round, double rps, double p50us, double p99us, boolean churn, double cpuUsPerRequest)
    {
    }

    /** What wrk printed, parsed. */
    record Wrk(double rps, double p50us, double p99us, long requests, long socketErrors, long non2xx, String output)
    {
    }

    private Overhead()
    {
    }

    /**
     * {@code rounds} rounds of STOCK and MODULE, the order alternating per round; each a fresh Jetty,
     * a {@link #WARMUP} of wrk, then wrk for {@code each}.
     */
    static List<Run> run(int rounds, Duration each, boolean churn) throws Exception
    {
        List<Run> runs = new ArrayList<>();
        for (int round = 0; round < rounds; round++)
        {
            Variant[] order = round % 2 == 0
                ? new Variant[]{Variant.STOCK, Variant.MODULE}
                : new Variant[]{Variant.MODULE, Variant.STOCK};
            for (Variant variant : order)
                runs.add(once(variant, round, each, churn));
        }
        return runs;
    }

    static Run once(Variant variant, int round, Duration each, boolean churn) throws Exception
    {
        try (Jetty.Server jetty = variant.start(List.of()))
        {
            wrk(jetty, WARMUP, churn);
            long cpuBefore = cpuTicks(jetty.pid());
            Wrk wrk = wrk(jetty, each, churn);
            long cpuAfter = cpuTicks(jetty.pid());
            if (!jetty.process.isAlive())
                throw new IllegalStateException(variant + " exited during the measurement: " + jetty.log());
            if (wrk.non2xx() > 0)
                throw new IllegalStateException(variant + " answered " + wrk.non2xx() + " non-2xx responses:\n" + wrk.output());
            // A handful of socket errors (a connection closed while wrk reconnects) do not spoil a run; many do.
            if (wrk.socketErrors() > Math.max(10, wrk.requests() / 1000))
                throw new IllegalStateException(variant + ": " + wrk.socketErrors() + " socket errors:\n" + wrk.output());
            double cpuUs = (cpuAfter - cpuBefore) * 1e6 / CLOCK_TICKS_PER_SECOND / Math.max(1, wrk.requests());
            return new Run(variant, round, wrk.rps(), wrk.p50us(), wrk.p99us(), churn, cpuUs);
        }
    }

    /** Linux's USER_HZ: /proc reports CPU times in these ticks. */
    static final double CLOCK_TICKS_PER_SECOND = 100;

    /**
     * The server process's CPU time so far (user + system, in clock ticks, from /proc/pid/stat): per
     * request, a measure of cost that a noisy neighbour on the machine disturbs far less than throughput.
     */
    static long cpuTicks(long pid)
    {
        try
        {
            String stat = java.nio.file.Files.readString(java.nio.file.Path.of("/proc", Long.toString(pid), "stat"));
            // Fields after the command name (which may hold spaces, so split after its closing parenthesis).
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
        }
        catch (Exception x)
        {
            return 0;
        }
    }

    /** wrk -t2 -c64 against /sample/fast for {@code duration}; with churn one request per connection. */
    static Wrk wrk(Jetty.Server jetty, Duration duration, boolean churn) throws Exception
    {
        return wrk(jetty.port, PATH, THREADS, CONNECTIONS, duration, churn);
    }

    static Wrk wrk(int port, String path, int threads, int connections, Duration duration, boolean churn) throws Exception
    {
        long seconds = Math.max(1, duration.toSeconds());
        List<String> command = new ArrayList<>(List.of(WRK, "-t" + threads, "-c" + connections, "-d" + seconds + "s", "--timeout", "5s", "--latency"));
        if (churn)
            command.addAll(List.of("-H", "Connection: close"));
        command.add("http://" + Jetty.HOST + ":" + port + path);
        String output = Jetty.run(command, Duration.ofSeconds(seconds + 30));
        return parse(output);
    }

    private static final Pattern RPS = Pattern.compile("Requests/sec:\\s+([0-9.]+)");
    private static final Pattern REQUESTS = Pattern.compile("(\\d+) requests in ");
    private static final Pattern ERRORS = Pattern.compile("Socket errors: connect (\\d+), read (\\d+), write (\\d+), timeout (\\d+)");
    private static final Pattern NON2XX = Pattern.compile("Non-2xx or 3xx responses: (\\d+)");

    static Wrk parse(String output)
    {
        Matcher rps = RPS.matcher(output);
        Matcher requests = REQUESTS.matcher(output);
        if (!rps.find() || !requests.find())
            throw new IllegalStateException("unexpected wrk output:\n" + output);
        long errors = 0;
        Matcher e = ERRORS.matcher(output);
        if (e.find())
        {
            for (int i = 1; i <= 4; i++)
                errors += Long.parseLong(e.group(i));
        }
        Matcher non2xx = NON2XX.matcher(output);
        return new Wrk(Double.parseDouble(rps.group(1)), percentile(output, "50%"), percentile(output, "99%"),
            Long.parseLong(requests.group(1)), errors, non2xx.find() ? Long.parseLong(non2xx.group(1)) : 0, output);
    }

    /** A line of wrk's latency distribution, such as {@code "     99%    1.23ms"}, in microseconds. */
    private static double percentile(String output, String which)
    {
        Matcher m = Pattern.compile("^\\s*" + Pattern.quote(which) + "\\s+([0-9.]+)(us|ms|s|m|h)\\s*$", Pattern.MULTILINE).matcher(output);
        if (!m.find())
            throw new IllegalStateException("no " + which + " latency in wrk output:\n" + output);
        return toMicros(Double.parseDouble(m.group(1)), m.group(2));
    }

    static double toMicros(double value, String unit)
    {
        return switch (unit)
        {
            case "us" -> value;
            case "ms" -> value * 1_000;
            case "s" -> value * 1_000_000;
            case "m" -> value * 60_000_000;
            case "h" -> value * 3_600_000_000.0;
            default -> throw new IllegalArgumentException("unknown wrk time unit " + unit);
        };
    }

    /**
     * Per churn setting: the median over rounds of each variant's throughput and p99, and the ratios
     * module/stock (throughput below 1 and p99 above 1 mean the module costs something), plus each
     * round's own ratios, since rounds run back to back and share the machine's noise.
     */
    static String summary(List<Run> runs)
    {
        StringBuilder out = new StringBuilder();
        for (boolean churn : new boolean[]{false, true})
        {
            List<Run> these = runs.stream().filter(r -> r.churn() == churn).toList();
            if (these.isEmpty())
                continue;
            List<Run> stock = these.stream().filter(r -> r.variant() == Variant.STOCK).toList();
            List<Run> module = these.stream().filter(r -> r.variant() == Variant.MODULE).toList();
            if (stock.isEmpty() || module.isEmpty())
                continue;
            double stockRps = median(stock.stream().mapToDouble(Run::rps).toArray());
            double moduleRps = median(module.stream().mapToDouble(Run::rps).toArray());
            double stockP50 = median(stock.stream().mapToDouble(Run::p50us).toArray());
            double moduleP50 = median(module.stream().mapToDouble(Run::p50us).toArray());
            double stockP99 = median(stock.stream().mapToDouble(Run::p99us).toArray());
            double moduleP99 = median(module.stream().mapToDouble(Run::p99us).toArray());
            List<Double> rpsRatios = new ArrayList<>();
            List<Double> p99Ratios = new ArrayList<>();
            for (Run m : module)
            {
                stock.stream().filter(s -> s.round() == m.round()).findFirst().ifPresent(s ->
                {
                    rpsRatios.add(m.rps() / s.rps());
                    p99Ratios.add(m.p99us() / s.p99us());
                });
            }
            out.append(String.format(Locale.ROOT, "%s (%d rounds, wrk -t%d -c%d %s):%n",
                churn ? "churn, 1 request per connection" : "keep-alive", Math.min(stock.size(), module.size()), THREADS, CONNECTIONS, PATH));
            out.append(String.format(Locale.ROOT, "  stock graceful: %,.0f req/s median, p50 %.0f us, p99 %.0f us%n", stockRps, stockP50, stockP99));
            out.append(String.format(Locale.ROOT, "  graceful-drain: %,.0f req/s median, p50 %.0f us, p99 %.0f us%n", moduleRps, moduleP50, moduleP99));
            out.append(String.format(Locale.ROOT, "  module/stock: throughput %.3f, p99 %.3f (medians); per round throughput %s, p99 %s%n",
                moduleRps / stockRps, moduleP99 / stockP99, format(rpsRatios), format(p99Ratios)));
        }
        return out.toString();
    }

    private static String format(List<Double> ratios)
    {
        return ratios.stream().map(r -> String.format(Locale.ROOT, "%.3f", r)).toList().toString();
    }

    static double median(double[] values)
    {
        double[] sorted = values.clone();
        java.util.Arrays.sort(sorted);
        int n = sorted.length;
        if (n == 0)
            return Double.NaN;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }
}
