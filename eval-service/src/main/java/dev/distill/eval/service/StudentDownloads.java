package dev.distill.eval.service;

import dev.distill.core.checkpoint.Checkpoints;
import dev.distill.core.export.StudentExport;
import dev.distill.eval.Promotion;
import dev.distill.eval.config.EvalConfig;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * The promoted student as files a serving stack loads: an ONNX model, or a Hugging Face directory as a zip. Blocking
 * (reads and converts the checkpoint): call from a worker thread.
 */
@ApplicationScoped
public class StudentDownloads {
    private final EvalConfig config;

    public StudentDownloads(EvalConfig config) {
        this.config = config;
    }

    public byte[] onnx(Promotion promoted) {
        return inScratch((checkpoint, scratch) -> {
            Path file = scratch.resolve("student.onnx");
            StudentExport.export(checkpoint, config.tokenizer(), null, file);
            return Files.readAllBytes(file);
        }, promoted);
    }

    public byte[] huggingFaceZip(Promotion promoted) {
        return inScratch((checkpoint, scratch) -> {
            Path directory = scratch.resolve("student");
            StudentExport.export(checkpoint, config.tokenizer(), directory, null);
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (ZipOutputStream zip = new ZipOutputStream(bytes); Stream<Path> files = Files.list(directory)) {
                for (Path file : files.sorted().toList()) {
                    zip.putNextEntry(new ZipEntry("student/" + file.getFileName()));
                    Files.copy(file, zip);
                    zip.closeEntry();
                }
            }
            return bytes.toByteArray();
        }, promoted);
    }

    private interface Conversion {
        byte[] apply(Path checkpoint, Path scratch) throws IOException;
    }

    /** Runs the conversion in a scratch directory that is removed afterwards. */
    private byte[] inScratch(Conversion conversion, Promotion promoted) {
        Path checkpoint = Checkpoints.confine(config.checkpointDir(), promoted.path);
        Path scratch = null;
        try {
            scratch = Files.createTempDirectory("student-export");
            return conversion.apply(checkpoint, scratch);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot export checkpoint " + promoted.checkpointId, e);
        } finally {
            deleteQuietly(scratch);
        }
    }

    private static void deleteQuietly(Path directory) {
        if (directory == null) {
            return;
        }
        try (Stream<Path> paths = Files.walk(directory)) {
            List<Path> all = paths.sorted(Comparator.reverseOrder()).toList();
            for (Path path : all) {
                Files.deleteIfExists(path);
            }
        } catch (IOException ignored) {
            // a temporary directory left behind is harmless
        }
    }
}
