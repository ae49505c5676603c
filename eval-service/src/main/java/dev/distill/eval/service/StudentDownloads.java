package dev.distill.eval.service;

import dev.distill.core.Directories;
import dev.distill.core.Sha256;
import dev.distill.core.checkpoint.Checkpoints;
import dev.distill.core.export.StudentExport;
import dev.distill.core.onnx.OnnxPrecision;
import dev.distill.core.telemetry.MetricNames;
import dev.distill.eval.Promotion;
import dev.distill.eval.config.EvalConfig;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * The promoted student as files a serving stack loads: an ONNX model (float or int8 weights), or a Hugging Face
 * directory as a zip. Each is exported once per checkpoint, into a scratch directory, and served from there: downloads
 * at the same time wait for the one export, and later ones read the file. The files of the last
 * {@link #CHECKPOINTS_KEPT} checkpoints asked for are kept. Blocking (an export reads and converts the checkpoint):
 * call from a worker thread.
 */
@ApplicationScoped
public class StudentDownloads {
    /** The promoted checkpoint's files, and the one's before it, which downloads started before a switch may read. */
    static final int CHECKPOINTS_KEPT = 2;

    /** A download: its file name and how it is written. */
    private enum Download {
        ONNX("student.onnx"), ONNX_INT8("student.int8.onnx"), HUGGING_FACE_ZIP("student.zip");

        final String fileName;

        Download(String fileName) {
            this.fileName = fileName;
        }
    }

    private final EvalConfig config;
    private final MeterRegistry registry;
    private final Path scratch;
    /** Exports done or under way, by checkpoint directory and file name. */
    private final Map<Path, CompletableFuture<Path>> exports = new ConcurrentHashMap<>();
    /** Checkpoints with files, oldest first. */
    private final Set<String> checkpoints = new LinkedHashSet<>();

    public StudentDownloads(EvalConfig config, MeterRegistry registry) {
        this.config = config;
        this.registry = registry;
        try {
            this.scratch = Files.createTempDirectory("student-downloads");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a scratch directory for student downloads", e);
        }
    }

    /** The checkpoint as an ONNX model in the precision. */
    public Path onnx(Promotion promoted, OnnxPrecision precision) {
        return file(promoted, precision == OnnxPrecision.FP32 ? Download.ONNX : Download.ONNX_INT8);
    }

    /** The checkpoint as a zipped Hugging Face directory. */
    public Path huggingFaceZip(Promotion promoted) {
        return file(promoted, Download.HUGGING_FACE_ZIP);
    }

    @PreDestroy
    void deleteFiles() {
        Directories.deleteQuietly(scratch);
    }

    private Path file(Promotion promoted, Download download) {
        Path directory = directoryOf(promoted.checkpointId);
        Path file = directory.resolve(download.fileName);
        CompletableFuture<Path> export = new CompletableFuture<>();
        CompletableFuture<Path> earlier = exports.putIfAbsent(file, export);
        if (earlier != null) {
            try {
                return earlier.join();
            } catch (CompletionException e) {
                throw e.getCause() instanceof RuntimeException failure ? failure : e;
            }
        }
        try {
            keep(promoted.checkpointId);
            Files.createDirectories(directory);
            Path partial = directory.resolve(download.fileName + ".partial");
            write(Checkpoints.confine(config.checkpointDir(), promoted.path), download, partial);
            Files.move(partial, file, StandardCopyOption.ATOMIC_MOVE);
            Counter.builder(MetricNames.EVAL_STUDENT_EXPORTS).description("promoted students exported for download")
                    .tag("file", download.fileName).register(registry).increment();
            export.complete(file);
            return file;
        } catch (IOException | RuntimeException e) {
            exports.remove(file, export);
            RuntimeException failure = e instanceof RuntimeException runtime ? runtime
                    : new UncheckedIOException("cannot export checkpoint " + promoted.checkpointId + ": "
                            + e.getMessage(), (IOException) e);
            export.completeExceptionally(failure);
            throw failure;
        }
    }

    private void write(Path checkpoint, Download download, Path target) throws IOException {
        if (download == Download.HUGGING_FACE_ZIP) {
            Path directory = Files.createTempDirectory(target.getParent(), "huggingface");
            try {
                StudentExport.export(checkpoint, config.tokenizer(), directory, Map.of());
                try (ZipOutputStream zip = new ZipOutputStream(new BufferedOutputStream(Files.newOutputStream(target)));
                        Stream<Path> files = Files.list(directory)) {
                    for (Path file : files.sorted().toList()) {
                        zip.putNextEntry(new ZipEntry("student/" + file.getFileName()));
                        Files.copy(file, zip);
                        zip.closeEntry();
                    }
                }
            } finally {
                Directories.deleteQuietly(directory);
            }
            return;
        }
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(target))) {
            StudentExport.onnx(checkpoint, config.tokenizer(), download == Download.ONNX ? OnnxPrecision.FP32
                    : OnnxPrecision.INT8, out);
        }
    }

    /** Checkpoint ids may hold any printable character: their files live under a hash of the id. */
    private Path directoryOf(String checkpointId) {
        return scratch.resolve(Sha256.of(checkpointId.getBytes(StandardCharsets.UTF_8)));
    }

    /** Records the checkpoint as the newest with files, and deletes the files of those past the kept ones. */
    private synchronized void keep(String checkpointId) {
        checkpoints.remove(checkpointId);
        checkpoints.add(checkpointId);
        List<String> dropped = new ArrayList<>();
        for (String older : checkpoints) {
            if (checkpoints.size() - dropped.size() <= CHECKPOINTS_KEPT) {
                break;
            }
            dropped.add(older);
        }
        for (String older : dropped) {
            checkpoints.remove(older);
            Path olderDirectory = directoryOf(older);
            exports.keySet().removeIf(file -> file.startsWith(olderDirectory));
            Directories.deleteQuietly(olderDirectory);
        }
    }
}
