package dev.gracefuldrain.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Open-source nginx with docs/load-balancers/nginx.conf inside an {@code http} block of the test's
 * own (one worker, its files in the test's directory, errors to the log). nginx has no active
 * checks: {@code checkPath} is not used.
 */
final class Nginx extends Balancer
{
    static final String BINARY = "/usr/sbin/nginx";

    Nginx(Path dir, Map<String, Integer> servers, String checkPath) throws Exception
    {
        super(dir);
        Path documented = dir.resolve("nginx.conf");
        Files.writeString(documented, documented("nginx.conf", servers, null));
        Path main = dir.resolve("main.conf");
        StringBuilder temp = new StringBuilder();
        for (String kind : List.of("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
            temp.append("  ").append(kind).append("_temp_path ").append(dir.resolve(kind)).append(";\n");
        Files.writeString(main, "daemon off;\nworker_processes 1;\npid " + dir.resolve("nginx.pid") + ";\nerror_log stderr warn;\n"
            + "events { worker_connections 4096; }\n"
            + "http {\n  access_log off;\n" + temp + "  include " + documented + ";\n}\n");
        start(List.of(BINARY, "-e", "stderr", "-p", dir.toString(), "-c", main.toString()), Map.of());
    }

    @Override
    String logSummary() throws IOException
    {
        return logCounts("(104: Connection reset by peer)", "upstream prematurely closed", "(111: Connection refused)", "no live upstreams");
    }
}
