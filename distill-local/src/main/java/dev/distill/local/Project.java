package dev.distill.local;

import java.nio.file.Path;

/** The project this launcher runs from: its data, built services and scripts. */
public final class Project {
    /** The tokenizer every model of the project uses (BERT uncased WordPiece), relative to the project's root. */
    public static final String TOKENIZER = "data/vocab/tokenizer.json";

    private Project() {
    }

    /** The project's tokenizer, {@link #TOKENIZER} under {@code projectDir}. */
    public static Path tokenizer(Path projectDir) {
        return projectDir.resolve(TOKENIZER);
    }

    /** The project's root: {@code -Ddistill.project.dir} (set by the scripts), else the working directory. */
    public static Path dir() {
        return Path.of(System.getProperty("distill.project.dir", ".")).toAbsolutePath();
    }
}
