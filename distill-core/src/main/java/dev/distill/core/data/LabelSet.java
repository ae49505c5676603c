package dev.distill.core.data;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.IntStream;

/**
 * The classes of a task, by name; a class's index is its position. A label may be given by name or by index.
 *
 * @param names class names, distinct, index = class id
 */
public record LabelSet(List<String> names) {
    /** A file next to the data that names the classes, one per line, in index order. */
    public static final String LABELS_FILE = "labels.txt";
    /** A class index as a number without sign or leading zeros, at most six digits. */
    private static final Pattern CANONICAL_INDEX = Pattern.compile("0|[1-9]\\d{0,5}");

    public LabelSet {
        if (names == null || names.size() < 2 || new LinkedHashSet<>(names).size() != names.size()
                || names.stream().anyMatch(name -> name == null || name.isBlank())) {
            throw new IllegalArgumentException("a label set needs at least 2 distinct, non-blank names, got "
                    + names);
        }
        names = List.copyOf(names);
    }

    /**
     * The label set of a labelled TSV file: the names in {@code labels.txt} beside it when there is one; otherwise
     * from the file's labels: {@code 0..max} when they are all integers, else the distinct names in sorted order.
     */
    public static LabelSet of(Path labelledTsv) {
        Path named = labelledTsv.toAbsolutePath().resolveSibling(LABELS_FILE);
        if (Files.isRegularFile(named)) {
            try {
                return new LabelSet(Files.readAllLines(named, StandardCharsets.UTF_8).stream().map(String::strip)
                        .filter(line -> !line.isEmpty()).toList());
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + named, e);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(named + ": " + e.getMessage(), e);
            }
        }
        Set<String> labels = new TreeSet<>();
        LabeledTsv.readRows(labelledTsv, 0).forEach(row -> labels.add(row.label()));
        if (labels.stream().allMatch(label -> CANONICAL_INDEX.matcher(label).matches())) {
            int max = labels.stream().mapToInt(Integer::parseInt).max().orElse(1);
            return numbered(Math.max(2, max + 1));
        }
        return new LabelSet(List.copyOf(labels));
    }

    /** Classes known by index only: {@code "0", "1", ...}. */
    public static LabelSet numbered(int count) {
        return new LabelSet(IntStream.range(0, count).mapToObj(String::valueOf).toList());
    }

    public int size() {
        return names.size();
    }

    /**
     * The index of a label given by name, or by index: a number below {@link #size} written as Java writes it, so
     * {@code "05"} or {@code "+1"} is no index.
     *
     * @throws IllegalArgumentException if it is neither
     */
    public int index(String label) {
        return name(label).map(names::indexOf).orElseThrow(() -> new IllegalArgumentException("label \"" + label
                + "\" is not one of " + names + " (give a class name, or its index below " + names.size() + ")"));
    }

    /** The name of the class a label gives by name or by index, if it gives one. */
    public Optional<String> name(String label) {
        int byName = names.indexOf(label);
        if (byName >= 0) {
            return Optional.of(label);
        }
        if (label != null && CANONICAL_INDEX.matcher(label).matches() && Integer.parseInt(label) < names.size()) {
            return Optional.of(names.get(Integer.parseInt(label)));
        }
        return Optional.empty();
    }
}
