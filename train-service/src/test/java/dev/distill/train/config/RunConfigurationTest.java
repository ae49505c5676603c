package dev.distill.train.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.distill.core.checkpoint.CheckpointManifest;
import dev.distill.core.model.ModelConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.nio.file.Path;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The run configuration is every setting as resolved, and a resumed start must match the run's. */
class RunConfigurationTest {
    private static final ModelConfig STUDENT = new ModelConfig(30522, 64, 2, 2, 64, 2);

    @Test
    void everySettingWithAValueIsInTheRunConfigurationUnderItsKey() {
        SortedMap<String, String> resolved = RunConfiguration.of(config(Map.of("train.alpha", "0.25",
                "train.student.layers", "3", "train.labels", "neg,pos")));
        assertEquals("0.25", resolved.get("train.alpha"));
        assertEquals("50", resolved.get("train.checkpoint-every-steps"), "defaults too");
        assertEquals("PT5S", resolved.get("train.checkpoint-when-idle"));
        assertEquals("3", resolved.get("train.student.layers"), "nested settings");
        assertEquals("30522", resolved.get("train.student.vocab-size"));
        assertEquals("neg\npos", resolved.get("train.labels"), "lists, one entry per line");
        assertFalse(resolved.containsKey("train.init-from"), "unset optional settings are left out");
    }

    @Test
    void aResumedStartMustBeConfiguredLikeTheRunButMayMoveItsFiles() {
        SortedMap<String, String> run = RunConfiguration.of(config(Map.of()));
        run.putAll(RunConfiguration.student(STUDENT));
        CheckpointManifest manifest = new CheckpointManifest(2, "c", "run-1", 10, 320, "now", STUDENT, run, "sha",
                0.5);

        SortedMap<String, String> moved = new TreeMap<>(run);
        moved.put("train.checkpoint-dir", "/elsewhere");
        moved.put("train.checkpoint-every-steps", "7");
        assertEquals(run, RunConfiguration.resumed(manifest, moved, Path.of("ck")), "the run's configuration stays");

        SortedMap<String, String> changed = new TreeMap<>(run);
        changed.put("train.alpha", "0.9");
        IllegalStateException refused = assertThrows(IllegalStateException.class,
                () -> RunConfiguration.resumed(manifest, changed, Path.of("ck")));
        assertTrue(refused.getMessage().contains("train.alpha (run: 0.5, now: 0.9)"), refused.getMessage());
    }

    /** A run checkpointed before a setting existed resumes, taking this start's value of it. */
    @Test
    void aRunSavedBeforeTheDecayFloorExistedResumesWithThisStartsValue() {
        SortedMap<String, String> run = RunConfiguration.of(config(Map.of()));
        run.putAll(RunConfiguration.student(STUDENT));
        SortedMap<String, String> older = new TreeMap<>(run);
        older.remove("train.decay-floor");
        CheckpointManifest manifest = new CheckpointManifest(2, "c", "run-1", 10, 320, "now", STUDENT, older, "sha",
                0.5);
        assertEquals("0.1", run.get("train.decay-floor"));
        assertEquals(run, RunConfiguration.resumed(manifest, run, Path.of("ck")));
    }

    @Test
    void keysAreTheMappingsMethodNamesInKebabCase() {
        assertEquals("checkpoint-every-steps", RunConfiguration.kebab("checkpointEverySteps"));
        assertEquals("layer-map-teacher-hidden-size", RunConfiguration.kebab("layerMapTeacherHiddenSize"));
    }

    private static TrainConfig config(Map<String, String> values) {
        return new SmallRyeConfigBuilder().withMapping(TrainConfig.class).withDefaultValues(values).build()
                .getConfigMapping(TrainConfig.class);
    }
}
