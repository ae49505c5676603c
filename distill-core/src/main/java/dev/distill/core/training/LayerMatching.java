package dev.distill.core.training;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import dev.distill.core.wire.SoftLabel;
import dev.distill.core.wire.SoftLabelBatch;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Which student layer learns which teacher layer's pooled state ({@link dev.distill.core.loss.HiddenStateLoss}).
 *
 * @param studentLayers     student layers, 1 = first encoder layer
 * @param teacherLayers     the teacher layer each student layer learns, same order
 * @param teacherHiddenSize width of the teacher's states; the student projects to it
 * @param weight            weight of the hidden-state loss next to the distillation loss
 */
public record LayerMatching(int[] studentLayers, int[] teacherLayers, int teacherHiddenSize, float weight) {

    public LayerMatching {
        if (studentLayers.length == 0 || studentLayers.length != teacherLayers.length) {
            throw new IllegalArgumentException("layer matching needs pairs of student:teacher layers");
        }
        if (teacherHiddenSize < 1 || !(weight > 0f)) {
            throw new IllegalArgumentException("layer matching needs the teacher's hidden size and a positive weight");
        }
    }

    /** Parses {@code "1:2,2:4"}: student layer 1 learns teacher layer 2, student layer 2 learns teacher layer 4. */
    public static LayerMatching parse(String pairs, int teacherHiddenSize, float weight) {
        String[] items = pairs.split(",");
        int[] student = new int[items.length];
        int[] teacher = new int[items.length];
        for (int i = 0; i < items.length; i++) {
            String[] pair = items[i].strip().split(":");
            try {
                student[i] = Integer.parseInt(pair[0].strip());
                teacher[i] = Integer.parseInt(pair[1].strip());
            } catch (NumberFormatException | ArrayIndexOutOfBoundsException e) {
                throw new IllegalArgumentException("layer map '" + pairs + "' must look like 1:2,2:4 "
                        + "(student layer:teacher layer, counting from 1)");
            }
        }
        return new LayerMatching(student, teacher, teacherHiddenSize, weight);
    }

    /**
     * The batch's labels with their hidden states narrowed to this matching's teacher layers, in its order.
     *
     * @throws IllegalArgumentException if the batch lacks a matched teacher layer or a state has the wrong width
     */
    public List<SoftLabel> select(SoftLabelBatch batch) {
        int[] carried = batch.hiddenLayers() == null ? new int[0] : batch.hiddenLayers();
        int[] positions = new int[teacherLayers.length];
        for (int i = 0; i < teacherLayers.length; i++) {
            int layer = teacherLayers[i];
            positions[i] = Arrays.stream(carried).boxed().toList().indexOf(layer);
            if (positions[i] < 0) {
                throw new IllegalArgumentException("batch " + batch.batchId() + " carries hidden states of teacher "
                        + "layers " + Arrays.toString(carried) + " but the layer map needs layer " + layer
                        + " (set label.hidden-layers)");
            }
        }
        List<SoftLabel> selected = new ArrayList<>(batch.labels().size());
        for (SoftLabel label : batch.labels()) {
            float[][] states = new float[positions.length][];
            for (int i = 0; i < positions.length; i++) {
                states[i] = label.hidden() == null || label.hidden().length <= positions[i] ? null
                        : label.hidden()[positions[i]];
                if (states[i] == null || states[i].length != teacherHiddenSize) {
                    throw new IllegalArgumentException("example " + label.exampleId() + " lacks a hidden state of "
                            + teacherHiddenSize + " units for teacher layer " + teacherLayers[i]);
                }
            }
            selected.add(new SoftLabel(label.exampleId(), label.text(), label.label(), label.logits(), states));
        }
        return selected;
    }

    /** The matched teacher states of every label, one array per matched pair (batch x teacher width). */
    NDList teacherStates(List<SoftLabel> labels, NDManager manager) {
        NDList states = new NDList(teacherLayers().length);
        for (int pair = 0; pair < teacherLayers().length; pair++) {
            float[][] rows = new float[labels.size()][];
            for (int i = 0; i < labels.size(); i++) {
                float[][] hidden = labels.get(i).hidden();
                if (hidden == null || hidden.length != teacherLayers().length) {
                    throw new IllegalArgumentException("example " + labels.get(i).exampleId()
                            + " lacks the teacher hidden states the layer map needs");
                }
                rows[i] = hidden[pair];
            }
            states.add(manager.create(rows));
        }
        return states;
    }
}
