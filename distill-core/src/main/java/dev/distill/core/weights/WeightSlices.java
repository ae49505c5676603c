package dev.distill.core.weights;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.IntStream;

/** Rows, columns or elements of a weight, picked by index: how structured pruning cuts units out of a layer. */
public final class WeightSlices {
    private WeightSlices() {
    }

    /** Indices of the {@code kept} highest scores (ties: the lower index), ascending: the units that stay. */
    public static int[] mostImportant(double[] importance, int kept) {
        int[] ranked = IntStream.range(0, importance.length).boxed()
                .sorted(Comparator.comparingDouble((Integer j) -> -importance[j]).thenComparingInt(j -> j))
                .mapToInt(Integer::intValue).limit(kept).toArray();
        Arrays.sort(ranked);
        return ranked;
    }

    /** The given rows of a 2-D weight, or the given elements of a 1-D one, in the order given. */
    public static NDArray rows(NDArray weight, int[] kept) {
        float[] values = weight.toType(DataType.FLOAT32, false).toFloatArray();
        Shape shape = weight.getShape();
        int columns = shape.dimension() == 1 ? 1 : (int) shape.get(1);
        float[] cut = new float[kept.length * columns];
        for (int i = 0; i < kept.length; i++) {
            System.arraycopy(values, kept[i] * columns, cut, i * columns, columns);
        }
        return weight.getManager().create(cut, shape.dimension() == 1 ? new Shape(kept.length)
                : new Shape(kept.length, columns));
    }

    /** The given columns of a 2-D weight, in the order given. */
    public static NDArray columns(NDArray weight, int[] kept) {
        float[] values = weight.toType(DataType.FLOAT32, false).toFloatArray();
        int rows = (int) weight.getShape().get(0);
        int columns = (int) weight.getShape().get(1);
        float[] cut = new float[rows * kept.length];
        for (int row = 0; row < rows; row++) {
            for (int i = 0; i < kept.length; i++) {
                cut[row * kept.length + i] = values[row * columns + kept[i]];
            }
        }
        return weight.getManager().create(cut, new Shape(rows, kept.length));
    }
}
