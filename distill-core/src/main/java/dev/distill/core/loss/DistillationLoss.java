package dev.distill.core.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.loss.Loss;
import dev.distill.core.model.Scalars;

/**
 * Knowledge-distillation loss of Hinton, Vinyals and Dean, "Distilling the Knowledge in a Neural Network" (2015),
 * in the form used by torchdistill's {@code KDLoss} and DistilBERT:
 *
 * <pre>
 *   L = alpha * CE(y, s) + (1 - alpha) * T^2 * KL( softmax(t / T) || softmax(s / T) )
 * </pre>
 *
 * where {@code s} are the student logits, {@code t} the teacher logits, {@code y} the gold labels and {@code T} the
 * temperature. {@code T^2} keeps the soft term's gradient scale independent of {@code T}. CE is averaged over the
 * examples that have a gold label (none: the term is 0, so unlabelled transfer text learns from soft labels alone);
 * KL is summed over classes and averaged over the batch.
 *
 * <p>Labels: {@code NDList(goldOneHot (B, C) float32 with an all-zero row for unlabelled examples, teacherLogits
 * (B, C))}. Predictions: {@code NDList(studentLogits (B, C), ...)}; outputs after the logits are ignored.
 */
public final class DistillationLoss extends Loss {
    private final float alpha;
    private final float temperature;

    public DistillationLoss(float alpha, float temperature) {
        super("DistillationLoss");
        if (!(alpha >= 0f && alpha <= 1f)) {
            throw new IllegalArgumentException("alpha must be in [0, 1], got " + alpha);
        }
        if (!(temperature > 0f)) {
            throw new IllegalArgumentException("temperature must be positive, got " + temperature);
        }
        this.alpha = alpha;
        this.temperature = temperature;
    }

    public float alpha() {
        return alpha;
    }

    public float temperature() {
        return temperature;
    }

    @Override
    public NDArray evaluate(NDList labels, NDList predictions) {
        return evaluateTerms(labels, predictions).get(0);
    }

    /**
     * The loss and, for monitoring, its distillation term before weighting: {@code NDList(L, KL)} with KL the mean
     * {@code KL(softmax(t / T) || softmax(s / T))} over the batch.
     */
    public NDList evaluateTerms(NDList labels, NDList predictions) {
        NDArray goldOneHot = labels.get(0);
        NDArray teacherLogits = labels.get(1);
        NDArray studentLogits = predictions.head();

        NDArray labelled = goldOneHot.sum().maximum(1f);
        NDArray hardLoss = goldOneHot.mul(studentLogits.logSoftmax(1)).sum().neg().div(labelled);

        NDArray teacherLogProbs = Scalars.dividedBy(teacherLogits, temperature).logSoftmax(1);
        NDArray studentLogProbs = Scalars.dividedBy(studentLogits, temperature).logSoftmax(1);
        NDArray kl = teacherLogProbs.exp().mul(teacherLogProbs.sub(studentLogProbs)).sum(new int[] {1}).mean();
        NDArray softLoss = Scalars.times(kl, temperature * temperature);

        return new NDList(Scalars.times(hardLoss, alpha).add(Scalars.times(softLoss, 1f - alpha)), kl);
    }
}
