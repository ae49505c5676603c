package dev.distill.local.bench;

import dev.distill.core.data.LabeledRow;
import dev.distill.core.wire.TextExample;
import dev.distill.core.wire.Topics;
import dev.distill.core.wire.WireCodec;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Production-shaped traffic for the soak: the rows repeated under fresh ids ({@code soak-<n>}), only every
 * {@code labelledEvery}-th carrying its gold label, produced to {@code distill.examples} at a steady rate (each
 * example at its due time, give or take 50 ms). The producer is idempotent, so broker restarts neither lose nor
 * duplicate an example.
 */
final class SoakTraffic implements Runnable {
    private final List<LabeledRow> rows;
    private final int examples;
    private final int perSecond;
    private final int labelledEvery;
    private final String bootstrap;
    private final AtomicInteger sent = new AtomicInteger();
    private final AtomicReference<Exception> failure = new AtomicReference<>();

    SoakTraffic(List<LabeledRow> rows, int examples, int perSecond, int labelledEvery, String bootstrap) {
        this.rows = rows;
        this.examples = examples;
        this.perSecond = perSecond;
        this.labelledEvery = labelledEvery;
        this.bootstrap = bootstrap;
    }

    static String id(int n) {
        return "soak-" + n;
    }

    int sent() {
        return sent.get();
    }

    /** The first send that failed for good, or null. */
    Exception failure() {
        return failure.get();
    }

    @Override
    public void run() {
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap,
                "enable.idempotence", "true", "acks", "all", "linger.ms", "20"), new StringSerializer(),
                new ByteArraySerializer())) {
            long started = System.nanoTime();
            for (int n = 0; n < examples; n++) {
                // the n-th example is due n / perSecond seconds in
                long due = started + (long) (n / (double) perSecond * 1e9);
                long wait = due - System.nanoTime();
                if (wait > 50_000_000L) {
                    Thread.sleep(wait / 1_000_000);
                }
                LabeledRow row = rows.get(n % rows.size());
                TextExample example = new TextExample(id(n), row.text(), n % labelledEvery == 0 ? row.label() : null);
                producer.send(new ProducerRecord<>(Topics.EXAMPLES, example.id(), WireCodec.encode(example)),
                        (metadata, e) -> {
                            if (e == null) {
                                sent.incrementAndGet();
                            } else {
                                failure.compareAndSet(null, e);
                            }
                        });
            }
            producer.flush();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
