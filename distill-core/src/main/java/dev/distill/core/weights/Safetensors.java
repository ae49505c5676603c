package dev.distill.core.weights;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The safetensors format (Hugging Face, github.com/huggingface/safetensors): an 8-byte little-endian header length,
 * a UTF-8 JSON header mapping each tensor name to {@code {"dtype", "shape", "data_offsets": [begin, end]}} (offsets
 * into the data that follows, which the tensors cover without holes) plus an optional {@code "__metadata__"} map of
 * strings, padded with spaces to a multiple of 8 bytes, then the tensors' little-endian bytes. Written here; read with
 * DJL's own safetensors reader.
 */
public final class Safetensors {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Safetensors() {
    }

    /**
     * Writes float32 tensors, in the map's order; the header is computed from the shapes first, so tensors stream out
     * one at a time.
     *
     * @param tensors  name to array (copied to the host as float32)
     * @param metadata the header's {@code __metadata__} entries, e.g. {@code format: pt}
     */
    public static void write(OutputStream out, Map<String, NDArray> tensors, Map<String, String> metadata)
            throws IOException {
        Map<String, Object> header = new LinkedHashMap<>();
        if (!metadata.isEmpty()) {
            header.put("__metadata__", metadata);
        }
        long offset = 0;
        for (Map.Entry<String, NDArray> tensor : tensors.entrySet()) {
            long end = offset + tensor.getValue().getShape().size() * Float.BYTES;
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("dtype", "F32");
            entry.put("shape", tensor.getValue().getShape().getShape());
            entry.put("data_offsets", new long[] {offset, end});
            header.put(tensor.getKey(), entry);
            offset = end;
        }
        byte[] json = JSON.writeValueAsString(header).getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8;
        out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded).array());
        out.write(json);
        out.write(" ".repeat(padded - json.length).getBytes(StandardCharsets.US_ASCII));
        byte[] chunk = new byte[1 << 20];
        for (NDArray tensor : tensors.values()) {
            writeLittleEndianFloats(out, tensor.toType(DataType.FLOAT32, false), chunk);
        }
    }

    /**
     * Straight from the tensor's memory (no copy on the PyTorch engine) where the machine is little-endian: each byte
     * passes through one reused chunk on its way to the file, not through three fresh arrays.
     */
    private static void writeLittleEndianFloats(OutputStream out, NDArray tensor, byte[] chunk) throws IOException {
        ByteBuffer bytes;
        if (ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN) {
            bytes = tensor.toByteBuffer(true);
        } else {
            float[] values = tensor.toFloatArray();
            bytes = ByteBuffer.allocate(values.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
            bytes.asFloatBuffer().put(values);
        }
        while (bytes.hasRemaining()) {
            int length = Math.min(chunk.length, bytes.remaining());
            bytes.get(chunk, 0, length);
            out.write(chunk, 0, length);
        }
    }

    /** Writes a model's parameters (as {@code BertClassifier#weights} names them), marked {@code format: pt}. */
    public static void writeParameters(OutputStream out, Map<String, Parameter> parameters) throws IOException {
        writeParameterArrays(out, arrays(parameters));
    }

    /** Writes a model's parameter arrays (named as {@code BertClassifier#weights} names them), marked as PyTorch's. */
    public static void writeParameterArrays(OutputStream out, Map<String, NDArray> arrays) throws IOException {
        write(out, arrays, Map.of("format", "pt"));
    }

    /** The parameters' arrays, in the map's order. */
    public static Map<String, NDArray> arrays(Map<String, Parameter> parameters) {
        Map<String, NDArray> arrays = new LinkedHashMap<>();
        parameters.forEach((name, parameter) -> arrays.put(name, parameter.getArray()));
        return arrays;
    }

    /** Decodes a safetensors file into named arrays in {@code manager}, in the file's header order. */
    public static Map<String, NDArray> decode(NDManager manager, byte[] bytes) {
        if (bytes.length < 9 || bytes[8] != '{') {
            throw new IllegalArgumentException("not a safetensors file (" + bytes.length + " bytes, no JSON header)");
        }
        Map<String, NDArray> named = new LinkedHashMap<>();
        for (NDArray array : NDList.decode(manager, bytes)) {
            named.put(array.getName(), array);
        }
        return named;
    }
}
