package dev.gracefuldrain.sample;

import java.io.IOException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/** GET /async?ms=N: starts async, and a timer completes the response N ms later; no thread waits. */
public class AsyncServlet extends HttpServlet
{
    private ScheduledExecutorService timer;

    @Override
    public void init()
    {
        timer = Executors.newSingleThreadScheduledExecutor(r ->
        {
            Thread thread = new Thread(r, "sample-async-timer");
            thread.setDaemon(true);
            return thread;
        });
    }

    @Override
    public void destroy()
    {
        timer.shutdownNow();
    }

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response)
    {
        long ms = Params.get(request, "ms", 1000, 120_000);
        Counters.begin();
        AsyncContext async = request.startAsync();
        async.setTimeout(0);
        timer.schedule(() ->
        {
            try
            {
                byte[] body = ("async after " + ms + " ms\n").getBytes();
                HttpServletResponse asyncResponse = (HttpServletResponse)async.getResponse();
                asyncResponse.setContentType("text/plain");
                asyncResponse.setContentLength(body.length);
                asyncResponse.getOutputStream().write(body);
            }
            catch (IOException x)
            {
                log("async write failed", x);
            }
            finally
            {
                Counters.end();
                async.complete();
            }
        }, ms, TimeUnit.MILLISECONDS);
    }
}
