package dev.gracefuldrain.sample;

import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;

import jakarta.servlet.http.HttpServlet;

/**
 * What the long responses (server-sent events, long polls) share: no thread waits for them, one timer
 * per servlet writes or answers, and one {@link DrainListener} per servlet hears the drain notice.
 */
abstract class LongResponseServlet extends HttpServlet
{
    protected ScheduledExecutorService timer;
    protected DrainListener drain;

    @Override
    public void init()
    {
        String name = "sample-" + getServletName() + "-timer";
        timer = Executors.newSingleThreadScheduledExecutor(r ->
        {
            Thread thread = new Thread(r, name);
            thread.setDaemon(true);
            return thread;
        });
        drain = new DrainListener(getServletContext());
    }

    @Override
    public void destroy()
    {
        timer.shutdownNow();
    }

    /**
     * Runs a task on the timer thread: never on the thread that delivers the drain notice (it has every
     * other listener to tell), and never beside a write of the same response (all of them happen there).
     */
    protected void onTimer(Runnable task)
    {
        try
        {
            timer.execute(task);
        }
        catch (RejectedExecutionException x)
        {
            // The servlet is being destroyed: the container ends the response itself.
        }
    }
}
