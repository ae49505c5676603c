package dev.distill.core.evaluation;

import ai.djl.Device;
import dev.distill.core.Directories;
import dev.distill.core.checkpoint.Checkpoints;
import dev.distill.core.export.StudentExport;
import dev.distill.core.inference.TextClassifier;
import dev.distill.core.onnx.OnnxModels;
import dev.distill.core.onnx.OnnxPrecision;
import dev.distill.core.onnx.OnnxQuantization;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * A checkpoint as it ships: exported to ONNX in one precision, then scored and timed in ONNX Runtime on this
 * machine's CPU, as a serving stack would run it.
 *
 * @param sizeBytes         the ONNX file
 * @param linearWeightBytes what its weight matrices take ({@link OnnxQuantization#linearWeightBytes})
 */
public record OnnxEvaluation(OnnxPrecision precision, ClassificationMetrics metrics, Latency latency, long sizeBytes,
        long linearWeightBytes) {

    /**
     * Exports the checkpoint in every precision (to a scratch directory, deleted afterwards) and scores each.
     *
     * @param timed       sentences to time: up to {@code single} alone, all in batches
     * @param single      sentences timed alone
     * @param batchSize   batch size for scoring
     */
    public static List<OnnxEvaluation> of(Path checkpoint, Path tokenizer, HeldOutSet heldOut,
            List<String> timed, int single, int batchSize) {
        int maxLength = Checkpoints.readManifest(checkpoint).model().maxLength();
        Path scratch = null;
        try {
            scratch = Files.createTempDirectory("onnx-evaluation");
            Map<OnnxPrecision, Path> files = new EnumMap<>(OnnxPrecision.class);
            for (OnnxPrecision precision : OnnxPrecision.values()) {
                files.put(precision, scratch.resolve("model." + precision.id() + ".onnx"));
            }
            StudentExport.export(checkpoint, tokenizer, null, files);
            List<OnnxEvaluation> evaluations = new ArrayList<>();
            for (Map.Entry<OnnxPrecision, Path> file : files.entrySet()) {
                long linearBytes;
                try (InputStream in = Files.newInputStream(file.getValue())) {
                    linearBytes = OnnxQuantization.linearWeightBytes(OnnxModels.read(in));
                }
                try (TextClassifier model = TextClassifier.open(file.getValue(), tokenizer, Device.cpu(),
                        maxLength)) {
                    evaluations.add(new OnnxEvaluation(file.getKey(), HeldOutEvaluation.score(model, heldOut,
                            batchSize), Latency.measure(model, timed, single), Files.size(file.getValue()),
                            linearBytes));
                }
            }
            return evaluations;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot export " + checkpoint + " to ONNX for scoring: " + e.getMessage(),
                    e);
        } finally {
            Directories.deleteQuietly(scratch);
        }
    }
}
