package dev.distill.core.wire;

/** A record on the wire could not be read or written; the message says which type and why. */
public class WireFormatException extends RuntimeException {
    public WireFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
