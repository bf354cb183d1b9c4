package dev.gracefuldrain;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.spi.ToolProvider;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The jar's shape: data flows one way (listener, tracked connection, drain), so no dependency cycle
 * spans more than two classes (jdeps, nested classes counted with their outer class), and no class
 * grows past what one reader takes in.
 */
class StructureTest
{
    private static final Path CLASSES = Path.of("target/classes");
    private static final Path SOURCES = Path.of("src/main/java/dev/gracefuldrain");

    @Test
    void noDependencyCycleOfMoreThanTwoClasses()
    {
        List<Set<String>> cycles = cycles(dependencies());
        cycles.removeIf(cycle -> cycle.size() <= 2);
        assertEquals(List.of(), cycles, "dependency cycles of more than 2 classes");
    }

    @Test
    void theCycleCheckSeesACycle()
    {
        Map<String, Set<String>> graph = Map.of("A", Set.of("B"), "B", Set.of("C"), "C", Set.of("A"), "D", Set.of("A"));
        assertEquals(List.of(Set.of("A", "B", "C")), cycles(graph));
    }

    @Test
    void classesStayReadable() throws Exception
    {
        try (Stream<Path> files = Files.walk(SOURCES))
        {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList())
            {
                long lines = Files.readAllLines(file).size();
                long max = 300;
                assertTrue(lines <= max, file + " has " + lines + " lines (at most " + max + ")");
            }
        }
    }

    private static Map<String, Set<String>> dependencies()
    {
        ToolProvider jdeps = ToolProvider.findFirst("jdeps").orElseThrow();
        StringWriter out = new StringWriter();
        int exit = jdeps.run(new PrintWriter(out), new PrintWriter(new StringWriter()), "-verbose:class", "-filter:none", CLASSES.toString());
        assertEquals(0, exit, "jdeps failed");
        Pattern edge = Pattern.compile("^\\s+(dev\\.gracefuldrain\\.\\S+)\\s+->\\s+(dev\\.gracefuldrain\\.\\S+)", Pattern.MULTILINE);
        Map<String, Set<String>> graph = new HashMap<>();
        Matcher m = edge.matcher(out.toString());
        while (m.find())
        {
            String from = m.group(1).split("\\$")[0];
            String to = m.group(2).split("\\$")[0];
            if (!from.equals(to))
                graph.computeIfAbsent(from, k -> new HashSet<>()).add(to);
        }
        assertTrue(graph.size() > 10, "jdeps saw the classes: " + graph.keySet());
        return graph;
    }

    /** Strongly connected components of more than one node (Tarjan). */
    private static List<Set<String>> cycles(Map<String, Set<String>> graph)
    {
        Map<String, Integer> index = new HashMap<>();
        Map<String, Integer> low = new HashMap<>();
        Deque<String> stack = new ArrayDeque<>();
        Set<String> onStack = new HashSet<>();
        List<Set<String>> found = new ArrayList<>();
        for (String node : new TreeSet<>(graph.keySet()))
        {
            if (!index.containsKey(node))
                visit(node, graph, index, low, stack, onStack, found);
        }
        return found;
    }

    private static void visit(String v, Map<String, Set<String>> graph, Map<String, Integer> index, Map<String, Integer> low,
                              Deque<String> stack, Set<String> onStack, List<Set<String>> found)
    {
        index.put(v, index.size());
        low.put(v, index.get(v));
        stack.push(v);
        onStack.add(v);
        for (String w : graph.getOrDefault(v, Set.of()))
        {
            if (!index.containsKey(w))
            {
                visit(w, graph, index, low, stack, onStack, found);
                low.put(v, Math.min(low.get(v), low.get(w)));
            }
            else if (onStack.contains(w))
            {
                low.put(v, Math.min(low.get(v), index.get(w)));
            }
        }
        if (low.get(v).equals(index.get(v)))
        {
            Set<String> component = new TreeSet<>();
            String w;
            do
            {
                w = stack.pop();
                onStack.remove(w);
                component.add(w);
            }
            while (!w.equals(v));
            if (component.size() > 1)
                found.add(component);
        }
    }
}
