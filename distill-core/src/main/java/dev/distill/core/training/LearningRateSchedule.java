package dev.distill.core.training;

import ai.djl.training.tracker.Tracker;

/**
 * BERT's learning-rate schedule (Devlin et al. 2019): linear warm-up from 0 to the base rate over
 * {@code warmupSteps}, then linear decay to 0 at {@code totalSteps}. A stream has no natural end, so
 * {@code totalSteps = 0} keeps the base rate after warm-up.
 *
 * <pre>
 *   lr(n) = base * n / warmup                                   for n &lt;= warmup
 *   lr(n) = base * max(0, (total - n) / (total - warmup))        for n &gt; warmup, total &gt; 0
 *   lr(n) = base                                                for n &gt; warmup, total = 0
 * </pre>
 *
 * {@code n} is the optimizer's update count, starting at 1.
 */
public final class LearningRateSchedule implements Tracker {
    private final float baseRate;
    private final int warmupSteps;
    private final int totalSteps;

    public LearningRateSchedule(float baseRate, int warmupSteps, int totalSteps) {
        if (warmupSteps < 0 || totalSteps < 0) {
            throw new IllegalArgumentException("warm-up and total steps must not be negative");
        }
        if (totalSteps > 0 && totalSteps <= warmupSteps) {
            throw new IllegalArgumentException("total steps (" + totalSteps + ") must exceed warm-up steps ("
                    + warmupSteps + "), or be 0 for no decay");
        }
        this.baseRate = baseRate;
        this.warmupSteps = warmupSteps;
        this.totalSteps = totalSteps;
    }

    @Override
    public float getNewValue(int update) {
        if (update <= warmupSteps) {
            return baseRate * update / warmupSteps;
        }
        if (totalSteps == 0) {
            return baseRate;
        }
        return baseRate * Math.max(0, totalSteps - update) / (totalSteps - warmupSteps);
    }
}
