package dev.gracefuldrain.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.gracefuldrain.testsupport.Jetty;

/**
 * What the module costs on the request path: the server's own CPU time per request (from /proc,
 * steadier on this shared machine than throughput), throughput and latency, for graceful-drain,
 * plain stock Jetty (no graceful module: what serving costs with nothing added) and stock Jetty with
 * its graceful module (what an operator would otherwise run). Each round starts one fresh server per
 * variant (the http2c module enabled on all of them), in an order that rotates round by round, and
 * measures it warm: wrk keep-alive, wrk with {@code Connection: close} (one request per connection,
 * so the per-connection tracking is paid on every request), and h2load over h2c (prior knowledge).
 */
final class Overhead
{
    static final String WRK = "/usr/bin/wrk";
    static final String H2LOAD = "/usr/bin/h2load";
    static final int THREADS = 2;
    static final int CONNECTIONS = 64;
    /** h2load: 4 connections, 10 streams each. */
    static final int H2_CONNECTIONS = 4;
    static final int H2_STREAMS = 10;
    static final String PATH = "/sample/fast";
    /** The variants compared, in the first round's order. */
    static final Variant[] VARIANTS = {Variant.PLAIN, Variant.STOCK, Variant.MODULE};

    enum Mode
    {
        KEEP_ALIVE("keep-alive"),
        CLOSE("close"),
        H2C("h2c");

        final String label;

        Mode(String label)
        {
            this.label = label;
        }

        String tool()
        {
            return this == H2C
                ? String.format(Locale.ROOT, "h2load -c%d -m%d %s", H2_CONNECTIONS, H2_STREAMS, PATH)
                : String.format(Locale.ROOT, "wrk -t%d -c%d%s %s", THREADS, CONNECTIONS, this == CLOSE ? " -H 'Connection: close'" : "", PATH);
        }
    }

    /** One measurement: requests/s, latency percentiles (microseconds; NaN for h2load, which gives none), the server's CPU per request. */
    record Run(Variant variant, int round, Mode mode, double rps, double p50us, double p99us, double cpuUsPerRequest, long requests)
    {
    }

    /** What wrk printed, parsed. */
    record Wrk(double rps, double p50us, double p99us, long requests, long socketErrors, long non2xx, String output)
    {
    }

    private Overhead()
    {
    }

    static boolean h2loadPresent()
    {
        return java.nio.file.Files.isExecutable(java.nio.file.Path.of(H2LOAD));
    }

    /**
     * {@code rounds} rounds; in each, a fresh server per variant (the order rotating per round), warmed
     * for {@code warmup} before each mode (a third of it before close, which follows keep-alive) and
     * measured for {@code each}: keep-alive, close, then h2c (skipped, with a printed note, if h2load
     * is missing).
     */
    static List<Run> run(int rounds, Duration each, Duration warmup) throws Exception
    {
        boolean h2 = h2loadPresent();
        if (!h2)
            System.out.println("overhead: " + H2LOAD + " is missing (Debian package nghttp2-client): h2c is not measured");
        List<Run> runs = new ArrayList<>();
        for (int round = 0; round < rounds; round++)
        {
            for (int i = 0; i < VARIANTS.length; i++)
            {
                Variant variant = VARIANTS[(i + round) % VARIANTS.length];
                try (Jetty.Server jetty = variant.start(List.of("http2c"), List.of()))
                {
                    for (Mode mode : Mode.values())
                    {
                        if (mode == Mode.H2C && !h2)
                            continue;
                        Run run = once(jetty, variant, round, mode, each, warmup);
                        System.out.printf(Locale.ROOT, "overhead: round %d %-10s %-28s server CPU %6.2f us/request, %,9.0f requests/s, p50 %s us, p99 %s us%n",
                            round + 1, mode.label, variant.label, run.cpuUsPerRequest(), run.rps(), Report.fmt(run.p50us()), Report.fmt(run.p99us()));
                        runs.add(run);
                    }
                }
            }
        }
        return runs;
    }

    static Run once(Jetty.Server jetty, Variant variant, int round, Mode mode, Duration each, Duration warmup) throws Exception
    {
        // Close runs right after keep-alive on the same server, whose request path is warm by then: a third of the warm-up.
        load(jetty, mode, mode == Mode.CLOSE ? Duration.ofSeconds(Math.max(1, warmup.toSeconds() / 3)) : warmup);
        long cpuBefore = cpuTicks(jetty.pid());
        Wrk wrk = load(jetty, mode, each);
        long cpuAfter = cpuTicks(jetty.pid());
        if (!jetty.process.isAlive())
            throw new IllegalStateException(variant + " exited during the measurement: " + jetty.log());
        if (wrk.non2xx() > 0)
            throw new IllegalStateException(variant + " " + mode.label + ": " + wrk.non2xx() + " non-2xx responses:\n" + wrk.output());
        // A handful of socket errors (a connection closed while wrk reconnects) do not spoil a run; many do.
        if (wrk.socketErrors() > Math.max(10, wrk.requests() / 1000))
            throw new IllegalStateException(variant + " " + mode.label + ": " + wrk.socketErrors() + " socket errors:\n" + wrk.output());
        double cpuUs = (cpuAfter - cpuBefore) * 1e6 / CLOCK_TICKS_PER_SECOND / Math.max(1, wrk.requests());
        return new Run(variant, round, mode, wrk.rps(), wrk.p50us(), wrk.p99us(), cpuUs, wrk.requests());
    }

    private static Wrk load(Jetty.Server jetty, Mode mode, Duration duration) throws Exception
    {
        return mode == Mode.H2C ? h2load(jetty.port, PATH, duration) : wrk(jetty.port, PATH, THREADS, CONNECTIONS, duration, mode == Mode.CLOSE);
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
     * h2load over h2c (prior knowledge) for {@code duration}: requests/s and the requests that
     * succeeded; its request-time figures are min/max/mean only, so the percentiles are NaN. Any
     * failed, errored or timed-out request, or a non-2xx status, is counted as an error.
     */
    static Wrk h2load(int port, String path, Duration duration) throws Exception
    {
        long seconds = Math.max(1, duration.toSeconds());
        List<String> command = List.of(H2LOAD, "-c", Integer.toString(H2_CONNECTIONS), "-m", Integer.toString(H2_STREAMS), "-D", Long.toString(seconds),
            "http://" + Jetty.HOST + ":" + port + path);
        return parseH2load(Jetty.run(command, Duration.ofSeconds(seconds + 30)));
    }

    private static final Pattern H2_RPS = Pattern.compile("finished in [0-9.]+\\w+, ([0-9.]+) req/s");
    private static final Pattern H2_REQUESTS = Pattern.compile("requests: \\d+ total, \\d+ started, \\d+ done, (\\d+) succeeded, (\\d+) failed, (\\d+) errored, (\\d+) timeout");
    private static final Pattern H2_STATUS = Pattern.compile("status codes: (\\d+) 2xx, (\\d+) 3xx, (\\d+) 4xx, (\\d+) 5xx");

    static Wrk parseH2load(String output)
    {
        Matcher rps = H2_RPS.matcher(output);
        Matcher requests = H2_REQUESTS.matcher(output);
        Matcher status = H2_STATUS.matcher(output);
        if (!rps.find() || !requests.find() || !status.find())
            throw new IllegalStateException("unexpected h2load output:\n" + output);
        long errors = Long.parseLong(requests.group(2)) + Long.parseLong(requests.group(3)) + Long.parseLong(requests.group(4));
        long non2xx = Long.parseLong(status.group(2)) + Long.parseLong(status.group(3)) + Long.parseLong(status.group(4));
        return new Wrk(Double.parseDouble(rps.group(1)), Double.NaN, Double.NaN, Long.parseLong(requests.group(1)), errors, non2xx, output);
    }

    /** The median over rounds of one figure, for one mode and variant. */
    static double median(List<Run> runs, Mode mode, Variant variant, java.util.function.ToDoubleFunction<Run> figure)
    {
        return median(runs.stream().filter(r -> r.mode() == mode && r.variant() == variant).mapToDouble(figure).toArray());
    }

    /** Each round's module/other ratio of one figure (the runs of a round share the machine's noise). */
    static List<Double> roundRatios(List<Run> runs, Mode mode, Variant other, java.util.function.ToDoubleFunction<Run> figure)
    {
        List<Double> ratios = new ArrayList<>();
        for (Run m : runs.stream().filter(r -> r.mode() == mode && r.variant() == Variant.MODULE).toList())
        {
            runs.stream().filter(r -> r.mode() == mode && r.variant() == other && r.round() == m.round()).findFirst()
                .ifPresent(o -> ratios.add(figure.applyAsDouble(m) / figure.applyAsDouble(o)));
        }
        return ratios;
    }

    /**
     * Per mode, server CPU per request first (module against plain stock and against stock graceful,
     * medians and each round's ratio), then throughput and p99 the same way.
     */
    static String summary(List<Run> runs)
    {
        StringBuilder out = new StringBuilder();
        for (Mode mode : Mode.values())
        {
            List<Run> these = runs.stream().filter(r -> r.mode() == mode).toList();
            if (these.stream().noneMatch(r -> r.variant() == Variant.MODULE))
                continue;
            int rounds = (int)these.stream().filter(r -> r.variant() == Variant.MODULE).count();
            out.append(String.format(Locale.ROOT, "%s (%d round(s), %s):%n", mode.label, rounds, mode.tool()));
            out.append(line("server CPU per request (us)", these, mode, Run::cpuUsPerRequest, "%.2f"));
            out.append(line("requests/s", these, mode, Run::rps, "%,.0f"));
            if (mode != Mode.H2C)
                out.append(line("p99 latency (us)", these, mode, Run::p99us, "%.0f"));
        }
        return out.toString();
    }

    private static String line(String what, List<Run> runs, Mode mode, java.util.function.ToDoubleFunction<Run> figure, String format)
    {
        double module = median(runs, mode, Variant.MODULE, figure);
        StringBuilder out = new StringBuilder(String.format(Locale.ROOT, "  %-28s graceful-drain " + format, what + ":", module));
        for (Variant other : new Variant[]{Variant.PLAIN, Variant.STOCK})
        {
            double value = median(runs, mode, other, figure);
            out.append(String.format(Locale.ROOT, "; %s " + format + " (module/it %.3f, per round %s)", other.label, value, module / value,
                format(roundRatios(runs, mode, other, figure))));
        }
        return out.append(System.lineSeparator()).toString();
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

    /** Alone: {@code Overhead [rounds [seconds [warm-up seconds]]]}. */
    public static void main(String[] args) throws Exception
    {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        Duration each = Duration.ofSeconds(args.length > 1 ? Long.parseLong(args[1]) : 6);
        Duration warmup = Duration.ofSeconds(args.length > 2 ? Long.parseLong(args[2]) : 3);
        Jetty.cleanWork();
        System.out.print("overhead:\n" + summary(run(rounds, each, warmup)));
    }
}
