package dev.distill.train.position;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class StreamPositionTest {

    @Test
    void recordsBeforeTheRestoredPositionAreAppliedAlreadyAndLaterOnesMoveIt() {
        StreamPosition position = new StreamPosition();
        position.restore(Map.of("distill.soft-labels:1", 10L));

        assertFalse(position.advance("distill.soft-labels", 1, 9), "offset 9 was trained on before the checkpoint");
        assertTrue(position.advance("distill.soft-labels", 1, 10));
        assertEquals(Optional.of(11L), position.next("distill.soft-labels", 1));
        assertTrue(position.advance("distill.soft-labels", 0, 3), "a partition never read starts where it is given");
        assertEquals(Map.of("distill.soft-labels:0", 4L, "distill.soft-labels:1", 11L), position.snapshot());
        assertEquals(Optional.empty(), position.next("distill.soft-labels", 2));
    }
}
