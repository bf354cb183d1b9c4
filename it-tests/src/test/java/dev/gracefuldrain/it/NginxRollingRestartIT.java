package dev.gracefuldrain.it;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Zero-downtime rolling restart behind nginx (open source, no active checks), with docs/load-balancers/nginx.conf: see {@link RollingRestart}.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class NginxRollingRestartIT
{
    @Test
    void rollingRestartBehindNginx() throws Exception
    {
        Assumptions.assumeTrue(Files.isExecutable(Path.of(Nginx.BINARY)), "nginx is installed by .ci/run (apt-get install nginx)");
        RollingRestart.compare("nginx", "graceful-drain-nginx.ini", Nginx::new);
    }
}
