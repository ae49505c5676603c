package dev.distill.core.checkpoint;

/** A checkpoint cannot be written, or one on disk is missing, torn or corrupt. */
public class CheckpointException extends RuntimeException {
    public CheckpointException(String message, Throwable cause) {
        super(message, cause);
    }
}
