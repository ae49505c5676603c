package dev.distill.core.training;

/**
 * What one optimizer step measured on its batch, before the update.
 *
 * @param loss          the loss the step minimised
 * @param divergence    mean {@code KL(teacher_T || student_T)} of the batch, unweighted (0 without teacher logits)
 * @param updateSkipped whether the model was left as it was because a gradient was not finite
 */
public record StepLoss(float loss, float divergence, boolean updateSkipped) {
}
