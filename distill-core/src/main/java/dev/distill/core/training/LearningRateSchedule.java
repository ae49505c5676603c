package dev.distill.core.training;

import ai.djl.training.tracker.Tracker;

/**
 * BERT's learning-rate schedule (Devlin et al. 2019): linear warm-up from 0 to the base rate over
 * {@code warmupSteps}, then linear decay over the steps to {@code totalSteps}; unlike BERT's, the decay ends at a
 * {@code floor} (a fraction of the base rate) and holds it after {@code totalSteps}, since a stream goes on after any
 * planned end and a rate of 0 would learn nothing from what comes later. {@code totalSteps = 0} keeps the base rate
 * after warm-up (an open-ended stream).
 *
 * <pre>
 *   lr(n) = base * n / warmup                                                     for n &lt;= warmup
 *   lr(n) = base * (floor + (1 - floor) * max(0, (total - n) / (total - warmup)))  for n &gt; warmup, total &gt; 0
 *   lr(n) = base                                                                  for n &gt; warmup, total = 0
 * </pre>
 *
 * {@code n} is the optimizer's update count, starting at 1.
 */
public final class LearningRateSchedule implements Tracker {
    private final float baseRate;
    private final int warmupSteps;
    private final int totalSteps;
    private final float floor;

    /** The schedule decaying to 0 (BERT's). */
    public LearningRateSchedule(float baseRate, int warmupSteps, int totalSteps) {
        this(baseRate, warmupSteps, totalSteps, 0f);
    }

    /** @param floor fraction of {@code baseRate} the decay ends at and holds, from 0 to 1 */
    public LearningRateSchedule(float baseRate, int warmupSteps, int totalSteps, float floor) {
        if (!(floor >= 0f && floor <= 1f)) {
            throw new IllegalArgumentException("the decay floor is a fraction of the peak rate from 0 to 1, got "
                    + floor);
        }
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
        this.floor = floor;
    }

    @Override
    public float getNewValue(int update) {
        if (update <= warmupSteps) {
            return baseRate * update / warmupSteps;
        }
        if (totalSteps == 0) {
            return baseRate;
        }
        float remaining = (float) Math.max(0, totalSteps - update) / (totalSteps - warmupSteps);
        return baseRate * (floor + (1 - floor) * remaining);
    }
}
