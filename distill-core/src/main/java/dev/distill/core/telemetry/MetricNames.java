package dev.distill.core.telemetry;

/**
 * Micrometer meter names of the services, shared with tests and dashboards. Prometheus exposes them with dots as
 * underscores plus a suffix by type: counters {@code _total}, timers {@code _seconds_count/_sum/_max/_bucket},
 * gauges none ({@link #prometheus}).
 */
public final class MetricNames {
    /** Counter: examples label-service has published soft labels for. */
    public static final String LABEL_EXAMPLES = "distill.label.examples";
    /** Timer (with histogram): one teacher batch, tokenization and inference. */
    public static final String LABEL_BATCH = "distill.label.batch";
    /** Counter: optimizer steps of the student. */
    public static final String TRAIN_STEPS = "distill.train.steps";
    /** Counter: examples the student has trained on. */
    public static final String TRAIN_EXAMPLES = "distill.train.examples";
    /** Timer (with histogram): one optimizer step, tokenization included. */
    public static final String TRAIN_STEP = "distill.train.step";
    /** Counter: steps whose update was skipped because a gradient was not finite (counted in the steps too). */
    public static final String TRAIN_UPDATES_SKIPPED = "distill.train.updates.skipped";
    /** Gauge: loss of the last step. */
    public static final String TRAIN_LOSS = "distill.train.loss";
    /** Gauge: mean KL(teacher_T || student_T) of the last step's batch. */
    public static final String TRAIN_KL = "distill.train.kl";
    /** Counter: checkpoints scored on the held-out set. */
    public static final String EVAL_CHECKPOINTS = "distill.eval.checkpoints";
    /** Gauge: held-out accuracy of the last scored checkpoint. */
    public static final String EVAL_ACCURACY = "distill.eval.accuracy";
    /** Gauge: held-out accuracy of the promoted checkpoint (NaN before the first promotion). */
    public static final String EVAL_PROMOTED_ACCURACY = "distill.eval.promoted.accuracy";
    /** Gauge: share of held-out examples where the last scored checkpoint predicts the teacher's class. */
    public static final String EVAL_AGREEMENT = "distill.eval.agreement";
    /** Counter, tag {@code limit} ({@code latency} or {@code size}): checkpoints kept from promotion by a limit. */
    public static final String EVAL_PROMOTIONS_REFUSED = "distill.eval.promotions.refused";
    /** Gauge: seconds the scoring in progress has taken so far; 0 while none runs. */
    public static final String EVAL_SCORING_SECONDS = "distill.eval.scoring.seconds";
    /** Gauge: bytes under the checkpoint directory, as checkpoint retention last measured them. */
    public static final String EVAL_CHECKPOINT_VOLUME_BYTES = "distill.eval.checkpoint.volume.bytes";
    /** Gauge: checkpoints whose weights are on disk (the others are retired), as last measured. */
    public static final String EVAL_CHECKPOINTS_KEPT = "distill.eval.checkpoints.kept";
    /** Counter, tag {@code file}: promoted students exported for download (once per checkpoint and file). */
    /**
     * eval-service: summary, per {@code part} (labelling, training, checkpoint, scoring, promotion, total), of the
     * seconds between the newest example a promoted student learnt from entering the stream and the student
     * serving {@code /predict}.
     */
    public static final String EVAL_FRESHNESS_SECONDS = "distill.eval.freshness.seconds";
    /** eval-service: age now of the newest example the student serving {@code /predict} learnt from. */
    public static final String EVAL_SERVING_EXAMPLE_AGE_SECONDS = "distill.eval.serving.example.age.seconds";
    public static final String EVAL_STUDENT_EXPORTS = "distill.eval.student.exports";
    /** Gauge of the Kafka client binder: the largest consumer lag (records) of any partition a consumer reads. */
    public static final String CONSUMER_LAG = "kafka.consumer.fetch.manager.records.lag.max";

    private MetricNames() {
    }

    /** The Prometheus name of a meter, e.g. {@code prometheus(TRAIN_STEPS, "_total")}. */
    public static String prometheus(String meter, String suffix) {
        return meter.replace('.', '_') + suffix;
    }
}
