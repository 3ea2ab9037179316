package org.jvmcompress.quantize;

import java.util.Locale;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.BaseActivationFunction;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Quantise-dequantise of activations to an affine integer grid over [lo, hi] with 2^bits levels (0 exactly
 * representable): {@code (clamp(round(x / s) + z, 0, 2^bits - 1) - z) * s}. Used as the activation function of a
 * DL4J {@code ActivationLayer} placed before each quantised layer, so that a float network computes what the static
 * int8 network computes (to rounding of the accumulation). Its gradient is the straight-through estimator: passed
 * unchanged inside the range, zero where the value was clipped (quantisation-aware training).
 */
public class FakeQuant extends BaseActivationFunction {
    private double lo;
    private double hi;
    private int bits = 8;

    /** For DL4J's JSON configuration. */
    public FakeQuant() {}

    public FakeQuant(double lo, double hi, int bits) {
        this.lo = Math.min(0, lo);
        this.hi = Math.max(0, hi);
        if (this.hi - this.lo <= 0) {
            this.hi = this.lo + 1e-6;
        }
        this.bits = bits;
    }

    public double getLo() {
        return lo;
    }

    public void setLo(double lo) {
        this.lo = lo;
    }

    public double getHi() {
        return hi;
    }

    public void setHi(double hi) {
        this.hi = hi;
    }

    public int getBits() {
        return bits;
    }

    public void setBits(int bits) {
        this.bits = bits;
    }

    /** The step between two codes. */
    public double scale() {
        return (hi - lo) / ((1 << bits) - 1);
    }

    /** The code of real 0. */
    public int zeroPoint() {
        return (int) Math.round(-lo / scale());
    }

    @Override
    public INDArray getActivation(INDArray in, boolean training) {
        double s = scale();
        int z = zeroPoint();
        int levels = (1 << bits) - 1;
        INDArray q = Transforms.round(in.div(s), false).addi(z);
        q = Transforms.min(Transforms.max(q, 0, false), levels, false);
        return in.assign(q.subi(z).muli(s));
    }

    @Override
    public Pair<INDArray, INDArray> backprop(INDArray in, INDArray epsilon) {
        double s = scale();
        int z = zeroPoint();
        double a = -z * s;
        double b = (((1 << bits) - 1) - z) * s;
        INDArray pass = in.gte(a).castTo(in.dataType()).muli(in.lte(b).castTo(in.dataType()));
        return new Pair<>(epsilon.muli(pass), null);
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "fakequant(%d bits, [%.4g, %.4g])", bits, lo, hi);
    }
}
