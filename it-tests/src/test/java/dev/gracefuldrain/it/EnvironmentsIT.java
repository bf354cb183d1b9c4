package dev.gracefuldrain.it;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

import dev.gracefuldrain.testsupport.Jetty;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The drain works at Jetty's core level, below every EE environment: DrainIT's main scenario (SIGTERM,
 * 20 idle, 5 never-used, 7 busy) with the webapp deployed through ee8 (javax.servlet), ee9, ee10, ee11,
 * and with a core {@code Handler} and no servlet at all. One Jetty process per environment.
 * <ul>
 * <li>ee9, ee10, ee11: the sample war itself (Servlet 5 API only, jakarta);</li>
 * <li>ee8: the sample's servlets with {@code javax.servlet} for {@code jakarta.servlet}, compiled here
 * against the distribution's Servlet 4 API and deployed as a directory;</li>
 * <li>core: {@code environments/CoreSample.java}, compiled here against the distribution's jars, at
 * {@code /sample} through a module of the base's own.</li>
 * </ul>
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class EnvironmentsIT
{
    /** The sample's servlets that DrainScenario uses. */
    private static final List<String> SERVLETS = List.of("FastServlet", "SlowServlet", "StreamServlet", "AsyncServlet", "CountersServlet", "Counters", "Params");

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"ee8", "ee9", "ee10", "ee11", "core"})
    void drainsInEveryEnvironment(String environment) throws Exception
    {
        Assumptions.assumeTrue(!environment.equals("ee11") || Jetty.IS_12_1, "ee11 is Jetty 12.1's; this is " + Jetty.VERSION);
        Jetty.Base base = environment.equals("core") ? coreBase()
            : Jetty.base("env-" + environment, Jetty.Enable.START_D, "http", environment + "-deploy", "graceful-drain");
        if (environment.equals("ee8"))
            javaxWebapp(base.dir);
        DrainScenario scenario = DrainScenario.standard();
        try (Jetty.Server server = base.start())
        {
            String log = server.log();
            DrainScenario.Figures figures = scenario.run(server, server::sigterm);
            DrainIT.assertDrained("graceful-drain, SIGTERM, " + environment + " on Jetty " + Jetty.VERSION, figures, scenario);
            if (!environment.equals("core"))
                assertTrue(log.matches("(?s).*Started oeje" + environment.substring(2) + "[wn]\\.[\\w$]+@[^{]*\\{[^,]*,/sample,.*"),
                    "the webapp was deployed through " + environment + ":\n" + log);
            else
                assertTrue(!log.contains("WebAppContext"), "no webapp in the core base");
        }
    }

    /** A base with no EE environment: the core Handler at /sample, through a module of the base's own. */
    private static Jetty.Base coreBase() throws Exception
    {
        Map<String, String> files = Map.of(
            "modules/core-sample.mod", """
                [description]
                The sample's endpoints as a Jetty core Handler at /sample (EnvironmentsIT).

                [depend]
                server

                [lib]
                lib/core-sample/

                [xml]
                etc/core-sample.xml
                """,
            "etc/core-sample.xml", """
                <?xml version="1.0"?>
                <!DOCTYPE Configure PUBLIC "-//Jetty//Configure//EN" "https://jetty.org/configure_10_0.dtd">
                <Configure id="Server" class="org.eclipse.jetty.server.Server">
                  <Ref refid="Contexts">
                    <Call name="addHandler">
                      <Arg>
                        <New class="org.eclipse.jetty.server.handler.ContextHandler">
                          <Set name="contextPath">/sample</Set>
                          <Set name="handler"><New class="dev.gracefuldrain.coresample.CoreSample"/></Set>
                        </New>
                      </Arg>
                    </Call>
                  </Ref>
                </Configure>
                """);
        Jetty.Base base = Jetty.base("env-core", Jetty.Enable.START_D, files, "http", "core-sample", "graceful-drain");
        Path src = Files.createDirectories(base.dir.resolve("work/src"));
        try (InputStream in = EnvironmentsIT.class.getResourceAsStream("/environments/CoreSample.java"))
        {
            Files.write(src.resolve("CoreSample.java"), in.readAllBytes());
        }
        compile(src, base.dir.resolve("lib/core-sample"), "jetty-server-", "jetty-http-", "jetty-io-", "jetty-util-");
        return base;
    }

    /** webapps/sample/: the sample's servlets on javax.servlet, for ee8. */
    private static void javaxWebapp(Path baseDir) throws Exception
    {
        Files.delete(baseDir.resolve("webapps/sample.war"));
        Path src = Files.createDirectories(baseDir.resolve("work/src"));
        Path sources = Path.of(System.getProperty("sample.sources", "../war-sample/src/main/java/dev/gracefuldrain/sample"));
        for (String name : SERVLETS)
        {
            String java = Files.readString(sources.resolve(name + ".java")).replace("jakarta.servlet", "javax.servlet");
            Files.writeString(src.resolve(name + ".java"), java);
        }
        Path webInf = baseDir.resolve("webapps/sample/WEB-INF");
        compile(src, webInf.resolve("classes"), "jetty-servlet-api-");
        StringBuilder xml = new StringBuilder("""
            <?xml version="1.0" encoding="UTF-8"?>
            <web-app xmlns="http://xmlns.jcp.org/xml/ns/javaee" version="4.0" metadata-complete="true">
            """);
        for (String name : SERVLETS)
        {
            if (!name.endsWith("Servlet"))
                continue;
            String path = name.substring(0, name.length() - "Servlet".length()).toLowerCase();
            xml.append(String.format("  <servlet><servlet-name>%s</servlet-name><servlet-class>dev.gracefuldrain.sample.%s</servlet-class>"
                + "<async-supported>true</async-supported></servlet>%n", path, name));
            xml.append(String.format("  <servlet-mapping><servlet-name>%s</servlet-name><url-pattern>/%s</url-pattern></servlet-mapping>%n", path, path));
        }
        Files.writeString(webInf.resolve("web.xml"), xml.append("</web-app>\n").toString());
    }

    /** Compiles every source in {@code src} into {@code out}, against the distribution's lib/ jars named by {@code jarPrefixes}. */
    private static void compile(Path src, Path out, String... jarPrefixes) throws IOException
    {
        List<String> classpath = new ArrayList<>();
        try (Stream<Path> jars = Files.list(Jetty.HOME.resolve("lib")))
        {
            for (Path jar : jars.toList())
            {
                String file = jar.getFileName().toString();
                if (Stream.of(jarPrefixes).anyMatch(prefix -> file.matches(java.util.regex.Pattern.quote(prefix) + "\\d.*\\.jar")))
                    classpath.add(jar.toString());
            }
        }
        assertEquals(jarPrefixes.length, classpath.size(), "one jar of the distribution for each of " + List.of(jarPrefixes) + ": " + classpath);
        List<String> args = new ArrayList<>(List.of("--release", "17", "-proc:none", "-d", Files.createDirectories(out).toString(),
            "-cp", String.join(java.io.File.pathSeparator, classpath)));
        try (Stream<Path> files = Files.list(src))
        {
            files.filter(f -> f.toString().endsWith(".java")).forEach(f -> args.add(f.toString()));
        }
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        ByteArrayOutputStream errors = new ByteArrayOutputStream();
        int exit = javac.run(null, errors, errors, args.toArray(String[]::new));
        assertEquals(0, exit, "compiling " + src + " against " + classpath + ":\n" + errors.toString(StandardCharsets.UTF_8));
    }
}
