package dev.distill.train.position;

import dev.distill.core.checkpoint.Checkpoints;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Where the live student stands in the soft-label stream: the next offset to read per partition it has read from.
 * Saved in every checkpoint, restored from the checkpoint a start resumes from ({@link ResumePoint}), and applied to
 * the consumer whenever it is given partitions ({@link StreamPositionRestorer}). The checkpoint, not the consumer
 * group, is the truth: a record before this position was trained on already and is skipped when redelivered.
 */
@ApplicationScoped
public class StreamPosition {
    /** Next offset to read per {@link Checkpoints#offsetKey partition}. */
    private final SortedMap<String, Long> nextOffsets = new TreeMap<>();

    /** Takes the position saved in a checkpoint. */
    public synchronized void restore(Map<String, Long> saved) {
        nextOffsets.clear();
        nextOffsets.putAll(saved);
    }

    /**
     * Moves past the record at {@code offset}.
     *
     * @return false when the record lies before the position: it was applied already (redelivered after a rebalance)
     */
    public synchronized boolean advance(String topic, int partition, long offset) {
        String key = Checkpoints.offsetKey(topic, partition);
        Long next = nextOffsets.get(key);
        if (next != null && offset < next) {
            return false;
        }
        nextOffsets.put(key, offset + 1);
        return true;
    }

    /** The offset to read next in a partition, if the student has read any of it. */
    public synchronized Optional<Long> next(String topic, int partition) {
        return Optional.ofNullable(nextOffsets.get(Checkpoints.offsetKey(topic, partition)));
    }

    /** A copy of the position, to save with a checkpoint. */
    public synchronized SortedMap<String, Long> snapshot() {
        return new TreeMap<>(nextOffsets);
    }

    @Override
    public synchronized String toString() {
        return nextOffsets.toString();
    }
}
