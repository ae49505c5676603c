package dev.distill.local.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.distill.core.Directories;
import dev.distill.core.model.ModelConfig;
import dev.distill.local.OfflineTraining;
import dev.distill.local.Project;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

/** {@code --name value} options of a benchmark command, and where its results go. */
final class BenchmarkOptions {
    private final Map<String, String> values;
    private final Path project;

    private BenchmarkOptions(Map<String, String> values, Path project) {
        this.values = values;
        this.project = project;
    }

    /**
     * Parses the arguments and runs the benchmark; prints the usage for {@code --help}, and the usage with the
     * problem for bad options (exit status 2).
     */
    static void main(String[] args, String usage, Consumer<BenchmarkOptions> benchmark) {
        if (args.length > 0 && (args[0].equals("--help") || args[0].equals("-h"))) {
            System.out.print(usage);
            return;
        }
        Map<String, String> values = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i += 2) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                System.err.print("error: expected --option value pairs\n" + usage);
                System.exit(2);
            }
            String name = args[i].substring(2);
            if (!usage.contains("[--" + name + " ")) {
                System.err.print("error: unknown option " + args[i] + "\n" + usage);
                System.exit(2);
            }
            values.put(name, args[i + 1]);
        }
        Path project = Project.dir();
        try {
            benchmark.accept(new BenchmarkOptions(values, project));
        } catch (IllegalArgumentException e) {
            System.err.print("error: " + e.getMessage() + "\n" + usage);
            System.exit(2);
        }
    }

    static BenchmarkOptions of(Map<String, String> values, Path project) {
        return new BenchmarkOptions(values, project);
    }

    /** The options as given, for the results file. */
    Map<String, String> values() {
        return Map.copyOf(values);
    }

    Path project() {
        return project;
    }

    String option(String name, String fallback) {
        return values.getOrDefault(name, fallback);
    }

    int intOption(String name, int fallback) {
        String value = values.get(name);
        try {
            return value == null ? fallback : Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + name + " takes a whole number, got '" + value + "'");
        }
    }

    /** Passes over {@code examples} examples: a whole number or {@code auto} ({@link OfflineTraining#autoPasses}). */
    int passesOption(String name, int examples) {
        return option(name, "auto").equals("auto") ? OfflineTraining.autoPasses(examples) : intOption(name, 1);
    }

    /** A model size option, {@code HIDDEN,LAYERS,HEADS}; SST-2's two classes, BERT's vocabulary. */
    ModelConfig sizeOption(String name, String fallback, int maxLength) {
        String spec = option(name, fallback);
        String[] parts = spec.split(",");
        try {
            if (parts.length == 3) {
                return new ModelConfig(30522, Integer.parseInt(parts[0].strip()), Integer.parseInt(parts[1].strip()),
                        Integer.parseInt(parts[2].strip()), maxLength, 2);
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("--" + name + " is HIDDEN,LAYERS,HEADS, got '" + spec + "'");
    }

    /** The output folder, {@code --out} or {@code target/bench/<name>}, emptied. */
    Path outDir(String benchmark) {
        Path outDir = Path.of(option("out", project.resolve("target/bench").resolve(benchmark).toString()))
                .toAbsolutePath();
        Directories.delete(outDir);
        return outDir;
    }

    /** Writes {@code results.json} and {@code results.md} and prints the table. */
    static void writeResults(Path outDir, Map<String, Object> results, String table, PrintStream out) {
        try {
            Files.createDirectories(outDir);
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
                    .writeValue(outDir.resolve("results.json").toFile(), results);
            Files.writeString(outDir.resolve("results.md"), table);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write results to " + outDir, e);
        }
        out.println();
        out.print(table);
        out.println("results: " + outDir.resolve("results.json"));
    }
}
