package dev.gracefuldrain.it;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Zero-downtime rolling restart behind HAProxy (active health check on the readiness endpoint),
 * with docs/load-balancers/haproxy.cfg: see {@link RollingRestart}.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class RollingRestartIT
{
    @Test
    void rollingRestartBehindHAProxy() throws Exception
    {
        Assumptions.assumeTrue(Files.isExecutable(Path.of(HAProxy.BINARY)), "HAProxy is installed by .ci/run (apt-get install haproxy)");
        RollingRestart.compare("HAProxy", "graceful-drain.ini", HAProxy::new);
    }
}
