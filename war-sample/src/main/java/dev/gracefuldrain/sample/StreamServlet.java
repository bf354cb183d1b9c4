package dev.gracefuldrain.sample;

import java.io.IOException;
import java.io.OutputStream;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * GET /stream?chunks=N&amp;gap=ms: commits at once, then writes N chunks with a gap between them
 * (chunked transfer encoding, flushed each time).
 */
public class StreamServlet extends HttpServlet
{
    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException
    {
        long chunks = Params.get(request, "chunks", 5, 1000);
        long gap = Params.get(request, "gap", 500, 60_000);
        Counters.begin();
        try
        {
            response.setContentType("text/plain");
            OutputStream out = response.getOutputStream();
            response.flushBuffer();
            for (int i = 0; i < chunks; i++)
            {
                if (i > 0)
                    Thread.sleep(gap);
                out.write(("chunk " + i + "\n").getBytes());
                out.flush();
            }
        }
        catch (InterruptedException x)
        {
            Thread.currentThread().interrupt();
            throw new IOException(x);
        }
        finally
        {
            Counters.end();
        }
    }
}
