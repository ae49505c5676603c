package dev.distill.local.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Makes unlabelled transfer text from labelled sentences, in the spirit of TinyBERT's data augmentation (Jiao et al.
 * 2020) without its word-embedding lookup: each variant drops every word with probability {@link #DROP} and swaps
 * one random pair of neighbours. The variants are new inputs, so the teacher's soft labels on them carry what it
 * knows beyond the gold labels; their gold labels are never used.
 */
final class TextAugmentation {
    static final double DROP = 0.1;

    private TextAugmentation() {
    }

    /** {@code count} variants of sentences picked at random (with a fixed seed) from {@code sentences}. */
    static List<String> variants(List<String> sentences, int count, long seed) {
        Random random = new Random(seed);
        List<String> variants = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            variants.add(variant(sentences.get(random.nextInt(sentences.size())), random));
        }
        return variants;
    }

    static String variant(String sentence, Random random) {
        List<String> words = new ArrayList<>(Arrays.asList(sentence.strip().split("\\s+")));
        List<String> kept = new ArrayList<>(words.size());
        for (String word : words) {
            if (random.nextDouble() >= DROP) {
                kept.add(word);
            }
        }
        if (kept.isEmpty()) {
            kept.add(words.get(random.nextInt(words.size())));
        }
        if (kept.size() > 1) {
            int left = random.nextInt(kept.size() - 1);
            String swapped = kept.get(left);
            kept.set(left, kept.get(left + 1));
            kept.set(left + 1, swapped);
        }
        return String.join(" ", kept);
    }
}
