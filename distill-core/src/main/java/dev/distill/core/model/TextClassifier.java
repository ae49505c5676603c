package dev.distill.core.model;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.ParameterStore;
import ai.djl.translate.NoBatchifyTranslator;
import ai.djl.translate.TranslatorContext;
import dev.distill.core.Sha256;
import dev.distill.core.checkpoint.CheckpointManifest;
import dev.distill.core.checkpoint.Checkpoints;
import dev.distill.core.text.TextTokenizer;
import dev.distill.core.text.TokenizedBatch;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

/**
 * A text classifier loaded for inference: either a checkpoint directory of this project or a TorchScript file
 * ({@code *.pt}, see {@code teachers/README.md}) taking {@code input_ids}, {@code attention_mask} and optionally
 * {@code token_type_ids} and returning logits. Load once, then give each worker thread its own
 * {@link #newPredictor()} (DJL predictors are not thread-safe).
 */
public final class TextClassifier implements AutoCloseable {
    /** Inputs the TorchScript contract check feeds: two rows of BERT ids, the second padded. */
    private static final long[][] PROBE_IDS = {{101, 2023, 3185, 102}, {101, 2307, 102, 0}};
    private static final long[][] PROBE_MASK = {{1, 1, 1, 1}, {1, 1, 1, 0}};

    private final Model model;
    private final TextTokenizer tokenizer;
    private final String id;
    private final int numClasses;
    private final boolean takesTokenTypeIds;
    private final String description;
    /** Architecture of a checkpoint model; null for TorchScript, whose insides are opaque. */
    private final ModelConfig config;

    private TextClassifier(Model model, TextTokenizer tokenizer, String id, int numClasses,
            boolean takesTokenTypeIds, String description, ModelConfig config) {
        this.model = model;
        this.tokenizer = tokenizer;
        this.id = id;
        this.numClasses = numClasses;
        this.takesTokenTypeIds = takesTokenTypeIds;
        this.description = description;
        this.config = config;
    }

    /**
     * Outputs of a teacher for intermediate-layer distillation.
     *
     * @param logits [batch][classes]
     * @param hidden [batch][requested layer][hidden units]: pooled states of the requested layers
     */
    public record TeacherOutput(float[][] logits, float[][][] hidden) {
    }

    /**
     * Loads a checkpoint directory or a TorchScript file.
     *
     * @param torchScriptMaxLength truncation length for a TorchScript model (a checkpoint carries its own)
     */
    public static TextClassifier open(Path source, Path tokenizerJson, Device device, int torchScriptMaxLength) {
        if (Files.isDirectory(source)) {
            return load(source, tokenizerJson, device);
        }
        if (Files.isRegularFile(source) && source.getFileName().toString().endsWith(".pt")) {
            return loadTorchScript(source, tokenizerJson, device, torchScriptMaxLength);
        }
        throw new IllegalArgumentException("model not found: " + source.toAbsolutePath()
                + " (expected a checkpoint directory with manifest.json or a TorchScript file ending in .pt)");
    }

    /** Loads a checkpoint directory; the tokenizer is truncated to the model's maximum length. */
    public static TextClassifier load(Path checkpoint, Path tokenizerJson, Device device) {
        NativeAllocator.configure();
        CheckpointManifest manifest = Checkpoints.readManifest(checkpoint);
        Model model = Model.newInstance("classifier-" + manifest.checkpointId(), device);
        try {
            model.setBlock(Checkpoints.load(checkpoint, model.getNDManager()));
            TextTokenizer tokenizer = TextTokenizer.load(tokenizerJson, manifest.model().maxLength());
            return new TextClassifier(model, tokenizer, manifest.parametersSha256(), manifest.model().numClasses(),
                    false, "checkpoint " + checkpoint + " " + manifest.model(), manifest.model());
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }

    /** Loads a TorchScript model and checks its inputs and outputs before anything else uses it. */
    public static TextClassifier loadTorchScript(Path file, Path tokenizerJson, Device device, int maxLength) {
        NativeAllocator.configure();
        String name = file.getFileName().toString();
        Model model = Model.newInstance(name, device, "PyTorch");
        try {
            model.load(file.toAbsolutePath().getParent(), name.substring(0, name.length() - ".pt".length()));
            boolean takesTokenTypeIds;
            int numClasses;
            try (NDManager probe = model.getNDManager().newSubManager()) {
                NDList outputs;
                try {
                    outputs = forward(model, probe, inputs(probe, PROBE_IDS, PROBE_MASK, false));
                    takesTokenTypeIds = false;
                } catch (RuntimeException twoInputs) {
                    try {
                        outputs = forward(model, probe, inputs(probe, PROBE_IDS, PROBE_MASK, true));
                        takesTokenTypeIds = true;
                    } catch (RuntimeException threeInputs) {
                        throw new ModelContractException("TorchScript teacher " + file + " rejects the teacher "
                                + "inputs: expected forward(input_ids, attention_mask[, token_type_ids]) taking int64 "
                                + "tensors [batch, sequence]; the model said: " + firstLine(twoInputs), twoInputs);
                    }
                }
                numClasses = checkLogits(file, outputs);
            }
            TextTokenizer tokenizer = TextTokenizer.load(tokenizerJson, maxLength);
            return new TextClassifier(model, tokenizer, Sha256.of(file), numClasses, takesTokenTypeIds,
                    "TorchScript " + file + " (" + numClasses + " classes"
                            + (takesTokenTypeIds ? ", takes token_type_ids" : "") + ")", null);
        } catch (IOException | MalformedModelException e) {
            model.close();
            throw new ModelContractException("cannot load TorchScript teacher " + file + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }

    /** Identity of the weights: sha-256 of the checkpoint parameters or of the TorchScript file. */
    public String id() {
        return id;
    }

    public int numClasses() {
        return numClasses;
    }

    /** What was loaded, for logs. */
    public String description() {
        return description;
    }

    /** A predictor from texts to raw logits [batch][classes]; the caller closes it. */
    public Predictor<List<String>, float[][]> newPredictor() {
        return model.newPredictor(new TokenizingTranslator<>(tokenizer, takesTokenTypeIds,
                outputs -> toMatrix(outputs.head())));
    }

    /**
     * A predictor of logits plus the pooled hidden states of the given layers (1 = first encoder layer; none for
     * logits only), for intermediate-layer distillation. Only checkpoint models expose hidden states.
     */
    public Predictor<List<String>, TeacherOutput> newTeacherPredictor(int[] layers) {
        if (layers.length > 0 && config == null) {
            throw new ModelContractException("intermediate-layer distillation needs the teacher's hidden states, "
                    + "which only a checkpoint of this project exposes, not " + description, null);
        }
        for (int layer : layers) {
            if (layer < 1 || layer > config.layers()) {
                throw new IllegalArgumentException("hidden layer " + layer + " does not exist; the teacher has "
                        + config.layers() + " layers (counting from 1)");
            }
        }
        int[] requested = layers.clone();
        return model.newPredictor(new TokenizingTranslator<>(tokenizer, takesTokenTypeIds, outputs -> {
            float[][] logits = toMatrix(outputs.head());
            float[][][] hidden = new float[logits.length][requested.length][];
            for (int j = 0; j < requested.length; j++) {
                float[][] states = toMatrix(outputs.get(requested[j]));
                for (int row = 0; row < logits.length; row++) {
                    hidden[row][j] = states[row];
                }
            }
            return new TeacherOutput(logits, hidden);
        }));
    }

    @Override
    public void close() {
        model.close();
        tokenizer.close();
    }

    /** Copies a (rows, classes) array into a Java matrix. */
    public static float[][] toMatrix(NDArray logits) {
        int rows = (int) logits.getShape().get(0);
        int cols = (int) logits.getShape().get(1);
        float[] flat = logits.toType(DataType.FLOAT32, false).toFloatArray();
        float[][] matrix = new float[rows][cols];
        for (int row = 0; row < rows; row++) {
            System.arraycopy(flat, row * cols, matrix[row], 0, cols);
        }
        return matrix;
    }

    private static NDList inputs(NDManager manager, long[][] ids, long[][] mask, boolean withTokenTypeIds) {
        NDList inputs = new NDList(manager.create(ids), manager.create(mask));
        if (withTokenTypeIds) {
            inputs.add(manager.zeros(inputs.head().getShape(), DataType.INT64));
        }
        return inputs;
    }

    private static NDList forward(Model model, NDManager manager, NDList inputs) {
        return model.getBlock().forward(new ParameterStore(manager, false), inputs, false);
    }

    private static int checkLogits(Path file, NDList outputs) {
        String expected = "; expected logits as one float tensor [batch, classes] with at least 2 classes";
        if (outputs.isEmpty()) {
            throw new ModelContractException("TorchScript teacher " + file + " returns nothing" + expected, null);
        }
        NDArray logits = outputs.head();
        long[] shape = logits.getShape().getShape();
        boolean floating = logits.getDataType().isFloating();
        if (shape.length != 2 || shape[0] != PROBE_IDS.length || shape[1] < 2 || !floating) {
            throw new ModelContractException("TorchScript teacher " + file + " returns " + logits.getDataType()
                    + " " + Arrays.toString(shape) + " for a batch of " + PROBE_IDS.length + expected, null);
        }
        return (int) shape[1];
    }

    private static String firstLine(Throwable error) {
        String message = String.valueOf(error.getMessage()).strip();
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }

    /** Tokenizes texts into the model's inputs and reads the outputs back with {@code reader}. */
    private static final class TokenizingTranslator<O> implements NoBatchifyTranslator<List<String>, O> {
        private final TextTokenizer tokenizer;
        private final boolean withTokenTypeIds;
        private final Function<NDList, O> reader;

        TokenizingTranslator(TextTokenizer tokenizer, boolean withTokenTypeIds, Function<NDList, O> reader) {
            this.tokenizer = tokenizer;
            this.withTokenTypeIds = withTokenTypeIds;
            this.reader = reader;
        }

        @Override
        public NDList processInput(TranslatorContext ctx, List<String> texts) {
            TokenizedBatch batch = tokenizer.encode(texts);
            return inputs(ctx.getNDManager(), batch.inputIds(), batch.attentionMask(), withTokenTypeIds);
        }

        @Override
        public O processOutput(TranslatorContext ctx, NDList list) {
            return reader.apply(list);
        }
    }
}
