package org.jvmcompress.core.model.keras;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.samediff.SDLayerParams;
import org.deeplearning4j.nn.conf.layers.samediff.SameDiffLayer;
import org.nd4j.autodiff.samediff.SDIndex;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Keras' GRU (version 3 defaults: tanh, sigmoid gates, {@code reset_after=True}) as a DL4J SameDiff layer, since
 * DL4J has no GRU layer. Parameters in Keras' layout and gate order (z, r, h): {@code W} [in, 3u], {@code RW}
 * [u, 3u], {@code b} [2, 3u] (input bias, recurrent bias). On input [batch, in, length] (channels first) it unrolls
 * the fixed length: z = sigmoid(x Wz + bz + h Uz + b'z), r likewise, n = tanh(x Wh + bh + r * (h Uh + b'h)),
 * h = z * h + (1 - z) * n; it returns every step [batch, u, length] or the last [batch, u].
 */
public class KerasGru extends SameDiffLayer {
    private long nIn;
    private long units;
    private long length;
    private boolean returnSequences;

    /** For DL4J's JSON configuration. */
    public KerasGru() {}

    public KerasGru(long units, boolean returnSequences) {
        this.units = units;
        this.returnSequences = returnSequences;
    }

    public long getNIn() {
        return nIn;
    }

    public void setNIn(long nIn) {
        this.nIn = nIn;
    }

    public long getUnits() {
        return units;
    }

    public void setUnits(long units) {
        this.units = units;
    }

    public long getLength() {
        return length;
    }

    public void setLength(long length) {
        this.length = length;
    }

    public boolean isReturnSequences() {
        return returnSequences;
    }

    public void setReturnSequences(boolean returnSequences) {
        this.returnSequences = returnSequences;
    }

    @Override
    public void defineParameters(SDLayerParams p) {
        p.addWeightParam("W", nIn, 3 * units);
        p.addWeightParam("RW", units, 3 * units);
        p.addWeightParam("b", 2, 3 * units);
    }

    @Override
    public void initializeParameters(Map<String, INDArray> params) {
        double a = Math.sqrt(6.0 / (nIn + units));
        params.get("W").assign(org.nd4j.linalg.factory.Nd4j.rand(params.get("W").shape()).muli(2 * a).subi(a));
        double r = Math.sqrt(6.0 / (2 * units));
        params.get("RW").assign(org.nd4j.linalg.factory.Nd4j.rand(params.get("RW").shape()).muli(2 * r).subi(r));
        params.get("b").assign(0);
    }

    private static SDVariable cols(SDVariable m, long from, long to) {
        return m.get(SDIndex.all(), SDIndex.interval(from, to));
    }

    @Override
    public SDVariable defineLayer(SameDiff sd, SDVariable input, Map<String, SDVariable> params, SDVariable mask) {
        SDVariable w = params.get("W");
        SDVariable u = params.get("RW");
        SDVariable b = params.get("b");
        long k = units;
        SDVariable[] wg = {cols(w, 0L, k), cols(w, k, 2 * k), cols(w, 2 * k, 3 * k)};
        SDVariable[] ug = {cols(u, 0L, k), cols(u, k, 2 * k), cols(u, 2 * k, 3 * k)};
        SDVariable bi = b.get(SDIndex.point(0));
        SDVariable br = b.get(SDIndex.point(1));
        SDVariable[] big = {bi.get(SDIndex.interval(0L, k)), bi.get(SDIndex.interval(k, 2 * k)),
            bi.get(SDIndex.interval(2 * k, 3 * k))};
        SDVariable[] brg = {br.get(SDIndex.interval(0L, k)), br.get(SDIndex.interval(k, 2 * k)),
            br.get(SDIndex.interval(2 * k, 3 * k))};
        SDVariable h = null;
        List<SDVariable> steps = new ArrayList<>();
        for (long t = 0; t < length; t++) {
            SDVariable x = input.get(SDIndex.all(), SDIndex.all(), SDIndex.point(t));
            SDVariable xz = x.mmul(wg[0]).add(big[0]);
            SDVariable xr = x.mmul(wg[1]).add(big[1]);
            SDVariable xh = x.mmul(wg[2]).add(big[2]);
            SDVariable z;
            SDVariable r;
            SDVariable n;
            if (h == null) { // h = 0: the recurrent products are 0, only their biases remain
                z = sd.nn.sigmoid(xz.add(brg[0]));
                r = sd.nn.sigmoid(xr.add(brg[1]));
                n = sd.math.tanh(xh.add(r.mul(brg[2])));
                h = z.rsub(1.0).mul(n);
            } else {
                z = sd.nn.sigmoid(xz.add(h.mmul(ug[0])).add(brg[0]));
                r = sd.nn.sigmoid(xr.add(h.mmul(ug[1])).add(brg[1]));
                n = sd.math.tanh(xh.add(r.mul(h.mmul(ug[2]).add(brg[2]))));
                h = z.mul(h).add(z.rsub(1.0).mul(n));
            }
            steps.add(h);
        }
        return returnSequences ? sd.stack(2, steps.toArray(new SDVariable[0])) : h;
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType inputType) {
        return returnSequences ? InputType.recurrent(units, length) : InputType.feedForward(units);
    }

    @Override
    public void setNIn(InputType inputType, boolean override) {
        InputType.InputTypeRecurrent r = (InputType.InputTypeRecurrent) inputType;
        if (nIn <= 0 || override) {
            nIn = r.getSize();
        }
        if (length <= 0 || override) {
            length = r.getTimeSeriesLength();
        }
    }

    @Override
    public InputPreProcessor getPreProcessorForInputType(InputType inputType) {
        return null;
    }

    @Override
    public char paramReshapeOrder(String param) {
        return 'c';
    }
}
