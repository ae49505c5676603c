package dev.distill.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Rules of the code base that reading it shows, checked on every module's main sources: packages do not import
 * each other back, no class grows past 300 lines, and a service setting's key is typed as a string in at most one
 * source file per module (its config mapping, or the launcher's typed settings), so renaming a setting touches one
 * file there.
 */
class SourceLayoutTest {
    private static final Path PROJECT = Path.of(System.getProperty("distill.project.dir", "..")).toAbsolutePath();
    private static final int MAX_CLASS_LINES = 300;
    private static final Pattern PACKAGE = Pattern.compile("(?m)^package ([\\w.]+);");
    private static final Pattern IMPORT = Pattern.compile("(?m)^import (?:static )?(dev\\.distill\\.[\\w.]+)\\.\\w+;");
    /** A setting key of the services inside a string literal ({@code label.teacher}, {@code train.student.layers}). */
    private static final Pattern SETTING_KEY = Pattern.compile(
            "(?<![\\w.-])((?:label|train|eval|distill)(?:\\.[a-z][a-z0-9-]*)+)");
    private static final Set<String> FILE_EXTENSIONS = Set.of("tsv", "json", "txt", "onnx", "pt", "md");

    @Test
    void noPackageImportsAPackageThatImportsItBack() {
        SortedMap<String, SortedSet<String>> imports = new TreeMap<>();
        for (Path source : mainSources()) {
            String text = read(source);
            String from = first(PACKAGE, text);
            Matcher imported = IMPORT.matcher(text);
            while (imported.find()) {
                String to = imported.group(1);
                // a nested type's import names its class, not a package
                to = Character.isUpperCase(to.charAt(to.lastIndexOf('.') + 1)) ? to.substring(0, to.lastIndexOf('.'))
                        : to;
                if (!to.equals(from)) {
                    imports.computeIfAbsent(from, key -> new TreeSet<>()).add(to);
                }
            }
        }
        List<String> cycles = new ArrayList<>();
        imports.forEach((from, targets) -> targets.forEach(to -> {
            List<String> path = pathBetween(imports, to, from, new TreeSet<>());
            if (path != null) {
                cycles.add(from + " -> " + String.join(" -> ", path));
            }
        }));
        assertEquals(List.of(), cycles, "package import cycles");
    }

    @Test
    void noMainClassIsLongerThan300Lines() {
        List<String> tooLong = new ArrayList<>();
        for (Path source : mainSources()) {
            long lines = read(source).lines().count();
            if (lines > MAX_CLASS_LINES) {
                tooLong.add(PROJECT.relativize(source) + " (" + lines + " lines)");
            }
        }
        assertEquals(List.of(), tooLong);
    }

    @Test
    void everySettingKeyIsTypedInAtMostOneSourceFilePerModule() {
        SortedMap<String, SortedSet<String>> filesByModuleAndKey = new TreeMap<>();
        for (Path source : mainSources()) {
            String module = PROJECT.relativize(source).getName(0).toString();
            for (String literal : stringLiterals(read(source))) {
                Matcher key = SETTING_KEY.matcher(literal);
                while (key.find()) {
                    String found = key.group(1);
                    if (!FILE_EXTENSIONS.contains(found.substring(found.lastIndexOf('.') + 1))) {
                        filesByModuleAndKey.computeIfAbsent(module + ": " + found, k -> new TreeSet<>())
                                .add(source.getFileName().toString());
                    }
                }
            }
        }
        assertTrue(filesByModuleAndKey.containsKey("distill-local: train.checkpoint-dir"),
                "the scan finds the launcher's keys: " + filesByModuleAndKey.keySet());
        Map<String, SortedSet<String>> typedTwice = new TreeMap<>(filesByModuleAndKey);
        typedTwice.values().removeIf(files -> files.size() < 2);
        assertEquals(Map.of(), typedTwice);
    }

    /** A path of imports from {@code from} to {@code to}, or null. */
    private static List<String> pathBetween(Map<String, SortedSet<String>> imports, String from, String to,
            Set<String> visited) {
        if (from.equals(to)) {
            return new ArrayList<>(List.of(to));
        }
        if (!visited.add(from)) {
            return null;
        }
        for (String next : imports.getOrDefault(from, new TreeSet<>())) {
            List<String> rest = pathBetween(imports, next, to, visited);
            if (rest != null) {
                rest.add(0, from);
                return rest;
            }
        }
        return null;
    }

    /** The string literals of a Java source, comments skipped. */
    static List<String> stringLiterals(String source) {
        List<String> literals = new ArrayList<>();
        int i = 0;
        while (i < source.length()) {
            if (source.startsWith("//", i)) {
                i = end(source.indexOf('\n', i), source);
            } else if (source.startsWith("/*", i)) {
                i = end(source.indexOf("*/", i + 2), source) + 2;
            } else if (source.startsWith("\"\"\"", i)) {
                int close = end(source.indexOf("\"\"\"", i + 3), source);
                literals.add(source.substring(i + 3, close));
                i = close + 3;
            } else if (source.charAt(i) == '"' || source.charAt(i) == '\'') {
                char quote = source.charAt(i);
                int j = i + 1;
                while (j < source.length() && source.charAt(j) != quote) {
                    j += source.charAt(j) == '\\' ? 2 : 1;
                }
                if (quote == '"') {
                    literals.add(source.substring(i + 1, Math.min(j, source.length())));
                }
                i = j + 1;
            } else {
                i++;
            }
        }
        return literals;
    }

    private static int end(int index, String source) {
        return index < 0 ? source.length() : index;
    }

    /** The main Java sources of every module (a directory of the project with {@code src/main/java}). */
    private static List<Path> mainSources() {
        List<Path> sources = new ArrayList<>();
        try (Stream<Path> modules = Files.list(PROJECT)) {
            for (Path module : modules.map(dir -> dir.resolve("src/main/java")).filter(Files::isDirectory).toList()) {
                try (Stream<Path> files = Files.walk(module)) {
                    files.filter(path -> path.toString().endsWith(".java")).forEach(sources::add);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        assertTrue(sources.size() > 50, "main sources found under " + PROJECT + ": " + sources.size());
        return sources;
    }

    private static String first(Pattern pattern, String text) {
        Matcher matcher = pattern.matcher(text);
        return matcher.find() ? matcher.group(1) : "";
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
