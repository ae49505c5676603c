package dev.distill.train.ml;

import dev.distill.core.wire.CheckpointEvent;

/**
 * What a training step (or an idle flush) did.
 *
 * @param steps        steps applied in the run so far
 * @param examplesSeen examples applied in the run so far
 * @param loss         loss of the step, NaN for a flush
 * @param checkpoint   the checkpoint written, or {@code null}
 */
public record StepOutcome(long steps, long examplesSeen, double loss, CheckpointEvent checkpoint) {
}
