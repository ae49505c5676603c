package dev.distill.core.checkpoint;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.distill.core.Directories;
import dev.distill.core.Sha256;
import dev.distill.core.model.BertClassifier;
import dev.distill.core.weights.Safetensors;
import dev.distill.core.weights.WeightTransfer;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The checkpoint format: a directory holding {@code model.safetensors} (the parameters of a {@link BertClassifier}
 * under their Hugging Face names, {@link Safetensors}), {@code manifest.json} ({@link CheckpointManifest}, with the
 * parameters' sha-256) and {@code applied-examples.txt} (the ids of the examples applied since the parent checkpoint,
 * one per line: following the parents back gives every example a student learnt from, each once). A checkpoint is
 * written into a hidden temporary directory, flushed to disk, then renamed into place, so a reader sees either a
 * complete checkpoint or none.
 */
public final class Checkpoints {
    public static final int FORMAT_VERSION = 2;
    public static final String MANIFEST = "manifest.json";
    public static final String PARAMETERS = "model.safetensors";
    public static final String APPLIED_EXAMPLES = "applied-examples.txt";

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private Checkpoints() {
    }

    /** Directory name of a checkpoint: sortable by step. */
    public static String directoryName(long step, String checkpointId) {
        return String.format("step-%010d-%s", step, checkpointId);
    }

    /** Key of a partition in {@link CheckpointManifest#consumedOffsets()}; Kafka topic names cannot hold ':'. */
    public static String offsetKey(String topic, int partition) {
        return topic + ":" + partition;
    }

    /** The topic of an {@link #offsetKey}. */
    public static String offsetTopic(String offsetKey) {
        return offsetKey.substring(0, offsetKey.lastIndexOf(':'));
    }

    /** The partition of an {@link #offsetKey}. */
    public static int offsetPartition(String offsetKey) {
        return Integer.parseInt(offsetKey.substring(offsetKey.lastIndexOf(':') + 1));
    }

    /**
     * Writes the block's parameters, the manifest and the ids of the examples applied since the parent checkpoint
     * atomically under {@code root}.
     *
     * @return the checkpoint directory
     */
    public static Path write(Path root, CheckpointManifest manifest, BertClassifier block,
            List<String> appliedExampleIds) {
        return write(root, manifest, Safetensors.arrays(block.weights()), appliedExampleIds);
    }

    /**
     * Writes parameter arrays (named as {@link BertClassifier#weights} names them), the manifest and the ids of the
     * examples applied since the parent checkpoint atomically under {@code root}.
     *
     * @return the checkpoint directory
     */
    public static Path write(Path root, CheckpointManifest manifest, Map<String, NDArray> parameters,
            List<String> appliedExampleIds) {
        Path target = root.resolve(directoryName(manifest.step(), manifest.checkpointId()));
        Path temporary = root.resolve(".tmp-" + UUID.randomUUID());
        if (Files.exists(target)) {
            throw new CheckpointException("checkpoint " + target + " already exists; checkpoints are never "
                    + "overwritten", null);
        }
        try {
            Files.createDirectories(root);
            Files.createDirectories(temporary);
            String parametersSha256 = writeParameters(temporary.resolve(PARAMETERS), parameters);
            CheckpointManifest complete = manifest.withParametersSha256(parametersSha256);
            writeDurably(temporary.resolve(APPLIED_EXAMPLES), appliedExampleIds.stream()
                    .map(id -> id + "\n").collect(Collectors.joining()).getBytes(StandardCharsets.UTF_8));
            writeDurably(temporary.resolve(MANIFEST), JSON.writeValueAsBytes(complete));
            Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE);
            return target;
        } catch (IOException e) {
            Directories.deleteQuietly(temporary);
            throw new CheckpointException("cannot write checkpoint " + target + ": " + e.getMessage(), e);
        }
    }

    /**
     * The checkpoint directory {@code path} names, provided it lies inside {@code root} once links and {@code ..} are
     * resolved: a path read from a message or a request never reaches files outside the checkpoint store.
     *
     * @throws CheckpointException if it lies outside {@code root} or does not exist
     */
    public static Path confine(Path root, String path) {
        if (!Files.isDirectory(root)) {
            throw new CheckpointException("the checkpoint directory " + root.toAbsolutePath() + " does not exist",
                    null);
        }
        try {
            Path realRoot = root.toRealPath();
            Path candidate = root.resolve(path).normalize();
            if (!Files.exists(candidate)) {
                throw new CheckpointException("checkpoint " + path + " does not exist", null);
            }
            Path real = candidate.toRealPath();
            if (!real.startsWith(realRoot) || real.equals(realRoot)) {
                throw new CheckpointException("checkpoint path " + path + " is outside the checkpoint directory "
                        + realRoot, null);
            }
            return real;
        } catch (IOException | InvalidPathException e) {
            throw new CheckpointException("cannot resolve checkpoint path " + path + " inside " + root + ": "
                    + e.getMessage(), e);
        }
    }

    /** The ids of the examples applied between the parent checkpoint and this one, in training order. */
    public static List<String> readAppliedExamples(Path directory) {
        try {
            return Files.readAllLines(directory.resolve(APPLIED_EXAMPLES), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new CheckpointException("cannot read " + APPLIED_EXAMPLES + " of checkpoint " + directory + ": "
                    + e.getMessage(), e);
        }
    }

    public static CheckpointManifest readManifest(Path directory) {
        Path manifest = directory.resolve(MANIFEST);
        if (!Files.isRegularFile(manifest)) {
            throw new CheckpointException("not a checkpoint: " + manifest + " does not exist", null);
        }
        try {
            CheckpointManifest read = JSON.readValue(manifest.toFile(), CheckpointManifest.class);
            if (read.formatVersion() != FORMAT_VERSION) {
                throw new CheckpointException("checkpoint " + directory + " has format version "
                        + read.formatVersion() + ", this build reads version " + FORMAT_VERSION, null);
            }
            if (read.model() == null || read.parametersSha256() == null) {
                throw new CheckpointException("checkpoint manifest " + manifest + " lacks model or checksum", null);
            }
            return read;
        } catch (IOException e) {
            throw new CheckpointException("corrupt checkpoint manifest " + manifest + ": " + e.getMessage(), e);
        }
    }

    /**
     * The newest checkpoint under {@code root} that is complete and whose parameters match their checksum. Torn or
     * corrupt ones (a crash mid-write on storage without atomic rename, bit rot) are skipped, each reported to
     * {@code skipped} with the reason; unfinished {@code .tmp-} directories and retired checkpoints
     * ({@link CheckpointRetirement}) are never candidates.
     */
    public static Optional<Path> newestValid(Path root, Consumer<String> skipped) {
        if (!Files.isDirectory(root)) {
            return Optional.empty();
        }
        List<Path> candidates;
        try (Stream<Path> entries = Files.list(root)) {
            candidates = entries.filter(Files::isDirectory)
                    .filter(path -> path.getFileName().toString().startsWith("step-"))
                    .filter(path -> !CheckpointRetirement.retired(path))
                    .sorted(Comparator.comparing((Path path) -> path.getFileName().toString()).reversed())
                    .toList();
        } catch (IOException e) {
            throw new CheckpointException("cannot list checkpoints in " + root + ": " + e.getMessage(), e);
        }
        for (Path candidate : candidates) {
            try {
                verify(candidate);
                return Optional.of(candidate);
            } catch (CheckpointException e) {
                skipped.accept(e.getMessage());
            }
        }
        return Optional.empty();
    }

    /** Reads the manifest and checks the parameters against its checksum; returns the parameters' bytes. */
    private static byte[] verify(Path directory) {
        CheckpointManifest manifest = readManifest(directory);
        Path parametersFile = directory.resolve(PARAMETERS);
        if (CheckpointRetirement.retired(directory)) {
            throw CheckpointRetirement.retiredError(directory, manifest, null);
        }
        byte[] parameters;
        try {
            parameters = Files.readAllBytes(parametersFile);
        } catch (IOException e) {
            throw CheckpointRetirement.retired(directory) ? CheckpointRetirement.retiredError(directory, manifest, e)
                    : new CheckpointException("torn checkpoint " + directory + ": cannot read " + PARAMETERS + " ("
                            + e.getMessage() + ")", e);
        }
        String actual = Sha256.of(parameters);
        if (!actual.equals(manifest.parametersSha256())) {
            throw new CheckpointException("corrupt checkpoint " + directory + ": " + PARAMETERS + " has sha-256 "
                    + actual + " but the manifest says " + manifest.parametersSha256(), null);
        }
        return parameters;
    }

    /**
     * Rebuilds the classifier saved in {@code directory}, after checking the parameters against the manifest's
     * checksum. Its arrays live in {@code manager}.
     */
    public static BertClassifier load(Path directory, NDManager manager) {
        CheckpointManifest manifest = readManifest(directory);
        byte[] parameters = verify(directory);
        BertClassifier block = new BertClassifier(manifest.model());
        block.initialize(manager, DataType.FLOAT32, BertClassifier.inputShapes(1, 2));
        try (NDManager scratch = manager.newSubManager()) {
            WeightTransfer.assign(block.weights(), Safetensors.decode(scratch, parameters), "checkpoint " + directory);
        } catch (IllegalArgumentException e) {
            throw new CheckpointException("cannot read checkpoint parameters in " + directory + ": "
                    + e.getMessage(), e);
        }
        return block;
    }

    /**
     * The weights saved in {@code directory} under their Hugging Face names, after checking them against the
     * manifest's checksum; the arrays live in {@code manager}.
     */
    public static Map<String, NDArray> readWeights(Path directory, NDManager manager) {
        return Safetensors.decode(manager, verify(directory));
    }

    /**
     * Writes the parameters and returns their sha-256, hashed from the file while it is flushed to disk: the model
     * thread waits for the slower of the two, not for both.
     */
    private static String writeParameters(Path file, Map<String, NDArray> parameters) throws IOException {
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file))) {
            Safetensors.writeParameterArrays(out, parameters);
        }
        CompletableFuture<String> sha256 = CompletableFuture.supplyAsync(() -> {
            try {
                return Sha256.of(file);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            channel.force(true);
        }
        try {
            return sha256.join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof UncheckedIOException io ? io.getCause()
                    : new IOException("cannot hash " + file + ": " + e.getCause().getMessage(), e.getCause());
        }
    }

    private static void writeDurably(Path file, byte[] bytes) throws IOException {
        Files.write(file, bytes);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            channel.force(true);
        }
    }
}
