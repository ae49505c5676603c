package dev.distill.local;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class OfflineTrainingTest {
    @Test
    void autoPassesGiveSmallDataSetsAsManyUpdatesAsLargeOnes() {
        assertEquals(1, OfflineTraining.autoPasses(67_349), "SST-2: one epoch");
        assertEquals(1, OfflineTraining.autoPasses(OfflineTraining.AUTO_EXAMPLES_SEEN));
        assertEquals(2, OfflineTraining.autoPasses(OfflineTraining.AUTO_EXAMPLES_SEEN - 1));
        assertEquals(3, OfflineTraining.autoPasses(6_080), "AG News here: 18,240 examples seen");
        assertEquals(OfflineTraining.AUTO_EXAMPLES_SEEN, OfflineTraining.autoPasses(1));
    }
}
