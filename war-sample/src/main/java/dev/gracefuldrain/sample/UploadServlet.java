package dev.gracefuldrain.sample;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * POST /upload: reads the whole body, however slowly it arrives, and answers with its length.
 * A request that carries an {@code X-Request-Id} header is recorded, one id a line, in
 * {@code handled-posts.log} in the Jetty base, so a test can tell that each POST was handled once.
 */
public class UploadServlet extends HttpServlet
{
    private Path handledLog;

    @Override
    public void init()
    {
        String base = System.getProperty("jetty.base");
        handledLog = base == null ? null : Path.of(base, "handled-posts.log");
    }

    @Override
    protected void doPost(HttpServletRequest request, HttpServletResponse response) throws IOException
    {
        Counters.begin();
        try
        {
            long total = 0;
            byte[] buffer = new byte[8192];
            try (InputStream in = request.getInputStream())
            {
                for (int n = in.read(buffer); n >= 0; n = in.read(buffer))
                    total += n;
            }
            String id = request.getHeader("X-Request-Id");
            if (id != null && handledLog != null)
                record(id);
            response.setContentType("text/plain");
            response.getWriter().print("received " + total + " bytes\n");
        }
        finally
        {
            Counters.end();
        }
    }

    private synchronized void record(String id) throws IOException
    {
        Files.writeString(handledLog, id.replaceAll("[\\r\\n]", "") + "\n", StandardCharsets.US_ASCII,
            StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }
}
