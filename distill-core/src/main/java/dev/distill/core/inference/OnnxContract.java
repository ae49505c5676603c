package dev.distill.core.inference;

import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession.SessionOptions;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.distill.core.model.ModelConfig;
import dev.distill.core.onnx.OnnxModels;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** What an ONNX classifier must look like to run here, what it says of itself, and how ONNX Runtime runs it. */
final class OnnxContract {
    static final String INPUT_IDS = "input_ids";
    static final String ATTENTION_MASK = "attention_mask";
    static final String TOKEN_TYPE_IDS = "token_type_ids";

    private OnnxContract() {
    }

    /**
     * How ONNX Runtime runs a model here. It keeps its own thread pool of {@link #intraOpThreads} threads, set on
     * the session options themselves (DJL 0.32 drops an {@code intraOpNumThreads} option given without
     * {@code interOpNumThreads}). Its threads do not spin while waiting for work: a service's other threads need the
     * cores between operators. Measured with a 12 x 384 teacher on 2 cores: label-service at 90% of the bare loop
     * with spinning threads, 95% without (medians of 5, one engine thread); with two, 89% against 90-94% (3
     * repetitions); the bare loop as fast either way. The caller closes the options once the model is loaded (the
     * session keeps a copy).
     */
    static SessionOptions sessionOptions() {
        SessionOptions options = new SessionOptions();
        try {
            options.setIntraOpNumThreads(intraOpThreads(System.getenv("OMP_NUM_THREADS"),
                    Runtime.getRuntime().availableProcessors()));
            options.addConfigEntry("session.intra_op.allow_spinning", "0");
            return options;
        } catch (OrtException | IllegalArgumentException e) {
            options.close();
            throw new IllegalStateException("cannot set ONNX Runtime's session options: " + e.getMessage(), e);
        }
    }

    /**
     * Threads of ONNX Runtime's pool: the engine thread count services are given ({@code OMP_NUM_THREADS}), so that
     * engines sharing a machine split its cores as PyTorch's do, else one per available core. Never left to ONNX
     * Runtime: its own default (one per physical core it detects) ran a single thread on 2-core virtual machines,
     * where two made a 12 x 384 teacher 1.4x faster (batch 32: 175 to 245-290 examples/s).
     */
    static int intraOpThreads(String ompNumThreads, int availableProcessors) {
        if (ompNumThreads == null || ompNumThreads.isBlank()) {
            return availableProcessors;
        }
        int threads;
        try {
            threads = Integer.parseInt(ompNumThreads.strip());
        } catch (NumberFormatException e) {
            threads = 0;
        }
        if (threads < 1) {
            throw new IllegalArgumentException("OMP_NUM_THREADS must be a whole number of threads, at least 1, not '"
                    + ompNumThreads + "'");
        }
        return threads;
    }

    /** Whether the model takes {@code token_type_ids}; it must take the other two BERT inputs and nothing else. */
    static boolean takesTokenTypeIds(Path file, List<String> inputs) {
        boolean known = Set.of(INPUT_IDS, ATTENTION_MASK, TOKEN_TYPE_IDS).containsAll(inputs);
        if (!known || !inputs.contains(INPUT_IDS) || !inputs.contains(ATTENTION_MASK)) {
            throw new ModelContractException("ONNX teacher " + file + " takes inputs " + inputs + "; expected "
                    + INPUT_IDS + " and " + ATTENTION_MASK + ", and optionally " + TOKEN_TYPE_IDS
                    + ", each int64 [batch, sequence]", null);
        }
        return inputs.contains(TOKEN_TYPE_IDS);
    }

    /** The class names in an ONNX model's {@code id2label} metadata (as this project's export writes it), if any. */
    static List<String> labels(Path file, int numClasses) throws IOException {
        String id2label;
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
            id2label = OnnxModels.metadata(in).get("id2label");
        }
        if (id2label == null) {
            return ModelConfig.numberedLabels(numClasses);
        }
        JsonNode names = new ObjectMapper().readTree(id2label);
        List<String> labels = new ArrayList<>();
        for (int i = 0; i < numClasses; i++) {
            labels.add(names.path(String.valueOf(i)).asText(String.valueOf(i)));
        }
        return labels;
    }
}
