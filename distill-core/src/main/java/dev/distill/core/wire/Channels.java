package dev.distill.core.wire;

/**
 * SmallRye Reactive Messaging channel names. Each service maps them to {@link Topics} in its
 * {@code application.properties}; tests reuse the constants.
 */
public final class Channels {
    /** label-service: REST ingest publishes examples here. */
    public static final String EXAMPLES_OUT = "examples-out";
    /** label-service: examples consumed for labelling. */
    public static final String EXAMPLES_IN = "examples-in";
    /**
     * label-service: soft-label batches published, transactionally; the examples' dead letters travel in the same
     * transactions.
     */
    public static final String SOFT_LABELS_OUT = "soft-labels-out";
    /** train-service: soft-label batches consumed. */
    public static final String SOFT_LABELS_IN = "soft-labels-in";
    /** train-service: checkpoint events published. */
    public static final String CHECKPOINTS_OUT = "checkpoints-out";
    /** eval-service: checkpoint events consumed. */
    public static final String CHECKPOINTS_IN = "checkpoints-in";
    /** eval-service: evaluation results published. */
    public static final String EVAL_RESULTS_OUT = "eval-results-out";
    /** eval-service: promotions and rollbacks published. */
    public static final String PROMOTIONS_OUT = "promotions-out";

    /**
     * Kafka header carrying why a record was dead-lettered. A dead letter keeps the record's key and value, and says
     * where the record was in the headers below (the names SmallRye's dead-letter queue gives them).
     */
    public static final String DEAD_LETTER_REASON_HEADER = "dead-letter-reason";
    /** Kafka header: the topic a dead-lettered record was read from. */
    public static final String DEAD_LETTER_TOPIC_HEADER = "dead-letter-topic";
    /** Kafka header: its partition, in decimal. */
    public static final String DEAD_LETTER_PARTITION_HEADER = "dead-letter-partition";
    /** Kafka header: its offset, in decimal. */
    public static final String DEAD_LETTER_OFFSET_HEADER = "dead-letter-offset";

    /**
     * Kafka header of a soft-label record: when the newest example of its batch entered {@link Topics#EXAMPLES} (the
     * example record's timestamp), in epoch milliseconds, decimal. With the soft-label record's own timestamp (when it
     * was labelled) it lets train-service say how fresh each checkpoint is.
     */
    public static final String NEWEST_EXAMPLE_AT_HEADER = "distill-newest-example-at";

    private Channels() {
    }
}
