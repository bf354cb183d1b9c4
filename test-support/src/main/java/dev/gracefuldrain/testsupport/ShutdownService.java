package dev.gracefuldrain.testsupport;

import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * Jetty's ShutdownService protocol as {@code start.jar --stop} speaks it: one line with the key,
 * one with the command, then the answer ("Stopped") until the service closes the connection. A
 * wrong key is answered with nothing.
 */
public final class ShutdownService
{
    /** A command sent: when it left, and the connection its answer comes on. */
    public record Exchange(Socket socket, long sentNanos)
    {
        /** Everything the service answers, up to its close (bounded by {@code timeout}). */
        public String answer(Duration timeout) throws IOException
        {
            try (socket)
            {
                socket.setSoTimeout((int)timeout.toMillis());
                return new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            }
        }

        /** Reads the answer in the background: after a stop the JVM exits right after answering. */
        public long answerInBackground()
        {
            CompletableFuture.runAsync(() ->
            {
                try
                {
                    answer(Duration.ofSeconds(60));
                }
                catch (IOException ignored)
                {
                    // the connection ends with the process
                }
            });
            return sentNanos;
        }
    }

    private ShutdownService()
    {
    }

    public static Exchange send(int port, String key, String command) throws IOException
    {
        Socket socket = new Socket(Jetty.HOST, port);
        try
        {
            socket.setTcpNoDelay(true);
            long sent = System.nanoTime();
            socket.getOutputStream().write((key + "\r\n" + command + "\r\n").getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            return new Exchange(socket, sent);
        }
        catch (IOException x)
        {
            socket.close();
            throw x;
        }
    }

    /** The stop command; returns when it was sent, and reads the answer in the background. */
    public static long stop(int port, String key) throws IOException
    {
        return send(port, key, "stop").answerInBackground();
    }
}
