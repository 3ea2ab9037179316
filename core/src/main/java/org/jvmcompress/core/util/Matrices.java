package org.jvmcompress.core.util;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Rows of a 2-D array as Java arrays and back, in one bulk copy. ND4J's {@code toDoubleMatrix()} and
 * {@code Nd4j.create(double[][])} go row by row; on a training step's loss inputs that cost more than the loss.
 */
public final class Matrices {
    private Matrices() {}

    /** A dense row-major array of this type with its own buffer from element 0: {@code a} itself when it is one. */
    private static INDArray plain(INDArray a, DataType type) {
        return a.dataType() == type && a.ordering() == 'c' && !a.isView() && a.data().length() == a.length()
                && a.data().offset() == 0 ? a : a.castTo(type).dup('c');
    }

    /**
     * All values of an array in row-major order as floats, in one native copy. ND4J's {@code data().asFloat()} reads
     * element by element: about 145 us for a [256, 256] batch of token ids here, against 3 us for this.
     */
    public static float[] floats(INDArray a) {
        INDArray c = plain(a, DataType.FLOAT);
        float[] out = new float[(int) c.length()];
        new org.bytedeco.javacpp.FloatPointer(c.data().addressPointer()).position(0).capacity(out.length).get(out);
        return out;
    }

    /** All values of an array in row-major order as doubles, in one native copy (see {@link #floats}). */
    public static double[] doubles(INDArray a) {
        INDArray c = plain(a, DataType.DOUBLE);
        double[] out = new double[(int) c.length()];
        new org.bytedeco.javacpp.DoublePointer(c.data().addressPointer()).position(0).capacity(out.length).get(out);
        return out;
    }

    /** The rows of a [n, ...] array, each flattened in row-major order. */
    public static double[][] rows(INDArray a) {
        int n = (int) a.size(0);
        int w = n == 0 ? 0 : (int) (a.length() / n);
        double[] flat = doubles(a);
        double[][] out = new double[n][w];
        for (int i = 0; i < n; i++) {
            System.arraycopy(flat, i * w, out[i], 0, w);
        }
        return out;
    }

    /** The rows of a [n, ...] array as floats, each flattened in row-major order. */
    public static float[][] floatRows(INDArray a) {
        int n = (int) a.size(0);
        int w = n == 0 ? 0 : (int) (a.length() / n);
        float[] flat = floats(a);
        float[][] out = new float[n][w];
        for (int i = 0; i < n; i++) {
            System.arraycopy(flat, i * w, out[i], 0, w);
        }
        return out;
    }

    /** An [n, w] array of the given type from equal-length rows. */
    public static INDArray of(double[][] rows, DataType type) {
        int n = rows.length;
        int w = n == 0 ? 0 : rows[0].length;
        double[] flat = new double[n * w];
        for (int i = 0; i < n; i++) {
            System.arraycopy(rows[i], 0, flat, i * w, w);
        }
        return Nd4j.create(flat, new long[] {n, w}, 'c').castTo(type);
    }

    /** An [n, w] float array from equal-length rows. */
    public static INDArray of(float[][] rows) {
        int n = rows.length;
        int w = n == 0 ? 0 : rows[0].length;
        float[] flat = new float[n * w];
        for (int i = 0; i < n; i++) {
            System.arraycopy(rows[i], 0, flat, i * w, w);
        }
        return Nd4j.create(flat, new long[] {n, w}, 'c');
    }
}
