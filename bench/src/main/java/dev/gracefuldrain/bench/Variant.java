package dev.gracefuldrain.bench;

import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import dev.gracefuldrain.testsupport.Jetty;

/**
 * What is compared: stock Jetty with its {@code graceful} module (its defaults, or its shutdown
 * idle-timeout shrink off), stock Jetty with neither, or {@code graceful-drain}; each a fresh process.
 */
enum Variant
{
    /** Stock Jetty 12.1 with its graceful module, defaults (1 s shutdown idle-timeout shrink). */
    STOCK("stock graceful", "graceful"),
    /** Stock graceful with the shrink off: idle connections are held until the stop timeout. */
    STOCK_NO_SHRINK("stock graceful, shutdownIdleTimeout=-1", "graceful", "jetty.graceful.shutdownIdleTimeout=-1"),
    /** Stock Jetty without the graceful module: what serving costs with nothing added. */
    PLAIN("stock, no graceful module"),
    /** This module. */
    MODULE("graceful-drain", "graceful-drain");

    final String label;
    final String module;
    final List<String> properties;

    Variant(String label, String... moduleAndProperties)
    {
        this.label = label;
        this.module = moduleAndProperties.length == 0 ? null : moduleAndProperties[0];
        this.properties = moduleAndProperties.length < 2 ? List.of() : List.of(moduleAndProperties).subList(1, moduleAndProperties.length);
    }

    /**
     * The bases made in this run, by variant and modules: making one is a JVM of its own (start.jar
     * --add-modules, seconds on a busy machine), so each is made once per run and every measurement
     * starts a fresh Jetty process in it, its log emptied first.
     */
    private static final Map<String, Jetty.Base> BASES = new HashMap<>();

    private Jetty.Base base(List<String> modules) throws Exception
    {
        String key = name() + modules;
        Jetty.Base base = BASES.get(key);
        if (base == null || !Files.isDirectory(base.dir))
        {
            base = Jetty.base(name().toLowerCase(), Jetty.Enable.START_D, modules.toArray(String[]::new));
            BASES.put(key, base);
        }
        // The launcher appends to the log: empty it, so that what a run reads there (the drain's summary) is its own.
        Files.deleteIfExists(base.dir.resolve("jetty.log"));
        return base;
    }

    /** A fresh Jetty process for this variant, in its base with the sample webapp deployed; started, and answering. */
    Jetty.Server start(List<String> jvmOptions, String... properties) throws Exception
    {
        return start(List.of(), jvmOptions, properties);
    }

    /** As {@link #start(List, String...)}, with more of Jetty's modules enabled (http2c, shutdown). */
    Jetty.Server start(List<String> extraModules, List<String> jvmOptions, String... properties) throws Exception
    {
        List<String> modules = new ArrayList<>(List.of("http"));
        modules.addAll(extraModules);
        modules.add("ee10-deploy");
        if (module != null)
            modules.add(module);
        // e.g. -Dbench.extraModules=shutdown,jmx, to look inside a run
        for (String extra : System.getProperty("bench.extraModules", "").split(","))
        {
            if (!extra.isBlank())
                modules.add(extra.trim());
        }
        Jetty.Base base = base(modules);
        List<String> all = new ArrayList<>(this.properties);
        all.addAll(List.of(properties));
        return base.start(jvmOptions, Jetty.freePort(), all.toArray(String[]::new));
    }
}
