package dev.distill.eval.service;

import dev.distill.core.Directories;
import dev.distill.core.checkpoint.Checkpoints;
import dev.distill.core.export.StudentExport;
import dev.distill.core.onnx.OnnxPrecision;
import dev.distill.eval.Promotion;
import dev.distill.eval.config.EvalConfig;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * The promoted student as files a serving stack loads: an ONNX model, or a Hugging Face directory as a zip (written
 * to a scratch directory first, as the directory writer writes files). Blocking (reads and converts the checkpoint):
 * call from a worker thread.
 */
@ApplicationScoped
public class StudentDownloads {
    private final EvalConfig config;

    public StudentDownloads(EvalConfig config) {
        this.config = config;
    }

    public byte[] onnx(Promotion promoted, OnnxPrecision precision) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try {
            StudentExport.onnx(Checkpoints.confine(config.checkpointDir(), promoted.path), config.tokenizer(),
                    precision, bytes);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot export checkpoint " + promoted.checkpointId, e);
        }
        return bytes.toByteArray();
    }

    public byte[] huggingFaceZip(Promotion promoted) {
        Path checkpoint = Checkpoints.confine(config.checkpointDir(), promoted.path);
        Path scratch = null;
        try {
            scratch = Files.createTempDirectory("student-export");
            StudentExport.export(checkpoint, config.tokenizer(), scratch, Map.of());
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (ZipOutputStream zip = new ZipOutputStream(bytes); Stream<Path> files = Files.list(scratch)) {
                for (Path file : files.sorted().toList()) {
                    zip.putNextEntry(new ZipEntry("student/" + file.getFileName()));
                    Files.copy(file, zip);
                    zip.closeEntry();
                }
            }
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot export checkpoint " + promoted.checkpointId, e);
        } finally {
            Directories.deleteQuietly(scratch);
        }
    }
}
