package dev.distill.core.support;

import dev.distill.core.wire.SoftLabel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Locates the repository's data folder (SST-2, tokenizer) for tests, and makes small labelled examples. */
public final class TestData {
    private TestData() {
    }

    public static Path dataDir() {
        return Path.of(System.getProperty("distill.data.dir", "../data"));
    }

    public static Path tokenizer() {
        return dataDir().resolve("vocab/tokenizer.json");
    }

    public static Path sst2(String split) {
        return dataDir().resolve("sst2/" + split + ".tsv");
    }

    /** Short two-class examples with gold labels only, alternating positive (0) and negative (1). */
    public static List<SoftLabel> goldExamples(int count) {
        List<SoftLabel> examples = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            examples.add(new SoftLabel("e" + i, (i % 2 == 0 ? "a fine , moving film " : "a dull , tired film ") + i,
                    i % 2, null));
        }
        return examples;
    }
}
