package dev.gracefuldrain.testsupport;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The response parser every test and the bench rely on, and Await's bounds: no Jetty needed. */
class WireTest
{
    private static Wire.Response parse(String wire) throws IOException
    {
        return Wire.readResponse(new ByteArrayInputStream(wire.getBytes(StandardCharsets.ISO_8859_1)));
    }

    @Test
    void contentLengthEndsTheResponseAndLeavesTheNextOne() throws IOException
    {
        InputStream in = new ByteArrayInputStream("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nfast\nHTTP/1.1 204 No Content\r\n\r\n"
            .getBytes(StandardCharsets.ISO_8859_1));
        Wire.Response first = Wire.readResponse(in);
        assertEquals(200, first.status());
        assertEquals("fast\n", first.bodyText());
        assertTrue(first.complete() && first.connectionClose() && !first.chunked() && !first.untilClose());
        Wire.Response second = Wire.readResponse(in);
        assertEquals(204, second.status());
        assertTrue(second.complete(), "no body after a 204");
        assertNull(Wire.readResponse(in), "the stream ended before a third response");
    }

    @Test
    void chunkedWithExtensionsAndTrailers() throws IOException
    {
        Wire.Response r = parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4;x=y\r\nabcd\r\n2\r\nef\r\n0\r\nX-Trailer: 1\r\n\r\n");
        assertTrue(r.complete() && r.chunked());
        assertEquals("abcdef", r.bodyText());
    }

    @Test
    void anEndInTheMiddleIsIncomplete() throws IOException
    {
        assertFalse(parse("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc").complete(), "short body");
        assertFalse(parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nab").complete(), "short chunk");
        assertFalse(parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nabcd\r\n").complete(), "no last chunk");
        assertFalse(parse("HTTP/1.1 200 OK\r\nContent-Le").complete(), "inside the headers");
        assertFalse(parse("HTTP/1.1 2").complete(), "inside the status line");
    }

    @Test
    void aBodyWithoutFramingEndsWithTheConnection() throws IOException
    {
        Wire.Response r = parse("HTTP/1.1 200 OK\r\n\r\nuntil the end");
        assertTrue(r.complete() && r.untilClose());
        assertEquals("until the end", r.bodyText());
    }

    @Test
    void notHttpIsAnError()
    {
        assertThrows(IOException.class, () -> parse("SSH-2.0-OpenSSH\r\n"));
    }

    @Test
    void awaitReturnsTheFirstAcceptedAnswerAndFailsNamingTheLastOne() throws Exception
    {
        AtomicInteger looks = new AtomicInteger();
        assertEquals(3, Await.until("three", Duration.ofSeconds(5), Duration.ofMillis(1), looks::incrementAndGet, n -> n >= 3));
        AssertionError x = assertThrows(AssertionError.class,
            () -> Await.until("never", Duration.ofMillis(30), Duration.ofMillis(1), () -> "still no", s -> false));
        assertTrue(x.getMessage().startsWith("never: not within PT0.03S; last seen: still no"), x.getMessage());
    }
}
