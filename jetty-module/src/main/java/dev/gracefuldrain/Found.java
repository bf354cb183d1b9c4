package dev.gracefuldrain;

/**
 * What the drain did with a connection when it found it: IDLE and NEVER_USED closed at once (HTTP/2:
 * after its two GOAWAYs); BUSY left to finish; READING (a request on its way, in the kernel or read and
 * not yet handled) busy, and looked at again; YOUNG (HTTP/1.1, opened less than {@link TrackedConnection#YOUNG_MS} ago, no
 * byte yet) looked at again, not yet counted; HANDSHAKE given the handshake budget, HANDSHAKE_CLOSED cut at
 * its end; LINGERING already half-closed, by the drain or Jetty; CLOSED gone, not counted.
 */
enum Found
{
    IDLE, NEVER_USED, BUSY, READING, YOUNG, HANDSHAKE, HANDSHAKE_CLOSED, LINGERING, CLOSED
}
