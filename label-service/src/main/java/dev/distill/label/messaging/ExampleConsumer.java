package dev.distill.label.messaging;

import dev.distill.core.wire.Channels;
import dev.distill.core.wire.SoftLabelBatch;
import dev.distill.core.wire.TextExample;
import dev.distill.core.wire.WireCodec;
import dev.distill.core.wire.WireFormatException;
import dev.distill.label.service.ExampleValidator;
import dev.distill.label.service.LabelingService;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.reactive.messaging.MutinyEmitter;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

/**
 * Labels examples in micro-batches. Kafka delivers up to {@code max.poll.records} examples per poll and the broker
 * holds a fetch up to {@code fetch.max.wait.ms} to fill it: those two settings are the batch size and the wait.
 * The batch is acknowledged only after its soft labels (and any dead letters) are written.
 */
@ApplicationScoped
public class ExampleConsumer {
    private static final Logger LOG = Logger.getLogger(ExampleConsumer.class);

    private final LabelingService labeling;
    private final ExampleValidator validator;
    private final MutinyEmitter<byte[]> softLabels;
    private final MutinyEmitter<byte[]> deadLetters;

    public ExampleConsumer(LabelingService labeling, ExampleValidator validator,
            @Channel(Channels.SOFT_LABELS_OUT) MutinyEmitter<byte[]> softLabels,
            @Channel(Channels.EXAMPLES_DEAD_LETTER) MutinyEmitter<byte[]> deadLetters) {
        this.labeling = labeling;
        this.validator = validator;
        this.softLabels = softLabels;
        this.deadLetters = deadLetters;
    }

    @Incoming(Channels.EXAMPLES_IN)
    @Blocking
    public void label(List<byte[]> payloads) {
        List<TextExample> examples = new ArrayList<>(payloads.size());
        for (byte[] payload : payloads) {
            String problem;
            try {
                TextExample example = WireCodec.decode(payload, TextExample.class);
                problem = validator.problem(example);
                if (problem == null) {
                    examples.add(example);
                    continue;
                }
            } catch (WireFormatException e) {
                problem = e.getMessage();
            }
            LOG.warnf("example sent to the dead-letter topic: %s", problem);
            deadLetters.sendMessageAndAwait(KafkaMessages.deadLetter(payload, problem));
        }
        if (examples.isEmpty()) {
            return;
        }
        SoftLabelBatch batch = labeling.label(examples);
        softLabels.sendMessageAndAwait(KafkaMessages.keyed(batch.batchId(), WireCodec.encode(batch)));
    }
}
