package dev.distill.core.evaluation;

/**
 * Accuracy and macro-F1 of predicted against gold classes. Macro-F1 is the unweighted mean of the per-class F1
 * over the classes that occur in gold or predictions (scikit-learn's {@code f1_score(average="macro")} with the same
 * labels); a class with no true positives has F1 0.
 */
public record ClassificationMetrics(double accuracy, double macroF1, int examples) {

    public static ClassificationMetrics of(int[] gold, int[] predicted, int numClasses) {
        if (gold.length != predicted.length) {
            throw new IllegalArgumentException("gold has " + gold.length + " labels but predictions have "
                    + predicted.length);
        }
        if (gold.length == 0) {
            throw new IllegalArgumentException("cannot score an empty evaluation set");
        }
        int[] truePositive = new int[numClasses];
        int[] goldCount = new int[numClasses];
        int[] predictedCount = new int[numClasses];
        int correct = 0;
        for (int i = 0; i < gold.length; i++) {
            goldCount[gold[i]]++;
            predictedCount[predicted[i]]++;
            if (gold[i] == predicted[i]) {
                correct++;
                truePositive[gold[i]]++;
            }
        }
        double f1Sum = 0;
        int present = 0;
        for (int c = 0; c < numClasses; c++) {
            if (goldCount[c] + predictedCount[c] == 0) {
                continue;
            }
            present++;
            f1Sum += 2.0 * truePositive[c] / (goldCount[c] + predictedCount[c]);
        }
        return new ClassificationMetrics((double) correct / gold.length, f1Sum / present, gold.length);
    }

    /** Index of the largest logit of each row. */
    public static int[] argmax(float[][] logits) {
        int[] classes = new int[logits.length];
        for (int row = 0; row < logits.length; row++) {
            int best = 0;
            for (int c = 1; c < logits[row].length; c++) {
                if (logits[row][c] > logits[row][best]) {
                    best = c;
                }
            }
            classes[row] = best;
        }
        return classes;
    }
}
