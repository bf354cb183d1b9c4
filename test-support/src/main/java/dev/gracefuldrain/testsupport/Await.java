package dev.gracefuldrain.testsupport;

import java.time.Duration;
import java.util.function.Predicate;

/**
 * Bounded polling: asks a probe until its answer is the one waited for, or fails after the timeout
 * naming what was waited for and the last answer seen. For state that no event announces (a
 * counter in the webapp, a status page, whether the kernel refuses a connect); where an event
 * exists (a FIN, a process exit, a latch), wait for the event instead.
 */
public final class Await
{
    /** One look at the state; may return null for "nothing to see yet". */
    @FunctionalInterface
    public interface Probe<T>
    {
        T look() throws Exception;
    }

    /** What to do between two looks: sleep, or drive a selector that the probe depends on. */
    @FunctionalInterface
    public interface Pause
    {
        void pause() throws Exception;
    }

    private Await()
    {
    }

    /** Looks every {@code every} until {@code done} accepts an answer, and returns it. */
    public static <T> T until(String what, Duration timeout, Duration every, Probe<T> probe, Predicate<? super T> done) throws Exception
    {
        return until(what, timeout, sleep(every), probe, done);
    }

    /** Until the condition holds. */
    public static void until(String what, Duration timeout, Duration every, Probe<Boolean> condition) throws Exception
    {
        until(what, timeout, sleep(every), condition, Boolean.TRUE::equals);
    }

    /** As {@link #until(String, Duration, Duration, Probe, Predicate)}, with a pause of the caller's own. */
    public static <T> T until(String what, Duration timeout, Pause pause, Probe<T> probe, Predicate<? super T> done) throws Exception
    {
        long deadline = System.nanoTime() + timeout.toNanos();
        T last;
        while (true)
        {
            last = probe.look();
            if (last != null && done.test(last))
                return last;
            if (System.nanoTime() - deadline >= 0)
                throw new AssertionError(what + ": not within " + timeout + "; last seen: " + last);
            pause.pause();
        }
    }

    private static Pause sleep(Duration every)
    {
        long millis = Math.max(1, every.toMillis());
        return () -> Thread.sleep(millis);
    }
}
