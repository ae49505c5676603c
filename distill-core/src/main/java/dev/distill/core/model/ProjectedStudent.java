package dev.distill.core.model;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.ArrayList;
import java.util.List;

/**
 * The student as trained with intermediate-layer distillation: its logits, then each matched layer's pooled state
 * through a learned linear projection to the teacher's width ({@code W_m} of TinyBERT). Only the student is saved in
 * checkpoints; the projections exist for training.
 */
public final class ProjectedStudent extends AbstractBlock {
    private static final byte VERSION = 1;

    private final BertClassifier student;
    private final int[] studentLayers;
    private final List<Linear> projections = new ArrayList<>();

    /**
     * @param studentLayers student layers to project, 1 = first encoder layer
     * @param targetWidth   the teacher's hidden size
     */
    public ProjectedStudent(BertClassifier student, int[] studentLayers, int targetWidth) {
        super(VERSION);
        for (int layer : studentLayers) {
            if (layer < 1 || layer > student.config().layers()) {
                throw new IllegalArgumentException("student layer " + layer + " does not exist; the student has "
                        + student.config().layers() + " layers");
            }
        }
        this.student = addChildBlock("student", student);
        this.studentLayers = studentLayers.clone();
        for (int i = 0; i < studentLayers.length; i++) {
            projections.add(addChildBlock("projection" + i, Linear.builder().setUnits(targetWidth).build()));
        }
    }

    @Override
    protected NDList forwardInternal(ParameterStore store, NDList inputs, boolean training,
            PairList<String, Object> params) {
        NDList outputs = student.forward(store, inputs, training, params);
        NDList projected = new NDList(1 + projections.size());
        projected.add(outputs.head());
        for (int i = 0; i < projections.size(); i++) {
            projected.add(projections.get(i).forward(store, new NDList(outputs.get(studentLayers[i])), training,
                    params).head());
        }
        return projected;
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape[] studentShapes = student.getOutputShapes(inputShapes);
        Shape[] shapes = new Shape[1 + projections.size()];
        shapes[0] = studentShapes[0];
        for (int i = 0; i < projections.size(); i++) {
            shapes[i + 1] = projections.get(i).getOutputShapes(new Shape[] {studentShapes[studentLayers[i]]})[0];
        }
        return shapes;
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        student.initialize(manager, dataType, inputShapes);
        Shape pooled = new Shape(inputShapes[0].get(0), student.config().hiddenSize());
        for (Linear projection : projections) {
            projection.initialize(manager, dataType, pooled);
        }
    }
}
