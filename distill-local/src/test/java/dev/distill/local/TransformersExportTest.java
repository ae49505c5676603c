package dev.distill.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.distill.core.Directories;
import dev.distill.core.checkpoint.CheckpointManifest;
import dev.distill.core.checkpoint.Checkpoints;
import dev.distill.core.export.StudentExport;
import dev.distill.core.model.BertClassifier;
import dev.distill.core.model.ModelConfig;
import dev.distill.core.onnx.OnnxPrecision;
import dev.distill.local.testkit.ExternalTools;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Exported students load in Hugging Face transformers itself, as a user would load them
 * ({@code AutoModelForSequenceClassification.from_pretrained}, {@code reference/transformers_check.py}), with no
 * missing, unexpected or mismatched weights, and answer as their ONNX exports do in ONNX Runtime: a student with
 * all its heads and one with half its heads pruned away ({@code bin/prune-student}). The Python for it (transformers
 * 5, PyTorch, ONNX Runtime) is {@code DISTILL_PYTHON}, which {@code .ci/run} sets up.
 */
class TransformersExportTest {
    private static final Path PROJECT = Path.of(System.getProperty("distill.project.dir", "..")).toAbsolutePath();
    private static final Path WORK = PROJECT.resolve("distill-local/target/transformers-export");
    private static final Path TOKENIZER = PROJECT.resolve("data/vocab/tokenizer.json");
    private static final List<String> SENTENCES = List.of("a gripping , funny film .", "dull .",
            "the plot goes nowhere , but the acting is wonderful throughout .", "it 's a charming and often "
                    + "affecting journey .");
    private static final double TOLERANCE = 1e-4;
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void plainAndHeadPrunedStudentsLoadInTransformersAndAnswerAsTheirOnnxExports() throws Exception {
        Path python = python();
        Directories.delete(WORK);
        ModelConfig size = new ModelConfig(30522, 64, 2, 4, 128, 64, 2, 64, List.of("negative", "positive"));
        Path student = seededCheckpoint(size, WORK.resolve("student"));
        Path pruned = CommandLineTool.parse(new PruneStudent(), student.toString(), "--out",
                WORK.resolve("pruned").toString(), "--batches", "2").prune(PROJECT);
        assertEquals(2, Checkpoints.readManifest(pruned).model().heads(), "half the heads pruned away");
        Path sentences = WORK.resolve("sentences.json");
        JSON.writeValue(sentences.toFile(), SENTENCES);

        for (Path checkpoint : List.of(student, pruned)) {
            String name = checkpoint.getParent().getFileName().toString();
            Path huggingFace = WORK.resolve(name + "-huggingface");
            Path onnx = WORK.resolve(name + ".onnx");
            StudentExport.export(checkpoint, TOKENIZER, huggingFace, Map.of(OnnxPrecision.FP32, onnx));
            JsonNode report = check(python, huggingFace, onnx, sentences);

            assertTrue(report.get("transformers").asText().startsWith("5."), report.get("transformers").asText());
            report.get("loading").fields().forEachRemaining(entry -> assertEquals(0, entry.getValue().size(),
                    name + ": from_pretrained reports " + entry.getKey() + " " + entry.getValue()));
            assertEquals(List.of("negative", "positive"), JSON.convertValue(report.get("labels"), List.class));
            double[][] transformers = JSON.convertValue(report.get("hf_logits"), double[][].class);
            double[][] onnxRuntime = JSON.convertValue(report.get("onnx_logits"), double[][].class);
            double worst = 0;
            double spread = 0;
            for (int row = 0; row < SENTENCES.size(); row++) {
                for (int column = 0; column < 2; column++) {
                    worst = Math.max(worst, Math.abs(transformers[row][column] - onnxRuntime[row][column]));
                    spread = Math.max(spread, Math.abs(transformers[row][column] - transformers[0][column]));
                }
            }
            System.out.printf("%s: transformers %s and ONNX Runtime logits differ by at most %.2e%n", name,
                    report.get("transformers").asText(), worst);
            assertTrue(spread > 0.01, name + ": sentences get different logits (" + spread + "), so agreeing means "
                    + "something");
            assertTrue(worst <= TOLERANCE, name + ": largest logit difference " + worst);
        }
    }

    /** The Python with transformers, PyTorch and ONNX Runtime ({@code DISTILL_PYTHON}). */
    private static Path python() {
        Optional<Path> python = Optional.ofNullable(System.getenv("DISTILL_PYTHON")).map(Path::of)
                .filter(Files::isExecutable);
        if (python.isEmpty()) {
            ExternalTools.missing("a Python with transformers 5, torch and onnxruntime (DISTILL_PYTHON)");
        }
        return python.orElseThrow();
    }

    private static JsonNode check(Path python, Path huggingFace, Path onnx, Path sentences) throws Exception {
        Path log = WORK.resolve(huggingFace.getFileName() + ".check.log");
        Process check = new ProcessBuilder(python.toString(), PROJECT.resolve("reference/transformers_check.py")
                .toString(), huggingFace.toString(), onnx.toString(), sentences.toString())
                .redirectError(log.toFile()).start();
        byte[] output = check.getInputStream().readAllBytes();
        assertTrue(check.waitFor(5, TimeUnit.MINUTES), "the check finished");
        assertEquals(0, check.exitValue(), "the check failed: " + Files.readString(log));
        return JSON.readTree(new String(output, StandardCharsets.UTF_8));
    }

    /**
     * A student checkpoint whose weights come from a fixed random draw, large enough that sentences get clearly
     * different logits (an untrained model's initial weights give nearly the same logits to every sentence).
     */
    private static Path seededCheckpoint(ModelConfig size, Path root) {
        try (NDManager manager = NDManager.newBaseManager()) {
            BertClassifier model = new BertClassifier(size);
            model.initialize(manager, DataType.FLOAT32, BertClassifier.inputShapes(1, 2));
            Random random = new Random(20261207);
            model.weights().forEach((name, parameter) -> {
                NDArray array = parameter.getArray();
                float[] values = new float[(int) array.size()];
                for (int i = 0; i < values.length; i++) {
                    double noise = random.nextGaussian();
                    values[i] = (float) (name.endsWith("LayerNorm.weight") ? 1 + 0.1 * noise
                            : name.endsWith("bias") ? 0.1 * noise : 0.2 * noise);
                }
                array.set(values);
            });
            return Checkpoints.write(root, new CheckpointManifest(Checkpoints.FORMAT_VERSION, "seeded", "test", 0, 0,
                    Instant.now().toString(), size, new TreeMap<>(), null, 0), model, List.of());
        }
    }
}
