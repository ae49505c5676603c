package dev.distill.core.model;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.translate.NoBatchifyTranslator;
import ai.djl.translate.TranslatorContext;
import dev.distill.core.checkpoint.CheckpointManifest;
import dev.distill.core.checkpoint.Checkpoints;
import dev.distill.core.text.TextTokenizer;
import dev.distill.core.text.TokenizedBatch;
import java.nio.file.Path;
import java.util.List;

/**
 * A checkpointed classifier loaded for inference. Load once, then give each worker thread its own
 * {@link #newPredictor()} (DJL predictors are not thread-safe).
 */
public final class TextClassifier implements AutoCloseable {
    private final Model model;
    private final TextTokenizer tokenizer;
    private final CheckpointManifest manifest;

    private TextClassifier(Model model, TextTokenizer tokenizer, CheckpointManifest manifest) {
        this.model = model;
        this.tokenizer = tokenizer;
        this.manifest = manifest;
    }

    /** Loads a checkpoint directory; the tokenizer is truncated to the model's maximum length. */
    public static TextClassifier load(Path checkpoint, Path tokenizerJson, Device device) {
        CheckpointManifest manifest = Checkpoints.readManifest(checkpoint);
        Model model = Model.newInstance("classifier-" + manifest.checkpointId(), device);
        try {
            TransformerClassifier block = Checkpoints.load(checkpoint, model.getNDManager());
            model.setBlock(block);
            TextTokenizer tokenizer = TextTokenizer.load(tokenizerJson, manifest.model().maxLength());
            return new TextClassifier(model, tokenizer, manifest);
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }

    public CheckpointManifest manifest() {
        return manifest;
    }

    /** Identity of the weights: the sha-256 of the parameters. */
    public String id() {
        return manifest.parametersSha256();
    }

    public int numClasses() {
        return manifest.model().numClasses();
    }

    /** A predictor from texts to raw logits [batch][classes]; the caller closes it. */
    public Predictor<List<String>, float[][]> newPredictor() {
        return model.newPredictor(new LogitsTranslator(tokenizer));
    }

    @Override
    public void close() {
        model.close();
        tokenizer.close();
    }

    /** Tokenizes texts into (input_ids, attention_mask) and reads logits back as a float matrix. */
    private static final class LogitsTranslator implements NoBatchifyTranslator<List<String>, float[][]> {
        private final TextTokenizer tokenizer;

        LogitsTranslator(TextTokenizer tokenizer) {
            this.tokenizer = tokenizer;
        }

        @Override
        public NDList processInput(TranslatorContext ctx, List<String> texts) {
            TokenizedBatch batch = tokenizer.encode(texts);
            NDManager manager = ctx.getNDManager();
            return new NDList(manager.create(batch.inputIds()), manager.create(batch.attentionMask()));
        }

        @Override
        public float[][] processOutput(TranslatorContext ctx, NDList list) {
            return toMatrix(list.head());
        }
    }

    /** Copies a (rows, classes) array into a Java matrix. */
    public static float[][] toMatrix(NDArray logits) {
        int rows = (int) logits.getShape().get(0);
        int cols = (int) logits.getShape().get(1);
        float[] flat = logits.toFloatArray();
        float[][] matrix = new float[rows][cols];
        for (int row = 0; row < rows; row++) {
            System.arraycopy(flat, row * cols, matrix[row], 0, cols);
        }
        return matrix;
    }
}
