package dev.distill.train.ml;

/** A soft-label batch this run must not train on; the message says why. The batch goes to the dead-letter topic. */
public class BatchRefusedException extends RuntimeException {
    public BatchRefusedException(String message) {
        super(message);
    }
}
