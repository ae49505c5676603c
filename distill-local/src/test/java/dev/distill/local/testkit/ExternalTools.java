package dev.distill.local.testkit;

import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/**
 * Programs some tests need besides the JDK (Chromium, Node.js, kubectl, docker-compose). A test whose program is
 * missing is skipped with the reason, or fails where {@code DISTILL_REQUIRE_TOOLS=true} (as in CI, which installs
 * them).
 */
public final class ExternalTools {
    private ExternalTools() {
    }

    /** The first of the names that is an executable on the {@code PATH} (or an absolute path). */
    public static Optional<Path> find(String... names) {
        String path = System.getenv().getOrDefault("PATH", "");
        return Stream.of(names).flatMap(name -> name.startsWith("/") ? Stream.of(Path.of(name))
                        : Stream.of(path.split(":")).filter(dir -> !dir.isEmpty()).map(dir -> Path.of(dir, name)))
                .filter(Files::isExecutable).findFirst();
    }

    /** Skips the calling test, or fails it where tools are required. */
    public static void missing(String what) {
        if (Boolean.parseBoolean(System.getenv("DISTILL_REQUIRE_TOOLS"))) {
            fail(what + " is not installed (DISTILL_REQUIRE_TOOLS=true)");
        }
        Assumptions.abort(what + " is not installed: test skipped");
    }
}
