package dev.gracefuldrain.bench;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.Stroke;
import java.awt.geom.AffineTransform;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.MathContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;

/**
 * The benchmark report: a markdown page plus PNG bar charts drawn with plain java.awt, so that the bench
 * module needs no charting dependency and the page is plain markdown that renders the same everywhere.
 */
final class Report
{
    /** Cells that read as numbers are right-aligned, so that magnitudes line up down a column. */
    private static final Pattern NUMERIC = Pattern.compile("[-+~<>]?\\d.*|n/a|-|\u2013|\u2014|");

    /** graceful-drain gets strong colors and stock variants neutral tones, so that the eye finds ours first. */
    private static final Color[] OURS = {new Color(0x0072B2), new Color(0x009E73)};
    private static final Color[] STOCK = {new Color(0xA0A0A0), new Color(0x5E5E5E), new Color(0xD0D0D0)};
    /** Anything else (e.g. percentiles of one variant); none of them is close to ours or to the target's orange. */
    private static final Color[] HUES = {new Color(0xE69F00), new Color(0xCC79A7), new Color(0x56B4E9), new Color(0x7F5FA8), new Color(0x8C6D31)};

    private final Path md;
    private final Path images;
    private final StringBuilder text = new StringBuilder();
    /** A series keeps its color in every chart of the report, so that a reader learns it once. */
    private final Map<String, Color> colors = new HashMap<>();
    private final int[] used = new int[3];
    private double targetValue = Double.NaN;
    private String targetLabel;

    /** md: the markdown file to write; images go to md's sibling folder "bench/", linked relatively as bench/<file>.png */
    Report(Path md)
    {
        this.md = md.toAbsolutePath();
        this.images = this.md.resolveSibling("bench");
    }

    Report heading(int level, String title)
    {
        if (level < 1 || level > 6)
            throw new IllegalArgumentException("heading level " + level);
        text.append("#".repeat(level)).append(' ').append(oneLine(title)).append("\n\n");
        return this;
    }

    Report paragraph(String paragraph)
    {
        text.append(paragraph.strip()).append("\n\n");
        return this;
    }

    /** A GitHub markdown table; rows shorter than the header are padded with empty cells. */
    Report table(List<String> header, List<List<String>> rows)
    {
        int columns = header.size();
        List<List<String>> cells = new ArrayList<>();
        cells.add(header.stream().map(Report::cell).toList());
        for (List<String> row : rows)
        {
            if (row.size() > columns)
                throw new IllegalArgumentException("row " + row + " has more cells than the header " + header);
            List<String> padded = new ArrayList<>(row.stream().map(Report::cell).toList());
            while (padded.size() < columns)
                padded.add("");
            cells.add(padded);
        }
        int[] width = new int[columns];
        boolean[] right = new boolean[columns];
        for (int c = 0; c < columns; c++)
        {
            // The first column names the row, even when that name is a number of connections.
            right[c] = c > 0 && !rows.isEmpty();
            for (int r = 0; r < cells.size(); r++)
            {
                String cell = cells.get(r).get(c);
                width[c] = Math.max(width[c], Math.max(3, cell.length()));
                if (r > 0)
                    right[c] &= NUMERIC.matcher(cell).matches();
            }
        }
        for (int r = 0; r < cells.size(); r++)
        {
            StringBuilder line = new StringBuilder("|");
            for (int c = 0; c < columns; c++)
            {
                String cell = cells.get(r).get(c);
                String pad = " ".repeat(width[c] - cell.length());
                line.append(' ').append(right[c] ? pad + cell : cell + pad).append(" |");
            }
            text.append(line).append('\n');
            if (r == 0)
            {
                StringBuilder rule = new StringBuilder("|");
                for (int c = 0; c < columns; c++)
                    rule.append(' ').append(right[c] ? "-".repeat(width[c] - 1) + ":" : "-".repeat(width[c])).append(" |");
                text.append(rule).append('\n');
            }
        }
        text.append('\n');
        return this;
    }

    /**
     * A grouped bar chart: one group of bars per entry of groups, one bar per series, values in unit.
     * On a log axis, values <= 0 are drawn as missing ("n/a"), as are NaNs on any axis.
     * Writes bench/<fileName>.png and links it from the markdown.
     */
    Report barChart(String fileName, String title, String unit, List<String> groups, LinkedHashMap<String, double[]> series, boolean logScale) throws IOException
    {
        String name = fileName.endsWith(".png") ? fileName.substring(0, fileName.length() - 4) : fileName;
        // Anything else would need escaping in the relative link, and some renderers get that wrong.
        if (!name.matches("[A-Za-z0-9._-]+"))
            throw new IllegalArgumentException("chart file name must be [A-Za-z0-9._-]+: " + fileName);
        if (groups.isEmpty() || series.isEmpty())
            throw new IllegalArgumentException("chart " + name + " has no groups or no series");
        series.forEach((label, values) ->
        {
            if (values.length != groups.size())
                throw new IllegalArgumentException("series '" + label + "' has " + values.length + " values for " + groups.size() + " groups");
        });
        double target = targetValue;
        String label = targetLabel;
        targetValue = Double.NaN;
        targetLabel = null;
        System.setProperty("java.awt.headless", "true");
        List<Color> palette = colors(series.keySet());
        BufferedImage image = new Chart(title, unit == null ? "" : unit, groups, series, palette, logScale, target, label).render();
        Files.createDirectories(images);
        ImageIO.write(image, "png", images.resolve(name + ".png").toFile());
        String alt = oneLine(title).replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]");
        text.append("![").append(alt).append("](bench/").append(name).append(".png)\n\n");
        return this;
    }

    /** A horizontal reference line (e.g. a target) on the next chart only; label null shows "target <value>". */
    Report target(double value, String label)
    {
        targetValue = value;
        targetLabel = label;
        return this;
    }

    void write() throws IOException
    {
        Files.createDirectories(md.getParent());
        Files.writeString(md, text.toString().stripTrailing() + "\n");
    }

    /** 3 significant digits: 12.3, 0.981, 10400; exponent form only outside 0.001..1e7 (1.23e-4, 4.5e9). */
    static String fmt(double value)
    {
        if (!Double.isFinite(value))
            return "n/a";
        if (value == 0)
            return "0";
        BigDecimal rounded = BigDecimal.valueOf(value).round(new MathContext(3)).stripTrailingZeros();
        double abs = Math.abs(rounded.doubleValue());
        if (abs >= 0.001 && abs < 1e7)
            return rounded.toPlainString();
        String[] parts = String.format(Locale.ROOT, "%.2e", rounded.doubleValue()).split("e");
        return parts[0].replaceAll("\\.?0+$", "") + "e" + Integer.parseInt(parts[1]);
    }

    /** Known series keep their color; a new one takes the next color of its palette not yet in this chart. */
    private List<Color> colors(Collection<String> series)
    {
        Set<Color> taken = new HashSet<>();
        series.stream().map(colors::get).filter(Objects::nonNull).forEach(taken::add);
        List<Color> result = new ArrayList<>();
        for (String name : series)
        {
            Color color = colors.get(name);
            if (color == null)
            {
                String lower = name.toLowerCase(Locale.ROOT);
                int kind = lower.contains("graceful-drain") ? 0 : lower.contains("stock") ? 1 : 2;
                Color[] palette = List.of(OURS, STOCK, HUES).get(kind);
                int skip = 0;
                while (skip < palette.length - 1 && taken.contains(palette[(used[kind] + skip) % palette.length]))
                    skip++;
                color = palette[(used[kind] + skip) % palette.length];
                used[kind] += skip + 1;
                colors.put(name, color);
                taken.add(color);
            }
            result.add(color);
        }
        return result;
    }

    private static String cell(String cell)
    {
        return cell == null ? "" : oneLine(cell).replace("|", "\\|");
    }

    private static String oneLine(String s)
    {
        return s.strip().replaceAll("\\s*\\R\\s*", " ");
    }

    /** One chart: the layout is measured from the text it must hold, so labels get room instead of overlapping. */
    private static final class Chart
    {
        private static final int W = 1000;
        private static final int H = 560;
        private static final int PAD = 16;
        private static final Font TITLE = new Font(Font.SANS_SERIF, Font.BOLD, 17);
        private static final Font LABEL = new Font(Font.SANS_SERIF, Font.PLAIN, 13);
        private static final Color TEXT = new Color(0x222222);
        private static final Color MUTED = new Color(0x888888);
        private static final Color AXIS = new Color(0x555555);
        private static final Color GRID = new Color(0xDDDDDD);
        private static final Color MINOR_GRID = new Color(0xF0F0F0);
        private static final Color TARGET = new Color(0xD55E00);

        private final String title;
        private final String unit;
        private final List<String> groups;
        private final List<String> names;
        private final List<double[]> values;
        private final List<Color> colors;
        private final boolean log;
        private final double target;
        private final String targetLabel;
        private final BufferedImage image = new BufferedImage(W, H, BufferedImage.TYPE_INT_RGB);
        private final Graphics2D g = image.createGraphics();

        private int px, py, pw, ph;
        /** Axis range, in log10 units on a log axis. */
        private double lo, hi;
        private final List<Double> ticks = new ArrayList<>();
        private Font groupFont;
        private List<List<String>> groupLines;
        private Font valueFont;
        private boolean rotated;

        Chart(String title, String unit, List<String> groups, LinkedHashMap<String, double[]> series, List<Color> colors, boolean log, double target, String targetLabel)
        {
            this.title = oneLine(title);
            this.unit = oneLine(unit);
            this.groups = List.copyOf(groups);
            this.names = List.copyOf(series.keySet());
            this.values = List.copyOf(series.values());
            this.colors = colors;
            this.log = log;
            this.target = Double.isFinite(target) && !(log && target <= 0) ? target : Double.NaN;
            this.targetLabel = targetLabel != null ? oneLine(targetLabel) : "target " + fmt(target);
        }

        BufferedImage render()
        {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_FRACTIONALMETRICS, RenderingHints.VALUE_FRACTIONALMETRICS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, W, H);
            int y = drawTitle(PAD - 4);
            y = drawLegend(y + 8);
            layout(y + 16);
            drawAxes();
            drawBars();
            g.dispose();
            return image;
        }

        private int drawTitle(int y)
        {
            g.setFont(TITLE);
            g.setColor(TEXT);
            FontMetrics fm = g.getFontMetrics();
            for (String line : wrap(title, fm, W - 2 * PAD, false, true))
            {
                y += fm.getAscent();
                g.drawString(line, (W - fm.stringWidth(line)) / 2, y);
                y += fm.getDescent();
            }
            return y;
        }

        /** Centered rows of swatch + name, wrapped when the names are long; the target gets a dashed swatch. */
        private int drawLegend(int y)
        {
            g.setFont(LABEL);
            FontMetrics fm = g.getFontMetrics();
            List<String> labels = new ArrayList<>(names);
            if (!Double.isNaN(target))
                labels.add(targetLabel);
            int gap = 24, rowHeight = 22;
            List<List<Integer>> rows = new ArrayList<>();
            List<Integer> row = new ArrayList<>();
            int rowWidth = 0;
            for (int i = 0; i < labels.size(); i++)
            {
                int width = entryWidth(fm, labels, i);
                if (!row.isEmpty() && rowWidth + gap + width > W - 2 * PAD)
                {
                    rows.add(row);
                    row = new ArrayList<>();
                    rowWidth = 0;
                }
                rowWidth += (row.isEmpty() ? 0 : gap) + width;
                row.add(i);
            }
            rows.add(row);
            for (List<Integer> entries : rows)
            {
                int width = -gap;
                for (int i : entries)
                    width += gap + entryWidth(fm, labels, i);
                int x = (W - width) / 2;
                int middle = y + rowHeight / 2;
                for (int i : entries)
                {
                    int swatch = swatchWidth(i);
                    if (i < names.size())
                        bar(colors.get(i), x, middle - 7, 14, 14);
                    else
                        targetLine(x, x + swatch, middle);
                    g.setColor(TEXT);
                    g.drawString(labels.get(i), x + swatch + 6, middle + (fm.getAscent() - fm.getDescent()) / 2);
                    x += entryWidth(fm, labels, i) + gap;
                }
                y += rowHeight;
            }
            return y;
        }

        private int swatchWidth(int entry)
        {
            return entry < names.size() ? 14 : 26;
        }

        private int entryWidth(FontMetrics fm, List<String> labels, int entry)
        {
            return swatchWidth(entry) + 6 + fm.stringWidth(labels.get(entry));
        }

        /**
         * The plot area depends on the widest tick label (left margin), which depends on the scale, which depends
         * on the room the value labels need, which depends on the bar width: so widen the margin until it holds.
         */
        private void layout(int top)
        {
            py = top;
            FontMetrics fm = g.getFontMetrics(LABEL);
            int left = 60;
            for (int pass = 0; pass < 4; pass++)
            {
                px = left;
                pw = W - left - PAD - 4;
                double groupWidth = (double) pw / groups.size();
                layoutGroupLabels((int) groupWidth - 8);
                int labelHeight = groupLines.stream().mapToInt(List::size).max().orElse(1) * g.getFontMetrics(groupFont).getHeight();
                ph = H - py - labelHeight - 18;
                int headroom = layoutValueLabels(slot(groupWidth));
                scale(headroom);
                int widest = ticks.stream().mapToInt(t -> fm.stringWidth(tickLabel(t))).max().orElse(0);
                int needed = (unit.isEmpty() ? PAD : PAD + fm.getHeight() + 6) + widest + 8;
                if (needed <= left)
                    break;
                left = needed;
            }
        }

        /**
         * The largest font (13 down to 10) at which every group label wraps into 3 lines at most: between words
         * if possible, else also between the humps of camelCase, else anywhere, rather than overlap a neighbour.
         */
        private void layoutGroupLabels(int width)
        {
            for (boolean camel : new boolean[] {false, true})
                for (int size = 13; size >= 10; size--)
                {
                    groupFont = LABEL.deriveFont((float) size);
                    FontMetrics fm = g.getFontMetrics(groupFont);
                    groupLines = new ArrayList<>();
                    for (String group : groups)
                    {
                        List<String> lines = wrap(oneLine(group), fm, width, camel, false);
                        if (lines == null || lines.size() > 3)
                            break;
                        groupLines.add(lines);
                    }
                    if (groupLines.size() == groups.size())
                        return;
                }
            FontMetrics fm = g.getFontMetrics(groupFont);
            groupLines = groups.stream().map(group -> wrap(oneLine(group), fm, width, true, true)).toList();
        }

        /** Horizontal labels if every one fits its bar, else all of them vertical; returns the room they need above a bar. */
        private int layoutValueLabels(double slot)
        {
            valueFont = LABEL.deriveFont(12f);
            int widest = widestValueLabel();
            rotated = widest > slot - 2;
            if (rotated && slot < 14)
            {
                valueFont = LABEL.deriveFont(10f);
                widest = widestValueLabel();
            }
            return rotated ? widest + 8 : g.getFontMetrics(valueFont).getHeight() + 4;
        }

        private int widestValueLabel()
        {
            FontMetrics fm = g.getFontMetrics(valueFont);
            int widest = 0;
            for (double[] series : values)
                for (double v : series)
                    widest = Math.max(widest, fm.stringWidth(valueLabel(v)));
            return widest;
        }

        /** The width of one bar's slot: bars of a group touch, groups keep a gap that shrinks as they fill; no slabs. */
        private double slot(double groupWidth)
        {
            return Math.min(100, groupWidth * Math.min(0.8, 0.35 + 0.15 * names.size()) / names.size());
        }

        private void scale(int headroom)
        {
            ticks.clear();
            double min = Double.POSITIVE_INFINITY, max = Double.NEGATIVE_INFINITY;
            for (double[] series : values)
                for (double v : series)
                    if (!missing(v))
                    {
                        min = Math.min(min, v);
                        max = Math.max(max, v);
                    }
            if (!Double.isNaN(target))
            {
                min = Math.min(min, target);
                max = Math.max(max, target);
            }
            // Headroom above the tallest bar for its label, as a share of the axis: room / (height - room).
            double share = (double) headroom / Math.max(1, ph - headroom);
            if (log)
            {
                if (min > max)
                {
                    min = 1;
                    max = 10;
                }
                // A bar exactly on the bottom decade would have no height at all.
                lo = Math.floor(Math.log10(min) - 0.05);
                double top = Math.log10(max);
                hi = Math.max(lo + 1, Math.ceil(top + (top - lo) * share - 1e-9));
                for (double d = lo; d <= hi; d++)
                    ticks.add(d);
                return;
            }
            min = Math.min(0, min > max ? 0 : min);
            max = Math.max(0, min > max ? 1 : max);
            if (max == min)
                max = min + 1;
            if (max > 0)
                max += (max - min) * share;
            double step = niceStep(min, max);
            long first = (long) Math.floor(min / step + 1e-9), last = (long) Math.ceil(max / step - 1e-9);
            lo = first * step;
            hi = last * step;
            for (long k = first; k <= last; k++)
                ticks.add(k * step);
        }

        /** The smallest step of 1, 2, 2.5 or 5 times a power of ten that covers min..max in at most 5 intervals. */
        private static double niceStep(double min, double max)
        {
            for (int e = (int) Math.floor(Math.log10(max - min)) - 1; ; e++)
                for (double m : new double[] {1, 2, 2.5, 5})
                {
                    double step = m * Math.pow(10, e);
                    if (Math.ceil(max / step - 1e-9) - Math.floor(min / step + 1e-9) <= 5)
                        return step;
                }
        }

        private String tickLabel(double tick)
        {
            return fmt(log ? Math.pow(10, tick) : tick);
        }

        private boolean missing(double v)
        {
            return !Double.isFinite(v) || (log && v <= 0);
        }

        private String valueLabel(double v)
        {
            return missing(v) ? "n/a" : fmt(v);
        }

        /** y pixel of an axis position (log10 units on a log axis). */
        private double yAxis(double t)
        {
            return py + ph - (t - lo) / (hi - lo) * ph;
        }

        private double yValue(double v)
        {
            return yAxis(log ? Math.log10(v) : v);
        }

        private void drawAxes()
        {
            // Minor lines at 2..9 only where a decade is tall enough for them to help rather than clutter.
            if (log && ph / (hi - lo) >= 60)
            {
                g.setColor(MINOR_GRID);
                for (double d = lo; d < hi; d++)
                    for (int m = 2; m <= 9; m++)
                        hline(yAxis(d + Math.log10(m)));
            }
            g.setFont(LABEL);
            FontMetrics fm = g.getFontMetrics();
            for (double tick : ticks)
            {
                int y = (int) Math.round(yAxis(tick));
                g.setColor(GRID);
                hline(y);
                String label = tickLabel(tick);
                g.setColor(TEXT);
                g.drawString(label, px - 8 - fm.stringWidth(label), y + (fm.getAscent() - fm.getDescent()) / 2);
            }
            if (!unit.isEmpty())
            {
                AffineTransform saved = g.getTransform();
                g.rotate(-Math.PI / 2);
                g.drawString(unit, -(py + ph / 2 + fm.stringWidth(unit) / 2), PAD + fm.getAscent());
                g.setTransform(saved);
            }
            g.setFont(groupFont);
            fm = g.getFontMetrics();
            double groupWidth = (double) pw / groups.size();
            for (int i = 0; i < groups.size(); i++)
            {
                int y = py + ph + 6;
                for (String line : groupLines.get(i))
                {
                    y += fm.getAscent();
                    g.drawString(line, (int) Math.round(px + (i + 0.5) * groupWidth - fm.stringWidth(line) / 2.0), y);
                    y += fm.getDescent() + fm.getLeading();
                }
            }
        }

        private void drawBars()
        {
            double groupWidth = (double) pw / groups.size();
            double slot = slot(groupWidth);
            int base = (int) Math.round(log ? py + ph : yAxis(0));
            for (int s = 0; s < names.size(); s++)
                for (int i = 0; i < groups.size(); i++)
                {
                    double v = values.get(s)[i];
                    if (missing(v))
                        continue;
                    double x = barX(groupWidth, slot, s, i);
                    int left = (int) Math.round(x + (slot >= 8 ? 1 : 0)), right = (int) Math.round(x + slot - (slot >= 8 ? 1 : 0));
                    int y = (int) Math.round(yValue(v));
                    bar(colors.get(s), left, Math.min(y, base), Math.max(1, right - left), Math.max(1, Math.abs(base - y)));
                }
            g.setColor(AXIS);
            g.drawLine(px, py, px, py + ph);
            g.drawLine(px, base, px + pw, base);
            if (base != py + ph)
                g.drawLine(px, py + ph, px + pw, py + ph);
            if (!Double.isNaN(target))
                targetLine(px, px + pw, (int) Math.round(yValue(target)));
            // Labels last, so that neither the target line nor a neighbouring bar covers them.
            g.setFont(valueFont);
            FontMetrics fm = g.getFontMetrics();
            for (int s = 0; s < names.size(); s++)
                for (int i = 0; i < groups.size(); i++)
                {
                    double v = values.get(s)[i];
                    String label = valueLabel(v);
                    double center = barX(groupWidth, slot, s, i) + slot / 2;
                    boolean below = !missing(v) && v < 0;
                    int anchor = missing(v) ? base : (int) Math.round(yValue(v));
                    int width = fm.stringWidth(label);
                    AffineTransform saved = g.getTransform();
                    if (rotated)
                    {
                        g.translate(center + (fm.getAscent() - fm.getDescent()) / 2.0, below ? anchor + 4 + width : anchor - 4);
                        g.rotate(-Math.PI / 2);
                    }
                    else
                        g.translate(Math.round(center - width / 2.0), below ? anchor + 3 + fm.getAscent() : anchor - 4);
                    // A white backing, so that a gridline or the target line never runs through the digits.
                    g.setColor(Color.WHITE);
                    g.fillRect(-1, -fm.getAscent() + 2, width + 2, fm.getAscent() - 1);
                    g.setColor(missing(v) ? MUTED : TEXT);
                    g.drawString(label, 0, 0);
                    g.setTransform(saved);
                }
        }

        private double barX(double groupWidth, double slot, int series, int group)
        {
            return px + group * groupWidth + (groupWidth - slot * names.size()) / 2 + series * slot;
        }

        private void bar(Color color, int x, int y, int width, int height)
        {
            g.setColor(color);
            g.fillRect(x, y, width, height);
            g.setColor(color.darker());
            g.drawRect(x, y, width, height);
        }

        private void hline(double y)
        {
            int row = (int) Math.round(y);
            g.drawLine(px, row, px + pw, row);
        }

        private void targetLine(int from, int to, int y)
        {
            Stroke saved = g.getStroke();
            g.setColor(TARGET);
            g.setStroke(new BasicStroke(2, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10, new float[] {7, 4}, 0));
            g.drawLine(from, y, to, y);
            g.setStroke(saved);
        }

        /**
         * Greedy word wrap; lines may also break after ",", "/", "=" or a hyphen in a word (and inside camelCase),
         * as labels such as "shutdownIdleTimeout=-1" have no spaces. A piece wider than the line: null, or broken
         * anywhere if hard.
         */
        private static List<String> wrap(String s, FontMetrics fm, int width, boolean camel, boolean hard)
        {
            List<String> lines = new ArrayList<>();
            String line = "";
            for (String piece : s.split("(?<=[ ,/=])|(?<=\\w-)" + (camel ? "|(?<=[a-z])(?=[A-Z])" : "")))
            {
                if (fm.stringWidth((line + piece).strip()) <= width)
                {
                    line += piece;
                    continue;
                }
                if (!line.isBlank())
                    lines.add(line.strip());
                line = piece;
                while (fm.stringWidth(line.strip()) > width)
                {
                    if (!hard)
                        return null;
                    int cut = 1;
                    while (cut < line.length() - 1 && fm.stringWidth(line.substring(0, cut + 1)) <= width)
                        cut++;
                    lines.add(line.substring(0, cut));
                    line = line.substring(cut);
                }
            }
            if (!line.isBlank() || lines.isEmpty())
                lines.add(line.strip());
            return lines;
        }
    }
}
