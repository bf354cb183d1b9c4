package dev.gracefuldrain.sample;

import java.io.IOException;
import java.io.InterruptedIOException;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/** GET /slow?ms=N: sleeps N ms (at most 120 s), then answers with a fixed-length body. */
public class SlowServlet extends HttpServlet
{
    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException
    {
        long ms = Params.get(request, "ms", 1000, 120_000);
        if (!Counters.sleepInFlight(ms))
            throw new InterruptedIOException("interrupted after less than " + ms + " ms");
        byte[] body = ("slept " + ms + " ms\n").getBytes();
        response.setContentType("text/plain");
        response.setContentLength(body.length);
        response.getOutputStream().write(body);
    }
}
