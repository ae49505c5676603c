package dev.distill.train.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.distill.core.checkpoint.CheckpointManifest;
import dev.distill.core.model.ModelConfig;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * The run configuration saved with every checkpoint (torchdistill's one config per experiment): every
 * {@link TrainConfig} setting as this start resolved it, read off the mapping itself (a setting's key is its method
 * name in kebab case, so none is typed twice), plus what the run decided (the student's size and classes, where its
 * weights came from, its teacher and tokenizer). The keys train-service writes beyond the settings are here.
 */
public final class RunConfiguration {
    public static final String PREFIX = "train.";
    public static final String RUN_NAME = PREFIX + "run-name";
    public static final String TOKENIZER_ID = PREFIX + "tokenizer-id";
    public static final String TEACHER_ID = PREFIX + "teacher-id";
    public static final String LABELS = PREFIX + "labels";
    public static final String INIT_FROM = PREFIX + "init-from";
    public static final String INIT_LAYER_STRIDE = PREFIX + "init-layer-stride";
    public static final String CHECKPOINT_DIR = PREFIX + "checkpoint-dir";
    public static final String LAYER_MAP = PREFIX + "layer-map";
    public static final String LAYER_MAP_TEACHER_HIDDEN_SIZE = LAYER_MAP + "-teacher-hidden-size";
    private static final String STUDENT = PREFIX + "student.";
    public static final String STUDENT_HIDDEN_SIZE = STUDENT + "hidden-size";
    public static final String STUDENT_HEADS = STUDENT + "heads";
    public static final String STUDENT_INTERMEDIATE_SIZE = STUDENT + "intermediate-size";
    /** Settings that may differ between the starts of one run: where files are, and how often to checkpoint. */
    private static final Set<String> RESUME_INDEPENDENT = Set.of(CHECKPOINT_DIR, PREFIX + "tokenizer",
            INIT_FROM, INIT_LAYER_STRIDE, PREFIX + "checkpoint-every-steps", PREFIX + "checkpoint-when-idle");

    /** Settings newer than the checkpoints of some runs: a run that saved none takes this start's value. */
    private static final Set<String> ADDED_LATER = Set.of(PREFIX + "decay-floor");

    private RunConfiguration() {
    }

    /** Every setting that has a value, as a sorted map of {@code train.*} keys to strings. */
    public static SortedMap<String, String> of(TrainConfig config) {
        SortedMap<String, String> entries = new TreeMap<>();
        flatten(PREFIX, TrainConfig.class, config, entries);
        return entries;
    }

    /** The student's size and classes (one per line) as run-configuration entries. */
    public static SortedMap<String, String> student(ModelConfig model) {
        SortedMap<String, String> keys = new TreeMap<>();
        keys.put(STUDENT + "vocab-size", String.valueOf(model.vocabSize()));
        keys.put(STUDENT_HIDDEN_SIZE, String.valueOf(model.hiddenSize()));
        keys.put(STUDENT + "layers", String.valueOf(model.layers()));
        keys.put(STUDENT_HEADS, String.valueOf(model.heads()));
        keys.put(STUDENT_INTERMEDIATE_SIZE, String.valueOf(model.intermediateSize()));
        keys.put(STUDENT + "max-positions", String.valueOf(model.maxPositions()));
        keys.put(STUDENT + "max-length", String.valueOf(model.maxLength()));
        keys.put(LABELS, String.join("\n", model.labels()));
        return keys;
    }

    /**
     * The run configuration a resumed run keeps: the checkpoint's, provided this start is configured the same way.
     * Paths and checkpoint cadence may change between starts; the settings that shape training may not.
     *
     * @throws IllegalStateException naming every setting that differs
     */
    public static SortedMap<String, String> resumed(CheckpointManifest manifest, SortedMap<String, String> configured,
            Path checkpoint) {
        SortedMap<String, String> saved = new TreeMap<>(manifest.runConfig());
        Set<String> keys = new TreeSet<>(saved.keySet());
        keys.addAll(configured.keySet());
        List<String> differing = new ArrayList<>();
        for (String key : keys) {
            if (ADDED_LATER.contains(key) && !saved.containsKey(key) && configured.containsKey(key)) {
                saved.put(key, configured.get(key));
                continue;
            }
            boolean pinnedLater = key.equals(TEACHER_ID) && !configured.containsKey(key);
            if (!RESUME_INDEPENDENT.contains(key) && !pinnedLater
                    && !Objects.equals(saved.get(key), configured.get(key))) {
                differing.add(key + " (run: " + saved.get(key) + ", now: " + configured.get(key) + ")");
            }
        }
        if (!differing.isEmpty()) {
            throw new IllegalStateException(CHECKPOINT_DIR + " holds run " + manifest.runId()
                    + " (newest checkpoint " + checkpoint + "), and this start is configured differently: "
                    + String.join(", ", differing) + ". Start it with the run's settings to continue it, or point "
                    + CHECKPOINT_DIR + " at an empty directory to start a new run.");
        }
        return saved;
    }

    private static void flatten(String prefix, Class<?> mapping, Object values, SortedMap<String, String> into) {
        for (Method setting : mapping.getMethods()) {
            if (setting.getParameterCount() > 0 || setting.isDefault() || setting.getDeclaringClass() != mapping) {
                continue;
            }
            Object value = invoke(setting, values);
            String key = prefix + kebab(setting.getName());
            if (value instanceof Optional<?> optional) {
                value = optional.orElse(null);
            }
            if (value == null) {
                continue;
            }
            if (setting.getReturnType().isInterface() && setting.getReturnType().getEnclosingClass() == mapping) {
                flatten(key + ".", setting.getReturnType(), value, into);
            } else {
                into.put(key, value instanceof Collection<?> list
                        ? list.stream().map(String::valueOf).collect(Collectors.joining("\n")) : String.valueOf(value));
            }
        }
    }

    private static Object invoke(Method setting, Object values) {
        try {
            return setting.invoke(values);
        } catch (IllegalAccessException | InvocationTargetException e) {
            throw new IllegalStateException("cannot read setting " + setting.getName() + ": " + e.getMessage(), e);
        }
    }

    /** {@code checkpointEverySteps} -> {@code checkpoint-every-steps}, as SmallRye Config names mapping keys. */
    static String kebab(String name) {
        return name.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase();
    }

    /** The configuration as JSON, for the run row. */
    public static String json(SortedMap<String, String> configuration) {
        try {
            return new ObjectMapper().writeValueAsString(configuration);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write the run configuration as JSON", e);
        }
    }
}
