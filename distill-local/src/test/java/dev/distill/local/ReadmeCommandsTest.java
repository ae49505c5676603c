package dev.distill.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.reflect.Field;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Dry-runs every command the README and the documents in {@code docs/} show, so that none of them breaks silently:
 * the local run's options are parsed as the launcher parses them, a benchmark's options are ones its usage lists,
 * scripts exist and are executable, and Maven commands name existing modules, profiles and test classes, and build
 * what they need ({@code -pl} without {@code -am} only after an install the same document mentions). The ops block
 * itself runs for real in {@code OpsPathIT}. Also follows every relative link in those documents, so that moving a
 * section or a file cannot leave a reference pointing at nothing.
 */
class ReadmeCommandsTest {
    private static final Path PROJECT = Path.of(System.getProperty("distill.project.dir", "..")).toAbsolutePath();
    private static final Pattern FENCED = Pattern.compile("(?ms)^```\\w*\\n(.*?)^```");
    private static final Pattern INLINE = Pattern.compile("`([^`\\n]+)`");
    private static final Pattern COMMAND = Pattern.compile("^(\\./run-local\\.sh|bench/\\w+|bin/[\\w-]+|deploy/test/run"
            + "|mvn)(\\s.*)?$");
    /** An inline link or image: {@code [text](target)} or {@code [text](target "title")}. */
    private static final Pattern LINK = Pattern.compile("\\[[^\\]]*]\\(([^)\\s]+)(?:\\s+\"[^\"]*\")?\\)");
    /** A target with a scheme ({@code https:}, {@code mailto:}) leaves the repository: not followed. */
    private static final Pattern SCHEME = Pattern.compile("^[a-zA-Z][a-zA-Z0-9+.-]*:");
    private static final Pattern HEADING = Pattern.compile("(?m)^#{1,6}[ \\t]+(.+?)[ \\t]*#*[ \\t]*$");

    /** Each command is checked against the document it appears in, which must say what it needs done first. */
    @Test
    void everyDocumentedCommandIsValid() throws Exception {
        List<String> commands = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        for (Path document : documents()) {
            String text = Files.readString(document);
            for (String command : commands(text)) {
                commands.add(command);
                String problem = problem(command, text);
                if (problem != null) {
                    problems.add(PROJECT.relativize(document) + ": " + command + ": " + problem);
                }
            }
        }
        assertTrue(commands.stream().anyMatch(c -> c.startsWith("./run-local.sh --data")), "commands: " + commands);
        assertTrue(commands.stream().anyMatch(c -> c.startsWith("mvn") && c.contains("-pl")), "commands: " + commands);
        assertEquals(List.of(), problems);
    }

    /** The README points into {@code docs/} by heading, and the documents into each other and into the repository. */
    @Test
    void everyRelativeLinkResolves() throws Exception {
        List<String> problems = new ArrayList<>();
        for (Path document : documents()) {
            problems.addAll(linkProblems(document, Files.readString(document)));
        }
        List<String> readmeLinks = relativeLinks(Files.readString(PROJECT.resolve("README.md")));
        assertTrue(readmeLinks.stream().anyMatch(link -> link.startsWith("docs/") && link.contains("#")),
                "README links: " + readmeLinks);
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

    /** A link to a missing file or heading is caught, and code and web addresses are not taken for links. */
    @Test
    void brokenLinksAreReported() throws Exception {
        String text = """
                # Example
                ## Exactly once, and recovery
                [here](#example) [there](#exactly-once-and-recovery) [up](../README.md) [all](../docs)
                [web](https://example.com/missing.md) `[code](no-such-file.md)`
                [gone](no-such-file.md) [lost](#no-such-heading) [far](../README.md#no-such-heading)
                """;
        List<String> problems = linkProblems(PROJECT.resolve("docs/example.md"), text);
        assertEquals(3, problems.size(), "problems: " + problems);
        assertTrue(problems.get(0).contains("(no-such-file.md)"), problems.get(0));
        assertTrue(problems.get(1).contains("(#no-such-heading)"), problems.get(1));
        assertTrue(problems.get(2).contains("(../README.md#no-such-heading)"), problems.get(2));
    }

    /** The README and every Markdown document of {@code docs/}: where the project shows its commands. */
    private static List<Path> documents() throws IOException {
        try (Stream<Path> docs = Files.list(PROJECT.resolve("docs"))) {
            return Stream.concat(Stream.of(PROJECT.resolve("README.md")),
                    docs.filter(file -> file.getFileName().toString().endsWith(".md")).sorted()).toList();
        }
    }

    /** Commands in fenced blocks (one per line, continuation lines joined) and in inline code. */
    private static List<String> commands(String text) {
        List<String> commands = new ArrayList<>();
        Matcher fenced = FENCED.matcher(text);
        while (fenced.find()) {
            for (String line : fenced.group(1).replace("\\\n", " ").split("\n")) {
                addIfCommand(line.trim(), commands);
            }
        }
        Matcher inline = INLINE.matcher(text);
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

    /** Why the command would fail, or null; {@code text} is the document that shows it. */
    private static String problem(String command, String text) throws Exception {
        List<String> words = Arrays.asList(command.split("\\s+"));
        List<String> args = words.subList(1, words.size());
        String program = words.get(0);
        if (program.equals("mvn")) {
            return mavenProblem(command, args, text);
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

    private static String mavenProblem(String command, List<String> args, String text) throws IOException {
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
                boolean installedBefore = text.contains("after `mvn -B -DskipTests install`:\n`" + command)
                        || text.contains("after `mvn -B -DskipTests install`: `" + command);
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

    /**
     * Why each relative link of a document leads nowhere: its file or directory does not exist (relative to the
     * document; a leading {@code /} means the repository root, as on GitHub), or its {@code #fragment} names no
     * heading of the Markdown file it points into.
     */
    private static List<String> linkProblems(Path document, String text) throws IOException {
        List<String> problems = new ArrayList<>();
        for (String link : relativeLinks(text)) {
            int hash = link.indexOf('#');
            String path = hash < 0 ? link : link.substring(0, hash);
            String fragment = hash < 0 ? "" : link.substring(hash + 1);
            Path target = path.isEmpty() ? document
                    : path.startsWith("/") ? PROJECT.resolve(path.substring(1)) : document.resolveSibling(path);
            if (!path.isEmpty() && !Files.exists(target)) {
                problems.add(PROJECT.relativize(document) + ": (" + link + ") names no file");
            } else if (!fragment.isEmpty() && target.getFileName().toString().endsWith(".md")
                    && !anchors(path.isEmpty() ? text : Files.readString(target)).contains(fragment)) {
                problems.add(PROJECT.relativize(document) + ": (" + link + ") names no heading of "
                        + target.getFileName());
            }
        }
        return problems;
    }

    /** The targets of a document's links that stay in the repository; code blocks and code spans hold no links. */
    private static List<String> relativeLinks(String text) {
        String prose = INLINE.matcher(FENCED.matcher(text).replaceAll("")).replaceAll("");
        List<String> links = new ArrayList<>();
        Matcher link = LINK.matcher(prose);
        while (link.find()) {
            if (!SCHEME.matcher(link.group(1)).find()) {
                links.add(link.group(1));
            }
        }
        return links;
    }

    /**
     * The fragments GitHub gives a document's headings: lower case, everything but letters, digits, spaces, hyphens
     * and underscores removed, spaces made hyphens; a repeated heading gets {@code -1}, {@code -2}, ...
     */
    private static Set<String> anchors(String text) {
        Set<String> anchors = new HashSet<>();
        Map<String, Integer> seen = new HashMap<>();
        Matcher heading = HEADING.matcher(FENCED.matcher(text).replaceAll(""));
        while (heading.find()) {
            String anchor = heading.group(1).toLowerCase(Locale.ROOT).replaceAll("[^\\p{L}\\p{Nd} _-]", "")
                    .replace(' ', '-');
            int earlier = seen.merge(anchor, 1, Integer::sum) - 1;
            anchors.add(earlier == 0 ? anchor : anchor + "-" + earlier);
        }
        return anchors;
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
