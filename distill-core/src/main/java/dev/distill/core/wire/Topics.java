package dev.distill.core.wire;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Kafka topic names shared by every service and by the tests, and how each topic is created ({@link #specs}: the
 * {@code topics} command creates them so; {@code deploy/generate.mjs} writes the same list into the deploy files, and
 * a test keeps the two equal).
 */
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

    /**
     * The soft-label log is kept for 30 days or 25 GiB per partition, whichever comes first: the replay window a
     * student can be retrained from, and far more than train-service may ever lag behind (its position must still be
     * in the log when it resumes). A stream with no end cannot keep it forever on a bounded disk.
     */
    public static final Duration SOFT_LABEL_RETENTION = Duration.ofDays(30);
    /** The size bound of the same, per partition, in bytes. */
    public static final long SOFT_LABEL_RETENTION_BYTES_PER_PARTITION = 25L << 30;

    /** Dead letters are kept long enough to inspect and replay refused records. */
    private static final Map<String, String> DEAD_LETTERS = Map.of("retention.ms",
            String.valueOf(Duration.ofDays(14).toMillis()));

    /**
     * How a topic is created.
     *
     * @param name       topic name
     * @param partitions partitions: label workers scale up to the partitions of {@link #EXAMPLES}; train-service and
     *                   eval-service run one consumer each, and single-partition topics keep their records in order
     * @param configs    topic configuration beyond the broker's defaults
     */
    public record Spec(String name, int partitions, Map<String, String> configs) {
    }

    private Topics() {
    }

    public static String deadLetter(String topic) {
        return topic + DEAD_LETTER_SUFFIX;
    }

    /**
     * Every topic the pipeline reads or writes, dead-letter topics included, as it is to be created. The soft-label
     * log is the replayable record of what the teacher said, within {@link #SOFT_LABEL_RETENTION}.
     */
    public static List<Spec> specs() {
        return List.of(
                new Spec(EXAMPLES, 8, Map.of()),
                new Spec(deadLetter(EXAMPLES), 1, DEAD_LETTERS),
                new Spec(SOFT_LABELS, 4, Map.of("cleanup.policy", "delete",
                        "retention.ms", String.valueOf(SOFT_LABEL_RETENTION.toMillis()),
                        "retention.bytes", String.valueOf(SOFT_LABEL_RETENTION_BYTES_PER_PARTITION))),
                new Spec(deadLetter(SOFT_LABELS), 1, DEAD_LETTERS),
                new Spec(CHECKPOINTS, 1, Map.of()),
                new Spec(deadLetter(CHECKPOINTS), 1, DEAD_LETTERS),
                new Spec(EVAL_RESULTS, 1, Map.of()),
                new Spec(PROMOTIONS, 1, Map.of()));
    }

    /** The names of {@link #specs}. */
    public static List<String> all() {
        return specs().stream().map(Spec::name).toList();
    }
}
