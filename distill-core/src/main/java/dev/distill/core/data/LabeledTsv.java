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
 * Reads GLUE-style {@code sentence<TAB>label} files with a header line (SST-2's train.tsv and dev.tsv). Errors name
 * the file and line.
 */
public final class LabeledTsv {
    private LabeledTsv() {
    }

    /**
     * @param limit read at most this many rows; 0 or less reads all
     */
    public static List<LabeledText> read(Path file, int limit) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("labelled data file not found: " + file.toAbsolutePath());
        }
        List<LabeledText> rows = new ArrayList<>();
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
                if (tab < 0) {
                    throw new IllegalArgumentException(file + ":" + lineNumber + ": no TAB between sentence and label");
                }
                String text = line.substring(0, tab).strip();
                String label = line.substring(tab + 1).strip();
                try {
                    rows.add(new LabeledText(text, Integer.parseInt(label)));
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException(file + ":" + lineNumber + ": label '" + label
                            + "' is not an integer");
                }
            }
            return rows;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }
}
