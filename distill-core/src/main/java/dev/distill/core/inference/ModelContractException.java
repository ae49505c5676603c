package dev.distill.core.inference;

/** A model file does not take the inputs or give the outputs a teacher must; the message says what was expected. */
public class ModelContractException extends RuntimeException {
    public ModelContractException(String message, Throwable cause) {
        super(message, cause);
    }
}
