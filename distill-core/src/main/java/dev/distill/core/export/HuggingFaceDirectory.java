package dev.distill.core.export;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.distill.core.model.BertClassifier;
import dev.distill.core.model.ModelConfig;
import dev.distill.core.pruning.StructuredPruning;
import dev.distill.core.weights.BertNames;
import dev.distill.core.weights.Safetensors;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads and writes Hugging Face BERT model directories. Writes a {@link BertClassifier} as a directory that {@code
 * AutoModelForSequenceClassification.from_pretrained} and {@code AutoTokenizer.from_pretrained} load:
 * {@code config.json} ({@code BertForSequenceClassification}, sizes, {@code id2label}/{@code label2id}),
 * {@code model.safetensors} (the weights under their Hugging Face names), {@code tokenizer.json} (the student's),
 * {@code vocab.txt} (its WordPiece vocabulary, by id), {@code tokenizer_config.json} and
 * {@code special_tokens_map.json}. Reads such a directory back, or one saved by {@code transformers} for a BERT
 * model (safetensors weights, absolute positions, GELU).
 */
public final class HuggingFaceDirectory {
    public static final String CONFIG = "config.json";
    public static final String WEIGHTS = "model.safetensors";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final Map<String, String> SPECIAL_TOKENS = Map.of("unk_token", "[UNK]", "sep_token", "[SEP]",
            "pad_token", "[PAD]", "cls_token", "[CLS]", "mask_token", "[MASK]");

    private HuggingFaceDirectory() {
    }

    /**
     * Writes the directory (created if needed; files in it are replaced). A head-pruned model is written at its
     * unpruned width, the pruned heads as heads of zeros ({@link StructuredPruning#withPrunedHeadsAsZeros}): it loads
     * in any BERT implementation and computes what the pruned model does, but is no smaller on disk than unpruned
     * (the ONNX export is).
     */
    public static void write(BertClassifier model, Path tokenizerJson, Path directory) throws IOException {
        Files.createDirectories(directory);
        ModelConfig config = model.config();
        JSON.writeValue(directory.resolve(CONFIG).toFile(), config(config));
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(directory.resolve(WEIGHTS)));
                NDManager scratch = NDManager.newBaseManager()) {
            Safetensors.writeParameterArrays(out, StructuredPruning.withPrunedHeadsAsZeros(config,
                    Safetensors.arrays(model.weights()), scratch));
        }
        Files.copy(tokenizerJson, directory.resolve("tokenizer.json"), StandardCopyOption.REPLACE_EXISTING);
        Files.writeString(directory.resolve("vocab.txt"), String.join("\n", vocabulary(tokenizerJson)) + "\n",
                StandardCharsets.UTF_8);
        Map<String, Object> tokenizerConfig = new LinkedHashMap<>(SPECIAL_TOKENS);
        tokenizerConfig.put("tokenizer_class", "BertTokenizer");
        tokenizerConfig.put("do_lower_case", true);
        tokenizerConfig.put("model_max_length", config.maxLength());
        tokenizerConfig.put("clean_up_tokenization_spaces", true);
        JSON.writeValue(directory.resolve("tokenizer_config.json").toFile(), tokenizerConfig);
        JSON.writeValue(directory.resolve("special_tokens_map.json").toFile(), SPECIAL_TOKENS);
    }

    /**
     * A BERT model directory's size, labels and weights (names without {@code bert.}, as {@code BertModel} saves
     * them, get it); the arrays live in {@code manager}.
     *
     * @param maxLength tokens the model is to read, at most its positions
     * @throws IOException if the directory is not a BERT model this project can run
     */
    public static Loaded read(Path directory, NDManager manager, int maxLength) throws IOException {
        Path configFile = directory.resolve(CONFIG);
        Path weightsFile = directory.resolve(WEIGHTS);
        if (!Files.isRegularFile(configFile) || !Files.isRegularFile(weightsFile)) {
            throw new IOException(directory + " is not a Hugging Face model directory: it needs " + CONFIG + " and "
                    + WEIGHTS);
        }
        JsonNode json = JSON.readTree(configFile.toFile());
        require(json, "model_type", "bert");
        require(json, "hidden_act", "gelu");
        require(json, "position_embedding_type", "absolute");
        JsonNode id2label = json.path("id2label");
        List<String> labels = new ArrayList<>();
        for (int i = 0; i < id2label.size(); i++) {
            labels.add(id2label.path(String.valueOf(i)).asText(String.valueOf(i)));
        }
        int positions = json.path("max_position_embeddings").asInt(512);
        int hidden = json.path("hidden_size").asInt();
        int heads = json.path("num_attention_heads").asInt();
        int layers = json.path("num_hidden_layers").asInt();
        int pruned = prunedHeadsPerLayer(json.path("pruned_heads"), layers);
        ModelConfig config = new ModelConfig(json.path("vocab_size").asInt(), hidden, layers, heads - pruned,
                json.path("intermediate_size").asInt(), positions, json.path("type_vocab_size").asInt(2),
                Math.min(maxLength, positions), labels.size() >= 2 ? labels : ModelConfig.numberedLabels(2),
                heads > 0 ? hidden / heads : 0);
        Map<String, NDArray> weights = new LinkedHashMap<>();
        Safetensors.decode(manager, Files.readAllBytes(weightsFile)).forEach((name, array) -> weights.put(
                name.startsWith(BertNames.ENCODER) || name.startsWith(BertNames.CLASSIFIER) ? name
                        : BertNames.ENCODER + name, array));
        return new Loaded(config, weights);
    }

    /**
     * A model directory read back.
     *
     * @param config  its size and labels
     * @param weights its weights under {@code BertForSequenceClassification} names
     */
    public record Loaded(ModelConfig config, Map<String, NDArray> weights) {
    }

    /**
     * How many heads {@code pruned_heads} takes from each layer: the same number from every layer, or refused (this
     * project's layers all have the same width).
     */
    private static int prunedHeadsPerLayer(JsonNode prunedHeads, int layers) throws IOException {
        if (prunedHeads.isMissingNode() || prunedHeads.isNull() || prunedHeads.isEmpty()) {
            return 0;
        }
        Set<Integer> counts = new HashSet<>();
        for (int layer = 0; layer < layers; layer++) {
            counts.add(prunedHeads.path(String.valueOf(layer)).size());
        }
        if (counts.size() != 1) {
            throw new IOException("config.json prunes different numbers of heads from different layers "
                    + prunedHeads + "; only the same number in every layer is supported");
        }
        return counts.iterator().next();
    }

    private static void require(JsonNode config, String field, String expected) throws IOException {
        String actual = config.path(field).asText(expected);
        if (!actual.equals(expected)) {
            throw new IOException("config.json has " + field + " \"" + actual + "\"; only \"" + expected
                    + "\" is supported");
        }
    }

    /** {@code config.json} of a BERT sequence classifier of this size and label set. */
    static Map<String, Object> config(ModelConfig config) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("architectures", List.of("BertForSequenceClassification"));
        json.put("model_type", "bert");
        json.put("vocab_size", config.vocabSize());
        json.put("hidden_size", config.hiddenSize());
        json.put("num_hidden_layers", config.layers());
        // pruned heads are written back as heads of zeros (see write): every head of the unpruned width is there
        json.put("num_attention_heads", config.hiddenSize() / config.attentionHeadSize());
        json.put("intermediate_size", config.intermediateSize());
        json.put("hidden_act", "gelu");
        json.put("hidden_dropout_prob", ModelConfig.DROPOUT);
        json.put("attention_probs_dropout_prob", ModelConfig.DROPOUT);
        json.put("max_position_embeddings", config.maxPositions());
        json.put("type_vocab_size", config.typeVocabSize());
        json.put("initializer_range", 0.02);
        json.put("layer_norm_eps", ModelConfig.LAYER_NORM_EPSILON);
        json.put("pad_token_id", 0);
        json.put("position_embedding_type", "absolute");
        json.put("classifier_dropout", null);
        json.put("problem_type", "single_label_classification");
        Map<String, Integer> label2id = new LinkedHashMap<>();
        for (int i = 0; i < config.numClasses(); i++) {
            label2id.put(config.labels().get(i), i);
        }
        json.put("id2label", config.id2label());
        json.put("label2id", label2id);
        json.put("torch_dtype", "float32");
        return json;
    }

    /** The WordPiece vocabulary of a {@code tokenizer.json}, token by id. */
    static List<String> vocabulary(Path tokenizerJson) throws IOException {
        JsonNode vocab = JSON.readTree(tokenizerJson.toFile()).path("model").path("vocab");
        if (!vocab.isObject() || vocab.isEmpty()) {
            throw new IOException(tokenizerJson + " has no WordPiece vocabulary (model.vocab)");
        }
        List<String> tokens = new ArrayList<>(Collections.nCopies(vocab.size(), (String) null));
        for (Iterator<Map.Entry<String, JsonNode>> entries = vocab.fields(); entries.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = entries.next();
            int id = entry.getValue().asInt(-1);
            if (id < 0 || id >= tokens.size() || tokens.get(id) != null) {
                throw new IOException(tokenizerJson + " has an out-of-range or repeated vocabulary id " + id);
            }
            tokens.set(id, entry.getKey());
        }
        return tokens;
    }
}
