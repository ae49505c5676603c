package dev.distill.core.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class LengthBatchingTest {
    @Test
    void batchesHoldSimilarLengthsAndEveryItemOnce() {
        List<String> texts = List.of("a long sentence here", "hi", "medium one", "yo", "another long sentence", "mid");
        List<List<String>> batches = LengthBatching.batches(texts, String::length, 4);
        assertEquals(List.of(List.of("hi", "yo", "mid", "medium one"),
                List.of("a long sentence here", "another long sentence")), batches);
        assertEquals(List.of(), LengthBatching.batches(List.<String>of(), String::length, 4));
        assertThrows(IllegalArgumentException.class, () -> LengthBatching.batches(texts, String::length, 0));
    }
}
