package dev.gracefuldrain.bench;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;

import dev.gracefuldrain.testsupport.Jetty;
import dev.gracefuldrain.testsupport.KeepAliveLoad;

/**
 * A stop under full load: {@code clients} keep-alive clients ({@link KeepAliveLoad}), each on its own
 * connection sending {@code GET /sample/fast} as fast as it is answered, and a SIGTERM in the middle.
 * Counts how each exchange ended: a clean close before any byte of a response (the request was not
 * handled; the client reconnects), a connect refused (the listener is closed; the client stops), a
 * response cut in the middle ("truncated"), a reset. The module must give no truncated response and no reset.
 */
final class UnderLoad
{
    static final Duration SOCKET_TIMEOUT = Duration.ofSeconds(10);
    /** The drain (or stock stop) timeout given to Jetty. */
    static final int STOP_TIMEOUT_MS = 10_000;
    /** How long after the SIGTERM the clients may go on, and Jetty may take to exit. */
    static final Duration AFTER = Duration.ofSeconds(15);

    /**
     * @param completedBefore responses read whole before the SIGTERM was sent
     * @param completedAfter responses read whole after it (all statuses)
     * @param status503 of those, 503s
     * @param otherStatus responses neither 200 nor 503
     * @param closeResponses responses that carried {@code Connection: close} (the client then waited for the close and reconnected)
     * @param refusedCleanly a clean close (EOF) before any byte of a response to a sent request
     * @param connectRefused connects refused (each stops its client)
     * @param truncated EOF in the middle of a response
     * @param reset a failed send, a socket error before the response, or a reset instead of the close after a Connection: close response
     * @param timeouts no response within the socket timeout
     * @param otherErrors any other I/O failure (see {@code errorSamples})
     * @param reconnects connections opened after the SIGTERM
     * @param stillRunning clients still running at the deadline ({@link #AFTER} after the SIGTERM)
     * @param drainMs from the SIGTERM to the process's exit; -1 if it did not exit within {@link #AFTER}
     * @param drainedLine the module's "graceful-drain: drained: ..." log line, or "" (stock)
     */
    record Result(Variant variant, int clients, long completedBefore, long completedAfter, long status503, long otherStatus,
        long closeResponses, long refusedCleanly, long connectRefused, long truncated, long reset, long timeouts, long otherErrors,
        long reconnects, int stillRunning, long drainMs, String drainedLine, List<String> errorSamples)
    {
        @Override
        public String toString()
        {
            return String.format(Locale.ROOT,
                "%s, %d clients: completed %d before SIGTERM + %d after (503: %d, other non-200: %d, with Connection: close: %d); "
                    + "refused cleanly %d, connect refused %d, truncated %d, reset %d, timeouts %d, other errors %d%s; "
                    + "reconnects after SIGTERM %d, clients still running at the deadline %d; exit %s after SIGTERM%s",
                variant.label, clients, completedBefore, completedAfter, status503, otherStatus, closeResponses,
                refusedCleanly, connectRefused, truncated, reset, timeouts, otherErrors, errorSamples.isEmpty() ? "" : " " + errorSamples,
                reconnects, stillRunning, drainMs < 0 ? "NOT within " + AFTER.toSeconds() + " s" : drainMs + " ms",
                drainedLine.isEmpty() ? "" : "\n  " + drainedLine);
        }
    }

    private UnderLoad()
    {
    }

    static Result run(Variant variant, int clients, Duration before) throws Exception
    {
        String property = variant == Variant.MODULE ? "jetty.drain.timeout=" + STOP_TIMEOUT_MS : "jetty.server.stopTimeout=" + STOP_TIMEOUT_MS;
        try (Jetty.Server jetty = variant.start(List.of(), property);
             KeepAliveLoad load = new KeepAliveLoad(jetty.port, clients, Duration.ofHours(1), KeepAliveLoad.Requests.GETS,
                 KeepAliveLoad.OnRefused.STOP, SOCKET_TIMEOUT))
        {
            if (!load.awaitConnected(SOCKET_TIMEOUT))
                throw new IllegalStateException("not all of " + clients + " clients connected within " + SOCKET_TIMEOUT);
            Thread.sleep(before.toMillis()); // the load runs this long before the stop: a measurement, not a synchronisation

            long sigterm = jetty.sigterm();
            load.mark(sigterm);
            load.stopAt(sigterm + AFTER.toNanos());
            OptionalLong exit = jetty.exitWithin(AFTER);
            long drainMs = exit.isPresent() ? TimeUnit.NANOSECONDS.toMillis(exit.getAsLong() - sigterm) : -1;
            int stillRunning = load.awaitClients(Duration.ofNanos(sigterm + AFTER.toNanos() - System.nanoTime()).plusSeconds(1));
            String drained = jetty.log().lines().filter(l -> l.contains("graceful-drain: drained:")).findFirst().map(String::strip).orElse("");
            // Counted before a Jetty that did not exit is killed, so the kill's resets are not counted.
            return new Result(variant, clients, load.answered.get() - load.answeredAfterMark.get(), load.answeredAfterMark.get(),
                load.status503.get(), load.errorStatus.get() - load.status503.get(), load.connectionClose.get(), load.finBeforeAnyByte.get(),
                load.refusedConnects.get(), load.truncated.get(), load.resets.get(), load.timeouts.get(), load.otherErrors.get(),
                load.reconnectsAfterMark.get(), stillRunning, drainMs, drained, List.copyOf(load.errorSamples));
        }
    }
}
