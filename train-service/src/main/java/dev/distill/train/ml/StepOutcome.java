package dev.distill.train.ml;

import dev.distill.core.wire.CheckpointEvent;
import java.util.SortedMap;

/**
 * What a training step (or an idle flush) did.
 *
 * @param steps             steps applied in the run so far
 * @param examplesSeen      examples applied in the run so far
 * @param loss              loss of the step, NaN when no step ran
 * @param checkpoint        the checkpoint written, or {@code null}
 * @param checkpointOffsets the stream position saved in that checkpoint, or {@code null}
 */
public record StepOutcome(long steps, long examplesSeen, double loss, CheckpointEvent checkpoint,
        SortedMap<String, Long> checkpointOffsets) {
}
