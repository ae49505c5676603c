package dev.distill.core.support;

import java.nio.file.Path;

/** Locates the repository's data folder (SST-2, tokenizer) for tests. */
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
}
