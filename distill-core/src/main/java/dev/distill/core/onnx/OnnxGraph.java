package dev.distill.core.onnx;

import com.google.protobuf.ByteString;
import dev.distill.core.onnx.proto.Onnx;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

/**
 * Builds an ONNX graph node by node: each call adds a node (or an initializer) and returns the name of its output,
 * so expressions read in order. Output names are unique ({@code prefix_N}).
 */
final class OnnxGraph {
    private final Onnx.GraphProto.Builder graph = Onnx.GraphProto.newBuilder();
    private int counter;

    OnnxGraph(String name) {
        graph.setName(name);
    }

    Onnx.GraphProto.Builder proto() {
        return graph;
    }

    /** Adds a node with one output and returns the output's name. */
    String node(String opType, List<String> inputs, Onnx.AttributeProto... attributes) {
        String output = opType.toLowerCase() + "_" + counter++;
        graph.addNode(Onnx.NodeProto.newBuilder().setOpType(opType).setName(output).addAllInput(inputs)
                .addOutput(output).addAllAttribute(List.of(attributes)));
        return output;
    }

    /** Adds a float tensor as an initializer and returns its name. */
    String floats(String name, float[] values, long... dims) {
        ByteBuffer raw = ByteBuffer.allocate(values.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        raw.asFloatBuffer().put(values);
        graph.addInitializer(Onnx.TensorProto.newBuilder().setName(name).addAllDims(boxed(dims))
                .setDataType(Onnx.TensorProto.DataType.FLOAT_VALUE).setRawData(ByteString.copyFrom(raw.array())));
        return name;
    }

    /** Adds an int64 constant as an initializer and returns its name; no dims make a scalar. */
    String longs(long[] values, long... dims) {
        String name = "const_" + counter++;
        ByteBuffer raw = ByteBuffer.allocate(values.length * Long.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        raw.asLongBuffer().put(values);
        graph.addInitializer(Onnx.TensorProto.newBuilder().setName(name).addAllDims(boxed(dims))
                .setDataType(Onnx.TensorProto.DataType.INT64_VALUE).setRawData(ByteString.copyFrom(raw.array())));
        return name;
    }

    /** A float scalar constant. */
    String scalar(float value) {
        return floats("const_" + counter++, new float[] {value});
    }

    /** Declares a graph input or output: {@code elemType} [dims], each dim a name (dynamic) or a size. */
    static Onnx.ValueInfoProto value(String name, int elemType, Object... dims) {
        Onnx.TensorShapeProto.Builder shape = Onnx.TensorShapeProto.newBuilder();
        for (Object dim : dims) {
            shape.addDim(dim instanceof String param ? Onnx.TensorShapeProto.Dimension.newBuilder().setDimParam(param)
                    : Onnx.TensorShapeProto.Dimension.newBuilder().setDimValue(((Number) dim).longValue()));
        }
        return Onnx.ValueInfoProto.newBuilder().setName(name).setType(Onnx.TypeProto.newBuilder()
                .setTensorType(Onnx.TypeProto.Tensor.newBuilder().setElemType(elemType).setShape(shape))).build();
    }

    static Onnx.AttributeProto intAttribute(String name, long value) {
        return Onnx.AttributeProto.newBuilder().setName(name).setType(Onnx.AttributeProto.AttributeType.INT)
                .setI(value).build();
    }

    static Onnx.AttributeProto floatAttribute(String name, float value) {
        return Onnx.AttributeProto.newBuilder().setName(name).setType(Onnx.AttributeProto.AttributeType.FLOAT)
                .setF(value).build();
    }

    static Onnx.AttributeProto intsAttribute(String name, long... values) {
        return Onnx.AttributeProto.newBuilder().setName(name).setType(Onnx.AttributeProto.AttributeType.INTS)
                .addAllInts(boxed(values)).build();
    }

    private static List<Long> boxed(long[] values) {
        return java.util.Arrays.stream(values).boxed().toList();
    }
}
