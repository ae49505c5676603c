package dev.distill.core.evaluation;

import dev.distill.core.data.LabelSet;
import dev.distill.core.data.LabeledRow;
import dev.distill.core.data.LabeledTsv;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Labelled held-out rows and the classes of the file they come from ({@link LabelSet#of}: its {@code labels.txt}, or
 * the labels it holds). A model is scored on its own classes: a held-out label is matched to them by name, and a
 * label that is an index of the file's classes by the name the file gives it (SST-2's {@code 1} is
 * {@code positive}). An index is never matched to a model's class by position alone: a model of classes
 * {@code c0..c5} scored on labels {@code 0..5} would be scored on a guess.
 *
 * @param rows        the rows, as written
 * @param fileClasses the classes the file's labels name
 */
public record HeldOutSet(List<LabeledRow> rows, LabelSet fileClasses) {
    public HeldOutSet {
        rows = List.copyOf(rows);
    }

    /** The first {@code limit} rows of a labelled TSV file (0: all of them) and the file's classes. */
    public static HeldOutSet read(Path labelledTsv, int limit) {
        return new HeldOutSet(LabeledTsv.readRows(labelledTsv, limit), LabelSet.of(labelledTsv));
    }

    public int size() {
        return rows.size();
    }

    public List<String> texts() {
        return rows.stream().map(LabeledRow::text).toList();
    }

    /**
     * The held-out labels as indices of the model's classes.
     *
     * @throws IllegalArgumentException naming the first label that is none of them
     */
    public int[] gold(List<String> modelClasses) {
        int[] gold = new int[rows.size()];
        for (int i = 0; i < gold.length; i++) {
            String label = rows.get(i).label();
            Optional<String> named = fileClasses.name(label);
            int index = modelClasses.indexOf(label);
            if (index < 0 && named.isPresent()) {
                index = modelClasses.indexOf(named.get());
            }
            if (index < 0) {
                throw new IllegalArgumentException("held-out row " + (i + 1) + ": label \"" + label + "\""
                        + named.filter(name -> !name.equals(label)).map(name -> " (\"" + name + "\" in "
                                + LabelSet.LABELS_FILE + ")").orElse("")
                        + " is none of the model's classes " + modelClasses + "; held-out labels are matched to a "
                        + "model's classes by name, or by an index the held-out file's " + LabelSet.LABELS_FILE
                        + " names");
            }
            gold[i] = index;
        }
        return gold;
    }
}
