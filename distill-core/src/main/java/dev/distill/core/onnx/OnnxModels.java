package dev.distill.core.onnx;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.WireFormat;
import dev.distill.core.onnx.proto.Onnx;
import dev.distill.core.weights.BertNames;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads ONNX models: the whole model, its metadata alone, or the weights of a BERT encoder exported to ONNX from
 * Hugging Face {@code BertModel} (PyTorch's exporter), under the Hugging Face names of
 * {@code BertForSequenceClassification} ({@code bert.} + the exported name). The exporter keeps the names of
 * embeddings, LayerNorms and biases, but stores each Linear weight as an unnamed MatMul input
 * ({@code onnx::MatMul_123}, laid out [in, out]): such a weight is named after the bias that the Add behind its MatMul
 * adds, and transposed to PyTorch's [out, in].
 */
public final class OnnxModels {

    private OnnxModels() {
    }

    /** Parses an ONNX model; models are far larger than protobuf's default 64 MB message limit. */
    public static Onnx.ModelProto read(InputStream in) throws IOException {
        CodedInputStream coded = CodedInputStream.newInstance(in);
        coded.setSizeLimit(Integer.MAX_VALUE);
        return Onnx.ModelProto.parseFrom(coded);
    }

    /**
     * The model's {@code metadata_props}, read without loading the graph: fields are skipped until the metadata
     * entries, so a large model costs no memory.
     */
    public static Map<String, String> metadata(InputStream in) throws IOException {
        CodedInputStream coded = CodedInputStream.newInstance(in);
        coded.setSizeLimit(Integer.MAX_VALUE);
        Map<String, String> metadata = new LinkedHashMap<>();
        for (int tag = coded.readTag(); tag != 0; tag = coded.readTag()) {
            if (WireFormat.getTagFieldNumber(tag) == Onnx.ModelProto.METADATA_PROPS_FIELD_NUMBER) {
                Onnx.StringStringEntryProto entry = Onnx.StringStringEntryProto.parseFrom(coded.readBytes());
                metadata.put(entry.getKey(), entry.getValue());
            } else {
                coded.skipField(tag);
            }
        }
        return metadata;
    }

    /**
     * Every float weight of the encoder, named; arrays live in {@code manager}.
     *
     * @throws IllegalArgumentException if a MatMul weight has no bias to be named by
     */
    public static Map<String, NDArray> bertWeights(Onnx.ModelProto model, NDManager manager) {
        Onnx.GraphProto graph = model.getGraph();
        Map<String, Onnx.TensorProto> initializers = new LinkedHashMap<>();
        graph.getInitializerList().forEach(tensor -> initializers.put(tensor.getName(), tensor));
        Map<String, Onnx.NodeProto> consumers = new HashMap<>();
        for (Onnx.NodeProto node : graph.getNodeList()) {
            node.getInputList().forEach(input -> consumers.putIfAbsent(input, node));
        }
        Map<String, NDArray> weights = new LinkedHashMap<>();
        for (Onnx.NodeProto node : graph.getNodeList()) {
            if (!node.getOpType().equals("MatMul") || !initializers.containsKey(node.getInput(1))) {
                continue;
            }
            Onnx.NodeProto add = consumers.get(node.getOutput(0));
            String bias = add == null || !add.getOpType().equals("Add") ? null : add.getInputList().stream()
                    .filter(input -> input.endsWith("." + BertNames.BIAS) && initializers.containsKey(input))
                    .findFirst().orElse(null);
            if (bias == null) {
                throw new IllegalArgumentException("MatMul weight " + node.getInput(1) + " is not followed by a "
                        + "bias Add, so it cannot be named; not a BERT encoder exported from Hugging Face?");
            }
            String name = BertNames.ENCODER + bias.substring(0, bias.length() - BertNames.BIAS.length())
                    + BertNames.WEIGHT;
            weights.put(name, array(initializers.remove(node.getInput(1)), manager).transpose());
        }
        for (Onnx.TensorProto tensor : initializers.values()) {
            if (tensor.getDataType() == Onnx.TensorProto.DataType.FLOAT_VALUE && !tensor.getName().contains("::")) {
                weights.put(BertNames.ENCODER + tensor.getName(), array(tensor, manager));
            }
        }
        return weights;
    }

    /** A float tensor as an array, from raw little-endian bytes or from its float_data field. */
    static NDArray array(Onnx.TensorProto tensor, NDManager manager) {
        Shape shape = new Shape(tensor.getDimsList().stream().mapToLong(Long::longValue).toArray());
        float[] values = floats(tensor);
        if (values.length != shape.size()) {
            throw new IllegalArgumentException("tensor " + tensor.getName() + " holds " + values.length
                    + " values for shape " + shape);
        }
        return manager.create(values, shape);
    }

    /** The values of a float tensor, from raw little-endian bytes or from its float_data field. */
    static float[] floats(Onnx.TensorProto tensor) {
        if (tensor.getDataType() != Onnx.TensorProto.DataType.FLOAT_VALUE) {
            throw new IllegalArgumentException("tensor " + tensor.getName() + " has ONNX data type "
                    + tensor.getDataType() + ", not float");
        }
        if (tensor.hasRawData()) {
            ByteBuffer raw = tensor.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
            float[] values = new float[raw.remaining() / Float.BYTES];
            raw.asFloatBuffer().get(values);
            return values;
        }
        List<Float> data = tensor.getFloatDataList();
        float[] values = new float[data.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = data.get(i);
        }
        return values;
    }
}
