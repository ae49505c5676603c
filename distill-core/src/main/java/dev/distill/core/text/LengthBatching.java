package dev.distill.core.text;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.ToIntFunction;

/**
 * Dynamic batching: orders items by length before cutting them into batches, so that each batch pads its sequences
 * to a length close to theirs instead of to the longest of a random mix.
 */
public final class LengthBatching {
    private LengthBatching() {
    }

    /**
     * The items in batches of at most {@code batchSize}, shortest first; items of equal length keep their order.
     */
    public static <T> List<List<T>> batches(List<T> items, ToIntFunction<T> length, int batchSize) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be positive, not " + batchSize);
        }
        List<T> sorted = new ArrayList<>(items);
        sorted.sort(Comparator.comparingInt(length));
        List<List<T>> batches = new ArrayList<>();
        for (int from = 0; from < sorted.size(); from += batchSize) {
            batches.add(List.copyOf(sorted.subList(from, Math.min(sorted.size(), from + batchSize))));
        }
        return batches;
    }
}
