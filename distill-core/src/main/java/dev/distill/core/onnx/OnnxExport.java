package dev.distill.core.onnx;

import static dev.distill.core.onnx.OnnxGraph.floatAttribute;
import static dev.distill.core.onnx.OnnxGraph.intAttribute;
import static dev.distill.core.onnx.OnnxGraph.value;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.MinimalPrettyPrinter;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import dev.distill.core.model.BertClassifier;
import dev.distill.core.model.ModelConfig;
import dev.distill.core.onnx.proto.Onnx;
import dev.distill.core.weights.BertNames;
import java.io.IOException;
import java.io.OutputStream;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Writes a {@link BertClassifier} as an ONNX model (opset 17, IR version 8) that computes the same logits:
 * inputs {@code input_ids}, {@code attention_mask} and {@code token_type_ids} (int64 [batch, sequence], both
 * dynamic), output {@code logits} (float [batch, labels]). Built from standard operators only (Gather, MatMul,
 * LayerNormalization, Softmax, Erf, ...), so any ONNX Runtime of the last years runs it. The label names travel in
 * the model's metadata ({@code id2label}, JSON).
 */
public final class OnnxExport {
    public static final int OPSET = 17;
    private static final long IR_VERSION = 8;
    /** {@code {"0": "negative", "1": "positive"}}: JSON spaced as people write it, the metadata is read by people. */
    private static final ObjectWriter JSON = new ObjectMapper().writer(new MinimalPrettyPrinter() {
        @Override
        public void writeObjectFieldValueSeparator(JsonGenerator generator) throws IOException {
            generator.writeRaw(": ");
        }

        @Override
        public void writeObjectEntrySeparator(JsonGenerator generator) throws IOException {
            generator.writeRaw(", ");
        }
    });

    private OnnxExport() {
    }

    public static void write(BertClassifier model, OutputStream out) throws IOException {
        write(model, OnnxPrecision.FP32, out);
    }

    /** Writes the model with its linear weights in {@code precision}. */
    public static void write(BertClassifier model, OnnxPrecision precision, OutputStream out) throws IOException {
        precision.apply(build(model)).writeTo(out);
    }

    static Onnx.ModelProto build(BertClassifier model) {
        ModelConfig config = model.config();
        Map<String, Parameter> weights = model.weights();
        OnnxGraph graph = new OnnxGraph("bert_for_sequence_classification");
        Graph g = new Graph(graph, weights, config, new HashSet<>());

        String embedded = g.embeddings();
        String maskBias = g.maskBias();
        String hidden = embedded;
        for (int layer = 0; layer < config.layers(); layer++) {
            hidden = g.layer(BertNames.layer(layer), hidden, maskBias);
        }
        String cls = graph.node("Gather", List.of(hidden, graph.longs(new long[] {0})), intAttribute("axis", 1));
        String pooled = graph.node("Tanh", List.of(g.linear(BertNames.POOLER, cls)));
        String logits = g.linear(BertNames.CLASSIFIER, pooled);
        graph.proto().addNode(Onnx.NodeProto.newBuilder().setOpType("Identity").setName("logits")
                .addInput(logits).addOutput("logits"));

        int int64 = Onnx.TensorProto.DataType.INT64_VALUE;
        graph.proto().addInput(value("input_ids", int64, "batch", "sequence"))
                .addInput(value("attention_mask", int64, "batch", "sequence"))
                .addInput(value("token_type_ids", int64, "batch", "sequence"))
                .addOutput(value("logits", Onnx.TensorProto.DataType.FLOAT_VALUE, "batch", config.numClasses()));
        return Onnx.ModelProto.newBuilder()
                .setIrVersion(IR_VERSION)
                .addOpsetImport(Onnx.OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET))
                .setProducerName("distill")
                .setGraph(graph.proto())
                .addMetadataProps(Onnx.StringStringEntryProto.newBuilder().setKey("id2label")
                        .setValue(id2label(config)))
                .build();
    }

    private static String id2label(ModelConfig config) {
        try {
            return JSON.writeValueAsString(config.id2label());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write id2label of " + config.labels(), e);
        }
    }

    /** The BERT computation, in ONNX nodes over the model's weights. */
    private record Graph(OnnxGraph graph, Map<String, Parameter> weights, ModelConfig config, Set<String> added) {

        String embeddings() {
            String words = graph.node("Gather", List.of(weight(BertNames.WORD_EMBEDDINGS),
                    "input_ids"));
            String length = graph.node("Gather", List.of(graph.node("Shape", List.of("input_ids")),
                    graph.longs(new long[] {1})), intAttribute("axis", 0));
            String positionIds = graph.node("Range", List.of(graph.longs(new long[] {0}), length,
                    graph.longs(new long[] {1})));
            String positions = graph.node("Gather", List.of(weight(BertNames.POSITION_EMBEDDINGS),
                    positionIds));
            String types = graph.node("Gather", List.of(weight(BertNames.TOKEN_TYPE_EMBEDDINGS),
                    "token_type_ids"));
            String sum = graph.node("Add", List.of(graph.node("Add", List.of(words, positions)), types));
            return norm(BertNames.EMBEDDINGS_NORM, sum);
        }

        /** (1 - mask) * -10000, shaped (B, 1, 1, S) to broadcast over heads and queries. */
        String maskBias() {
            String mask = graph.node("Cast", List.of("attention_mask"),
                    intAttribute("to", Onnx.TensorProto.DataType.FLOAT_VALUE));
            String inverted = graph.node("Sub", List.of(graph.scalar(1f), mask));
            String bias = graph.node("Mul", List.of(inverted, graph.scalar(ModelConfig.MASKED_SCORE)));
            return graph.node("Unsqueeze", List.of(bias, graph.longs(new long[] {1, 2}, 2)));
        }

        String layer(String prefix, String hidden, String maskBias) {
            int heads = config.heads();
            int headSize = config.attentionHeadSize();
            String split = graph.longs(new long[] {0, 0, heads, headSize}, 4);
            String q = graph.node("Transpose", List.of(graph.node("Reshape", List.of(
                    linear(prefix + BertNames.QUERY, hidden), split))), OnnxGraph.intsAttribute("perm",
                    0, 2, 1, 3));
            String kT = graph.node("Transpose", List.of(graph.node("Reshape", List.of(
                    linear(prefix + BertNames.KEY, hidden), split))), OnnxGraph.intsAttribute("perm",
                    0, 2, 3, 1));
            String v = graph.node("Transpose", List.of(graph.node("Reshape", List.of(
                    linear(prefix + BertNames.VALUE, hidden), split))), OnnxGraph.intsAttribute("perm",
                    0, 2, 1, 3));
            String scores = graph.node("Add", List.of(graph.node("Div", List.of(graph.node("MatMul", List.of(q, kT)),
                    graph.scalar((float) Math.sqrt(headSize)))), maskBias));
            String probabilities = graph.node("Softmax", List.of(scores), intAttribute("axis", -1));
            String context = graph.node("Reshape", List.of(graph.node("Transpose", List.of(graph.node("MatMul",
                            List.of(probabilities, v))), OnnxGraph.intsAttribute("perm", 0, 2, 1, 3)),
                    graph.longs(new long[] {0, 0, config.attentionWidth()}, 3)));
            String attended = norm(prefix + BertNames.ATTENTION_NORM, graph.node("Add", List.of(
                    linear(prefix + BertNames.ATTENTION_OUTPUT, context), hidden)));
            String expanded = gelu(linear(prefix + BertNames.INTERMEDIATE, attended));
            return norm(prefix + BertNames.OUTPUT_NORM, graph.node("Add", List.of(
                    linear(prefix + BertNames.OUTPUT, expanded), attended)));
        }

        /** x W^T + b, with W stored [in, out] as ONNX MatMul takes it. */
        String linear(String prefix, String input) {
            NDArray w = weights.get(prefix + BertNames.WEIGHT).getArray();
            String transposed = graph.floats(prefix + "weight.transposed", w.transpose().toFloatArray(),
                    w.getShape().get(1), w.getShape().get(0));
            return graph.node("Add", List.of(graph.node("MatMul", List.of(input, transposed)),
                    weight(prefix + BertNames.BIAS)));
        }

        /** Exact GELU: x * 0.5 * (1 + erf(x / sqrt(2))). */
        String gelu(String x) {
            String erf = graph.node("Erf", List.of(graph.node("Div", List.of(x, graph.scalar((float) Math.sqrt(2))))));
            return graph.node("Mul", List.of(graph.node("Mul", List.of(x, graph.scalar(0.5f))),
                    graph.node("Add", List.of(erf, graph.scalar(1f)))));
        }

        String norm(String prefix, String input) {
            return graph.node("LayerNormalization", List.of(input, weight(prefix + BertNames.WEIGHT),
                    weight(prefix + BertNames.BIAS)), intAttribute("axis", -1),
                    floatAttribute("epsilon", ModelConfig.LAYER_NORM_EPSILON));
        }

        /** The named weight as an initializer (added once). */
        String weight(String name) {
            if (added.add(name)) {
                NDArray array = weights.get(name).getArray();
                graph.floats(name, array.toFloatArray(), array.getShape().getShape());
            }
            return name;
        }
    }
}
