package dev.distill.core.export;

import ai.djl.ndarray.NDManager;
import dev.distill.core.Sha256;
import dev.distill.core.checkpoint.CheckpointManifest;
import dev.distill.core.checkpoint.Checkpoints;
import dev.distill.core.model.BertClassifier;
import dev.distill.core.onnx.OnnxExport;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A checkpoint out of the system: as a Hugging Face directory ({@link HuggingFaceDirectory}) and as an ONNX model
 * ({@link OnnxExport}), with the tokenizer the student was trained with.
 */
public final class StudentExport {
    /** Run-config key holding the sha-256 of the run's tokenizer.json. */
    private static final String TOKENIZER_ID = "train.tokenizer-id";

    private StudentExport() {
    }

    /**
     * Writes what is asked for: a Hugging Face directory, an ONNX file, or both ({@code null} skips one).
     *
     * @param tokenizerJson the student's tokenizer; refused if the run recorded another one
     * @throws IllegalArgumentException if the tokenizer is not the run's
     */
    public static void export(Path checkpoint, Path tokenizerJson, Path huggingFaceDirectory, Path onnxFile)
            throws IOException {
        checkTokenizer(checkpoint, tokenizerJson);
        try (NDManager manager = NDManager.newBaseManager()) {
            BertClassifier model = Checkpoints.load(checkpoint, manager);
            if (huggingFaceDirectory != null) {
                HuggingFaceDirectory.write(model, tokenizerJson, huggingFaceDirectory);
            }
            if (onnxFile != null) {
                Files.createDirectories(onnxFile.toAbsolutePath().getParent());
                try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(onnxFile))) {
                    OnnxExport.write(model, out);
                }
            }
        }
    }

    /** The checkpoint as an ONNX model, written to {@code out}. */
    public static void onnx(Path checkpoint, Path tokenizerJson, OutputStream out) throws IOException {
        checkTokenizer(checkpoint, tokenizerJson);
        try (NDManager manager = NDManager.newBaseManager()) {
            OnnxExport.write(Checkpoints.load(checkpoint, manager), out);
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
