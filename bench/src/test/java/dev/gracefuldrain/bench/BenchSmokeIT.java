package dev.gracefuldrain.bench;

import java.nio.file.Files;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The bench's smoke run (small sizes, a few seconds per part), so that the bench keeps working:
 * every part runs against the real distribution and the report is written. It checks what must hold
 * at any size (the module closes every idle connection with a FIN, nothing truncated or reset under
 * load, the module's stop is faster than stock's), not the figures: those belong to the full run.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class BenchSmokeIT
{
    @Test
    void smokeRunMeasuresEveryPartAndWritesTheReport() throws Exception
    {
        Bench.Results results = Bench.run(Bench.Plan.quick());
        java.nio.file.Path out = Bench.TARGET.resolve("smoke/BENCHMARKS.md");
        Bench.write(results, true, out);
        String report = Files.readString(out);
        DrainAtScale.Run module = results.drains().stream().filter(d -> d.variant() == Variant.MODULE && d.busy() == 0).findFirst().orElseThrow();
        DrainAtScale.Run stock = results.drains().stream().filter(d -> d.variant() == Variant.STOCK && d.busy() == 0).findFirst().orElseThrow();
        DrainAtScale.Run busy = results.drains().stream().filter(d -> d.variant() == Variant.MODULE && d.busy() > 0).findFirst().orElseThrow();
        UnderLoad.Result load = results.load().stream().filter(x -> x.variant() == Variant.MODULE).findFirst().orElseThrow();
        Saturation.Run saturated = results.saturation().stream().filter(x -> x.variant() == Variant.MODULE && x.busy() > 0).findFirst().orElseThrow();
        assertAll(report,
            () -> assertEquals(module.idle(), module.idleFin(), "module: every idle connection got a FIN"),
            () -> assertEquals(0, module.idleReset(), "module: no reset"),
            () -> assertTrue(module.idleClosedMaxMs() < stock.idleClosedMaxMs(), "module closes idle connections sooner than stock graceful"),
            () -> assertEquals(busy.busy(), busy.busyCompleted(), "module: every busy request completed"),
            () -> assertTrue(results.overhead().stream().allMatch(o -> o.rps() > 0 && o.cpuUsPerRequest() > 0), "every overhead run measured, CPU too"),
            () -> assertTrue(!Overhead.h2loadPresent() || results.overhead().stream().anyMatch(o -> o.mode() == Overhead.Mode.H2C), "h2c measured"),
            () -> assertEquals(saturated.busy(), saturated.answered(), "saturated: the module answers every request sent before the stop"),
            () -> assertEquals(saturated.idle(), saturated.idleFin(), "saturated: every idle connection got a FIN"),
            () -> assertTrue(results.stopCost().stream().allMatch(x -> x.fins() == StopCost.IDLE), "stop cost: every run saw every FIN"),
            () -> assertTrue(results.memory().trackedWithArraysPerConnection() > 0, "memory per tracked connection measured"),
            () -> assertEquals(0, load.truncated(), "under load: nothing truncated"),
            () -> assertEquals(0, load.reset(), "under load: no reset"),
            () -> assertTrue(load.completedBefore() > 0, "under load: the load ran"),
            () -> assertTrue(Files.list(out.resolveSibling("bench")).anyMatch(p -> p.toString().endsWith(".png")), "charts written"));
    }
}
