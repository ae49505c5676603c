package dev.distill.core;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** Clearing away scratch directories. */
public final class Directories {
    private Directories() {
    }

    /**
     * Removes a directory and everything in it, as far as it can: for scratch space, where a leftover is harmless
     * and must not hide the error being handled. Nothing happens for {@code null}.
     */
    public static void deleteQuietly(Path directory) {
        if (directory == null) {
            return;
        }
        try (Stream<Path> paths = Files.walk(directory)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException | RuntimeException ignored) {
            // see above: best effort
        }
    }
}
