package dev.distill.local.bench;

import ai.djl.inference.Predictor;
import ai.djl.translate.TranslateException;
import dev.distill.core.data.LabelSet;
import dev.distill.core.data.LabeledText;
import dev.distill.core.data.LabeledTsv;
import dev.distill.core.inference.TextClassifier;
import dev.distill.core.loss.SoftTargets;
import dev.distill.core.model.Devices;
import dev.distill.core.model.ModelConfig;
import dev.distill.core.training.TrainingSettings;
import dev.distill.core.wire.SoftLabel;
import dev.distill.core.wire.SoftLabelBatch;
import dev.distill.core.wire.SoftLabelCodec;
import dev.distill.core.wire.SoftLabelEncoding;
import dev.distill.local.OfflineTraining;
import dev.distill.local.Project;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Part (3) of the performance benchmark: the bytes each soft-label encoding adds per example, and the KL error its
 * decoded logits make, on an SST-2 teacher's outputs and on a synthetic 1000-class label space.
 */
final class EncodingBenchmark {
    private final BenchmarkOptions options;
    private final PrintStream out;
    private final Path project;
    private final Path tokenizer;

    EncodingBenchmark(BenchmarkOptions options, PrintStream out) {
        this.options = options;
        this.out = out;
        this.project = options.project();
        this.tokenizer = Project.tokenizer(project);
    }

    Map<String, Object> measure(Path outDir, List<LabeledText> train, int batchSize) {
        out.println("encodings: bytes per soft label and KL error on SST-2 teacher outputs");
        List<LabeledText> labelled = train.subList(0, Math.min(train.size(),
                options.intOption("encoding-teacher-examples", 8000)));
        Path teacher = OfflineTraining.train("encoding-teacher", OfflineTraining.goldOnly(labelled),
                new ModelConfig(30522, 128, 2, 4, 64, 2), TrainingSettings.constantRate(1f, 1f, 1e-3f, 42), 1,
                tokenizer, outDir.resolve("encoding-teacher"), out);
        Path devFile = project.resolve("data/sst2/dev.tsv");
        List<LabeledText> dev = LabeledTsv.read(devFile, LabelSet.of(devFile), 0);
        List<SoftLabel> sst2 = new ArrayList<>();
        try (TextClassifier model = TextClassifier.load(teacher, tokenizer, Devices.preferred());
                Predictor<List<String>, float[][]> predictor = model.newPredictor()) {
            for (int from = 0; from < dev.size(); from += 128) {
                List<LabeledText> slice = dev.subList(from, Math.min(dev.size(), from + 128));
                float[][] logits = predictor.predict(slice.stream().map(LabeledText::text).toList());
                for (int i = 0; i < slice.size(); i++) {
                    sst2.add(new SoftLabel("dev-" + (from + i), slice.get(i).text(), slice.get(i).label(),
                            logits[i]));
                }
            }
        } catch (TranslateException e) {
            throw new IllegalStateException("teacher inference failed: " + e.getMessage(), e);
        }
        Map<String, Object> encodings = new LinkedHashMap<>();
        encodings.put("sst2", encodingRows(sst2, batchSize, 1));
        encodings.put("synthetic1000Classes", encodingRows(syntheticWideLabels(sst2, 1000), batchSize, 16));
        return encodings;
    }

    /** The SST-2 texts with 1000-class logits (Gaussian, a few classes well ahead): a large label space. */
    private static List<SoftLabel> syntheticWideLabels(List<SoftLabel> sst2, int classes) {
        Random random = new Random(9);
        List<SoftLabel> wide = new ArrayList<>();
        for (SoftLabel label : sst2.subList(0, Math.min(256, sst2.size()))) {
            float[] logits = new float[classes];
            for (int c = 0; c < classes; c++) {
                logits[c] = (float) random.nextGaussian();
            }
            for (int lead = 0; lead < 5; lead++) {
                logits[random.nextInt(classes)] += 6 - lead;
            }
            wide.add(new SoftLabel(label.exampleId(), label.text(), null, logits));
        }
        return wide;
    }

    private List<Map<String, Object>> encodingRows(List<SoftLabel> labels, int batchSize, int topK) {
        List<Map<String, Object>> rows = new ArrayList<>();
        for (SoftLabelEncoding encoding : SoftLabelEncoding.values()) {
            SoftLabelCodec codec = new SoftLabelCodec(encoding, topK);
            long recordBytes = 0;
            long withoutLogitsBytes = 0;
            double klSum = 0;
            double klMax = 0;
            float temperature = 2f;
            for (int from = 0; from < labels.size(); from += batchSize) {
                List<SoftLabel> slice = labels.subList(from, Math.min(labels.size(), from + batchSize));
                SoftLabelBatch batch = new SoftLabelBatch("b" + from, "teacher", "tokenizer", temperature, slice);
                byte[] encoded = codec.encode(batch);
                recordBytes += encoded.length;
                withoutLogitsBytes += codec.encode(new SoftLabelBatch("b" + from, "teacher", "tokenizer",
                        temperature, slice.stream().map(l -> new SoftLabel(l.exampleId(), l.text(), l.label(), null))
                        .toList())).length;
                List<SoftLabel> decoded = SoftLabelCodec.decode(encoded).labels();
                for (int i = 0; i < slice.size(); i++) {
                    double kl = SoftTargets.klDivergence(slice.get(i).logits(), decoded.get(i).logits(),
                            temperature);
                    klSum += kl;
                    klMax = Math.max(klMax, kl);
                }
            }
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("encoding", encoding == SoftLabelEncoding.TOP_K ? "top-" + topK : encoding.name().toLowerCase());
            row.put("classes", labels.get(0).logits().length);
            row.put("bytesPerSoftLabel", (double) (recordBytes - withoutLogitsBytes) / labels.size());
            row.put("bytesPerExampleRecord", (double) recordBytes / labels.size());
            row.put("klMean", klSum / labels.size());
            row.put("klMax", klMax);
            rows.add(row);
        }
        double jsonBytes = (double) rows.get(0).get("bytesPerSoftLabel");
        rows.forEach(row -> row.put("shareOfJson", (double) row.get("bytesPerSoftLabel") / jsonBytes));
        return rows;
    }
}
