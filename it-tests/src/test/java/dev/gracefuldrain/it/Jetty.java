package dev.gracefuldrain.it;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/**
 * The real jetty-home distribution, used the way an operator uses it: a fresh Jetty base,
 * modules enabled with start.jar, the webapp dropped into webapps/, Jetty run as its own process.
 */
final class Jetty
{
    static final Path HOME = Path.of(required("jetty.home"));
    static final Path MODULE_ZIP = Path.of(required("drain.module.zip"));
    static final Path SAMPLE_WAR = Path.of(required("sample.war"));
    static final Path WORK = Path.of(required("it.work"));
    static final String HOST = "127.0.0.1";

    private static final AtomicInteger BASES = new AtomicInteger();

    /** How the modules are enabled: both ways an operator would. */
    enum Enable
    {
        /** {@code --create-start-ini --add-modules=...}: one start.ini. */
        START_INI,
        /** {@code --add-modules=...}: one ini file per module in start.d/. */
        START_D
    }

    private Jetty()
    {
    }

    private static String required(String property)
    {
        String value = System.getProperty(property);
        if (value == null)
            throw new IllegalStateException("system property " + property + " is not set: run the tests through Maven (mvn verify)");
        return value;
    }

    static int freePort() throws IOException
    {
        try (ServerSocket socket = new ServerSocket())
        {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(HOST, 0));
            return socket.getLocalPort();
        }
    }

    /** A fresh Jetty base with the sample webapp and the given modules. */
    static Base base(String name, Enable enable, String... modules) throws Exception
    {
        Path dir = WORK.resolve(name + "-" + BASES.incrementAndGet());
        deleteRecursively(dir);
        Files.createDirectories(dir);
        if (Arrays.asList(modules).contains("graceful-drain"))
            unzip(MODULE_ZIP, dir);
        List<String> args = new ArrayList<>();
        if (enable == Enable.START_INI)
            args.add("--create-start-ini");
        args.add("--add-modules=" + String.join(",", modules));
        Base base = new Base(dir);
        Result result = base.run(Duration.ofSeconds(60), args.toArray(String[]::new));
        if (result.exitCode() != 0)
            throw new IllegalStateException("start.jar " + args + " failed (" + result.exitCode() + "):\n" + result.output());
        Path webapps = Files.createDirectories(dir.resolve("webapps"));
        Files.copy(SAMPLE_WAR, webapps.resolve("sample.war"), StandardCopyOption.REPLACE_EXISTING);
        return base;
    }

    private static void unzip(Path zip, Path into) throws IOException
    {
        try (ZipInputStream in = new ZipInputStream(Files.newInputStream(zip)))
        {
            for (ZipEntry entry = in.getNextEntry(); entry != null; entry = in.getNextEntry())
            {
                Path target = into.resolve(entry.getName()).normalize();
                if (!target.startsWith(into))
                    throw new IOException("bad zip entry " + entry.getName());
                if (entry.isDirectory())
                    Files.createDirectories(target);
                else
                {
                    Files.createDirectories(target.getParent());
                    Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    private static void deleteRecursively(Path dir) throws IOException
    {
        if (!Files.exists(dir))
            return;
        try (Stream<Path> paths = Files.walk(dir))
        {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList())
                Files.delete(path);
        }
    }

    static String javaBin()
    {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    record Result(int exitCode, String output)
    {
    }

    static final class Base
    {
        final Path dir;

        private Base(Path dir)
        {
            this.dir = dir;
        }

        Path startIni()
        {
            return dir.resolve("start.ini");
        }

        /**
         * A self-signed certificate for 127.0.0.1, made with keytool as an operator would, in etc/;
         * @return the start properties that serve HTTPS with it on {@code tlsPort}
         */
        List<String> tls(int tlsPort) throws Exception
        {
            Path keystore = dir.resolve("etc/test-keystore.p12");
            Files.createDirectories(keystore.getParent());
            Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
            Result made = Jetty.run(List.of(keytool.toString(), "-genkeypair", "-alias", "jetty", "-keyalg", "EC", "-groupname", "secp256r1",
                "-dname", "CN=localhost", "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-validity", "2",
                "-keystore", keystore.toString(), "-storetype", "PKCS12", "-storepass", "drain-it", "-keypass", "drain-it"),
                Map.of(), dir, Duration.ofSeconds(60));
            if (made.exitCode() != 0)
                throw new IllegalStateException("keytool failed:\n" + made.output());
            return List.of("jetty.ssl.host=" + HOST, "jetty.ssl.port=" + tlsPort, "jetty.sslContext.keyStorePath=etc/test-keystore.p12",
                "jetty.sslContext.keyStorePassword=drain-it");
        }

        /** Runs start.jar to completion (module management, --stop, a start that must fail). */
        Result run(Duration timeout, String... args) throws Exception
        {
            List<String> command = new ArrayList<>(List.of(javaBin(), "-jar", HOME.resolve("start.jar").toString()));
            command.addAll(Arrays.asList(args));
            return Jetty.run(command, Map.of(), dir, timeout);
        }

        /** Starts Jetty in this base, listening on loopback, and waits until the sample webapp answers. */
        Server start(String... properties) throws Exception
        {
            return startOn(freePort(), properties);
        }

        /** Starts Jetty on the given port (a restart that clients already know the port of). */
        Server startOn(int port, String... properties) throws Exception
        {
            List<String> command = new ArrayList<>(List.of(javaBin(), "-jar", HOME.resolve("start.jar").toString(),
                "jetty.http.host=" + HOST, "jetty.http.port=" + port));
            command.addAll(Arrays.asList(properties));
            Path log = dir.resolve("jetty.log");
            Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
            Server server = new Server(process, port, log);
            server.awaitReady(Duration.ofSeconds(60));
            return server;
        }
    }

    /** Runs a command to completion, bounded, and returns its exit status and its output (stdout and stderr). */
    static Result run(List<String> command, Map<String, String> environment, Path dir, Duration timeout) throws Exception
    {
        ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true);
        builder.environment().putAll(environment);
        Process process = builder.start();
        CompletableFuture<String> output = CompletableFuture.supplyAsync(() -> readAll(process.getInputStream()));
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS))
        {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            throw new IllegalStateException(command + " did not finish within " + timeout);
        }
        return new Result(process.exitValue(), output.get(10, TimeUnit.SECONDS));
    }

    private static String readAll(InputStream in)
    {
        try (in)
        {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        catch (IOException x)
        {
            return "<unreadable: " + x + ">";
        }
    }

    /** A running Jetty process. */
    static final class Server implements AutoCloseable
    {
        final Process process;
        final int port;
        final Path log;
        private final CompletableFuture<Long> exitNanos;

        private Server(Process process, int port, Path log)
        {
            this.process = process;
            this.port = port;
            this.log = log;
            this.exitNanos = process.onExit().thenApply(p -> System.nanoTime());
        }

        private void awaitReady(Duration timeout) throws Exception
        {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (System.nanoTime() < deadline)
            {
                if (!process.isAlive())
                    throw new IllegalStateException("Jetty exited with " + process.exitValue() + " before it was ready:\n" + log());
                try
                {
                    if (Wire.get(port, "/sample/counters").status() == 200)
                        return;
                }
                catch (IOException notYet)
                {
                    // not listening or not deployed yet
                }
                Thread.sleep(50);
            }
            close();
            throw new IllegalStateException("Jetty was not ready within " + timeout + ":\n" + log());
        }

        /** SIGTERM, as the JVM's shutdown hook (jetty.server.stopAtShutdown) receives it. */
        long sigterm()
        {
            long t0 = System.nanoTime();
            process.destroy();
            return t0;
        }

        /**
         * The ShutdownService protocol, as {@code start.jar --stop} speaks it: key, then command.
         * @return when the command was sent; the answer ("Stopped") is read in the background
         */
        long stopViaShutdownService(int stopPort, String key) throws IOException
        {
            Socket socket = new Socket(HOST, stopPort);
            socket.setSoTimeout(60_000);
            OutputStream out = socket.getOutputStream();
            long t0 = System.nanoTime();
            out.write((key + "\r\nstop\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            CompletableFuture.runAsync(() ->
            {
                try (socket)
                {
                    socket.getInputStream().readAllBytes();
                }
                catch (IOException ignored)
                {
                    // the JVM exits right after answering
                }
            });
            return t0;
        }

        /** @return when the process was seen to exit, or throws if it did not exit in time */
        long awaitExit(Duration timeout) throws Exception
        {
            try
            {
                return exitNanos.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            }
            catch (TimeoutException x)
            {
                throw new AssertionError("Jetty did not exit within " + timeout + ":\n" + log());
            }
        }

        /** The last drain summary line in the log, or "" if there is none. */
        String summaryLine()
        {
            String summary = "";
            for (String line : log().split("\n"))
            {
                if (line.contains("graceful-drain: drained: "))
                    summary = line;
            }
            return summary;
        }

        int exitCode()
        {
            return process.exitValue();
        }

        String log()
        {
            try
            {
                return Files.readString(log);
            }
            catch (IOException x)
            {
                return "<no log: " + x + ">";
            }
        }

        @Override
        public void close() throws Exception
        {
            if (process.isAlive())
            {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }
}
