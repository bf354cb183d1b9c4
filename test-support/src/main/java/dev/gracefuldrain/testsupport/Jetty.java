package dev.gracefuldrain.testsupport;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.ConnectException;
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
import java.util.OptionalLong;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/**
 * The real jetty-home distribution, used the way an operator uses it: a fresh Jetty base, modules
 * enabled with start.jar, the webapp dropped into webapps/, Jetty run as its own process on loopback.
 * The distribution, the module archive and the sample webapp are the ones this module's build laid
 * out (distribution.properties); the system properties {@code jetty.home}, {@code drain.module.zip},
 * {@code sample.war} override them, {@code jetty.work} says where the bases go.
 */
public final class Jetty
{
    public static final String HOST = "127.0.0.1";
    private static final Properties DISTRIBUTION = distribution();
    public static final String VERSION = DISTRIBUTION.getProperty("jetty.version");
    /** Jetty 12.0 has no ShutdownService, nor the {@code shutdown} module (it stops through ShutdownMonitor). */
    public static final boolean HAS_SHUTDOWN_SERVICE = !VERSION.startsWith("12.0.");
    /** Jetty 12.1 ({@code ee11} is 12.1's). */
    public static final boolean IS_12_1 = VERSION.startsWith("12.1.");
    public static final Path HOME = location("jetty.home");
    public static final Path MODULE_ZIP = location("drain.module.zip");
    public static final Path SAMPLE_WAR = location("sample.war");
    /**
     * Whether this distribution's HTTP/2 has {@code HTTP2Session.FrameListener} (12.0.25 and 12.1 do, 12.0.16
     * does not): without it the drain sends no PING and Jetty drops a stream after the final GOAWAY unanswered.
     */
    public static final boolean H2_FRAME_LISTENER = hasEntry("lib/http2", "jetty-http2-common-", "org/eclipse/jetty/http2/HTTP2Session$FrameListener.class");
    public static final Path WORK = Path.of(System.getProperty("jetty.work", "target/jetty-work")).toAbsolutePath();

    private static final AtomicInteger BASES = new AtomicInteger();
    private static final Pattern IN_FLIGHT = Pattern.compile("inflight=(\\d+)");

    /** How the modules are enabled: both ways an operator would. */
    public enum Enable
    {
        /** {@code --create-start-ini --add-modules=...}: one start.ini. */
        START_INI,
        /** {@code --add-modules=...}: one ini file per module in start.d/. */
        START_D
    }

    private Jetty()
    {
    }

    private static Properties distribution()
    {
        Properties properties = new Properties();
        try (InputStream in = Jetty.class.getResourceAsStream("distribution.properties"))
        {
            if (in == null)
                throw new IllegalStateException("distribution.properties is missing: build through Maven (the test-support module)");
            properties.load(in);
            return properties;
        }
        catch (IOException x)
        {
            throw new UncheckedIOException(x);
        }
    }

    /** Whether the distribution's jar {@code dir/prefix*.jar} holds {@code entry}. */
    private static boolean hasEntry(String dir, String prefix, String entry)
    {
        if (!Files.isDirectory(HOME.resolve(dir)))
            return false; // no distribution laid out (a build that does not run it)
        try (Stream<Path> jars = Files.list(HOME.resolve(dir)))
        {
            for (Path jar : jars.filter(j -> j.getFileName().toString().startsWith(prefix)).toList())
            {
                try (java.util.zip.ZipFile zip = new java.util.zip.ZipFile(jar.toFile()))
                {
                    if (zip.getEntry(entry) != null)
                        return true;
                }
            }
            return false;
        }
        catch (IOException x)
        {
            throw new UncheckedIOException(x);
        }
    }

    private static Path location(String property)
    {
        return Path.of(System.getProperty(property, DISTRIBUTION.getProperty(property)));
    }

    /**
     * {@code modules} and what gives this Jetty a key-protected stop port: the {@code shutdown} module
     * on 12.1; nothing on 12.0, whose ShutdownMonitor opens it from {@code STOP.PORT} (see {@link #stopPort}).
     */
    public static String[] withStopPort(String... modules)
    {
        List<String> all = new ArrayList<>(Arrays.asList(modules));
        if (HAS_SHUTDOWN_SERVICE)
            all.add(all.indexOf("graceful-drain") < 0 ? all.size() : all.indexOf("graceful-drain"), "shutdown");
        return all.toArray(String[]::new);
    }

    /** The start properties of the stop port: {@code jetty.shutdown.*} on 12.1, {@code STOP.PORT} and {@code STOP.KEY} on 12.0. */
    public static List<String> stopPort(int port, String key)
    {
        return HAS_SHUTDOWN_SERVICE ? List.of("jetty.shutdown.port=" + port, "jetty.shutdown.key=" + key)
            : List.of("STOP.PORT=" + port, "STOP.KEY=" + key);
    }

    public static int freePort() throws IOException
    {
        try (ServerSocket socket = new ServerSocket())
        {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(HOST, 0));
            return socket.getLocalPort();
        }
    }

    /** A fresh Jetty base with the sample webapp and the given modules (graceful-drain's archive unpacked first if it is one of them). */
    public static Base base(String name, Enable enable, String... modules) throws Exception
    {
        return base(name, enable, Map.of(), modules);
    }

    /** As {@link #base(String, Enable, String...)}, with files of its own (path in the base, text) laid down before the modules are enabled. */
    public static Base base(String name, Enable enable, Map<String, String> files, String... modules) throws Exception
    {
        Path dir = WORK.resolve(name + "-" + BASES.incrementAndGet());
        deleteRecursively(dir);
        Files.createDirectories(dir);
        for (Map.Entry<String, String> file : files.entrySet())
        {
            Path target = dir.resolve(file.getKey());
            Files.createDirectories(target.getParent());
            Files.writeString(target, file.getValue());
        }
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

    /** Removes the bases of earlier runs: each holds a log and a copy of the webapp. */
    public static void cleanWork() throws IOException
    {
        deleteRecursively(WORK);
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

    /** A JDK tool (java, keytool, jcmd) of the JDK running this code. */
    public static String jdkTool(String name)
    {
        return Path.of(System.getProperty("java.home"), "bin", name).toString();
    }

    public static String javaBin()
    {
        return jdkTool("java");
    }

    public record Result(int exitCode, String output)
    {
    }

    /** Runs a command to completion, bounded, and returns its exit status and its output (stdout and stderr). */
    public static Result run(List<String> command, Map<String, String> environment, Path dir, Duration timeout) throws Exception
    {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        if (dir != null)
            builder.directory(dir.toFile());
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

    /** As {@link #run(List, Map, Path, Duration)} in the current directory, for its output. */
    public static String run(List<String> command, Duration timeout) throws Exception
    {
        return run(command, Map.of(), null, timeout).output();
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

    /** Requests inside the sample webapp's servlets right now, from its /sample/counters page. */
    public static int inFlight(int port) throws IOException
    {
        String counters = Wire.get(port, "/sample/counters").bodyText();
        Matcher m = IN_FLIGHT.matcher(counters);
        if (!m.find())
            throw new IOException("no inflight= in /sample/counters: " + counters);
        return Integer.parseInt(m.group(1));
    }

    /** Tries new connections until one is refused (each one accepted meanwhile is closed at once); returns when. */
    public static long awaitRefused(int port, Duration timeout) throws Exception
    {
        return Await.until("the listener on " + port + " refuses a connect", timeout, Duration.ofMillis(1), () ->
        {
            try (Socket socket = new Socket())
            {
                socket.connect(new InetSocketAddress(HOST, port), 200);
                return null;
            }
            catch (ConnectException refused)
            {
                return System.nanoTime();
            }
            catch (IOException other)
            {
                return null; // a connect timeout: try again
            }
        }, at -> true);
    }

    public static final class Base
    {
        public final Path dir;

        private Base(Path dir)
        {
            this.dir = dir;
        }

        public Path startIni()
        {
            return dir.resolve("start.ini");
        }

        /**
         * A self-signed certificate for 127.0.0.1, made with keytool as an operator would, in etc/;
         * @return the start properties that serve HTTPS with it on {@code tlsPort}
         */
        public List<String> tls(int tlsPort) throws Exception
        {
            Path keystore = dir.resolve("etc/test-keystore.p12");
            Files.createDirectories(keystore.getParent());
            Result made = Jetty.run(List.of(jdkTool("keytool"), "-genkeypair", "-alias", "jetty", "-keyalg", "EC", "-groupname", "secp256r1",
                "-dname", "CN=localhost", "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-validity", "2",
                "-keystore", keystore.toString(), "-storetype", "PKCS12", "-storepass", "drain-it", "-keypass", "drain-it"),
                Map.of(), dir, Duration.ofSeconds(60));
            if (made.exitCode() != 0)
                throw new IllegalStateException("keytool failed:\n" + made.output());
            return List.of("jetty.ssl.host=" + HOST, "jetty.ssl.port=" + tlsPort, "jetty.sslContext.keyStorePath=etc/test-keystore.p12",
                "jetty.sslContext.keyStorePassword=drain-it");
        }

        /** Runs start.jar to completion (module management, --stop, a start that must fail). */
        public Result run(Duration timeout, String... args) throws Exception
        {
            List<String> command = new ArrayList<>(List.of(javaBin(), "-jar", HOME.resolve("start.jar").toString()));
            command.addAll(Arrays.asList(args));
            return Jetty.run(command, Map.of(), dir, timeout);
        }

        /** Starts Jetty in this base, listening on loopback, and waits until the sample webapp answers. */
        public Server start(String... properties) throws Exception
        {
            return start(List.of(), freePort(), properties);
        }

        /** Starts Jetty on the given port (a restart that clients already know the port of). */
        public Server startOn(int port, String... properties) throws Exception
        {
            return start(List.of(), port, properties);
        }

        /** Starts Jetty with JVM options of its own (heap, JFR). */
        public Server start(List<String> jvmOptions, int port, String... properties) throws Exception
        {
            List<String> command = new ArrayList<>(List.of(javaBin()));
            command.addAll(jvmOptions);
            command.addAll(List.of("-jar", HOME.resolve("start.jar").toString(), "jetty.http.host=" + HOST, "jetty.http.port=" + port));
            command.addAll(Arrays.asList(properties));
            // Appended: a base started twice keeps both runs' logs.
            Path log = dir.resolve("jetty.log");
            Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
            Server server = new Server(this, process, port, log);
            server.awaitReady(Duration.ofSeconds(60));
            return server;
        }
    }

    /** A running Jetty process. */
    public static final class Server implements AutoCloseable
    {
        public final Base base;
        public final Process process;
        public final int port;
        public final Path log;
        private final CompletableFuture<Long> exitNanos;

        private Server(Base base, Process process, int port, Path log)
        {
            this.base = base;
            this.process = process;
            this.port = port;
            this.log = log;
            this.exitNanos = process.onExit().thenApply(p -> System.nanoTime());
        }

        private void awaitReady(Duration timeout) throws Exception
        {
            try
            {
                Await.until("Jetty serves /sample/counters", timeout, Duration.ofMillis(50), () ->
                {
                    if (!process.isAlive())
                        throw new IllegalStateException("Jetty exited with " + process.exitValue() + " before it was ready:\n" + log());
                    try
                    {
                        return Wire.get(port, "/sample/counters").status();
                    }
                    catch (IOException notYet)
                    {
                        return null; // not listening or not deployed yet
                    }
                }, status -> status == 200);
            }
            catch (AssertionError notReady)
            {
                close();
                throw new IllegalStateException(notReady.getMessage() + ":\n" + log());
            }
        }

        public long pid()
        {
            return process.pid();
        }

        /** SIGTERM, as the JVM's shutdown hook (jetty.server.stopAtShutdown) receives it; returns when it was sent. */
        public long sigterm()
        {
            long t0 = System.nanoTime();
            process.destroy();
            return t0;
        }

        /** The ShutdownService's stop (module "shutdown"); returns when it was sent. */
        public long stopViaShutdownService(int stopPort, String key) throws IOException
        {
            return ShutdownService.stop(stopPort, key);
        }

        /** @return when the process was seen to exit, if it did within {@code timeout} */
        public OptionalLong exitWithin(Duration timeout) throws Exception
        {
            try
            {
                return OptionalLong.of(exitNanos.get(timeout.toMillis(), TimeUnit.MILLISECONDS));
            }
            catch (TimeoutException x)
            {
                return OptionalLong.empty();
            }
        }

        /** @return when the process was seen to exit, or throws if it did not exit in time */
        public long awaitExit(Duration timeout) throws Exception
        {
            return exitWithin(timeout).orElseThrow(() -> new AssertionError("Jetty did not exit within " + timeout + ":\n" + log()));
        }

        /** The last drain summary line in the log, or "" if there is none. */
        public String summaryLine()
        {
            String summary = "";
            for (String line : log().split("\n"))
            {
                if (line.contains("graceful-drain: drained: "))
                    summary = line;
            }
            return summary;
        }

        public int exitCode()
        {
            return process.exitValue();
        }

        public String log()
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

        /** jcmd against this Jetty; returns its output. */
        public String jcmd(String... args) throws Exception
        {
            List<String> command = new ArrayList<>(List.of(jdkTool("jcmd"), Long.toString(pid())));
            command.addAll(List.of(args));
            return Jetty.run(command, Duration.ofSeconds(120));
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
