package dev.gracefuldrain.it;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Zero-downtime rolling restart behind Caddy 2.6 (active health check on the readiness endpoint), with docs/load-balancers/Caddyfile: see {@link RollingRestart}.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class CaddyRollingRestartIT
{
    @Test
    void rollingRestartBehindCaddy() throws Exception
    {
        Assumptions.assumeTrue(Files.isExecutable(Path.of(Caddy.BINARY)), "Caddy is installed by .ci/run (apt-get install caddy)");
        RollingRestart.compare("Caddy", "graceful-drain.ini", Caddy::new);
    }
}
