package dev.distill.label.messaging;

import dev.distill.core.wire.Channels;
import dev.distill.core.wire.TextExample;
import dev.distill.core.wire.WireCodec;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.MutinyEmitter;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import org.eclipse.microprofile.reactive.messaging.Channel;

/** Writes accepted examples to the examples topic, keyed by id; completes once Kafka has them. */
@ApplicationScoped
public class ExamplePublisher {
    private final MutinyEmitter<byte[]> examples;

    public ExamplePublisher(@Channel(Channels.EXAMPLES_OUT) MutinyEmitter<byte[]> examples) {
        this.examples = examples;
    }

    public Uni<Void> publish(List<TextExample> accepted) {
        if (accepted.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        List<Uni<Void>> sends = accepted.stream()
                .map(example -> examples.sendMessage(KafkaMessages.keyed(example.id(), WireCodec.encode(example))))
                .toList();
        return Uni.join().all(sends).andFailFast().replaceWithVoid();
    }
}
