package org.jvmcompress.quantize;

import java.util.Arrays;
import org.jvmcompress.core.CompressionException;

/**
 * A quantised tensor: integer codes with a scale and zero point per tensor or per slice along one axis, so that
 * {@code real = scale * (code - zeroPoint)}. 8-bit codes take a byte each; 4-bit codes are packed two per byte
 * (element 2i in the low nibble, 2i + 1 in the high nibble), as two's-complement nibbles.
 *
 * @param axis the axis that has its own scale (-1: one scale for the whole tensor)
 */
public record QTensor(long[] shape, int bits, int axis, float[] scales, int[] zeroPoints, byte[] data) {
    /**
     * Tensors with more slices than this (embedding rows) get their scales on a logarithmic 8-bit grid between the
     * smallest and largest scale ("double quantisation": one byte per scale instead of four; at 4 bits per weight and
     * 32 weights per row the f32 scales alone would add 25 % to the file). Each scale is rounded up to the grid, so
     * a slice's range stays covered.
     */
    public static final int COMPACT_SCALES_ABOVE = 256;

    public QTensor {
        if (bits != 8 && bits != 4) {
            throw new IllegalArgumentException("bits must be 8 or 4, got " + bits);
        }
        long n = count(shape);
        long bytes = bits == 8 ? n : (n + 1) / 2;
        if (data.length != bytes) {
            throw new CompressionException("quantised tensor of shape " + Arrays.toString(shape) + " needs " + bytes
                    + " bytes of codes, has " + data.length);
        }
        int slices = axis < 0 ? 1 : (int) shape[axis];
        if (scales.length != slices || zeroPoints.length != slices) {
            throw new CompressionException("quantised tensor of shape " + Arrays.toString(shape) + " on axis " + axis
                    + " needs " + slices + " scales and zero points, has " + scales.length + "/" + zeroPoints.length);
        }
    }

    static long count(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }

    /** The smallest and largest code. */
    static int qmin(int bits, boolean symmetric) {
        return symmetric ? -(1 << (bits - 1)) + 1 : -(1 << (bits - 1));
    }

    static int qmax(int bits) {
        return (1 << (bits - 1)) - 1;
    }

    /** Which slice along {@code axis} the element at flat (row-major) position {@code i} belongs to. */
    private static int slice(long[] shape, int axis, long i) {
        if (axis < 0) {
            return 0;
        }
        long inner = 1;
        for (int d = axis + 1; d < shape.length; d++) {
            inner *= shape[d];
        }
        return (int) ((i / inner) % shape[axis]);
    }

    /**
     * Quantises row-major values.
     *
     * @param symmetric zero point 0 and a range symmetric about it (codes -127..127 for 8 bits); else the range is
     *                  [min, max] (always containing 0, so that 0 is exact) over all 2^bits codes
     */
    public static QTensor quantize(float[] values, long[] shape, int bits, boolean symmetric, int axis) {
        if (count(shape) != values.length) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " does not hold " + values.length);
        }
        int slices = axis < 0 ? 1 : (int) shape[axis];
        float[] lo = new float[slices];
        float[] hi = new float[slices];
        for (int i = 0; i < values.length; i++) {
            int s = slice(shape, axis, i);
            lo[s] = Math.min(lo[s], values[i]);
            hi[s] = Math.max(hi[s], values[i]);
        }
        int qmin = qmin(bits, symmetric);
        int qmax = qmax(bits);
        float[] scales = new float[slices];
        int[] zps = new int[slices];
        float smallest = Float.POSITIVE_INFINITY;
        for (int s = 0; s < slices; s++) {
            float span = symmetric ? Math.max(-lo[s], hi[s]) / qmax : (hi[s] - lo[s]) / (qmax - qmin);
            scales[s] = span;
            if (span > 0) {
                smallest = Math.min(smallest, span);
            }
        }
        for (int s = 0; s < slices; s++) {
            if (!(scales[s] > 0)) {
                // An all-zero slice: any scale represents it; the smallest keeps the compact grid narrow.
                scales[s] = smallest == Float.POSITIVE_INFINITY ? 1f : smallest;
            }
        }
        if (slices > COMPACT_SCALES_ABOVE) {
            ScaleGrid.snapUp(scales);
        }
        for (int s = 0; s < slices; s++) {
            zps[s] = symmetric ? 0 : Math.max(qmin, Math.min(qmax, Math.round(qmin - lo[s] / scales[s])));
        }
        int[] codes = new int[values.length];
        for (int i = 0; i < values.length; i++) {
            int s = slice(shape, axis, i);
            codes[i] = Math.max(qmin, Math.min(qmax, Math.round(values[i] / scales[s]) + zps[s]));
        }
        return new QTensor(shape.clone(), bits, axis, scales, zps, pack(codes, bits));
    }

    static byte[] pack(int[] codes, int bits) {
        if (bits == 8) {
            byte[] b = new byte[codes.length];
            for (int i = 0; i < codes.length; i++) {
                b[i] = (byte) codes[i];
            }
            return b;
        }
        byte[] b = new byte[(codes.length + 1) / 2];
        for (int i = 0; i < codes.length; i++) {
            int nib = codes[i] & 0xF;
            b[i / 2] |= (byte) (i % 2 == 0 ? nib : nib << 4);
        }
        return b;
    }

    /** The integer code of element i. */
    public int code(long i) {
        if (bits == 8) {
            return data[(int) i];
        }
        int b = data[(int) (i / 2)];
        int nib = i % 2 == 0 ? b & 0xF : (b >> 4) & 0xF;
        return nib >= 8 ? nib - 16 : nib;
    }

    public float[] dequantize() {
        int n = (int) count(shape);
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            int s = slice(shape, axis, i);
            out[i] = scales[s] * (code(i) - zeroPoints[s]);
        }
        return out;
    }
}
