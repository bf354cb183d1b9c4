package dev.gracefuldrain.examples;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import dev.gracefuldrain.DrainSettings;
import dev.gracefuldrain.GracefulDrain;
import org.eclipse.jetty.http2.server.HTTP2CServerConnectionFactory;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.server.handler.ShutdownHandler;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.server.WebSocketUpgradeHandler;

/**
 * An embedded Jetty with the drain: HTTP/1.1 and h2c on one port, HTTPS on another (with a keystore),
 * WebSocket echo at /ws, a slow endpoint, and two ways for a request to stop the server.
 * <p>System properties: {@code port} (0: any), {@code tls.port}, {@code keystore} and {@code keystore.password}
 * (HTTPS only with a keystore), {@code drain.timeout} (ms), {@code shutdown.token} (Jetty's ShutdownHandler at
 * {@code POST /shutdown?token=...}, see {@link CompletingShutdownHandler}). Prints {@code graceful-drain example: http=PORT https=PORT} once started.</p>
 */
public final class EmbeddedExample
{
    private EmbeddedExample()
    {
    }

    public static void main(String[] args) throws Exception
    {
        Server server = create();
        server.start();
        System.out.printf("graceful-drain example: http=%d https=%d%n", port(server, 0), port(server, 1));
        server.join();
        System.out.println("graceful-drain example: stopped; " + server.getBean(GracefulDrain.class).status().getLastDrainSummary());
    }

    /** The server, configured and not started: connectors, handlers, then the drain. */
    public static Server create()
    {
        Server server = new Server();
        HttpConfiguration http = new HttpConfiguration();
        ServerConnector plain = new ServerConnector(server, new HttpConnectionFactory(http), new HTTP2CServerConnectionFactory(http));
        plain.setHost("127.0.0.1");
        plain.setPort(Integer.getInteger("port", 8080));
        server.addConnector(plain);
        String keystore = System.getProperty("keystore");
        if (keystore != null)
        {
            SslContextFactory.Server tls = new SslContextFactory.Server();
            tls.setKeyStorePath(keystore);
            tls.setKeyStorePassword(System.getProperty("keystore.password", ""));
            HttpConfiguration https = new HttpConfiguration(http);
            https.addCustomizer(new SecureRequestCustomizer(false));
            ServerConnector secure = new ServerConnector(server, new SslConnectionFactory(tls, "http/1.1"), new HttpConnectionFactory(https));
            secure.setHost("127.0.0.1");
            secure.setPort(Integer.getInteger("tls.port", 8443));
            server.addConnector(secure);
        }

        // The application: WebSocket upgrades at /ws, the rest to App; in front, Jetty's ShutdownHandler.
        WebSocketUpgradeHandler webSocket = WebSocketUpgradeHandler.from(server, container ->
            container.addMapping("/ws", (request, response, callback) -> new Echo()));
        webSocket.setHandler(new App(server));
        ShutdownHandler shutdown = new ShutdownHandler(webSocket, "/shutdown", System.getProperty("shutdown.token", "change-me"), false);
        // -Dshutdown.completing=false: Jetty's ShutdownHandler as it is, which holds the drain until its timeout.
        server.setHandler(Boolean.parseBoolean(System.getProperty("shutdown.completing", "true")) ? new CompletingShutdownHandler(shutdown) : shutdown);

        // After setHandler, before start: the drain wraps every handler.
        GracefulDrain.install(server, DrainSettings.builder()
            .timeout(Duration.ofMillis(Long.getLong("drain.timeout", 30_000)))
            .build());
        server.setStopAtShutdown(true); // SIGTERM and Ctrl-C drain too
        return server;
    }

    static int port(Server server, int index)
    {
        return server.getConnectors().length > index ? ((ServerConnector)server.getConnectors()[index]).getLocalPort() : -1;
    }

    /** {@code /slow?ms=N} answers after N ms; {@code POST /stop} stops the server; anything else answers at once. */
    private static final class App extends Handler.Abstract
    {
        private final Server server;

        private App(Server server)
        {
            this.server = server;
        }

        @Override
        public boolean handle(Request request, Response response, Callback callback) throws Exception
        {
            Fields query = Request.extractQueryParameters(request);
            switch (request.getHttpURI().getPath())
            {
                case "/slow" -> Thread.sleep(Long.parseLong(query.getValue("ms") == null ? "1000" : query.getValue("ms")));
                case "/stop" ->
                {
                    if (!"POST".equals(request.getMethod()))
                        return false;
                    stopFromRequest();
                }
                default ->
                {
                }
            }
            response.write(true, ByteBuffer.wrap("done\n".getBytes(StandardCharsets.US_ASCII)), callback);
            return true;
        }

        /**
         * A request that stops its own server. {@code server.stop()} must run on another thread: on this
         * one it would wait for the drain, which waits for this request. Wait (bounded) until the drain has
         * begun, so that this response, written after, says {@code Connection: close}.
         */
        private void stopFromRequest() throws Exception
        {
            GracefulDrain drain = server.getBean(GracefulDrain.class);
            Thread stopper = new Thread(() ->
            {
                try
                {
                    server.stop();
                }
                catch (Exception x)
                {
                    x.printStackTrace();
                }
            }, "stop-from-request");
            stopper.start();
            drain.drainNotice().toCompletableFuture().get(5, TimeUnit.SECONDS);
        }
    }

    /** Echoes text messages. */
    public static final class Echo implements Session.Listener.AutoDemanding
    {
        private Session session;

        @Override
        public void onWebSocketOpen(Session session)
        {
            this.session = session;
        }

        @Override
        public void onWebSocketText(String message)
        {
            session.sendText(message, org.eclipse.jetty.websocket.api.Callback.NOOP);
        }
    }
}
