package dev.gracefuldrain.sample;

import java.io.IOException;
import java.io.OutputStream;
import java.util.Arrays;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/** GET /large?kb=N: a fixed-length body of N KiB (at most 1 GiB), for clients that read slowly or never. */
public class LargeServlet extends HttpServlet
{
    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException
    {
        long kb = Params.get(request, "kb", 1024, 1024 * 1024);
        Counters.begin();
        try
        {
            byte[] block = new byte[1024];
            Arrays.fill(block, (byte)'x');
            response.setContentType("application/octet-stream");
            response.setContentLengthLong(kb * 1024);
            OutputStream out = response.getOutputStream();
            for (long i = 0; i < kb; i++)
                out.write(block);
        }
        finally
        {
            Counters.end();
        }
    }
}
