package dev.distill.core.wire;

/** Kafka topic names shared by every service and by the tests. */
public final class Topics {
    /** Text examples waiting for the teacher (keyed by example id). */
    public static final String EXAMPLES = "distill.examples";
    /** Soft-label batches produced by the teacher. */
    public static final String SOFT_LABELS = "distill.soft-labels";
    /** One event per student checkpoint written by train-service. */
    public static final String CHECKPOINTS = "distill.checkpoints";
    /** One result per evaluated checkpoint. */
    public static final String EVAL_RESULTS = "distill.eval-results";
    /** One event per promotion or rollback of the serving student. */
    public static final String PROMOTIONS = "distill.promotions";

    /** Suffix of the dead-letter topic paired with every consumed topic. */
    public static final String DEAD_LETTER_SUFFIX = ".dlq";

    private Topics() {
    }

    public static String deadLetter(String topic) {
        return topic + DEAD_LETTER_SUFFIX;
    }

    /** Every topic the pipeline reads or writes, dead-letter topics included. */
    public static java.util.List<String> all() {
        return java.util.List.of(
                EXAMPLES, deadLetter(EXAMPLES),
                SOFT_LABELS, deadLetter(SOFT_LABELS),
                CHECKPOINTS, deadLetter(CHECKPOINTS),
                EVAL_RESULTS, PROMOTIONS);
    }
}
