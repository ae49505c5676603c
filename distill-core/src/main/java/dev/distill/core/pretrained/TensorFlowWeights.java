package dev.distill.core.pretrained;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * BERT weights from a zipped TensorFlow 1 SavedModel (Google's checkpoint names, {@code bert/encoder/layer_0/...}),
 * under Hugging Face names: {@code bert/encoder/layer_N/x/kernel} becomes {@code bert.encoder.layer.N.x.weight}
 * (transposed from [in, out]), LayerNorm {@code gamma}/{@code beta} become {@code weight}/{@code bias}, and the
 * masked-word head {@code cls/predictions/...} keeps its Hugging Face {@code BertForMaskedLM} names.
 */
final class TensorFlowWeights {
    private static final String INDEX = "variables/variables.index";
    private static final String DATA = "variables/variables.data-00000-of-00001";

    private TensorFlowWeights() {
    }

    /**
     * Reads the float variables of the zipped SavedModel in {@code zipped}, which is copied to a cache file first:
     * the zip lists the data before the index, so it is read with random access.
     */
    static Map<String, NDArray> read(InputStream zipped, String id, NDManager manager) throws IOException {
        Path cache = Path.of(System.getProperty("java.io.tmpdir"), "distill-pretrained", id + ".zip");
        Files.createDirectories(cache.getParent());
        Path partial = Files.createTempFile(cache.getParent(), id, ".part");
        Files.copy(zipped, partial, StandardCopyOption.REPLACE_EXISTING);
        Files.move(partial, cache, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        try (ZipFile zip = new ZipFile(cache.toFile())) {
            ZipEntry indexEntry = zip.getEntry(INDEX);
            ZipEntry dataEntry = zip.getEntry(DATA);
            if (indexEntry == null || dataEntry == null) {
                throw new IOException(id + " holds no " + INDEX + " and " + DATA);
            }
            Map<String, TensorFlowBundle.Entry> index;
            try (InputStream in = zip.getInputStream(indexEntry)) {
                index = TensorFlowBundle.readIndex(in.readAllBytes());
            }
            List<Map.Entry<String, TensorFlowBundle.Entry>> floats = index.entrySet().stream()
                    .filter(entry -> entry.getValue().dtype() == TensorFlowBundle.DT_FLOAT)
                    .filter(entry -> !entry.getKey().contains("adam_") && !entry.getKey().contains("global_step"))
                    .sorted(Comparator.comparingLong(entry -> entry.getValue().offset()))
                    .toList();
            Map<String, NDArray> weights = new LinkedHashMap<>();
            try (InputStream data = zip.getInputStream(dataEntry)) {
                long position = 0;
                for (Map.Entry<String, TensorFlowBundle.Entry> variable : floats) {
                    TensorFlowBundle.Entry entry = variable.getValue();
                    data.skipNBytes(entry.offset() - position);
                    ByteBuffer bytes = ByteBuffer.wrap(data.readNBytes((int) entry.size()))
                            .order(ByteOrder.LITTLE_ENDIAN);
                    position = entry.offset() + entry.size();
                    float[] values = new float[(int) (entry.size() / Float.BYTES)];
                    bytes.asFloatBuffer().get(values);
                    NDArray array = manager.create(values, new Shape(entry.shape()));
                    weights.put(huggingFaceName(variable.getKey()),
                            variable.getKey().endsWith("/kernel") ? array.transpose() : array);
                }
            }
            return weights;
        } finally {
            Files.deleteIfExists(cache);
        }
    }

    /** {@code module/bert/encoder/layer_3/attention/self/query/kernel} -> Hugging Face's name for it. */
    static String huggingFaceName(String variable) {
        String name = variable.startsWith("module/") ? variable.substring("module/".length()) : variable;
        name = name.replaceAll("layer_(\\d+)", "layer.$1").replace('/', '.');
        if (name.equals("cls.predictions.output_bias")) {
            return "cls.predictions.bias";
        }
        if (name.endsWith(".kernel") || name.endsWith(".gamma")) {
            return name.substring(0, name.lastIndexOf('.')) + ".weight";
        }
        if (name.endsWith(".beta")) {
            return name.substring(0, name.lastIndexOf('.')) + ".bias";
        }
        return name.endsWith("_embeddings") ? name + ".weight" : name;
    }
}
