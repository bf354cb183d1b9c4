package dev.gracefuldrain.examples;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** A self-signed PKCS12 keystore for the example's HTTPS connector, made once with the JDK's keytool. */
final class Keystore
{
    static final String PASSWORD = "example";

    private Keystore()
    {
    }

    static synchronized Path create() throws Exception
    {
        Path dir = Path.of(System.getProperty("example.work", "target/example-work")).toAbsolutePath();
        Path keystore = dir.resolve("example-keystore.p12");
        if (Files.exists(keystore))
            return keystore;
        Files.createDirectories(dir);
        Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(), "-genkeypair",
            "-alias", "example", "-keyalg", "EC", "-dname", "CN=127.0.0.1", "-validity", "30", "-keystore", keystore.toString(),
            "-storetype", "PKCS12", "-storepass", PASSWORD, "-keypass", PASSWORD).inheritIO().start();
        if (!keytool.waitFor(60, TimeUnit.SECONDS) || keytool.exitValue() != 0)
            throw new IllegalStateException("keytool failed");
        return keystore;
    }
}
