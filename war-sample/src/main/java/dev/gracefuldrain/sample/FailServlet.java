package dev.gracefuldrain.sample;

import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/** GET /fail?ms=N: sleeps N ms, then throws: the container answers 500. */
public class FailServlet extends HttpServlet
{
    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws ServletException
    {
        long ms = Params.get(request, "ms", 0, 120_000);
        Counters.sleepInFlight(ms);
        throw new ServletException("failing on purpose after " + ms + " ms");
    }
}
