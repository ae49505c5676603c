package dev.distill.eval.service;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distill.eval.Promotion;
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
}
