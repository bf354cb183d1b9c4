package dev.gracefuldrain.sample;

import java.io.IOException;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/** GET /counters: "started=N inflight=M", for tests that must know a request is being handled. */
public class CountersServlet extends HttpServlet
{
    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException
    {
        response.setContentType("text/plain");
        response.getWriter().print("started=" + Counters.STARTED.get() + " inflight=" + Counters.IN_FLIGHT.get() + "\n");
    }
}
