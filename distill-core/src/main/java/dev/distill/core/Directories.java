package dev.distill.core;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** Clearing away directories: work directories of runs and tests, and scratch space. */
public final class Directories {
    private Directories() {
    }

    /**
     * Removes a directory and everything in it; nothing happens if it does not exist.
     *
     * @throws UncheckedIOException if it cannot be read
     */
    public static void delete(Path directory) {
        if (!Files.exists(directory)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(directory)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot clear " + directory, e);
        }
    }

    /**
     * Removes a directory and everything in it, as far as it can: for scratch space, where a leftover is harmless
     * and must not hide the error being handled. Nothing happens for {@code null}.
     */
    public static void deleteQuietly(Path directory) {
        if (directory == null) {
            return;
        }
        try {
            delete(directory);
        } catch (RuntimeException ignored) {
            // see above: best effort
        }
    }
}
