package dev.distill.core.loss;

/**
 * Temperature-softened distributions on plain arrays, for measuring soft labels outside a training step (how much an
 * encoding of the logits changes them): {@code softmax(z / T)} and {@code KL(p || q)}, natural logarithm, the same
 * terms {@link DistillationLoss} computes on tensors.
 */
public final class SoftTargets {
    private SoftTargets() {
    }

    /** {@code log softmax(logits / T)}, computed stably (the maximum subtracted first). */
    public static double[] logSoftmax(float[] logits, float temperature) {
        double max = Double.NEGATIVE_INFINITY;
        for (float logit : logits) {
            max = Math.max(max, logit / temperature);
        }
        double sum = 0;
        for (float logit : logits) {
            sum += Math.exp(logit / temperature - max);
        }
        double logSum = max + Math.log(sum);
        double[] result = new double[logits.length];
        for (int i = 0; i < logits.length; i++) {
            result[i] = logits[i] / temperature - logSum;
        }
        return result;
    }

    /** {@code KL(softmax(teacher / T) || softmax(student / T))}; never negative. */
    public static double klDivergence(float[] teacher, float[] student, float temperature) {
        double[] logP = logSoftmax(teacher, temperature);
        double[] logQ = logSoftmax(student, temperature);
        double kl = 0;
        for (int i = 0; i < logP.length; i++) {
            kl += Math.exp(logP[i]) * (logP[i] - logQ[i]);
        }
        return Math.max(0, kl);
    }
}
