package dev.distill.core.inference;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.ParameterStore;
import dev.distill.core.Directories;
import dev.distill.core.Sha256;
import dev.distill.core.checkpoint.CheckpointManifest;
import dev.distill.core.checkpoint.Checkpoints;
import dev.distill.core.export.HuggingFaceDirectory;
import dev.distill.core.export.StudentExport;
import dev.distill.core.model.BertClassifier;
import dev.distill.core.model.ModelConfig;
import dev.distill.core.model.NativeAllocator;
import dev.distill.core.onnx.OnnxPrecision;
import dev.distill.core.text.TextTokenizer;
import dev.distill.core.weights.WeightTransfer;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A text classifier loaded for inference: a checkpoint directory of this project, a Hugging Face BERT directory
 * ({@code config.json} + {@code model.safetensors}), a TorchScript file ({@code *.pt}) or an ONNX model
 * ({@code *.onnx}), the last two taking {@code input_ids}, {@code attention_mask} and optionally
 * {@code token_type_ids} and returning logits (see {@code teachers/README.md}). Load once, then give each worker thread
 * its own {@link #newPredictor()} (DJL predictors are not thread-safe).
 */
public final class TextClassifier implements AutoCloseable {
    private static final String INPUT_IDS = OnnxContract.INPUT_IDS;
    private static final String ATTENTION_MASK = OnnxContract.ATTENTION_MASK;
    private static final String TOKEN_TYPE_IDS = OnnxContract.TOKEN_TYPE_IDS;

    private final Model model;
    private final TextTokenizer tokenizer;
    private final String id;
    private final List<String> labels;
    private final boolean takesTokenTypeIds;
    private final String description;
    /** Architecture of a checkpoint model; null for TorchScript, whose insides are opaque. */
    private final ModelConfig config;

    private TextClassifier(Model model, TextTokenizer tokenizer, String id, List<String> labels,
            boolean takesTokenTypeIds, String description, ModelConfig config) {
        this.model = model;
        this.tokenizer = tokenizer;
        this.id = id;
        this.labels = List.copyOf(labels);
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
     * Loads a checkpoint directory, a Hugging Face directory, a TorchScript file or an ONNX model.
     *
     * @param exportedMaxLength truncation length for a TorchScript, ONNX or Hugging Face model (a checkpoint carries
     *                          its own)
     */
    public static TextClassifier open(Path source, Path tokenizerJson, Device device, int exportedMaxLength) {
        String name = source.getFileName() == null ? "" : source.getFileName().toString();
        if (Files.isRegularFile(source.resolve(Checkpoints.MANIFEST))) {
            return load(source, tokenizerJson, device);
        }
        if (Files.isRegularFile(source.resolve(HuggingFaceDirectory.CONFIG))) {
            return loadHuggingFace(source, tokenizerJson, device, exportedMaxLength);
        }
        if (Files.isRegularFile(source) && name.endsWith(".pt")) {
            return loadExported(source, tokenizerJson, device, exportedMaxLength, "PyTorch");
        }
        if (Files.isRegularFile(source) && name.endsWith(".onnx")) {
            return loadExported(source, tokenizerJson, device, exportedMaxLength, "OnnxRuntime");
        }
        throw new IllegalArgumentException("model not found: " + source.toAbsolutePath() + " (expected a checkpoint "
                + "directory with manifest.json, a Hugging Face directory with config.json, a TorchScript file ending "
                + "in .pt or an ONNX model ending in .onnx)");
    }

    /** Loads a checkpoint directory; the tokenizer is truncated to the model's maximum length. */
    public static TextClassifier load(Path checkpoint, Path tokenizerJson, Device device) {
        NativeAllocator.configure();
        CheckpointManifest manifest = Checkpoints.readManifest(checkpoint);
        Model model = Model.newInstance("classifier-" + manifest.checkpointId(), device);
        try {
            model.setBlock(Checkpoints.load(checkpoint, model.getNDManager()));
            return ofBlock(model, tokenizerJson, manifest.parametersSha256(), manifest.model(),
                    "checkpoint " + checkpoint);
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }

    /**
     * Loads a checkpoint to run on ONNX Runtime instead of PyTorch: exported to ONNX ({@code OnnxExport}, in a
     * temporary file removed once loaded), with the checkpoint's identity (its parameters' sha-256), classes and
     * length. Logits only: hidden states come from {@link #load}.
     */
    public static TextClassifier loadOnOnnxRuntime(Path checkpoint, Path tokenizerJson) {
        CheckpointManifest manifest = Checkpoints.readManifest(checkpoint);
        Path scratch = null;
        try {
            scratch = Files.createTempDirectory("onnx-teacher");
            Path file = scratch.resolve("model.onnx");
            try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file))) {
                StudentExport.onnx(checkpoint, tokenizerJson, OnnxPrecision.FP32, out);
            }
            TextClassifier exported = loadExported(file, tokenizerJson, Device.cpu(), manifest.model().maxLength(),
                    "OnnxRuntime");
            return new TextClassifier(exported.model, exported.tokenizer, manifest.parametersSha256(),
                    exported.labels, exported.takesTokenTypeIds, "checkpoint " + checkpoint + " on ONNX Runtime "
                    + manifest.model(), null);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot export checkpoint " + checkpoint + " to ONNX: " + e.getMessage(),
                    e);
        } finally {
            Directories.deleteQuietly(scratch);
        }
    }

    private static TextClassifier loadHuggingFace(Path directory, Path tokenizerJson, Device device, int maxLength) {
        NativeAllocator.configure();
        Model model = Model.newInstance("classifier-" + directory.getFileName(), device);
        try {
            HuggingFaceDirectory.Loaded loaded = HuggingFaceDirectory.read(directory, model.getNDManager(),
                    maxLength);
            BertClassifier block = new BertClassifier(loaded.config());
            block.initialize(model.getNDManager(), DataType.FLOAT32, BertClassifier.inputShapes(1, 2));
            WeightTransfer.assign(block.weights(), loaded.weights(), "Hugging Face directory " + directory);
            model.setBlock(block);
            return ofBlock(model, tokenizerJson, Sha256.of(directory.resolve(HuggingFaceDirectory.WEIGHTS)),
                    loaded.config(), "Hugging Face directory " + directory);
        } catch (IOException | IllegalArgumentException e) {
            model.close();
            throw new ModelContractException("cannot load teacher " + directory + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }

    private static TextClassifier ofBlock(Model model, Path tokenizerJson, String id, ModelConfig config,
            String what) {
        TextTokenizer tokenizer = TextTokenizer.load(tokenizerJson, config.maxLength());
        return new TextClassifier(model, tokenizer, id, config.labels(), false, what + " " + config, config);
    }

    /**
     * Loads a TorchScript or ONNX model, its inputs and outputs checked before anything else uses it
     * ({@link ExportedModels}).
     */
    static TextClassifier loadExported(Path file, Path tokenizerJson, Device device, int maxLength, String engine) {
        ExportedModels.Probed probed = ExportedModels.load(file, device, engine);
        try {
            return new TextClassifier(probed.model(), TextTokenizer.load(tokenizerJson, maxLength), Sha256.of(file),
                    probed.labels(), probed.takesTokenTypeIds(), probed.description(), null);
        } catch (IOException e) {
            probed.model().close();
            throw new ModelContractException("cannot read " + file + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            probed.model().close();
            throw e;
        }
    }

    /** Identity of the weights: sha-256 of the checkpoint parameters or of the TorchScript file. */
    public String id() {
        return id;
    }

    public int numClasses() {
        return labels.size();
    }

    /** Class names, index = class id. */
    public List<String> labels() {
        return labels;
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

    /** Named inputs: ONNX Runtime binds them by name, the other engines by position. */
    static NDList inputs(NDManager manager, long[][] ids, long[][] mask, boolean withTokenTypeIds) {
        NDList inputs = new NDList(named(manager.create(ids), INPUT_IDS), named(manager.create(mask),
                ATTENTION_MASK));
        if (withTokenTypeIds) {
            inputs.add(named(manager.zeros(inputs.head().getShape(), DataType.INT64), TOKEN_TYPE_IDS));
        }
        return inputs;
    }

    private static NDArray named(NDArray array, String name) {
        array.setName(name);
        return array;
    }

    static NDList forward(Model model, NDManager manager, NDList inputs) {
        return model.getBlock().forward(new ParameterStore(manager, false), inputs, false);
    }
}
