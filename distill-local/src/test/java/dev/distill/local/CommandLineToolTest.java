package dev.distill.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * Every tool reads its command line alike ({@link CommandLineTool}): {@code --help} prints the usage and succeeds; an
 * unknown option, a malformed value or a missing argument says what is wrong, then the usage, with exit status 2;
 * and none of them starts any work.
 */
class CommandLineToolTest {
    /** A tool, the arguments it needs besides options, and arguments with a value it cannot take (if any). */
    private record Tool(String name, Supplier<Object> command, List<String> needed, List<String> badValue) {
    }

    private static final List<Tool> TOOLS = List.of(
            new Tool("./run-local.sh", Main::new, List.of(), List.of("--limit", "many")),
            new Tool("bin/export-student", ExportStudent::new, List.of("checkpoint"), List.of()),
            new Tool("bin/prune-student", PruneStudent::new, List.of("checkpoint", "--out", "x"),
                    List.of("checkpoint", "--out", "x", "--heads", "two")),
            new Tool("bin/create-topics", CreateTopics::new, List.of("broker:9092"),
                    List.of("broker:9092", "three")));

    @Test
    void everyToolAnswersHelpUnknownOptionsAndBadValuesAlike() {
        for (Tool tool : TOOLS) {
            Run help = run(tool, "--help");
            assertEquals(0, help.status(), tool.name() + " --help: " + help);
            assertTrue(help.out().startsWith("Usage: " + tool.name()), tool.name() + " --help: " + help);

            List<String> withUnknown = new ArrayList<>(tool.needed());
            withUnknown.add("--no-such-option");
            Run unknown = run(tool, withUnknown.toArray(String[]::new));
            assertEquals(CommandLineTool.USAGE_ERROR, unknown.status(), tool.name() + ": " + unknown);
            assertTrue(unknown.err().startsWith("error: Unknown option: '--no-such-option'"), tool.name() + ": "
                    + unknown);
            assertTrue(unknown.err().contains("Usage: " + tool.name()), tool.name() + ": " + unknown);

            if (!tool.badValue().isEmpty()) {
                Run bad = run(tool, tool.badValue().toArray(String[]::new));
                assertEquals(CommandLineTool.USAGE_ERROR, bad.status(), tool.name() + ": " + bad);
                assertTrue(bad.err().startsWith("error: Invalid value for "), tool.name() + ": " + bad);
            }
        }
        Run missing = run(TOOLS.get(2), "checkpoint");
        assertEquals(CommandLineTool.USAGE_ERROR, missing.status(), missing.toString());
        assertTrue(missing.err().startsWith("error: Missing required option: '--out=DIR'"), missing.toString());
    }

    private record Run(int status, String out, String err) {
    }

    private static Run run(Tool tool, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = CommandLineTool.execute(tool.command().get(), args, new PrintStream(out, true,
                StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }
}
