package dev.gracefuldrain.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import dev.gracefuldrain.testsupport.Jetty;

/**
 * Caddy with docs/load-balancers/Caddyfile, imported after a global options block of the test's own
 * (no admin endpoint, loopback only), its data and config in the test's directory.
 */
final class Caddy extends Balancer
{
    static final String BINARY = "/usr/bin/caddy";

    Caddy(Path dir, Map<String, Integer> servers, String checkPath) throws Exception
    {
        super(dir);
        Path documented = dir.resolve("site.Caddyfile");
        Files.writeString(documented, documented("Caddyfile", servers, checkPath));
        Path main = dir.resolve("Caddyfile");
        Files.writeString(main, "{\n\tadmin off\n\tdefault_bind " + Jetty.HOST + "\n}\nimport " + documented + "\n");
        start(List.of(BINARY, "run", "--adapter", "caddyfile", "--config", main.toString()),
            Map.of("HOME", dir.toString(), "XDG_DATA_HOME", dir.resolve("data").toString(), "XDG_CONFIG_HOME", dir.resolve("config").toString()));
    }

    @Override
    String logSummary() throws IOException
    {
        // Every request Caddy failed is logged by http.log.error; the two 2.6 bugs by these messages.
        return logCounts("\"logger\":\"http.log.error\"", "no upstreams available", "invalid Read on closed Body");
    }
}
