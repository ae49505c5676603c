package dev.distill.eval;

import dev.distill.eval.ml.SlowCheckpointScorer;
import java.util.Set;

/** {@link EvalTestProfile} with scorings made slow on purpose ({@link SlowCheckpointScorer}). */
public class SlowScoringProfile extends EvalTestProfile {
    @Override
    public Set<Class<?>> getEnabledAlternatives() {
        return Set.of(SlowCheckpointScorer.class);
    }
}
