package dev.gracefuldrain.sample;

import java.io.IOException;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/** GET /fast: a small response at once. */
public class FastServlet extends HttpServlet
{
    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException
    {
        Counters.STARTED.incrementAndGet();
        response.setContentType("text/plain");
        response.getWriter().print("fast\n");
    }
}
