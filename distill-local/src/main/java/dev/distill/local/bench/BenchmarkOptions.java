package dev.distill.local.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.distill.core.Directories;
import dev.distill.core.model.ModelConfig;
import dev.distill.local.CommandLineTool;
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
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine;

/** {@code --name value} options of a benchmark command, and where its results go. */
final class BenchmarkOptions {
    private static final Pattern USAGE_NAME = Pattern.compile("usage: (\\S+)");
    private static final Pattern LISTED_OPTION = Pattern.compile("\\[--([\\w-]+) ([^\\]]+)]");
    private final Map<String, String> values;
    private final Path project;

    private BenchmarkOptions(Map<String, String> values, Path project) {
        this.values = values;
        this.project = project;
    }

    /**
     * Parses the arguments and runs the benchmark, as every tool runs ({@link CommandLineTool}): {@code --help}
     * prints the usage, an option the usage does not list or a value the benchmark refuses prints what is wrong and
     * the usage (exit status 2).
     *
     * @param usage the benchmark's usage: {@code usage: NAME [--option VALUE] ...}, then notes; each
     *              {@code [--option VALUE]} is an option, VALUE its default or what it takes
     */
    static void main(String[] args, String usage, Consumer<BenchmarkOptions> benchmark) {
        System.exit(execute(args, usage, benchmark, System.out, System.err));
    }

    /** As {@link #main}; returns the exit status. */
    static int execute(String[] args, String usage, Consumer<BenchmarkOptions> benchmark, PrintStream out,
            PrintStream err) {
        CommandLine cli = new CommandLine(command(usage));
        cli.setExecutionStrategy(parsed -> {
            Integer helped = CommandLine.executeHelpRequest(parsed);
            if (helped != null) {
                return helped;
            }
            benchmark.accept(new BenchmarkOptions(values(parsed), Project.dir()));
            return 0;
        });
        return CommandLineTool.execute(cli, args, out, err);
    }

    /** The command the usage describes: its name, its notes and its options, each taking one value. */
    private static CommandSpec command(String usage) {
        Matcher name = USAGE_NAME.matcher(usage);
        if (!name.find()) {
            throw new IllegalStateException("a benchmark usage starts with 'usage: NAME': " + usage);
        }
        CommandSpec command = CommandSpec.create().name(name.group(1));
        command.usageMessage().description(usage.lines().filter(line -> !line.isBlank()
                && !line.strip().startsWith("[") && !line.startsWith("usage:")).toArray(String[]::new));
        command.addOption(OptionSpec.builder("-h", "--help").usageHelp(true).description("show this help and exit")
                .build());
        Matcher listed = LISTED_OPTION.matcher(usage);
        while (listed.find()) {
            String value = listed.group(2);
            command.addOption(OptionSpec.builder("--" + listed.group(1)).type(String.class)
                    .paramLabel(value.matches("[A-Z][A-Z,_]*") ? value : "VALUE")
                    .description(value.matches("[A-Z][A-Z,_]*") ? "" : "default: " + value).build());
        }
        return command;
    }

    private static Map<String, String> values(ParseResult parsed) {
        Map<String, String> values = new LinkedHashMap<>();
        for (OptionSpec option : parsed.matchedOptions()) {
            if (!option.usageHelp()) {
                values.put(option.longestName().substring(2), option.getValue());
            }
        }
        return values;
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
