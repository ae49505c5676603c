package dev.distill.core.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.loss.Loss;

/**
 * Intermediate-layer loss of TinyBERT (Jiao et al. 2020, Eq. 7) as TextBrewer's {@code intermediate_matches} with
 * {@code hidden_mse}, applied to pooled layer states so they fit in a Kafka message:
 *
 * <pre>
 *   L_hidden = sum over matched pairs m of  MSE( h_S(s_m) W_m , h_T(t_m) )
 * </pre>
 *
 * where {@code h_S(s_m)} is the student's pooled output of layer {@code s_m}, {@code W_m} a learned projection to
 * the teacher's width (the wrapper of the student applies it), {@code h_T(t_m)} the teacher's pooled output of layer
 * {@code t_m}, and MSE the mean over batch and hidden units.
 *
 * <p>Labels: {@code NDList(teacherStates_1 (B, H_T), ...)}; predictions: {@code NDList(projectedStudent_1 (B, H_T),
 * ...)}, pair by pair.
 */
public final class HiddenStateLoss extends Loss {

    public HiddenStateLoss() {
        super("HiddenStateLoss");
    }

    @Override
    public NDArray evaluate(NDList labels, NDList predictions) {
        if (labels.size() != predictions.size() || labels.isEmpty()) {
            throw new IllegalArgumentException("need one teacher state per projected student state, got "
                    + labels.size() + " and " + predictions.size());
        }
        NDArray total = null;
        for (int i = 0; i < labels.size(); i++) {
            NDArray mse = predictions.get(i).sub(labels.get(i)).square().mean();
            total = total == null ? mse : total.add(mse);
        }
        return total;
    }
}
