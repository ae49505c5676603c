package dev.distill.label.service;

import dev.distill.core.inference.TextClassifier;
import dev.distill.core.telemetry.MetricNames;
import dev.distill.core.text.LengthBatching;
import dev.distill.core.wire.SoftLabel;
import dev.distill.core.wire.SoftLabelBatch;
import dev.distill.core.wire.TextExample;
import dev.distill.label.config.LabelConfig;
import dev.distill.label.ml.TeacherModel;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/** Turns the examples of a poll into soft-label batches. */
@ApplicationScoped
public class LabelingService {
    private final TeacherModel teacher;
    private final LabelConfig config;
    private final Counter labelled;
    private final Timer batchTime;

    public LabelingService(TeacherModel teacher, LabelConfig config, MeterRegistry registry) {
        this.teacher = teacher;
        this.config = config;
        this.labelled = Counter.builder(MetricNames.LABEL_EXAMPLES).description("examples given soft labels")
                .register(registry);
        this.batchTime = Timer.builder(MetricNames.LABEL_BATCH).description("one teacher batch, tokenization included")
                .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofMinutes(1)).register(registry);
    }

    /**
     * Labels the examples of one poll in teacher batches of at most {@code label.max-batch-size}, ordered by length
     * so that each batch pads little ({@link LengthBatching}).
     */
    public List<SoftLabelBatch> labelAll(List<TextExample> examples) {
        return LengthBatching.batches(examples, example -> example.text().length(), config.maxBatchSize()).stream()
                .map(this::label).toList();
    }

    private SoftLabelBatch label(List<TextExample> examples) {
        long started = System.nanoTime();
        TextClassifier.TeacherOutput output = teacher.label(examples.stream().map(TextExample::text).toList());
        batchTime.record(Duration.ofNanos(System.nanoTime() - started));
        labelled.increment(examples.size());
        int[] hiddenLayers = teacher.hiddenLayers();
        List<SoftLabel> labels = new ArrayList<>(examples.size());
        for (int i = 0; i < examples.size(); i++) {
            TextExample example = examples.get(i);
            Integer gold = example.label() == null ? null : teacher.labels().index(example.label());
            labels.add(new SoftLabel(example.id(), example.text(), gold,
                    output == null ? null : output.logits()[i],
                    output == null || hiddenLayers == null ? null : output.hidden()[i]));
        }
        return new SoftLabelBatch(UUID.randomUUID().toString(), teacher.id(), teacher.tokenizerId(),
                config.temperature(), hiddenLayers, labels, teacher.labels().names());
    }
}
