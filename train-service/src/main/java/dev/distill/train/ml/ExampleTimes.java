package dev.distill.train.ml;

import dev.distill.core.checkpoint.CheckpointManifest;
import java.time.Instant;

/**
 * When an example entered {@code distill.examples} and when its soft label was published: the newest such pair a
 * student has learnt from is saved with each checkpoint, to say how fresh it is.
 */
public record ExampleTimes(Instant enteredAt, Instant labelledAt) {

    /** The pair whose example entered later; either may be null. */
    static ExampleTimes newer(ExampleTimes known, ExampleTimes candidate) {
        if (known == null) {
            return candidate;
        }
        return candidate != null && candidate.enteredAt.isAfter(known.enteredAt) ? candidate : known;
    }

    /** The times a checkpoint's manifest saved, or null. */
    static ExampleTimes of(CheckpointManifest.StreamTimes saved) {
        return saved == null || saved.newestExampleAt() == null ? null : new ExampleTimes(
                Instant.parse(saved.newestExampleAt()), Instant.parse(saved.newestExampleLabelledAt()));
    }

    CheckpointManifest.StreamTimes toManifest() {
        return new CheckpointManifest.StreamTimes(enteredAt.toString(), labelledAt.toString());
    }
}
