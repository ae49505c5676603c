package dev.distill.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.inference.Predictor;
import dev.distill.core.Directories;
import dev.distill.core.checkpoint.Checkpoints;
import dev.distill.core.inference.TextClassifier;
import dev.distill.core.model.BertClassifier;
import dev.distill.core.model.ModelConfig;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code bin/prune-student}: half the heads and the feed-forward width that keeps half the parameters. */
class PruneStudentTest {
    private static final Path PROJECT = Path.of(System.getProperty("distill.project.dir", "..")).toAbsolutePath();

    @Test
    void aCheckpointIsPrunedToHalfItsParametersAndStillClassifies() throws Exception {
        Path work = PROJECT.resolve("distill-local/target/prune-student-test");
        Directories.delete(work);
        ModelConfig size = new ModelConfig(30522, 64, 2, 4, 256, 64, 2, 64, List.of("negative", "positive"));
        Path tokenizer = PROJECT.resolve("data/vocab/tokenizer.json");
        Path student = OfflineTraining.untrained("student", size, tokenizer, work.resolve("student"));

        Path pruned = CommandLineTool.parse(new PruneStudent(), student.toString(), "--out",
                work.resolve("pruned").toString(), "--batches", "4").prune(PROJECT);
        ModelConfig prunedSize = Checkpoints.readManifest(pruned).model();
        assertEquals(2, prunedSize.heads());
        assertEquals(16, prunedSize.attentionHeadSize(), "heads keep their width");
        long before = new BertClassifier(size).parameterCount().nonEmbedding();
        long after = new BertClassifier(prunedSize).parameterCount().nonEmbedding();
        assertTrue(after <= before / 2 && after > before * 0.45, before + " -> " + after);
        try (TextClassifier model = TextClassifier.load(pruned, tokenizer, Device.cpu());
                Predictor<List<String>, float[][]> predictor = model.newPredictor()) {
            assertEquals(2, predictor.predict(List.of("a gripping film", "dull")).length);
        }

        PruneStudent nineHeads = CommandLineTool.parse(new PruneStudent(), student.toString(), "--out",
                work.resolve("other").toString(), "--heads", "9", "--batches", "1");
        IllegalArgumentException tooMany = assertThrows(IllegalArgumentException.class,
                () -> nineHeads.prune(PROJECT));
        assertTrue(tooMany.getMessage().contains("cannot keep 9 of 4 heads"), tooMany.getMessage());
    }
}
