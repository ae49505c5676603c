package dev.distill.local;

import java.nio.file.Path;

/** The project this launcher runs from: its data, built services and scripts. */
public final class Project {
    private Project() {
    }

    /** The project's root: {@code -Ddistill.project.dir} (set by the scripts), else the working directory. */
    public static Path dir() {
        return Path.of(System.getProperty("distill.project.dir", ".")).toAbsolutePath();
    }
}
