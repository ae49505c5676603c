package dev.distill.eval.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distill.eval.CheckpointScore;
import dev.distill.eval.Promotion;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class PromotionRuleTest {
    @Test
    void anyCheckpointBeatsNoPromotion() {
        assertTrue(PromotionService.beats(0.1, null, 0.005));
    }

    @Test
    void aCheckpointMustBeatThePromotedOneByMoreThanTheMargin() {
        Promotion promoted = new Promotion();
        promoted.accuracy = 0.80;
        assertFalse(PromotionService.beats(0.80, promoted, 0.005), "equal");
        assertFalse(PromotionService.beats(0.805, promoted, 0.005), "exactly the margin");
        assertTrue(PromotionService.beats(0.8051, promoted, 0.005));
        assertFalse(PromotionService.beats(0.79, promoted, 0.0), "worse");
        assertTrue(PromotionService.beats(0.8001, promoted, 0.0), "margin 0: any improvement");
    }

    @Test
    void aCheckpointOverALimitIsRefusedWithTheSettingToChange() {
        CheckpointScore score = new CheckpointScore();
        score.latencyMillisP50 = 6.5;
        score.sizeBytes = 69_000_000L;

        assertNull(PromotionService.limitExceeded(score, Optional.empty(), Optional.empty()), "no limits");
        assertNull(PromotionService.limitExceeded(score, Optional.of(6.5), Optional.of(69.0)), "exactly at both");
        PromotionService.Refusal latency = PromotionService.limitExceeded(score, Optional.of(5.0), Optional.empty());
        assertEquals("latency", latency.limit());
        assertTrue(latency.reason().contains("6.50 ms") && latency.reason().contains("eval.max-latency-ms=5.0"),
                latency.reason());
        PromotionService.Refusal size = PromotionService.limitExceeded(score, Optional.of(10.0), Optional.of(50.0));
        assertEquals("size", size.limit());
        assertTrue(size.reason().contains("69.0 MB") && size.reason().contains("eval.max-size-mb=50.0"),
                size.reason());
    }

    @Test
    void aScoreFromBeforeTimingIsNotRefused() {
        assertNull(PromotionService.limitExceeded(new CheckpointScore(), Optional.of(1.0), Optional.of(1.0)));
    }
}
