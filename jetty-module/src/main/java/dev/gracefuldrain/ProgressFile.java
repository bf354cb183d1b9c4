package dev.gracefuldrain;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The drain's progress, one line in a file under the Jetty base, for {@link StopCommand}: a channel
 * that needs no port and no credentials beyond read access to the base. Replaced atomically.
 */
final class ProgressFile
{
    private static final Logger LOG = LoggerFactory.getLogger(ProgressFile.class);

    private final Path file;
    private boolean failed;

    private ProgressFile(Path file)
    {
        this.file = file;
    }

    /** In the Jetty base ({@code jetty.base}), or nowhere when there is none (embedded use). */
    static ProgressFile inJettyBase()
    {
        String base = System.getProperty("jetty.base");
        return new ProgressFile(base == null ? null : Path.of(base, StopCommand.PROGRESS_FILE));
    }

    synchronized void write(String line)
    {
        if (file == null || failed)
            return;
        try
        {
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            Files.writeString(tmp, line + "\n", StandardCharsets.UTF_8);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        }
        catch (IOException x)
        {
            failed = true;
            LOG.info("graceful-drain: cannot write {} ({}): the stop command will show no progress", file, x.toString());
        }
    }
}
