package dev.gracefuldrain;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

import org.eclipse.jetty.util.NanoTime;
import org.eclipse.jetty.util.thread.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes the drain's {@link ProgressLine} for {@link StopCommand}, in a file under the Jetty base: a
 * channel that needs no port and no credentials beyond read access to the base. Replaced atomically;
 * writes are coalesced to at most {@value #MAX_PER_SECOND} a second and run on the drain's own thread,
 * never on a selector or I/O thread.
 */
final class Progress
{
    static final int MAX_PER_SECOND = 10;
    private static final Logger LOG = LoggerFactory.getLogger(Progress.class);
    private static final long GAP_NANOS = TimeUnit.SECONDS.toNanos(1) / MAX_PER_SECOND;

    private final Path file;
    private final Scheduler scheduler;
    private final AtomicBoolean pending = new AtomicBoolean();
    private volatile Supplier<String> source;
    private volatile long lastWriteNanos = NanoTime.now() - GAP_NANOS;
    private boolean failed;
    /** The summary is out: a coalesced write still pending must not replace it. */
    private boolean finished;

    Progress(Path file, Scheduler scheduler)
    {
        this.file = file;
        this.scheduler = scheduler;
    }

    /** In the Jetty base ({@code jetty.base}), or nowhere when there is none (embedded use). */
    static Path fileInJettyBase()
    {
        String base = System.getProperty("jetty.base");
        return base == null ? null : Path.of(base, ProgressLine.FILE);
    }

    /** Something changed: the line is read from {@code source} when it is written, within 1/{@value #MAX_PER_SECOND} s. */
    void changed(Supplier<String> source)
    {
        this.source = source;
        if (file == null || !pending.compareAndSet(false, true))
            return;
        long waitNanos = Math.max(0, lastWriteNanos + GAP_NANOS - NanoTime.now());
        scheduler.schedule(this::writePending, waitNanos, TimeUnit.NANOSECONDS);
    }

    /** Under the lock {@link #finish} takes: a line checked before the summary cannot be written after it. */
    private synchronized void writePending()
    {
        pending.set(false);
        if (finished)
            return;
        lastWriteNanos = NanoTime.now();
        write(source.get());
    }

    /**
     * The drain's last line, with its summary, written now on the caller's thread (it must be there before
     * the server answers the stop); nothing is written after it.
     */
    synchronized void finish(String line)
    {
        finished = true;
        write(line);
    }

    synchronized void write(String line)
    {
        if (file == null || failed)
            return;
        try
        {
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            Files.writeString(tmp, line + "\n", StandardCharsets.UTF_8);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        }
        catch (IOException x)
        {
            failed = true;
            LOG.info("graceful-drain: cannot write {} ({}): the stop command will show no progress", file, x.toString());
        }
    }
}
