package dev.distill.local.bench;

import ai.djl.inference.Predictor;
import ai.djl.translate.TranslateException;
import dev.distill.core.Sha256;
import dev.distill.core.checkpoint.Checkpoints;
import dev.distill.core.inference.TextClassifier;
import dev.distill.core.model.Devices;
import dev.distill.core.text.LengthBatching;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;

/**
 * The teacher's logits, and pooled hidden states of some of its layers, for every training text: the soft labels
 * all students learn from. Computed once per teacher and text list, in length-ordered batches, and cached.
 *
 * @param logits [text][class]
 * @param hidden [text][layer][hidden unit], the layers asked for (1 = first encoder layer)
 */
record TeacherOutputs(float[][] logits, float[][][] hidden) {
    private static final int BATCH_SIZE = 64;

    /** The outputs for these texts: read from {@code cacheRoot} when computed before, else computed and cached. */
    static TeacherOutputs of(Path teacher, Path tokenizer, List<String> texts, int[] hiddenLayers, Path cacheRoot,
            PrintStream out) {
        Path cached = cacheRoot.resolve("teacher-outputs-" + key(teacher, texts, hiddenLayers) + ".bin");
        if (Files.isRegularFile(cached)) {
            out.println("teacher outputs: cached " + cached);
            return read(cached);
        }
        out.printf("teacher outputs: labelling %,d texts (layers %s pooled)%n", texts.size(),
                Arrays.toString(hiddenLayers));
        TeacherOutputs outputs = compute(teacher, tokenizer, texts, hiddenLayers, out);
        write(outputs, cached);
        return outputs;
    }

    private static TeacherOutputs compute(Path teacher, Path tokenizer, List<String> texts, int[] hiddenLayers,
            PrintStream out) {
        float[][] logits = new float[texts.size()][];
        float[][][] hidden = new float[texts.size()][][];
        long started = System.nanoTime();
        int done = 0;
        try (TextClassifier model = TextClassifier.load(teacher, tokenizer, Devices.preferred());
                Predictor<List<String>, TextClassifier.TeacherOutput> predictor =
                        model.newTeacherPredictor(hiddenLayers)) {
            List<Integer> order = IntStream.range(0, texts.size()).boxed().toList();
            for (List<Integer> batch : LengthBatching.batches(order, i -> texts.get(i).length(), BATCH_SIZE)) {
                TextClassifier.TeacherOutput result = predictor.predict(batch.stream().map(texts::get).toList());
                for (int row = 0; row < batch.size(); row++) {
                    logits[batch.get(row)] = result.logits()[row];
                    hidden[batch.get(row)] = result.hidden() == null ? new float[0][] : result.hidden()[row];
                }
                done += batch.size();
                if (done % (BATCH_SIZE * 100) < BATCH_SIZE || done == texts.size()) {
                    double seconds = (System.nanoTime() - started) / 1e9;
                    out.printf("  %,d / %,d texts (%.0f texts/s, %.0f s left)%n", done, texts.size(),
                            done / seconds, seconds / done * (texts.size() - done));
                }
            }
        } catch (TranslateException e) {
            throw new IllegalStateException("teacher inference failed: " + e.getMessage(), e);
        }
        return new TeacherOutputs(logits, hidden);
    }

    /** The teacher's parameters, the texts and the layers, hashed. */
    private static String key(Path teacher, List<String> texts, int[] hiddenLayers) {
        String parameters = Checkpoints.readManifest(teacher).parametersSha256();
        String input = parameters + "\n" + Arrays.toString(hiddenLayers) + "\n" + String.join("\n", texts);
        return Sha256.of(input.getBytes(StandardCharsets.UTF_8)).substring(0, 16);
    }

    private static void write(TeacherOutputs outputs, Path file) {
        Path partial = file.resolveSibling(file.getFileName() + ".partial");
        try {
            Files.createDirectories(file.getParent());
            try (DataOutputStream data = new DataOutputStream(new BufferedOutputStream(
                    Files.newOutputStream(partial)))) {
                data.writeInt(outputs.logits.length);
                for (int i = 0; i < outputs.logits.length; i++) {
                    writeRow(data, outputs.logits[i]);
                    data.writeInt(outputs.hidden[i].length);
                    for (float[] state : outputs.hidden[i]) {
                        writeRow(data, state);
                    }
                }
            }
            Files.move(partial, file, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot cache teacher outputs in " + file, e);
        }
    }

    private static TeacherOutputs read(Path file) {
        try (DataInputStream data = new DataInputStream(new BufferedInputStream(Files.newInputStream(file)))) {
            int rows = data.readInt();
            float[][] logits = new float[rows][];
            float[][][] hidden = new float[rows][][];
            for (int i = 0; i < rows; i++) {
                logits[i] = readRow(data);
                hidden[i] = new float[data.readInt()][];
                for (int layer = 0; layer < hidden[i].length; layer++) {
                    hidden[i][layer] = readRow(data);
                }
            }
            return new TeacherOutputs(logits, hidden);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read cached teacher outputs " + file + " (delete it to recompute)",
                    e);
        }
    }

    private static void writeRow(DataOutputStream data, float[] row) throws IOException {
        data.writeInt(row.length);
        for (float value : row) {
            data.writeFloat(value);
        }
    }

    private static float[] readRow(DataInputStream data) throws IOException {
        float[] row = new float[data.readInt()];
        for (int i = 0; i < row.length; i++) {
            row[i] = data.readFloat();
        }
        return row;
    }
}
