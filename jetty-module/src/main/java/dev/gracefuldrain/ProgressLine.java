package dev.gracefuldrain;

import java.util.HashMap;
import java.util.Map;

/**
 * The drain's progress as one line, formatted by the server and parsed by {@link StopCommand}:
 * {@code phase=DRAINING elapsedMs=12 timeoutMs=30000 left=5 finished=0 aborted=0}, and at the end
 * {@code ... summary=<the drain summary>}. Plain Java: the stop command runs with this jar alone.
 */
final class ProgressLine
{
    static final String FILE = "graceful-drain.progress";

    private ProgressLine()
    {
    }

    static String format(String phase, long elapsedMs, long timeoutMs, int left, int finished, int aborted)
    {
        return "phase=" + phase + " elapsedMs=" + elapsedMs + " timeoutMs=" + timeoutMs + " left=" + left
            + " finished=" + finished + " aborted=" + aborted;
    }

    static String withSummary(String line, String summary)
    {
        return line + " summary=" + summary;
    }

    /** Parses {@code key=value key=value ... summary=free text}. */
    static Map<String, String> parse(String line)
    {
        Map<String, String> fields = new HashMap<>();
        int summary = line.indexOf(" summary=");
        String head = summary < 0 ? line : line.substring(0, summary);
        if (summary >= 0)
            fields.put("summary", line.substring(summary + " summary=".length()));
        for (String part : head.trim().split(" "))
        {
            int eq = part.indexOf('=');
            if (eq > 0)
                fields.put(part.substring(0, eq), part.substring(eq + 1));
        }
        return fields;
    }
}
