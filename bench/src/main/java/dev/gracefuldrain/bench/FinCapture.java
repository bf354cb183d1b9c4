package dev.gracefuldrain.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * When the server's FINs went out on the wire, from tcpdump on the loopback interface: the kernel's
 * timestamps, independent of how quickly a client on the same two cores gets to read its sockets.
 * Optional: without tcpdump (or root), {@link #start} returns null and the client-side figures stand alone.
 */
final class FinCapture implements AutoCloseable
{
    private final Process process;
    private final List<Double> epochSeconds = new ArrayList<>();
    private final Thread reader;

    private FinCapture(Process process)
    {
        this.process = process;
        this.reader = new Thread(this::read, "fin-capture");
        reader.setDaemon(true);
        reader.start();
    }

    static FinCapture start(int serverPort) throws Exception
    {
        Path tcpdump = Path.of("/usr/bin/tcpdump");
        if (!Files.isExecutable(tcpdump))
            tcpdump = Path.of("/usr/sbin/tcpdump");
        if (!Files.isExecutable(tcpdump) || !"root".equals(System.getProperty("user.name")))
            return null;
        // FINs from the server's port only; -tt: epoch timestamps; -l: line buffered; -n: no name lookups.
        Process process = new ProcessBuilder(tcpdump.toString(), "-i", "lo", "-n", "-tt", "-l", "-B", "16384",
            "src port " + serverPort + " and tcp[tcpflags] & tcp-fin != 0").redirectErrorStream(true).start();
        FinCapture capture = new FinCapture(process);
        capture.awaitListening();
        return capture;
    }

    private final CountDownLatch listening = new CountDownLatch(1);

    private void awaitListening() throws InterruptedException
    {
        // tcpdump says "listening on lo" once the capture runs.
        listening.await(10, TimeUnit.SECONDS);
    }

    private void read()
    {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.US_ASCII)))
        {
            for (String line = in.readLine(); line != null; line = in.readLine())
            {
                if (line.startsWith("listening on"))
                    listening.countDown();
                int space = line.indexOf(' ');
                if (space > 0 && Character.isDigit(line.charAt(0)))
                {
                    synchronized (epochSeconds)
                    {
                        epochSeconds.add(Double.parseDouble(line.substring(0, space)));
                    }
                }
            }
        }
        catch (IOException | NumberFormatException x)
        {
            // capture ended
        }
    }

    /** Stops the capture and returns each FIN's time in ms after {@code fromEpochMicros}, in order. */
    double[] finsAfter(long fromEpochMicros) throws Exception
    {
        // Let tcpdump print what it has, then stop it.
        Thread.sleep(300);
        process.destroy();
        process.waitFor(5, TimeUnit.SECONDS);
        reader.join(5000);
        synchronized (epochSeconds)
        {
            return epochSeconds.stream().mapToDouble(s -> (s * 1e6 - fromEpochMicros) / 1000.0).filter(ms -> ms >= 0).sorted().toArray();
        }
    }

    static long nowEpochMicros()
    {
        java.time.Instant now = java.time.Instant.now();
        return now.getEpochSecond() * 1_000_000 + now.getNano() / 1000;
    }

    @Override
    public void close()
    {
        process.destroyForcibly();
    }
}
