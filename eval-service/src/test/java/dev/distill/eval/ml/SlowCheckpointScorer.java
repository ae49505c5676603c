package dev.distill.eval.ml;

import dev.distill.core.wire.CheckpointEvent;
import dev.distill.eval.config.EvalConfig;
import jakarta.enterprise.inject.Alternative;
import jakarta.inject.Singleton;
import java.time.Duration;

/**
 * The scorer, made slow on purpose for checkpoints of runs named {@link #SLOW_RUN_PREFIX}...: it waits
 * {@link #SLOW_SCORING} before scoring, as a large student on a busy machine would take. A singleton: a normal
 * scope's proxy needs a constructor without arguments, which the scorer has not.
 */
@Alternative
@Singleton
public class SlowCheckpointScorer extends CheckpointScorer {
    public static final String SLOW_RUN_PREFIX = "slow-";
    public static final Duration SLOW_SCORING = Duration.ofSeconds(90);

    public SlowCheckpointScorer(EvalConfig config) {
        super(config);
    }

    @Override
    public CheckpointEvaluation score(CheckpointEvent event) {
        if (event.runId().startsWith(SLOW_RUN_PREFIX)) {
            try {
                Thread.sleep(SLOW_SCORING.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while scoring slowly", e);
            }
        }
        return super.score(event);
    }
}
