package dev.distill.core.training;

import dev.distill.core.text.LengthBatching;
import dev.distill.core.wire.SoftLabel;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * Offline training: shuffled epochs of fixed-size batches over an in-memory soft-label set. Batches are cut from
 * length-sorted pools of {@value #POOL_BATCHES} batches and then shuffled (bucketing as in fairseq or AllenNLP), so
 * that a batch pads to a length close to its texts' instead of to the longest of a random mix.
 */
public final class EpochLoop {
    /** Batches per length-sorted pool: large enough for similar lengths, small enough to keep each epoch random. */
    static final int POOL_BATCHES = 50;

    /** Called after every step. */
    public interface Progress {
        void step(int epoch, int epochs, long step, long totalSteps, double epochMeanLoss);
    }

    private EpochLoop() {
    }

    /**
     * @param seed shuffles the examples, so a run is reproducible
     * @return mean loss of the last epoch
     * @throws IllegalStateException when the loss stops being a finite number
     */
    public static double run(DistillationTrainer trainer, List<SoftLabel> examples, int epochs, int batchSize,
            long seed, Progress progress) {
        if (examples.isEmpty() || epochs < 1 || batchSize < 1) {
            throw new IllegalArgumentException("need examples, at least one epoch and a positive batch size");
        }
        List<SoftLabel> order = new ArrayList<>(examples);
        Random random = new Random(seed);
        long totalSteps = (long) epochs * ((examples.size() + batchSize - 1) / batchSize);
        long step = 0;
        double epochLoss = 0;
        for (int epoch = 1; epoch <= epochs; epoch++) {
            double lossSum = 0;
            int batches = 0;
            for (List<SoftLabel> batch : batches(order, batchSize, random)) {
                float loss = trainer.step(batch).loss();
                if (!Float.isFinite(loss)) {
                    // the weights are ruined from here on: stop rather than train and save garbage
                    throw new IllegalStateException("the loss became " + loss + " at step " + (step + 1)
                            + " (epoch " + epoch + ", examples " + batch.get(0).exampleId() + " .. "
                            + batch.get(batch.size() - 1).exampleId() + "); try a lower learning rate");
                }
                lossSum += loss;
                batches++;
                step++;
                progress.step(epoch, epochs, step, totalSteps, lossSum / batches);
            }
            epochLoss = lossSum / batches;
        }
        return epochLoss;
    }

    /**
     * One epoch's batches: every example once, in {@code ceil(n / batchSize)} batches of similar text lengths, in
     * random order. Shuffles {@code examples} in place.
     */
    static List<List<SoftLabel>> batches(List<SoftLabel> examples, int batchSize, Random random) {
        Collections.shuffle(examples, random);
        int pool = batchSize * POOL_BATCHES;
        List<List<SoftLabel>> batches = new ArrayList<>();
        for (int from = 0; from < examples.size(); from += pool) {
            batches.addAll(LengthBatching.batches(examples.subList(from, Math.min(examples.size(), from + pool)),
                    example -> example.text().length(), batchSize));
        }
        Collections.shuffle(batches, random);
        return batches;
    }
}
