package dev.distill.core.export;

import ai.djl.ndarray.NDManager;
import dev.distill.core.Sha256;
import dev.distill.core.checkpoint.CheckpointManifest;
import dev.distill.core.checkpoint.Checkpoints;
import dev.distill.core.model.BertClassifier;
import dev.distill.core.onnx.OnnxExport;
import dev.distill.core.onnx.OnnxPrecision;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * A checkpoint out of the system: as a Hugging Face directory ({@link HuggingFaceDirectory}) and as an ONNX model
 * ({@link OnnxExport}, in float or int8 weights), with the tokenizer the student was trained with.
 */
public final class StudentExport {
    /** Run-config key holding the sha-256 of the run's tokenizer.json. */
    private static final String TOKENIZER_ID = "train.tokenizer-id";

    private StudentExport() {
    }

    /**
     * Writes what is asked for: a Hugging Face directory ({@code null} skips it) and ONNX files, one per precision.
     *
     * @param tokenizerJson the student's tokenizer; refused if the run recorded another one
     * @throws IllegalArgumentException if the tokenizer is not the run's
     */
    public static void export(Path checkpoint, Path tokenizerJson, Path huggingFaceDirectory,
            Map<OnnxPrecision, Path> onnxFiles) throws IOException {
        checkTokenizer(checkpoint, tokenizerJson);
        try (NDManager manager = NDManager.newBaseManager()) {
            BertClassifier model = Checkpoints.load(checkpoint, manager);
            if (huggingFaceDirectory != null) {
                HuggingFaceDirectory.write(model, tokenizerJson, huggingFaceDirectory);
            }
            for (Map.Entry<OnnxPrecision, Path> file : onnxFiles.entrySet()) {
                Files.createDirectories(file.getValue().toAbsolutePath().getParent());
                try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file.getValue()))) {
                    OnnxExport.write(model, file.getKey(), out);
                }
            }
        }
    }

    /** The checkpoint as an ONNX model in {@code precision}, written to {@code out}. */
    public static void onnx(Path checkpoint, Path tokenizerJson, OnnxPrecision precision, OutputStream out)
            throws IOException {
        checkTokenizer(checkpoint, tokenizerJson);
        try (NDManager manager = NDManager.newBaseManager()) {
            OnnxExport.write(Checkpoints.load(checkpoint, manager), precision, out);
        }
    }

    private static void checkTokenizer(Path checkpoint, Path tokenizerJson) throws IOException {
        CheckpointManifest manifest = Checkpoints.readManifest(checkpoint);
        String expected = manifest.runConfig().get(TOKENIZER_ID);
        String actual = Sha256.of(tokenizerJson);
        if (expected != null && !expected.equals(actual)) {
            throw new IllegalArgumentException("checkpoint " + checkpoint + " was trained with tokenizer " + expected
                    + ", but " + tokenizerJson + " is " + actual + ": pass the run's tokenizer.json");
        }
    }
}
