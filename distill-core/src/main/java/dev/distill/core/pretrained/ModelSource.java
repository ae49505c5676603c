package dev.distill.core.pretrained;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.distill.core.checkpoint.Checkpoints;
import dev.distill.core.export.HuggingFaceDirectory;
import dev.distill.core.model.ModelConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Weights a model can start from, however they came: {@code pretrained:<id>} ({@link PretrainedEncoder}), a
 * checkpoint directory of this project, or a Hugging Face BERT directory ({@code config.json} +
 * {@code model.safetensors}).
 *
 * @param config  the source's size and labels (a pretrained encoder has no head: two numbered labels stand in)
 * @param weights its weights under Hugging Face names
 * @param name    the setting it was read from, for messages and run configs
 */
public record ModelSource(ModelConfig config, Map<String, NDArray> weights, String name) {

    /**
     * The size of a model built on this source: its width, heads, feed-forward and vocabulary, with {@code layers}
     * layers (null: as many as the source), reading {@code maxLength} tokens (at most the source's positions), for
     * {@code labels}.
     */
    public ModelConfig modelWith(Integer layers, int maxLength, List<String> labels) {
        return config.withLayers(layers == null ? config.layers() : layers)
                .withMaxLength(Math.min(maxLength, config.maxPositions())).withLabels(labels);
    }

    /** Every k-th source layer, k = source layers / model layers (at least 1): DistilBERT's choice. */
    public int defaultStride(int layers) {
        return Math.max(1, config.layers() / layers);
    }

    /**
     * Reads the source a setting names; arrays live in {@code manager}.
     *
     * @param maxLength tokens a model built on a pretrained or Hugging Face source reads (a checkpoint keeps its own)
     * @throws IllegalArgumentException if the setting names nothing readable
     */
    public static ModelSource read(String setting, NDManager manager, int maxLength) {
        var pretrained = PretrainedEncoder.fromSetting(setting);
        if (pretrained.isPresent()) {
            return pretrained.get().load(manager, maxLength);
        }
        Path path = Path.of(setting);
        if (Files.isRegularFile(path.resolve(Checkpoints.MANIFEST))) {
            return new ModelSource(Checkpoints.readManifest(path).model(), Checkpoints.readWeights(path, manager),
                    setting);
        }
        if (Files.isRegularFile(path.resolve(HuggingFaceDirectory.CONFIG))) {
            try {
                HuggingFaceDirectory.Loaded loaded = HuggingFaceDirectory.read(path, manager, maxLength);
                return new ModelSource(loaded.config(), loaded.weights(), setting);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read Hugging Face directory " + path + ": " + e.getMessage(),
                        e);
            }
        }
        throw new IllegalArgumentException(setting + " is neither " + PretrainedEncoder.SCHEME + "<id> nor a "
                + "checkpoint directory (manifest.json) nor a Hugging Face model directory (config.json)");
    }
}
