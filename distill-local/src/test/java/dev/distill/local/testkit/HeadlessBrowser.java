package dev.distill.local.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.distill.core.Directories;
import dev.distill.local.launch.ServiceHttp;
import dev.distill.local.launch.ServiceProcess;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

/**
 * Headless Chromium driven over the DevTools protocol (a WebSocket), for tests of pages served by the services:
 * navigate, evaluate JavaScript, take screenshots.
 */
public final class HeadlessBrowser implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Process process;
    private final Path profile;
    private final WebSocket socket;
    private final AtomicInteger ids = new AtomicInteger();
    private final Map<Integer, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();

    private HeadlessBrowser(Process process, Path profile, URI page) {
        this.process = process;
        this.profile = profile;
        this.socket = HttpClient.newHttpClient().newWebSocketBuilder().buildAsync(page, new Replies()).join();
    }

    /** The Chromium executable: {@code $CHROMIUM}, else the first of its usual names on the {@code PATH}. */
    public static Optional<Path> executable() {
        return Optional.ofNullable(System.getenv("CHROMIUM")).map(Path::of)
                .or(() -> ExternalTools.find("chromium", "chromium-browser", "google-chrome"));
    }

    public static HeadlessBrowser start(Path chromium, int width, int height) {
        try {
            Path profile = Files.createTempDirectory("chromium-profile");
            // Background networking off: there is nothing to reach, and failed lookups only slow the start.
            Process process = new ProcessBuilder(chromium.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    "--disable-quic", "--no-first-run", "--hide-scrollbars", "--remote-debugging-port=0",
                    "--user-data-dir=" + profile, "--window-size=" + width + "," + height, "about:blank")
                    .redirectErrorStream(true).start();
            URI browser = devToolsAddress(process);
            JsonNode targets = ServiceHttp.getJson("http://" + browser.getAuthority() + "/json/list");
            for (JsonNode target : targets) {
                if ("page".equals(target.path("type").asText())) {
                    return new HeadlessBrowser(process, profile, URI.create(target.get("webSocketDebuggerUrl")
                            .asText()));
                }
            }
            process.destroyForcibly();
            throw new IllegalStateException("Chromium started without a page: " + targets);
        } catch (IOException e) {
            throw new IllegalStateException("cannot start Chromium " + chromium + ": " + e.getMessage(), e);
        }
    }

    private static URI devToolsAddress(Process process) throws IOException {
        BufferedReader output = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8));
        CompletableFuture<URI> address = CompletableFuture.supplyAsync(() -> {
            StringBuilder seen = new StringBuilder();
            try {
                for (String line = output.readLine(); line != null; line = output.readLine()) {
                    seen.append(line).append('\n');
                    int at = line.indexOf("ws://");
                    if (line.startsWith("DevTools listening on") && at >= 0) {
                        // Keep draining the output so that Chromium never blocks on a full pipe.
                        Thread drain = new Thread(() -> output.lines().forEach(ignored -> { }), "chromium-output");
                        drain.setDaemon(true);
                        drain.start();
                        return URI.create(line.substring(at).trim());
                    }
                }
            } catch (IOException e) {
                seen.append(e.getMessage());
            }
            throw new IllegalStateException("Chromium exited before listening for DevTools:\n" + seen);
        });
        try {
            return address.get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            process.destroyForcibly();
            throw new IllegalStateException("Chromium did not start: " + e.getMessage(), e);
        }
    }

    public void navigate(String url) {
        call("Page.navigate", Map.of("url", url));
    }

    /** The value of a JavaScript expression in the page (promises awaited). */
    public JsonNode evaluate(String expression) {
        JsonNode reply = call("Runtime.evaluate", Map.of("expression", expression, "returnByValue", true,
                "awaitPromise", true));
        if (reply.has("exceptionDetails")) {
            throw new IllegalStateException("script failed: " + reply.get("exceptionDetails"));
        }
        return reply.path("result").path("value");
    }

    /** Waits until the condition holds, re-checking every 200 ms. */
    public void await(String what, Duration timeout, BooleanSupplier condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the page did not show " + what + " within " + timeout);
            }
            ServiceProcess.sleep(200);
        }
    }

    /** A PNG of the viewport. */
    public byte[] screenshot() {
        return Base64.getDecoder().decode(call("Page.captureScreenshot", Map.of("format", "png"))
                .get("data").asText());
    }

    private JsonNode call(String method, Map<String, Object> params) {
        int id = ids.incrementAndGet();
        CompletableFuture<JsonNode> reply = new CompletableFuture<>();
        pending.put(id, reply);
        try {
            socket.sendText(JSON.writeValueAsString(Map.of("id", id, "method", method, "params", params)), true)
                    .join();
            JsonNode message = reply.get(60, TimeUnit.SECONDS);
            if (message.has("error")) {
                throw new IllegalStateException(method + " failed: " + message.get("error"));
            }
            return message.path("result");
        } catch (IOException | InterruptedException | java.util.concurrent.ExecutionException
                | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException(method + " got no reply: " + e.getMessage(), e);
        } finally {
            pending.remove(id);
        }
    }

    /** Collects text frames into messages and hands replies to their callers; events are ignored. */
    private final class Replies implements WebSocket.Listener {
        private final StringBuilder message = new StringBuilder();

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            message.append(data);
            if (last) {
                try {
                    JsonNode parsed = JSON.readTree(message.toString());
                    CompletableFuture<JsonNode> reply = parsed.has("id") ? pending.get(parsed.get("id").asInt())
                            : null;
                    if (reply != null) {
                        reply.complete(parsed);
                    }
                } catch (IOException e) {
                    // not a protocol message: nothing waits for it
                }
                message.setLength(0);
            }
            webSocket.request(1);
            return null;
        }
    }

    @Override
    public void close() {
        socket.abort();
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Directories.delete(profile);
    }
}
