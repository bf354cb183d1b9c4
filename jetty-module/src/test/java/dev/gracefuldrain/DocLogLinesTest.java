package dev.gracefuldrain;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Every sample log line in README.md and docs/*.md (BENCHMARKS.md aside: it is generated) is one the
 * code prints today.
 * <p>
 * The formats are found by scanning every .java file under jetty-module/src/main/java (no class is
 * named, so classes can be split and renamed): the first argument of each logger call
 * ({@code LOG.info(...)}, {@code LOGGER.warn(...)}, ...) and of each {@code print}/{@code println}/{@code printf}
 * call (the stop command prints the summary). String literals in that argument, and {@code static final
 * String} constants, are kept as text; {@code {}}, {@code %s}, {@code %d} and anything else (a variable,
 * a method call) become wildcards; {@code String.format(...)} as the first argument is read through.
 * A call that prints only the prefix and an expression ({@code LOG.info(PREFIX + format, args)} in a
 * logging helper, or the stop command's {@code "graceful-drain: " + summary}) accepts the prefix followed
 * by the start of the first argument of any other call in the sources (the helper's callers, a
 * {@code String.format}).
 * <p>
 * What a wildcard stands for is not checked: a sample's numbers, paths and counts are free, and so is
 * the text a {@code {}} receives from a method (the per-protocol counts, the summary after
 * {@code drained: }). The wording around them is checked.
 * <p>
 * The lines checked: in fenced code blocks, every line whose text starts with {@code graceful-drain: },
 * possibly after a log prefix that names a level ({@code INFO  }, {@code 2026-...:WARN :dg.Drain:main: });
 * in prose, every inline code span that starts with {@code graceful-drain: }.
 */
class DocLogLinesTest
{
    private static final String MARK = "graceful-drain: ";
    private static final Pattern CALL = Pattern.compile(
        "\\b[A-Za-z_]*(?:LOG|Log|log)[A-Za-z_]*\\s*\\.\\s*(?:trace|debug|info|warn|error)\\s*\\("
            + "|\\.\\s*(?:println|print|printf)\\s*\\(");
    private static final Pattern ANY_CALL = Pattern.compile("\\b(?!(?:if|while|for|switch|catch|synchronized|return)\\b)[A-Za-z_][A-Za-z0-9_]*\\s*\\(");
    private static final Pattern CONSTANT = Pattern.compile(
        "\\b(?:static\\s+final|final\\s+static)\\s+String\\s+([A-Za-z_][A-Za-z0-9_]*)\\s*=\\s*\"((?:[^\"\\\\\\n]|\\\\.)*)\"\\s*;");
    private static final Pattern PLACEHOLDER = Pattern.compile("\\{}|%[-#+ 0,(]*\\d*(?:\\.\\d+)?[a-zA-Z%]");
    private static final Pattern LOG_PREFIX = Pattern.compile("\\s*(?:(?:\\S.*)?\\b(?:TRACE|DEBUG|INFO|WARN|WARNING|ERROR)\\b.*?[\\s:])?");
    private static final Pattern INLINE_CODE = Pattern.compile("`(graceful-drain: [^`]*)`");
    private static final String WILDCARD = "\u0000";

    @Test
    void everySampleLogLineIsOneTheCodePrints() throws IOException
    {
        Path root = repositoryRoot();
        List<Pattern> formats = formats(root.resolve("jetty-module/src/main/java"));
        assertTrue(formats.size() >= 10, "found only " + formats.size() + " log formats: is the scan of jetty-module/src/main/java broken?");

        List<String> checked = new ArrayList<>();
        List<String> unknown = new ArrayList<>();
        for (Path doc : docs(root))
        {
            List<String> lines = Files.readAllLines(doc);
            for (SampleLine sample : sampleLines(lines))
            {
                String where = root.relativize(doc) + ":" + sample.lineNumber();
                checked.add(where);
                if (formats.stream().noneMatch(format -> format.matcher(sample.text()).matches()))
                    unknown.add(where + ": " + sample.text());
            }
        }
        assertTrue(checked.size() >= 5, "found only " + checked.size() + " sample log lines in README.md and docs/*.md: is the doc scan broken?");
        if (!unknown.isEmpty())
            fail(unknown.size() + " sample log line(s) in the docs match no log format in jetty-module/src/main/java "
                + "(a stale sample, or text the code no longer prints):\n  " + String.join("\n  ", unknown));
    }

    /** The sample lines' own test: a line the code cannot print is caught, a real one passes. */
    @Test
    void theCheckCanFail() throws IOException
    {
        List<Pattern> formats = formats(repositoryRoot().resolve("jetty-module/src/main/java"));
        List<SampleLine> samples = sampleLines(List.of(
            "```",
            "INFO  graceful-drain: maintenance over: serving",
            "graceful-drain: the drain is a teapot (no such line)",
            "```"));
        assertTrue(samples.size() == 2, "both lines are found: " + samples);
        assertTrue(formats.stream().anyMatch(f -> f.matcher(samples.get(0).text()).matches()), "a real line matches");
        assertTrue(formats.stream().noneMatch(f -> f.matcher(samples.get(1).text()).matches()), "a bogus line matches nothing");
    }

    record SampleLine(int lineNumber, String text)
    {
    }

    /** Walks up from the working directory (the module's, under Maven) to the directory holding README.md and jetty-module/. */
    static Path repositoryRoot()
    {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent())
        {
            if (Files.isRegularFile(dir.resolve("README.md")) && Files.isDirectory(dir.resolve("jetty-module")))
                return dir;
        }
        throw new IllegalStateException("no directory holding README.md and jetty-module/ above " + Path.of("").toAbsolutePath());
    }

    private static List<Path> docs(Path root) throws IOException
    {
        List<Path> docs = new ArrayList<>();
        docs.add(root.resolve("README.md"));
        Path dir = root.resolve("docs");
        if (Files.isDirectory(dir))
        {
            try (Stream<Path> files = Files.list(dir))
            {
                files.filter(p -> p.getFileName().toString().endsWith(".md"))
                    .filter(p -> !p.getFileName().toString().equals("BENCHMARKS.md"))
                    .sorted()
                    .forEach(docs::add);
            }
        }
        return docs;
    }

    static List<SampleLine> sampleLines(List<String> lines)
    {
        List<SampleLine> samples = new ArrayList<>();
        boolean inCode = false;
        for (int i = 0; i < lines.size(); i++)
        {
            String line = lines.get(i);
            if (line.trim().startsWith("```"))
            {
                inCode = !inCode;
                continue;
            }
            if (inCode)
            {
                int at = line.indexOf(MARK);
                if (at >= 0 && LOG_PREFIX.matcher(line.substring(0, at)).matches())
                    samples.add(new SampleLine(i + 1, line.substring(at).strip()));
            }
            else
            {
                Matcher inline = INLINE_CODE.matcher(line);
                while (inline.find())
                    samples.add(new SampleLine(i + 1, inline.group(1).strip()));
            }
        }
        return samples;
    }

    /**
     * One regex per logger or print call in the sources whose first argument holds words of its own.
     * A call that prints only the prefix and an expression ({@code "graceful-drain: " + summary}) gets a
     * regex that wants, after the prefix, the start of one of the sources' {@code String.format} formats
     * (those that begin with words): the text it prints is built by one of them.
     */
    static List<Pattern> formats(Path sources) throws IOException
    {
        List<String> codes = new ArrayList<>();
        try (Stream<Path> files = Files.walk(sources))
        {
            for (Path file : files.filter(p -> p.toString().endsWith(".java")).sorted().toList())
                codes.add(withoutComments(Files.readString(file)));
        }
        // String constants (static final String PREFIX = "graceful-drain: ";) are read as their text.
        Map<String, String> constants = new HashMap<>();
        for (String code : codes)
        {
            Matcher constant = CONSTANT.matcher(code);
            while (constant.find())
                constants.put(constant.group(1), unescape(constant.group(2)));
        }
        List<String> calls = new ArrayList<>();
        List<String> fragments = new ArrayList<>();
        for (String code : codes)
        {
            Matcher call = CALL.matcher(code);
            while (call.find())
            {
                String format = firstArgument(code, call.end(), constants);
                if (format != null)
                    calls.add(format);
            }
            // The first argument of every other call (String.format, a logging helper of ours, ...) that begins with words.
            Matcher anyCall = ANY_CALL.matcher(code);
            while (anyCall.find())
            {
                String format = firstArgument(code, anyCall.end(), constants);
                if (format != null && !format.isEmpty() && Character.isLetter(format.charAt(0)))
                    fragments.add(toRegex(format).pattern());
            }
        }
        List<Pattern> formats = new ArrayList<>();
        for (String format : calls)
        {
            String words = PLACEHOLDER.matcher(format.replace(WILDCARD, "")).replaceAll("").replace(MARK.strip(), "");
            if (words.chars().anyMatch(Character::isLetter))
                formats.add(toRegex(format));
            else if (format.equals(MARK + WILDCARD) && !fragments.isEmpty())
                formats.add(Pattern.compile("\\s*" + Pattern.quote(MARK) + "(?:" + String.join("|", fragments) + ").*", Pattern.DOTALL));
            // Otherwise ("{}", a bare variable) it would match any line: not a format.
        }
        return formats;
    }

    /**
     * The first argument of the call whose '(' ends just before start, as text with {@link #WILDCARD} for
     * every part that is not a string literal; null if it holds no literal.
     */
    static String firstArgument(String code, int start, Map<String, String> constants)
    {
        StringBuilder format = new StringBuilder();
        boolean literal = false;
        boolean pendingWildcard = false;
        int i = start;
        while (i < code.length())
        {
            char c = code.charAt(i);
            if (c == '"')
            {
                int end = endOfString(code, i);
                if (pendingWildcard)
                    format.append(WILDCARD);
                pendingWildcard = false;
                format.append(unescape(code.substring(i + 1, end - 1)));
                literal = true;
                i = end;
            }
            else if (c == '\'')
            {
                i = endOfChar(code, i);
                pendingWildcard = true;
            }
            else if (c == ',' || c == ')')
            {
                break;
            }
            else if (c == '(')
            {
                String before = code.substring(start, i).replaceAll("\\s", "");
                int close = matchingParen(code, i);
                if (before.endsWith("String.format") && !literal)
                {
                    // LOG.info(String.format("...", ...)): the format is the first argument of String.format.
                    return firstArgument(code, i + 1, constants);
                }
                pendingWildcard = true;
                i = close + 1;
            }
            else if (Character.isJavaIdentifierStart(c))
            {
                int end = i;
                while (end < code.length() && (Character.isJavaIdentifierPart(code.charAt(end)) || code.charAt(end) == '.'))
                    end++;
                String name = code.substring(i, end);
                String last = name.substring(name.lastIndexOf('.') + 1);
                String rest = code.substring(end).stripLeading();
                if (constants.containsKey(last) && !rest.startsWith("("))
                {
                    if (pendingWildcard)
                        format.append(WILDCARD);
                    pendingWildcard = false;
                    format.append(constants.get(last));
                    literal = true;
                }
                else
                {
                    pendingWildcard = true;
                }
                i = end;
            }
            else
            {
                if (!Character.isWhitespace(c) && c != '+')
                    pendingWildcard = true;
                i++;
            }
        }
        if (!literal)
            return null;
        if (pendingWildcard)
            format.append(WILDCARD);
        return format.toString();
    }

    static Pattern toRegex(String format)
    {
        StringBuilder regex = new StringBuilder();
        for (String part : format.split(WILDCARD, -1))
        {
            if (regex.length() > 0)
                regex.append(".*");
            Matcher placeholder = PLACEHOLDER.matcher(part);
            int last = 0;
            while (placeholder.find())
            {
                regex.append(Pattern.quote(part.substring(last, placeholder.start())));
                String p = placeholder.group();
                char conversion = p.charAt(p.length() - 1);
                if (p.equals("{}") || conversion == 's' || conversion == 'S')
                    regex.append(".*");
                else if (conversion == 'd')
                    regex.append("-?[0-9,]+");
                else if (conversion == 'f')
                    regex.append("-?[0-9,]+(?:\\.[0-9]+)?");
                else if (conversion == 'x' || conversion == 'X')
                    regex.append("[0-9a-fA-F]+");
                else if (conversion == '%')
                    regex.append("%");
                else if (conversion == 'n')
                    regex.append("\\n");
                else
                    regex.append(".*");
                last = placeholder.end();
            }
            regex.append(Pattern.quote(part.substring(last)));
        }
        // Leading and trailing blanks of a literal are not seen in a doc line, which is stripped.
        return Pattern.compile("\\s*" + regex + "\\s*", Pattern.DOTALL);
    }

    /** The source with its comments blanked, string and char literals kept. */
    static String withoutComments(String code)
    {
        StringBuilder out = new StringBuilder(code.length());
        int i = 0;
        while (i < code.length())
        {
            char c = code.charAt(i);
            if (c == '"')
            {
                int end = endOfString(code, i);
                out.append(code, i, end);
                i = end;
            }
            else if (c == '\'')
            {
                int end = endOfChar(code, i);
                out.append(code, i, end);
                i = end;
            }
            else if (code.startsWith("//", i))
            {
                int end = code.indexOf('\n', i);
                i = end < 0 ? code.length() : end;
            }
            else if (code.startsWith("/*", i))
            {
                int end = code.indexOf("*/", i + 2);
                i = end < 0 ? code.length() : end + 2;
                out.append(' ');
            }
            else
            {
                out.append(c);
                i++;
            }
        }
        return out.toString();
    }

    /** Index just after the string literal (or text block) that starts at start. */
    private static int endOfString(String code, int start)
    {
        if (code.startsWith("\"\"\"", start))
        {
            int end = code.indexOf("\"\"\"", start + 3);
            return end < 0 ? code.length() : end + 3;
        }
        int i = start + 1;
        while (i < code.length() && code.charAt(i) != '"' && code.charAt(i) != '\n')
            i += code.charAt(i) == '\\' ? 2 : 1;
        return Math.min(i + 1, code.length());
    }

    private static int endOfChar(String code, int start)
    {
        int i = start + 1;
        while (i < code.length() && code.charAt(i) != '\'' && code.charAt(i) != '\n')
            i += code.charAt(i) == '\\' ? 2 : 1;
        return Math.min(i + 1, code.length());
    }

    private static int matchingParen(String code, int open)
    {
        int depth = 0;
        int i = open;
        while (i < code.length())
        {
            char c = code.charAt(i);
            if (c == '"')
            {
                i = endOfString(code, i);
                continue;
            }
            if (c == '\'')
            {
                i = endOfChar(code, i);
                continue;
            }
            if (c == '(')
                depth++;
            else if (c == ')' && --depth == 0)
                return i;
            i++;
        }
        return code.length() - 1;
    }

    private static String unescape(String literal)
    {
        if (literal.startsWith("\"\""))
            return literal; // a text block: rare in log calls, kept as it is
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < literal.length(); i++)
        {
            char c = literal.charAt(i);
            if (c != '\\' || i + 1 == literal.length())
            {
                text.append(c);
                continue;
            }
            char next = literal.charAt(++i);
            switch (next)
            {
                case 'n' -> text.append('\n');
                case 't' -> text.append('\t');
                case 'r' -> text.append('\r');
                default -> text.append(next);
            }
        }
        return text.toString();
    }
}
