package dev.distill.local.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A warm plain-PyTorch process ({@code bench/python/pytorch_peer.py}) that the benchmark drives one command at a
 * time, so that its repetitions interleave with the Java ones. Its error output goes to a log file.
 */
final class PytorchPeer implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Process process;
    private final BufferedWriter commands;
    private final BufferedReader answers;
    private final Path log;
    /** The models and batches the peer holds, so that it loads them once. */
    private Map<String, Object> setUp;

    private PytorchPeer(Process process, Path log) {
        this.process = process;
        this.log = log;
        this.commands = new BufferedWriter(new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8));
        this.answers = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    }

    /**
     * Starts the peer on {@code python}, or says why not: a Python without PyTorch 2 is not a peer (its absence is
     * reported, not an error, so the rest of the benchmark still runs).
     *
     * @return the peer, or empty with the reason printed
     */
    static Optional<PytorchPeer> start(String python, Path project, int threads, Path log) {
        String version = torchVersion(python);
        if (version == null || !version.matches("[2-9]\\..*")) {
            return Optional.empty();
        }
        try {
            Process process = new ProcessBuilder(python, project.resolve("bench/python/pytorch_peer.py").toString(),
                    String.valueOf(threads))
                    .redirectError(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
            return Optional.of(new PytorchPeer(process, log));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + python + ": " + e.getMessage(), e);
        }
    }

    /** The PyTorch version {@code python} imports, or null if it imports none. */
    static String torchVersion(String python) {
        try {
            Process probe = new ProcessBuilder(python, "-c", "import torch; print(torch.__version__)")
                    .redirectErrorStream(true).start();
            String output = new String(probe.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            boolean finished = probe.waitFor(2, TimeUnit.MINUTES);
            if (!finished || probe.exitValue() != 0) {
                probe.destroyForcibly();
                return null;
            }
            List<String> lines = output.lines().toList();
            return lines.isEmpty() ? null : lines.get(lines.size() - 1);
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** Loads the models and batches of {@code setup} unless they are the ones loaded. */
    void setUp(Map<String, Object> setup) {
        if (!setup.equals(setUp)) {
            Map<String, Object> command = new HashMap<>(setup);
            command.put("op", "setup");
            call(command);
            setUp = Map.copyOf(setup);
        }
    }

    /** Sends one command and waits for its answer. */
    JsonNode call(Map<String, Object> command) {
        try {
            commands.write(JSON.writeValueAsString(command));
            commands.newLine();
            commands.flush();
            String answer = answers.readLine();
            if (answer == null) {
                throw new IllegalStateException("the PyTorch peer stopped during " + command.get("op") + "; see "
                        + log);
            }
            return JSON.readTree(answer);
        } catch (IOException e) {
            throw new UncheckedIOException("the PyTorch peer failed during " + command.get("op") + " (see " + log
                    + "): " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        try {
            commands.close();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (IOException e) {
            process.destroyForcibly();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
