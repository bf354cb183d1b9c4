package dev.gracefuldrain.bench;

import java.util.ArrayList;
import java.util.List;

import dev.gracefuldrain.testsupport.Jetty;

/**
 * What is compared: stock Jetty with its {@code graceful} module (its defaults, or its shutdown
 * idle-timeout shrink off), stock Jetty with neither, or {@code graceful-drain}; each in a fresh base.
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

    /** A fresh base for this variant, its sample webapp deployed; started, and answering. */
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
        Jetty.Base base = Jetty.base(name().toLowerCase(), Jetty.Enable.START_D, modules.toArray(String[]::new));
        List<String> all = new ArrayList<>(this.properties);
        all.addAll(List.of(properties));
        return base.start(jvmOptions, Jetty.freePort(), all.toArray(String[]::new));
    }
}
