package dev.distill.eval.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/** Settings of eval-service, under the {@code eval.} prefix. */
@ConfigMapping(prefix = "eval")
public interface EvalConfig {
    /** Held-out set, {@code sentence<TAB>label} with a header line. */
    @WithDefault("data/sst2/dev.tsv")
    Path evalFile();

    /** Score only the first N rows of the held-out set; 0 scores all of them. */
    @WithDefault("0")
    int evalLimit();

    /** Hugging Face {@code tokenizer.json} the students use. */
    @WithDefault("data/vocab/tokenizer.json")
    Path tokenizer();

    /**
     * Directory train-service writes checkpoints to (its {@code train.checkpoint-dir}, shared storage in a cluster).
     * Only checkpoints inside it are scored: a checkpoint event naming any other path goes to the dead-letter topic.
     */
    @WithDefault("checkpoints")
    Path checkpointDir();

    /** Sentences per inference batch while scoring. */
    @WithDefault("64")
    int batchSize();

    /**
     * The teacher (checkpoint directory or TorchScript {@code *.pt}, as {@code label.teacher}); with it, every score
     * also says how often the student agrees with the teacher on the held-out set. Unset: no agreement figures.
     */
    Optional<Path> teacher();

    /** Truncation length for a TorchScript teacher; a checkpoint carries its own. */
    @WithDefault("128")
    int teacherMaxLength();

    /**
     * A checkpoint is promoted only if its held-out accuracy exceeds the promoted checkpoint's by more than this
     * (absolute, e.g. 0.005 = half a point): noise between close checkpoints does not flip the serving student.
     */
    @WithDefault("0.005")
    double promotionMargin();

    /**
     * Held-out sentences each checkpoint (and the teacher, once) is timed on one at a time, for the median and 95th
     * percentile milliseconds per sentence at batch 1; sentences/s at batch 32 are timed on up to 256 of them.
     */
    @WithDefault("50")
    int latencySentences();

    /**
     * Promote only checkpoints whose median milliseconds per sentence at batch 1, as timed here, are at most this.
     * Unset: no latency limit.
     */
    Optional<Double> maxLatencyMs();

    /**
     * Also export each checkpoint to ONNX, with float and with int8 weights, and score and time both in ONNX Runtime
     * (as a serving stack would run them): the leaderboard's {@code onnxFp32} and {@code onnxInt8}. Costs about two
     * more scorings per checkpoint.
     */
    @WithDefault("true")
    boolean onnxScoring();

    /** Most texts {@code /predict} runs through the student at once: requests arriving together share a batch. */
    @WithDefault("32")
    int predictBatchSize();

    /**
     * How long a {@code /predict} batch waits for more requests before it runs, in milliseconds. 0: it takes what
     * has queued and runs at once; requests arriving meanwhile make the next batch, so batches grow with the load
     * and a lone request waits for nothing.
     */
    @WithDefault("0")
    int predictMaxWaitMs();

    /** Most texts in one {@code /predict} request. */
    @WithDefault("1000")
    int maxRequestTexts();

    /** Longest text {@code /predict} accepts, in characters. */
    @WithDefault("20000")
    int maxTextChars();

    /** Promote only checkpoints whose weights take at most this many megabytes (10^6 bytes). Unset: no limit. */
    Optional<Double> maxSizeMb();

    /**
     * What eval-service keeps of the checkpoints it has scored and decided: the weights of any other are deleted
     * (their manifests, ledgers and scores stay), so that a stream with no end does not fill the checkpoint volume.
     */
    Retention retention();

    /** Settings of checkpoint retention, under {@code eval.retention.}. */
    interface Retention {
        /** Whether checkpoints that none of the rules below keeps lose their weights once scored and decided. */
        @WithDefault("true")
        boolean enabled();

        /**
         * Standing promotions whose checkpoints are kept: the serving one and those a rollback can return to (a
         * rollback to a checkpoint past them is refused, its weights gone).
         */
        @WithDefault("3")
        int keepPromotions();

        /** The best this many by held-out accuracy are kept. */
        @WithDefault("3")
        int keepBest();

        /** The newest this many by step are kept (train-service resumes from its newest). */
        @WithDefault("2")
        int keepNewest();

        /**
         * How long a retired checkpoint's manifest and ledger stay (the lineage an exactly-once audit follows back)
         * before its directory is removed whole; its score stays on the leaderboard.
         */
        @WithDefault("P30D")
        Duration removeRetiredAfter();
    }
}
