package dev.distill.core.wire;

/**
 * One text to be labelled by the teacher.
 *
 * @param id    stable id chosen by the producer; used to trace the example through the pipeline
 * @param text  the raw text
 * @param label gold label when known, as a class name or index of the label service's label set (JSON numbers are
 *              read as indices); {@code null} for unlabelled (transfer-set) text
 */
public record TextExample(String id, String text, String label) {
}
