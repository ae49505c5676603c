package dev.distill.core.data;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads GLUE-style {@code sentence<TAB>label} files with a header line (SST-2's train.tsv and dev.tsv, AG News);
 * labels are class names or indices ({@link LabelSet}). Errors name the file and line.
 */
public final class LabeledTsv {
    private LabeledTsv() {
    }

    /**
     * Reads the rows and gives each label its index in {@code labels}.
     *
     * @param limit read at most this many rows; 0 or less reads all
     * @throws IllegalArgumentException naming the file and line of a label outside the set
     */
    public static List<LabeledText> read(Path file, LabelSet labels, int limit) {
        List<LabeledRow> rows = readRows(file, limit);
        List<LabeledText> indexed = new ArrayList<>(rows.size());
        for (int i = 0; i < rows.size(); i++) {
            try {
                indexed.add(new LabeledText(rows.get(i).text(), labels.index(rows.get(i).label())));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(file + ", row " + (i + 1) + ": " + e.getMessage(), e);
            }
        }
        return indexed;
    }

    /**
     * Reads the rows with their labels as written.
     *
     * @param limit read at most this many rows; 0 or less reads all
     */
    public static List<LabeledRow> readRows(Path file, int limit) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("labelled data file not found: " + file.toAbsolutePath());
        }
        List<LabeledRow> rows = new ArrayList<>();
        try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String header = reader.readLine();
            if (header == null || !header.contains("\t")) {
                throw new IllegalArgumentException(file + ": expected a header line 'sentence<TAB>label'");
            }
            String line;
            int lineNumber = 1;
            while ((line = reader.readLine()) != null && (limit <= 0 || rows.size() < limit)) {
                lineNumber++;
                if (line.isBlank()) {
                    continue;
                }
                int tab = line.lastIndexOf('\t');
                String label = tab < 0 ? "" : line.substring(tab + 1).strip();
                if (label.isEmpty()) {
                    throw new IllegalArgumentException(file + ":" + lineNumber + ": no label after a TAB");
                }
                rows.add(new LabeledRow(line.substring(0, tab).strip(), label));
            }
            return rows;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }
}
