package dev.distill.core.data;

/** A sentence with its gold class, as read from a labelled TSV file. */
public record LabeledText(String text, int label) {
}
