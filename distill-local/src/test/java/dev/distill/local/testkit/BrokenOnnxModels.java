package dev.distill.local.testkit;

import dev.distill.core.onnx.proto.Onnx;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** ONNX models that break the teacher contract, for tests of the start-up checks. */
public final class BrokenOnnxModels {
    private static final int INT64 = Onnx.TensorProto.DataType.INT64_VALUE;
    private static final int FLOAT = Onnx.TensorProto.DataType.FLOAT_VALUE;

    private BrokenOnnxModels() {
    }

    /** Takes one input named {@code text}, not the teacher inputs. */
    public static Path wrongInputs(Path file) throws IOException {
        Onnx.GraphProto graph = Onnx.GraphProto.newBuilder().setName("wrong_inputs")
                .addNode(node("Cast", "as_float", Onnx.AttributeProto.newBuilder().setName("to")
                        .setType(Onnx.AttributeProto.AttributeType.INT).setI(FLOAT).build(), "text"))
                .addInput(value("text", INT64, "batch", "sequence"))
                .addOutput(value("as_float", FLOAT, "batch", "sequence"))
                .build();
        return write(file, graph);
    }

    /** Takes the teacher inputs but returns one number per example, not logits [batch, classes]. */
    public static Path wrongOutputs(Path file) throws IOException {
        Onnx.GraphProto graph = Onnx.GraphProto.newBuilder().setName("wrong_outputs")
                .addNode(node("Cast", "ids_float", Onnx.AttributeProto.newBuilder().setName("to")
                        .setType(Onnx.AttributeProto.AttributeType.INT).setI(FLOAT).build(), "input_ids"))
                .addNode(node("ReduceSum", "total", Onnx.AttributeProto.newBuilder().setName("keepdims")
                        .setType(Onnx.AttributeProto.AttributeType.INT).setI(0).build(), "ids_float", "axis"))
                .addInitializer(Onnx.TensorProto.newBuilder().setName("axis").addDims(1).setDataType(INT64)
                        .addInt64Data(1))
                .addInput(value("input_ids", INT64, "batch", "sequence"))
                .addInput(value("attention_mask", INT64, "batch", "sequence"))
                .addOutput(value("total", FLOAT, "batch"))
                .build();
        return write(file, graph);
    }

    private static Onnx.NodeProto node(String op, String output, Onnx.AttributeProto attribute, String... inputs) {
        return Onnx.NodeProto.newBuilder().setOpType(op).setName(output).addOutput(output)
                .addAllInput(List.of(inputs)).addAttribute(attribute).build();
    }

    private static Onnx.ValueInfoProto value(String name, int type, String... dims) {
        Onnx.TensorShapeProto.Builder shape = Onnx.TensorShapeProto.newBuilder();
        for (String dim : dims) {
            shape.addDim(Onnx.TensorShapeProto.Dimension.newBuilder().setDimParam(dim));
        }
        return Onnx.ValueInfoProto.newBuilder().setName(name).setType(Onnx.TypeProto.newBuilder()
                .setTensorType(Onnx.TypeProto.Tensor.newBuilder().setElemType(type).setShape(shape))).build();
    }

    private static Path write(Path file, Onnx.GraphProto graph) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        try (OutputStream out = Files.newOutputStream(file)) {
            Onnx.ModelProto.newBuilder().setIrVersion(8).setProducerName("distill-testkit")
                    .addOpsetImport(Onnx.OperatorSetIdProto.newBuilder().setDomain("").setVersion(17))
                    .setGraph(graph).build().writeTo(out);
        }
        return file;
    }
}
