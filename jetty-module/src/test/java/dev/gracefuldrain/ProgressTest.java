package dev.gracefuldrain;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import org.eclipse.jetty.util.thread.ScheduledExecutorScheduler;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The progress line the stop command reads: its format, and how often it is written. */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class ProgressTest
{
    @TempDir
    Path base;
    private ScheduledExecutorScheduler scheduler;

    @BeforeEach
    void startScheduler() throws Exception
    {
        scheduler = new ScheduledExecutorScheduler("test-progress", true);
        scheduler.start();
    }

    @AfterEach
    void stopScheduler() throws Exception
    {
        scheduler.stop();
    }

    @Test
    void lineFinalLineAndParseRoundTrip()
    {
        String line = ProgressLine.format("DRAINING", 12, 30000, 5, 1, 0);
        assertEquals("phase=DRAINING elapsedMs=12 timeoutMs=30000 left=5 finished=1 aborted=0", line);
        assertEquals(Map.of("phase", "DRAINING", "elapsedMs", "12", "timeoutMs", "30000", "left", "5", "finished", "1", "aborted", "0"),
            ProgressLine.parse(line));

        // The summary is free text: spaces, '=', ';' and even " summary=" again stay in it.
        String summary = "idle closed=3, never-used closed=0, drain time=7 ms; since start: requests=9; x summary=y";
        String last = ProgressLine.withSummary(ProgressLine.format("STOPPED", 7, 30000, 0, 2, 1), summary);
        assertEquals("phase=STOPPED elapsedMs=7 timeoutMs=30000 left=0 finished=2 aborted=1 summary=" + summary, last);
        Map<String, String> fields = ProgressLine.parse(last);
        assertEquals(summary, fields.get("summary"));
        assertEquals("STOPPED", fields.get("phase"));
        assertEquals("1", fields.get("aborted"));
        assertEquals(7, fields.size());
        assertNull(ProgressLine.parse("").get("phase"));
    }

    /** The content written carries the number of the write (the source is read once per write). */
    @Test
    void manyChangesWithin100MsGiveAtMostTwoWrites() throws Exception
    {
        Path file = base.resolve(ProgressLine.FILE);
        Progress progress = new Progress(file, scheduler);
        AtomicInteger version = new AtomicInteger();
        AtomicInteger writes = new AtomicInteger();
        List<Long> writtenAt = new CopyOnWriteArrayList<>();
        Supplier<String> source = () ->
        {
            writtenAt.add(System.nanoTime());
            return "phase=DRAINING left=" + version.get() + " write=" + writes.incrementAndGet();
        };

        long t0 = System.nanoTime();
        for (int i = 1; i <= 200; i++)
        {
            version.set(i);
            progress.changed(source);
        }
        long burstMs = Harness.msSince(t0);
        Harness.awaitTrue("the last change written", () -> read(file).startsWith("phase=DRAINING left=200 "), 2000);
        // Nothing more is pending: a task on the same scheduler, past the 100 ms gap, runs after any write would have.
        CompletableFuture<Void> past = new CompletableFuture<>();
        scheduler.schedule(() -> past.complete(null), 150, TimeUnit.MILLISECONDS);
        past.get(5, TimeUnit.SECONDS);

        String content = read(file);
        int written = Integer.parseInt(content.substring(content.indexOf("write=") + 6));
        assertEquals(writes.get(), written, "the file holds the last write");
        assertTrue(written <= 2 + burstMs / 100, written + " writes for 200 changes in " + burstMs + " ms");
        if (writtenAt.size() == 2)
            assertTrue(Harness.ms(writtenAt.get(0), writtenAt.get(1)) >= 90, "writes " + Harness.ms(writtenAt.get(0), writtenAt.get(1)) + " ms apart");
        assertFalse(Files.exists(file.resolveSibling(ProgressLine.FILE + ".tmp")), "written through a temporary file, moved in place");
    }

    @Test
    void noFileMeansNoWriteAndAnUnwritableOneIsSaidOnce() throws Exception
    {
        Progress nowhere = new Progress(null, scheduler);
        nowhere.changed(() -> "never read");
        nowhere.write("dropped");
        try (Harness.LogCapture log = new Harness.LogCapture())
        {
            Path missing = base.resolve("no-such-dir").resolve(ProgressLine.FILE);
            Progress unwritable = new Progress(missing, scheduler);
            unwritable.write("a");
            unwritable.write("b");
            assertFalse(Files.exists(missing));
            assertEquals(1, log.drainLines().stream().filter(l -> l.startsWith("graceful-drain: cannot write " + missing)).count(), log.drainLines().toString());
        }
    }

    private static String read(Path file)
    {
        try
        {
            return Files.readString(file, StandardCharsets.UTF_8).trim();
        }
        catch (Exception x)
        {
            return "";
        }
    }
}
