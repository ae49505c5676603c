package dev.distill.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.reflect.Field;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Dry-runs every command the README shows, so that none of them breaks silently: the local run's options are parsed
 * as the launcher parses them, a benchmark's options are ones its usage lists, scripts exist and are executable, and
 * Maven commands name existing modules, profiles and test classes, and build what they need ({@code -pl} without
 * {@code -am} only after an install). The ops block itself runs for real in {@code OpsPathIT}.
 */
class ReadmeCommandsTest {
    private static final Path PROJECT = Path.of(System.getProperty("distill.project.dir", "..")).toAbsolutePath();
    private static final Pattern FENCED = Pattern.compile("(?ms)^```\\w*\\n(.*?)^```");
    private static final Pattern INLINE = Pattern.compile("`([^`\\n]+)`");
    private static final Pattern COMMAND = Pattern.compile("^(\\./run-local\\.sh|bench/\\w+|bin/[\\w-]+|deploy/test/run"
            + "|mvn)(\\s.*)?$");

    @Test
    void everyCommandInTheReadmeIsValid() throws Exception {
        String readme = Files.readString(PROJECT.resolve("README.md"));
        List<String> problems = new ArrayList<>();
        List<String> commands = commands(readme);
        for (String command : commands) {
            String problem = problem(command, readme);
            if (problem != null) {
                problems.add(command + ": " + problem);
            }
        }
        assertTrue(commands.stream().anyMatch(c -> c.startsWith("./run-local.sh --data")), "commands: " + commands);
        assertTrue(commands.stream().anyMatch(c -> c.startsWith("mvn") && c.contains("-pl")), "commands: " + commands);
        assertEquals(List.of(), problems);
    }

    /** A command that would fail is caught: the check is not vacuous. */
    @Test
    void brokenCommandsAreReported() throws Exception {
        String readme = "`mvn -B verify -pl distill-local -Dtest=FaultInjectionTest`";
        assertTrue(problem("mvn -B verify -pl distill-local -Dtest=FaultInjectionTest", readme).contains("-am"));
        assertTrue(problem("mvn -B -am verify -pl no-such-module", readme).contains("no-such-module"));
        assertTrue(problem("mvn -B -am verify -pl distill-local -Dtest=NoSuchTest", readme).contains("NoSuchTest"));
        assertTrue(problem("mvn -Pno-such-profile package", readme).contains("no-such-profile"));
        assertTrue(problem("./run-local.sh --dta data/sst2", readme).contains("--dta"));
        assertTrue(problem("./run-local.sh --data data/none", readme).contains("data/none"));
        assertTrue(problem("bench/quality --sed 1", readme).contains("--sed"));
        assertTrue(problem("bin/no-such-tool", readme).contains("bin/no-such-tool"));
    }

    /** Commands in fenced blocks (one per line, continuation lines joined) and in inline code. */
    private static List<String> commands(String readme) {
        List<String> commands = new ArrayList<>();
        Matcher fenced = FENCED.matcher(readme);
        while (fenced.find()) {
            for (String line : fenced.group(1).replace("\\\n", " ").split("\n")) {
                addIfCommand(line.trim(), commands);
            }
        }
        Matcher inline = INLINE.matcher(readme);
        while (inline.find()) {
            addIfCommand(inline.group(1).trim(), commands);
        }
        return commands;
    }

    private static void addIfCommand(String text, List<String> commands) {
        if (COMMAND.matcher(text).matches() && !text.contains("...") && !commands.contains(text)) {
            commands.add(text);
        }
    }

    /** Why the command would fail, or null. */
    private static String problem(String command, String readme) throws Exception {
        List<String> words = Arrays.asList(command.split("\\s+"));
        List<String> args = words.subList(1, words.size());
        String program = words.get(0);
        if (program.equals("mvn")) {
            return mavenProblem(command, args, readme);
        }
        Path script = PROJECT.resolve(program);
        if (!Files.isExecutable(script)) {
            return program + " is not an executable file of the project";
        }
        if (args.contains("--help") || args.isEmpty()) {
            return null;
        }
        if (program.equals("./run-local.sh")) {
            try {
                Main.parse(args.toArray(String[]::new), PROJECT);
                return null;
            } catch (IllegalArgumentException e) {
                return e.getMessage();
            }
        }
        if (program.startsWith("bench/")) {
            String usage = usage(Files.readString(script));
            for (String arg : args) {
                if (arg.startsWith("--") && !usage.contains("[" + arg + " ")) {
                    return "unknown option " + arg + " (usage: " + usage.strip() + ")";
                }
            }
        }
        return null;
    }

    private static String mavenProblem(String command, List<String> args, String readme) throws IOException {
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            if (arg.equals("-pl")) {
                for (String module : args.get(i + 1).split(",")) {
                    if (!Files.isRegularFile(PROJECT.resolve(module).resolve("pom.xml"))) {
                        return "-pl names " + module + ", which is not a module";
                    }
                    String tests = testClasses(args);
                    if (tests != null && !testClassExists(module, tests)) {
                        return "-Dtest=" + tests + " names a test class " + module + " does not have";
                    }
                }
                boolean installedBefore = readme.contains("after `mvn -B -DskipTests install`:\n`" + command)
                        || readme.contains("after `mvn -B -DskipTests install`: `" + command);
                if (!args.contains("-am") && !installedBefore) {
                    return "-pl without -am needs the other modules installed first; add -am or say so";
                }
            } else if (arg.startsWith("-P")) {
                String profile = arg.substring(2);
                if (!anyPomHasProfile(profile)) {
                    return "no pom.xml has the profile " + profile;
                }
            }
        }
        return null;
    }

    private static String testClasses(List<String> args) {
        return args.stream().filter(arg -> arg.startsWith("-Dtest=")).map(arg -> arg.substring("-Dtest=".length()))
                .findFirst().orElse(null);
    }

    private static boolean testClassExists(String module, String testClass) throws IOException {
        Path tests = PROJECT.resolve(module).resolve("src/test/java");
        if (!Files.isDirectory(tests)) {
            return false;
        }
        try (Stream<Path> files = Files.walk(tests)) {
            return files.anyMatch(file -> file.getFileName().toString().equals(testClass + ".java"));
        }
    }

    private static boolean anyPomHasProfile(String profile) throws IOException {
        try (Stream<Path> modules = Files.list(PROJECT)) {
            for (Path pom : Stream.concat(Stream.of(PROJECT.resolve("pom.xml")),
                    modules.map(dir -> dir.resolve("pom.xml")).filter(Files::isRegularFile)).toList()) {
                if (Files.readString(pom).contains("<id>" + profile + "</id>")) {
                    return true;
                }
            }
        }
        return false;
    }

    /** The usage text of the benchmark a {@code bench/} script runs (its main class's {@code USAGE}). */
    private static String usage(String script) throws ReflectiveOperationException {
        Matcher main = Pattern.compile("bin/java-main (\\S+)").matcher(script);
        assertTrue(main.find(), "the script runs a main class: " + script);
        Field usage = Class.forName(main.group(1)).getDeclaredField("USAGE");
        usage.setAccessible(true);
        return (String) usage.get(null);
    }
}
