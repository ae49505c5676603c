package dev.distill.core.data;

/** A sentence with its gold label as written in a labelled TSV file: a class name or index. */
public record LabeledRow(String text, String label) {
}
