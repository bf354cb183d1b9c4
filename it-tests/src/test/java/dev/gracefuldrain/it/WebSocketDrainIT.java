package dev.gracefuldrain.it;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

import dev.gracefuldrain.testsupport.Jetty;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * WebSocket (ee10-websocket-jakarta, the sample's echo endpoint), with the JDK's WebSocket client:
 * at the drain's start the session is closed with 1001 Going Away; the stop waits for the connection,
 * and exits as soon as it is closed.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class WebSocketDrainIT
{
    @Test
    void sessionsGetGoingAwayAtTheDrainStart() throws Exception
    {
        Jetty.Base base = Jetty.base("websocket", Jetty.Enable.START_D, "http", "ee10-deploy", "ee10-websocket-jakarta", "graceful-drain");
        try (Jetty.Server server = base.start())
        {
            CompletableFuture<String> echoed = new CompletableFuture<>();
            CompletableFuture<long[]> closed = new CompletableFuture<>();
            WebSocket.Listener listener = new WebSocket.Listener()
            {
                @Override
                public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last)
                {
                    echoed.complete(data.toString());
                    webSocket.request(1);
                    return null;
                }

                @Override
                public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason)
                {
                    closed.complete(new long[]{statusCode, System.nanoTime()});
                    return null;
                }

                @Override
                public void onError(WebSocket webSocket, Throwable error)
                {
                    closed.completeExceptionally(error);
                }
            };
            WebSocket socket = HttpClient.newHttpClient().newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10))
                .buildAsync(URI.create("ws://127.0.0.1:" + server.port + "/sample/echo"), listener).get(20, TimeUnit.SECONDS);
            socket.sendText("hello", true).get(10, TimeUnit.SECONDS);
            assertEquals("hello", echoed.get(10, TimeUnit.SECONDS), "the echo endpoint answers");

            long t0 = server.sigterm();
            long[] close = closed.get(20, TimeUnit.SECONDS);
            long exit = server.awaitExit(Duration.ofSeconds(30));
            String summary = server.summaryLine();
            String report = String.format("close code %d at %d ms, exit %d ms%n%s", close[0], TlsDrainIT.ms(t0, close[1]), TlsDrainIT.ms(t0, exit), summary);
            System.out.println("[websocket] " + report);
            assertAll(report,
                () -> assertEquals(1001, close[0], "closed with 1001 Going Away"),
                () -> assertTrue(TlsDrainIT.ms(t0, close[1]) < 1000, "at the drain's start"),
                () -> assertTrue(TlsDrainIT.ms(t0, exit) < 5000, "the stop did not wait for its timeout"),
                () -> assertTrue(summary.contains("ws finished=1 aborted=0"), "summary counts the WebSocket connection"));
        }
    }
}
