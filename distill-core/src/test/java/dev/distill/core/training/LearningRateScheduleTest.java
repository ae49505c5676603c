package dev.distill.core.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class LearningRateScheduleTest {

    @Test
    void warmsUpLinearlyThenDecaysLinearlyToZero() {
        LearningRateSchedule schedule = new LearningRateSchedule(1e-3f, 10, 110);
        assertEquals(1e-4f, schedule.getNewValue(1), 1e-9f);
        assertEquals(5e-4f, schedule.getNewValue(5), 1e-9f);
        assertEquals(1e-3f, schedule.getNewValue(10), 1e-9f);
        assertEquals(5e-4f, schedule.getNewValue(60), 1e-9f);   // halfway between step 10 and 110
        assertEquals(0f, schedule.getNewValue(110), 1e-9f);
        assertEquals(0f, schedule.getNewValue(500), 1e-9f);
    }

    /** Examples after the planned end still teach: the decay ends at the floor and holds it. */
    @Test
    void decaysToTheFloorAndHoldsItAfterThePlannedEnd() {
        LearningRateSchedule schedule = new LearningRateSchedule(1e-3f, 10, 110, 0.1f);
        assertEquals(1e-3f, schedule.getNewValue(10), 1e-9f);
        assertEquals(5.5e-4f, schedule.getNewValue(60), 1e-9f);  // halfway from the peak to the floor
        assertEquals(1e-4f, schedule.getNewValue(110), 1e-9f);
        assertEquals(1e-4f, schedule.getNewValue(1_000_000), 1e-9f);
        assertEquals(1e-3f, new LearningRateSchedule(1e-3f, 10, 110, 1f).getNewValue(500), 1e-9f);
        assertThrows(IllegalArgumentException.class, () -> new LearningRateSchedule(1e-3f, 10, 110, 1.5f));
        assertThrows(IllegalArgumentException.class, () -> new LearningRateSchedule(1e-3f, 10, 110, -0.1f));
    }

    @Test
    void openEndedStreamKeepsThePeakRateAfterWarmUp() {
        LearningRateSchedule schedule = new LearningRateSchedule(2e-3f, 4, 0);
        assertEquals(1e-3f, schedule.getNewValue(2), 1e-9f);
        assertEquals(2e-3f, schedule.getNewValue(4), 1e-9f);
        assertEquals(2e-3f, schedule.getNewValue(100_000), 1e-9f);
        assertEquals(2e-3f, new LearningRateSchedule(2e-3f, 0, 0).getNewValue(1), 1e-9f);
    }

    @Test
    void refusesDecayEndingBeforeWarmUpEnds() {
        assertThrows(IllegalArgumentException.class, () -> new LearningRateSchedule(1e-3f, 10, 10));
        assertThrows(IllegalArgumentException.class, () -> new LearningRateSchedule(1e-3f, -1, 0));
    }
}
