package dev.distill.core.checkpoint;

import ai.djl.MalformedModelException;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.distill.core.Sha256;
import dev.distill.core.model.TransformerClassifier;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.UUID;

/**
 * The checkpoint format: a directory holding {@code parameters.bin} (DJL parameter stream of a
 * {@link TransformerClassifier}) and {@code manifest.json} ({@link CheckpointManifest}, with the parameters'
 * sha-256). A checkpoint is written into a hidden temporary directory, flushed to disk, then renamed into place, so a
 * reader sees either a complete checkpoint or none.
 */
public final class Checkpoints {
    public static final int FORMAT_VERSION = 1;
    public static final String MANIFEST = "manifest.json";
    public static final String PARAMETERS = "parameters.bin";

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private Checkpoints() {
    }

    /** Directory name of a checkpoint: sortable by step. */
    public static String directoryName(long step, String checkpointId) {
        return String.format("step-%010d-%s", step, checkpointId);
    }

    /**
     * Writes the block's parameters and the manifest atomically under {@code root}.
     *
     * @return the checkpoint directory
     */
    public static Path write(Path root, CheckpointManifest manifest, TransformerClassifier block) {
        Path target = root.resolve(directoryName(manifest.step(), manifest.checkpointId()));
        Path temporary = root.resolve(".tmp-" + UUID.randomUUID());
        if (Files.exists(target)) {
            throw new CheckpointException("checkpoint " + target + " already exists; checkpoints are never "
                    + "overwritten", null);
        }
        try {
            Files.createDirectories(root);
            Files.createDirectories(temporary);
            ByteArrayOutputStream buffer = new ByteArrayOutputStream();
            try (DataOutputStream out = new DataOutputStream(buffer)) {
                block.saveParameters(out);
            }
            byte[] parameters = buffer.toByteArray();
            writeDurably(temporary.resolve(PARAMETERS), parameters);
            CheckpointManifest complete = manifest.withParametersSha256(Sha256.of(parameters));
            writeDurably(temporary.resolve(MANIFEST), JSON.writeValueAsBytes(complete));
            Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE);
            return target;
        } catch (IOException e) {
            deleteQuietly(temporary);
            throw new CheckpointException("cannot write checkpoint " + target + ": " + e.getMessage(), e);
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
     * Rebuilds the classifier saved in {@code directory}, after checking the parameters against the manifest's
     * checksum. Its arrays live in {@code manager}.
     */
    public static TransformerClassifier load(Path directory, NDManager manager) {
        CheckpointManifest manifest = readManifest(directory);
        Path parametersFile = directory.resolve(PARAMETERS);
        try {
            byte[] parameters = Files.readAllBytes(parametersFile);
            String actual = Sha256.of(parameters);
            if (!actual.equals(manifest.parametersSha256())) {
                throw new CheckpointException("corrupt checkpoint " + directory + ": parameters.bin has sha-256 "
                        + actual + " but the manifest says " + manifest.parametersSha256(), null);
            }
            TransformerClassifier block = new TransformerClassifier(manifest.model());
            block.initialize(manager, DataType.FLOAT32, TransformerClassifier.inputShapes(1, 2));
            try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(parameters))) {
                block.loadParameters(manager, in);
            }
            return block;
        } catch (IOException | MalformedModelException e) {
            throw new CheckpointException("cannot read checkpoint parameters " + parametersFile + ": "
                    + e.getMessage(), e);
        }
    }

    private static void writeDurably(Path file, byte[] bytes) throws IOException {
        Files.write(file, bytes);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            channel.force(true);
        }
    }

    private static void deleteQuietly(Path directory) {
        try (var files = Files.walk(directory)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException | RuntimeException ignored) {
            // best effort: a leftover .tmp- directory is never read as a checkpoint
        }
    }
}
