package dev.distill.core.onnx;

import com.google.protobuf.ByteString;
import dev.distill.core.onnx.proto.Onnx;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Dynamic int8 quantisation of an ONNX model, as ONNX Runtime's {@code quantize_dynamic} does it: every MatMul with
 * a constant 2-D float weight becomes
 * <pre>
 *   x_q, x_scale, x_zero = DynamicQuantizeLinear(x)                  activations: uint8, scale found per call
 *   y = Cast(MatMulInteger(x_q, W_q, x_zero, W_zero)) * (x_scale * W_scale)
 * </pre>
 * with one symmetric scale per output column ({@code W_scale[n] = max|W[:, n]| / 127}): {@code W_q} holds
 * {@code round(W / W_scale)} in [-127, 127], stored as uint8 around a zero point of 128. uint8 rather than int8 because
 * ONNX Runtime's uint8 x int8 kernels on x86 CPUs without VNNI (AVX2, AVX-512 before Cascade Lake and Zen 4) add
 * pairs of products in saturating 16-bit lanes, so the result depends on the CPU; its uint8 x uint8 kernels are
 * exact on every CPU and, measured, about as fast. Standard operators only (opset 10+); ONNX Runtime fuses the pattern
 * into its integer kernels. An activation feeding several MatMuls (query, key and value) is quantised once.
 * Everything else stays float.
 */
public final class OnnxQuantization {
    private static final int INT8_MAX = 127;
    private static final int WEIGHT_ZERO_POINT = 128;
    private static final String QUANTIZED = "_quantized";

    private OnnxQuantization() {
    }

    /** The model with its constant MatMul weights in int8; metadata and interface unchanged. */
    public static Onnx.ModelProto dynamicInt8(Onnx.ModelProto model) {
        Onnx.GraphProto graph = model.getGraph();
        Map<String, Onnx.TensorProto> initializers = new LinkedHashMap<>();
        graph.getInitializerList().forEach(tensor -> initializers.put(tensor.getName(), tensor));
        Map<String, Integer> uses = new HashMap<>();
        graph.getNodeList().forEach(node -> node.getInputList().forEach(input -> uses.merge(input, 1, Integer::sum)));

        Onnx.GraphProto.Builder rewritten = graph.toBuilder().clearNode().clearInitializer();
        Map<String, Onnx.TensorProto> kept = new LinkedHashMap<>(initializers);
        Set<String> quantizedActivations = new HashSet<>();
        for (Onnx.NodeProto node : graph.getNodeList()) {
            Onnx.TensorProto weight = node.getOpType().equals("MatMul") ? initializers.get(node.getInput(1)) : null;
            if (weight == null || weight.getDataType() != Onnx.TensorProto.DataType.FLOAT_VALUE
                    || weight.getDimsCount() != 2) {
                rewritten.addNode(node);
                continue;
            }
            String x = node.getInput(0);
            String xq = x + QUANTIZED;
            if (quantizedActivations.add(x)) {
                rewritten.addNode(Onnx.NodeProto.newBuilder().setOpType("DynamicQuantizeLinear")
                        .setName(xq).addInput(x).addOutput(xq).addOutput(x + "_scale").addOutput(x + "_zero_point"));
            }
            QuantizedWeight q = QuantizedWeight.of(weight);
            kept.put(q.values().getName(), q.values());
            kept.put(q.scales().getName(), q.scales());
            kept.put(q.zeroPoints().getName(), q.zeroPoints());
            if (uses.merge(weight.getName(), -1, Integer::sum) == 0) {
                kept.remove(weight.getName());
            }
            String out = node.getOutput(0);
            rewritten.addNode(node(out + "_int32", "MatMulInteger", xq, q.values().getName(), x + "_zero_point",
                    q.zeroPoints().getName()));
            rewritten.addNode(node(out + "_float", "Cast", out + "_int32").toBuilder().addAttribute(
                    OnnxGraph.intAttribute("to", Onnx.TensorProto.DataType.FLOAT_VALUE)));
            rewritten.addNode(node(out + "_scale", "Mul", x + "_scale", q.scales().getName()));
            rewritten.addNode(node(out, "Mul", out + "_float", out + "_scale"));
        }
        rewritten.addAllInitializer(kept.values());
        return model.toBuilder().setGraph(rewritten).build();
    }

    /**
     * Bytes held by constant MatMul weights, and once quantised by their 8-bit values, zero points and per-column
     * scales: what quantisation shrinks. Embedding tables and LayerNorm parameters are not counted.
     */
    public static long linearWeightBytes(Onnx.ModelProto model) {
        Onnx.GraphProto graph = model.getGraph();
        Map<String, Onnx.TensorProto> initializers = new HashMap<>();
        graph.getInitializerList().forEach(tensor -> initializers.put(tensor.getName(), tensor));
        Map<String, Onnx.NodeProto> producers = new HashMap<>();
        Map<String, Onnx.NodeProto> consumers = new HashMap<>();
        for (Onnx.NodeProto node : graph.getNodeList()) {
            node.getOutputList().forEach(output -> producers.put(output, node));
            node.getInputList().forEach(input -> consumers.putIfAbsent(input, node));
        }
        Set<String> weights = new HashSet<>();
        for (Onnx.NodeProto node : graph.getNodeList()) {
            if (node.getOpType().equals("MatMul")) {
                weights.add(node.getInput(1));
            } else if (node.getOpType().equals("MatMulInteger")) {
                weights.addAll(List.of(node.getInput(1), node.getInput(3)));
                // MatMulInteger -> Cast -> Mul(_, x_scale * W_scale): the scales live in the second factor
                Onnx.NodeProto cast = consumers.get(node.getOutput(0));
                Onnx.NodeProto rescale = cast == null ? null : consumers.get(cast.getOutput(0));
                Onnx.NodeProto scales = rescale == null ? null : producers.get(rescale.getInput(1));
                if (scales != null) {
                    weights.addAll(scales.getInputList());
                }
            }
        }
        return weights.stream().map(initializers::get).filter(Objects::nonNull)
                .mapToLong(tensor -> tensor.getRawData().size()).sum();
    }

    private static Onnx.NodeProto node(String output, String opType, String... inputs) {
        return Onnx.NodeProto.newBuilder().setOpType(opType).setName(output).addAllInput(List.of(inputs))
                .addOutput(output).build();
    }

    /** An 8-bit weight [in, out] with its per-column scales and zero points. */
    private record QuantizedWeight(Onnx.TensorProto values, Onnx.TensorProto scales, Onnx.TensorProto zeroPoints) {

        static QuantizedWeight of(Onnx.TensorProto weight) {
            float[] w = OnnxModels.floats(weight);
            int rows = (int) weight.getDims(0);
            int columns = (int) weight.getDims(1);
            float[] scales = new float[columns];
            for (int i = 0; i < w.length; i++) {
                scales[i % columns] = Math.max(scales[i % columns], Math.abs(w[i]));
            }
            for (int n = 0; n < columns; n++) {
                scales[n] = scales[n] == 0 ? 1 : scales[n] / INT8_MAX;
            }
            byte[] q = new byte[w.length];
            for (int i = 0; i < w.length; i++) {
                long level = Math.max(-INT8_MAX, Math.min(INT8_MAX, Math.round(w[i] / scales[i % columns])));
                q[i] = (byte) (level + WEIGHT_ZERO_POINT);
            }
            byte[] zeroPoints = new byte[columns];
            Arrays.fill(zeroPoints, (byte) WEIGHT_ZERO_POINT);
            ByteBuffer scaleBytes = ByteBuffer.allocate(columns * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
            scaleBytes.asFloatBuffer().put(scales);
            String name = weight.getName();
            return new QuantizedWeight(
                    tensor(name + QUANTIZED, Onnx.TensorProto.DataType.UINT8_VALUE, q, rows, columns),
                    tensor(name + "_scale", Onnx.TensorProto.DataType.FLOAT_VALUE, scaleBytes.array(), columns),
                    tensor(name + "_zero_point", Onnx.TensorProto.DataType.UINT8_VALUE, zeroPoints, columns));
        }

        private static Onnx.TensorProto tensor(String name, int type, byte[] raw, long... dims) {
            Onnx.TensorProto.Builder tensor = Onnx.TensorProto.newBuilder().setName(name).setDataType(type)
                    .setRawData(ByteString.copyFrom(raw));
            for (long dim : dims) {
                tensor.addDims(dim);
            }
            return tensor.build();
        }
    }
}
