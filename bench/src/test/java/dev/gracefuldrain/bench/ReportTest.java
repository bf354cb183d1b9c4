package dev.gracefuldrain.bench;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import javax.imageio.ImageIO;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ReportTest
{
    @TempDir
    Path dir;

    @ParameterizedTest
    @CsvSource({
        "12.345, 12.3", "0.98123, 0.981", "10432, 10400", "1.0, 1", "0, 0", "-2.5, -2.5", "0.001, 0.001",
        "1234567, 1230000", "9999999, 1e7", "0.0001234, 1.23e-4", "1.5e9, 1.5e9", "NaN, n/a"
    })
    void formatsThreeSignificantDigits(double value, String expected)
    {
        assertEquals(expected, Report.fmt(value));
    }

    @Test
    void writesPlainMarkdownWithAlignedTables() throws Exception
    {
        Path md = dir.resolve("docs/BENCHMARKS.md");
        new Report(md)
            .heading(2, "Drain")
            .paragraph("Two variants.\n")
            .table(List.of("variant", "drain ms", "note"), List.of(List.of("stock graceful", "1010", "a|b"), List.of("graceful-drain", "48.2")))
            .write();
        assertEquals("""
            ## Drain

            Two variants.

            | variant        | drain ms | note |
            | -------------- | -------: | ---- |
            | stock graceful |     1010 | a\\|b |
            | graceful-drain |     48.2 |      |
            """, Files.readString(md));
    }

    @Test
    void chartsAreWrittenBesideTheMarkdownAndLinkedRelatively() throws Exception
    {
        Path md = dir.resolve("docs/BENCHMARKS.md");
        write(md);
        assertEquals("""
            ![Drain time [log]](bench/drain.png)

            ![Throughput](bench/throughput.png)
            """.replace("[log]", "\\[log\\]"), Files.readString(md));
        BufferedImage image = ImageIO.read(dir.resolve("docs/bench/drain.png").toFile());
        assertEquals(1000, image.getWidth());
        assertEquals(560, image.getHeight());
        assertEquals(0xFFFFFF, image.getRGB(0, 0) & 0xFFFFFF);

        Path again = dir.resolve("again/BENCHMARKS.md");
        write(again);
        assertArrayEquals(Files.readAllBytes(dir.resolve("docs/bench/drain.png")), Files.readAllBytes(dir.resolve("again/bench/drain.png")));
    }

    @Test
    void rejectsWhatCannotBeDrawnOrLinked()
    {
        Report report = new Report(dir.resolve("BENCHMARKS.md"));
        LinkedHashMap<String, double[]> series = new LinkedHashMap<>();
        series.put("graceful-drain", new double[] {1, 2});
        assertThrows(IllegalArgumentException.class, () -> report.barChart("two words", "t", "ms", List.of("a", "b"), series, false));
        assertThrows(IllegalArgumentException.class, () -> report.barChart("short", "t", "ms", List.of("a", "b", "c"), series, false));
        assertThrows(IllegalArgumentException.class, () -> report.table(List.of("one"), List.of(List.of("1", "2"))));
    }

    private static void write(Path md) throws Exception
    {
        LinkedHashMap<String, double[]> drain = new LinkedHashMap<>();
        drain.put("stock graceful", new double[] {1012, 1321});
        drain.put("stock graceful, shutdownIdleTimeout=-1", new double[] {30004, 0});
        drain.put("graceful-drain", new double[] {12.1, 97.3});
        LinkedHashMap<String, double[]> throughput = new LinkedHashMap<>();
        throughput.put("stock, no graceful module", new double[] {41234});
        throughput.put("graceful-drain", new double[] {Double.NaN});
        new Report(md)
            .target(100, "target 100 ms")
            .barChart("drain", "Drain time [log]", "ms", List.of("100 idle connections", "10000 idle connections"), drain, true)
            .barChart("throughput.png", "Throughput", "requests/s", List.of("HTTP/1.1 keep-alive"), throughput, false)
            .write();
    }
}
