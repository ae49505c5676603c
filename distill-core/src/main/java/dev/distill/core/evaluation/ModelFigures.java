package dev.distill.core.evaluation;

import dev.distill.core.checkpoint.Checkpoints;
import dev.distill.core.model.BertClassifier;
import dev.distill.core.model.ModelConfig;
import dev.distill.core.model.ParameterCount;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What a checkpoint's model costs: its size, parameters with and without the embeddings (the share a student keeps
 * of its teacher is counted without them, as TinyBERT and DistilBERT do), and its weights' bytes on disk.
 */
public record ModelFigures(ModelConfig size, long parameters, long nonEmbeddingParameters, long bytesOnDisk) {

    public static ModelFigures of(Path checkpoint) {
        ModelConfig size = Checkpoints.readManifest(checkpoint).model();
        ParameterCount count = new BertClassifier(size).parameterCount();
        try {
            return new ModelFigures(size, count.total(), count.nonEmbedding(),
                    Files.size(checkpoint.resolve(Checkpoints.PARAMETERS)));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the size of " + checkpoint, e);
        }
    }

    /** {@code layers x hidden (FFN)}. */
    public String shape() {
        return size.layers() + " x " + size.hiddenSize() + " (" + size.intermediateSize() + ")";
    }
}
