package dev.gracefuldrain.bench;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/**
 * The real jetty-home distribution as a separate process, in a fresh base, set up the way an operator
 * would: stock with the {@code graceful} module (its defaults, or its shutdown idle-timeout shrink
 * off), or with {@code graceful-drain}.
 */
final class Jetty implements AutoCloseable
{
    static final String HOST = "127.0.0.1";
    static final Path TARGET = Path.of(System.getProperty("bench.target", "bench/target")).toAbsolutePath();
    static final Path HOME = TARGET.resolve("jetty-home/jetty-home-" + System.getProperty("jetty.version", "12.1.12"));
    static final Path MODULE_ZIP = TARGET.resolve("artifacts/graceful-drain-module.zip");
    static final Path SAMPLE_WAR = TARGET.resolve("artifacts/graceful-drain-sample.war");
    static final Path WORK = TARGET.resolve("bench-work");

    /** What is compared. */
    enum Variant
    {
        /** Stock Jetty 12.1 with its graceful module, defaults (1 s shutdown idle-timeout shrink). */
        STOCK("stock graceful", "graceful"),
        /** Stock graceful with the shrink off: idle connections are held until the stop timeout. */
        STOCK_NO_SHRINK("stock graceful, shutdownIdleTimeout=-1", "graceful", "jetty.graceful.shutdownIdleTimeout=-1"),
        /** Stock Jetty without the graceful module: what serving costs with nothing added. */
        PLAIN("stock, no graceful module"),
        /** This module. */
        MODULE("graceful-drain", "graceful-drain");

        final String label;
        final String module;
        final String[] properties;

        Variant(String label, String... moduleAndProperties)
        {
            this.label = label;
            this.module = moduleAndProperties.length == 0 ? null : moduleAndProperties[0];
            this.properties = moduleAndProperties.length < 2 ? new String[0] : List.of(moduleAndProperties).subList(1, moduleAndProperties.length).toArray(String[]::new);
        }
    }

    final Process process;
    final int port;
    final Path base;
    final Variant variant;
    private final CompletableFuture<Long> exitNanos;

    private Jetty(Process process, int port, Path base, Variant variant)
    {
        this.process = process;
        this.port = port;
        this.base = base;
        this.variant = variant;
        this.exitNanos = process.onExit().thenApply(p -> System.nanoTime());
    }

    /** A fresh base for the variant, its sample webapp deployed; started, and answering. */
    static Jetty start(Variant variant, List<String> jvmOptions, String... properties) throws Exception
    {
        Path base = WORK.resolve(variant.name().toLowerCase() + "-" + System.nanoTime());
        Files.createDirectories(base);
        List<String> modules = new ArrayList<>(List.of("http", "ee10-deploy"));
        if (variant.module != null)
            modules.add(variant.module);
        // e.g. -Dbench.extraModules=shutdown,jmx, to look inside a run
        for (String extra : System.getProperty("bench.extraModules", "").split(","))
        {
            if (!extra.isBlank())
                modules.add(extra.trim());
        }
        if (variant == Variant.MODULE)
            unzip(MODULE_ZIP, base);
        Process setup = new ProcessBuilder(java(), "-jar", HOME.resolve("start.jar").toString(), "--add-modules=" + String.join(",", modules))
            .directory(base.toFile()).redirectErrorStream(true).redirectOutput(base.resolve("setup.log").toFile()).start();
        if (!setup.waitFor(60, TimeUnit.SECONDS) || setup.exitValue() != 0)
            throw new IllegalStateException("start.jar --add-modules failed in " + base + ": " + Files.readString(base.resolve("setup.log")));
        Files.createDirectories(base.resolve("webapps"));
        Files.copy(SAMPLE_WAR, base.resolve("webapps/sample.war"), StandardCopyOption.REPLACE_EXISTING);

        int port = freePort();
        List<String> command = new ArrayList<>(List.of(java()));
        command.addAll(jvmOptions);
        command.addAll(List.of("-jar", HOME.resolve("start.jar").toString(), "jetty.http.host=" + HOST, "jetty.http.port=" + port));
        command.addAll(List.of(variant.properties));
        command.addAll(List.of(properties));
        Process process = new ProcessBuilder(command).directory(base.toFile()).redirectErrorStream(true)
            .redirectOutput(base.resolve("jetty.log").toFile()).start();
        Jetty jetty = new Jetty(process, port, base, variant);
        jetty.awaitReady(Duration.ofSeconds(60));
        return jetty;
    }

    static String java()
    {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private void awaitReady(Duration timeout) throws Exception
    {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline)
        {
            if (!process.isAlive())
                throw new IllegalStateException("Jetty exited before it was ready: " + log());
            if (get("/sample/fast").startsWith("HTTP/1.1 200"))
                return;
            Thread.sleep(50);
        }
        close();
        throw new IllegalStateException("Jetty was not ready within " + timeout + ": " + log());
    }

    /** One GET on its own connection; the status line, or "" if nothing answered. */
    String get(String path)
    {
        try (Socket socket = new Socket())
        {
            socket.connect(new InetSocketAddress(HOST, port), 2000);
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            return answer;
        }
        catch (IOException x)
        {
            return "";
        }
    }

    long pid()
    {
        return process.pid();
    }

    /** SIGTERM, as the JVM hook sees it; returns when it was sent. */
    long sigterm()
    {
        long t0 = System.nanoTime();
        process.destroy();
        return t0;
    }

    /** The ShutdownService's stop command (module "shutdown"); returns when it was sent. */
    long stopViaShutdownService(int stopPort, String key) throws IOException
    {
        Socket socket = new Socket(HOST, stopPort);
        long t0 = System.nanoTime();
        socket.getOutputStream().write((key + "\r\nstop\r\n").getBytes(StandardCharsets.US_ASCII));
        socket.getOutputStream().flush();
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

    long awaitExit(Duration timeout) throws Exception
    {
        return exitNanos.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    String log()
    {
        try
        {
            return Files.readString(base.resolve("jetty.log"));
        }
        catch (IOException x)
        {
            return "<no log>";
        }
    }

    /** Runs a JDK tool (jcmd) against this Jetty and returns its output. */
    String jcmd(String... args) throws Exception
    {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(), Long.toString(pid())));
        command.addAll(List.of(args));
        return run(command, Duration.ofSeconds(120));
    }

    static String run(List<String> command, Duration timeout) throws Exception
    {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        CompletableFuture<String> output = CompletableFuture.supplyAsync(() -> readAll(process.getInputStream()));
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS))
        {
            process.destroyForcibly();
            throw new IllegalStateException(command + " did not finish within " + timeout);
        }
        return output.get(10, TimeUnit.SECONDS);
    }

    private static String readAll(InputStream in)
    {
        try (in)
        {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        catch (IOException x)
        {
            return "";
        }
    }

    static int freePort() throws IOException
    {
        try (ServerSocket socket = new ServerSocket())
        {
            socket.bind(new InetSocketAddress(HOST, 0));
            return socket.getLocalPort();
        }
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

    /** Removes the bases of earlier runs: each holds a log and a copy of the webapp. */
    static void cleanWork() throws IOException
    {
        if (!Files.exists(WORK))
            return;
        try (Stream<Path> paths = Files.walk(WORK))
        {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList())
                Files.delete(path);
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
