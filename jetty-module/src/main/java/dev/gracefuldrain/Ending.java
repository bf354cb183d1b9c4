package dev.gracefuldrain;

/**
 * How a connection ended: NOT_BUSY (counted when the drain found it), busy during the drain and FINISHED
 * or ABORTED, or NEVER_BEGAN: found with a request on its way (counted busy), closed by its client
 * before any request began, so not busy after all.
 */
enum Ending
{
    NOT_BUSY, FINISHED, ABORTED, NEVER_BEGAN
}
