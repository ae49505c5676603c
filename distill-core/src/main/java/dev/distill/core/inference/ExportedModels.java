package dev.distill.core.inference;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.onnxruntime.OrtSession.SessionOptions;
import dev.distill.core.model.ModelConfig;
import dev.distill.core.model.NativeAllocator;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Loads a TorchScript or ONNX model and checks its inputs and outputs before anything else uses it: it must take
 * {@code input_ids} and {@code attention_mask} (and may take {@code token_type_ids}), int64 [batch, sequence], and
 * return float logits [batch, classes]. A model that does not is refused with what it said, not left to fail on the
 * first real batch.
 */
final class ExportedModels {
    /** Inputs the contract check feeds: two rows of BERT ids, the second padded. */
    private static final long[][] PROBE_IDS = {{101, 2023, 3185, 102}, {101, 2307, 102, 0}};
    private static final long[][] PROBE_MASK = {{1, 1, 1, 1}, {1, 1, 1, 0}};

    private ExportedModels() {
    }

    /**
     * A loaded model that passed the check; the caller closes it.
     *
     * @param description what was loaded, for logs
     */
    record Probed(Model model, boolean takesTokenTypeIds, List<String> labels, String description) {
    }

    /** @param engine {@code PyTorch} for TorchScript, {@code OnnxRuntime} for ONNX */
    static Probed load(Path file, Device device, String engine) {
        NativeAllocator.configure();
        boolean onnx = engine.equals("OnnxRuntime");
        String kind = onnx ? "ONNX" : "TorchScript";
        String name = file.getFileName().toString();
        Model model = Model.newInstance(name, onnx ? Device.cpu() : device, engine);
        try {
            if (onnx) {
                try (SessionOptions options = OnnxContract.sessionOptions()) {
                    model.load(file.toAbsolutePath().getParent(), name.substring(0, name.lastIndexOf('.')),
                            Map.of("sessionOptions", options));
                }
            } else {
                model.load(file.toAbsolutePath().getParent(), name.substring(0, name.lastIndexOf('.')));
            }
            boolean takesTokenTypeIds;
            int numClasses;
            try (NDManager probe = model.getNDManager().newSubManager()) {
                NDList outputs;
                if (onnx) {
                    takesTokenTypeIds = OnnxContract.takesTokenTypeIds(file, model.getBlock().describeInput().keys());
                    outputs = forward(model, probe, takesTokenTypeIds);
                } else {
                    try {
                        outputs = forward(model, probe, false);
                        takesTokenTypeIds = false;
                    } catch (RuntimeException twoInputs) {
                        try {
                            outputs = forward(model, probe, true);
                            takesTokenTypeIds = true;
                        } catch (RuntimeException threeInputs) {
                            throw new ModelContractException("TorchScript teacher " + file + " rejects the teacher "
                                    + "inputs: expected forward(input_ids, attention_mask[, token_type_ids]) taking "
                                    + "int64 tensors [batch, sequence]; the model said: " + firstLine(twoInputs),
                                    twoInputs);
                        }
                    }
                }
                numClasses = checkLogits(kind, file, outputs);
            }
            List<String> labels = onnx ? OnnxContract.labels(file, numClasses) : ModelConfig.numberedLabels(numClasses);
            return new Probed(model, takesTokenTypeIds, labels, kind + " " + file + " (" + numClasses + " classes "
                    + labels + (takesTokenTypeIds ? ", takes token_type_ids" : "") + ")");
        } catch (IOException | MalformedModelException e) {
            model.close();
            throw new ModelContractException("cannot load " + kind + " teacher " + file + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }

    private static NDList forward(Model model, NDManager probe, boolean withTokenTypeIds) {
        return TextClassifier.forward(model, probe, TextClassifier.inputs(probe, PROBE_IDS, PROBE_MASK,
                withTokenTypeIds));
    }

    private static int checkLogits(String kind, Path file, NDList outputs) {
        String expected = "; expected logits as one float tensor [batch, classes] with at least 2 classes";
        if (outputs.isEmpty()) {
            throw new ModelContractException(kind + " teacher " + file + " returns nothing" + expected, null);
        }
        NDArray logits = outputs.head();
        long[] shape = logits.getShape().getShape();
        boolean floating = logits.getDataType().isFloating();
        if (shape.length != 2 || shape[0] != PROBE_IDS.length || shape[1] < 2 || !floating) {
            throw new ModelContractException(kind + " teacher " + file + " returns " + logits.getDataType()
                    + " " + Arrays.toString(shape) + " for a batch of " + PROBE_IDS.length + expected, null);
        }
        return (int) shape[1];
    }

    private static String firstLine(Throwable error) {
        String message = String.valueOf(error.getMessage()).strip();
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }
}
