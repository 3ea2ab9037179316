package org.jvmcompress.core.layers;

import java.util.Map;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.RNNFormat;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.InputTypeUtil;
import org.deeplearning4j.nn.conf.layers.samediff.SDLayerParams;
import org.deeplearning4j.nn.conf.layers.samediff.SameDiffLayer;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * One transformer encoder block over a sequence in DL4J's NCW layout ([batch, width, time]): multi-head scaled
 * dot-product self-attention and a position-wise feed-forward network (ReLU), each with a residual connection and
 * layer normalisation, after it (post-norm, Vaswani et al. 2017) or before it (pre-norm, Xiong et al. 2020). The first
 * block of a stack may add learned position embeddings to its input. Width in = width out.
 *
 * <p>Parameters: {@code Wq, Wk, Wv} [heads, width/heads, width], {@code Wo} [width, width] (DL4J's attention op's
 * layout), {@code g1, b1, g2, b2} the two layer norms' gain and bias, {@code W1} [width, ffn], {@code c1}, {@code W2}
 * [ffn, width], {@code c2}, and with positions {@code P} [width, time].
 */
public class TransformerBlock extends SameDiffLayer {
    private long width;
    private int heads;
    private int ffn;
    private boolean preNorm;
    private boolean positions;
    private int length;

    /** For DL4J's JSON. */
    protected TransformerBlock() {}

    /**
     * @param positions whether this block adds learned position embeddings (one per position of {@code length})
     */
    public TransformerBlock(long width, int heads, int ffn, boolean preNorm, boolean positions, int length) {
        if (width < 1 || heads < 1 || width % heads != 0) {
            throw new IllegalArgumentException("transformer width " + width + " is not a multiple of its " + heads
                    + " heads");
        }
        if (ffn < 1 || length < 1) {
            throw new IllegalArgumentException("transformer feed-forward width and length must be >= 1");
        }
        this.width = width;
        this.heads = heads;
        this.ffn = ffn;
        this.preNorm = preNorm;
        this.positions = positions;
        this.length = length;
    }

    @Override
    public void defineParameters(SDLayerParams p) {
        p.clear();
        long hs = width / heads;
        p.addWeightParam("Wq", heads, hs, width);
        p.addWeightParam("Wk", heads, hs, width);
        p.addWeightParam("Wv", heads, hs, width);
        p.addWeightParam("Wo", width, width);
        p.addWeightParam("W1", width, ffn);
        p.addWeightParam("W2", ffn, width);
        if (positions) {
            p.addWeightParam("P", width, length);
        }
        p.addBiasParam("g1", 1, width);
        p.addBiasParam("b1", 1, width);
        p.addBiasParam("g2", 1, width);
        p.addBiasParam("b2", 1, width);
        p.addBiasParam("c1", 1, ffn);
        p.addBiasParam("c2", 1, width);
    }

    @Override
    public void initializeParameters(Map<String, INDArray> params) {
        for (Map.Entry<String, INDArray> e : params.entrySet()) {
            INDArray a = e.getValue();
            // scaled so that each projection keeps its input's variance (He for the ReLU layer)
            double std = switch (e.getKey()) {
                case "Wq", "Wk", "Wv", "Wo" -> Math.sqrt(1.0 / width);
                case "W1" -> Math.sqrt(2.0 / width);
                case "W2" -> Math.sqrt(1.0 / ffn);
                case "P" -> 0.02;
                default -> 0;
            };
            if (std > 0) {
                a.assign(Nd4j.randn(a.dataType(), a.shape()).muli(std));
            } else {
                a.assign(e.getKey().startsWith("g") ? 1 : 0);
            }
        }
    }

    @Override
    public SDVariable defineLayer(SameDiff sd, SDVariable x, Map<String, SDVariable> p, SDVariable mask) {
        SDVariable in = positions ? x.add(p.get("P")) : x;
        SDVariable a = preNorm ? norm(in, p.get("g1"), p.get("b1")) : in;
        SDVariable att = sd.nn.multiHeadDotProductAttention(a, a, a, p.get("Wq"), p.get("Wk"), p.get("Wv"), p.get("Wo"),
                mask, true);
        SDVariable r1 = in.add(att);
        SDVariable h = preNorm ? r1 : norm(r1, p.get("g1"), p.get("b1"));
        SDVariable f = feedForward(sd, preNorm ? norm(h, p.get("g2"), p.get("b2")) : h, p);
        SDVariable r2 = h.add(f);
        return preNorm ? r2 : norm(r2, p.get("g2"), p.get("b2"));
    }

    /** Layer normalisation over the width (dimension 1) at each position. */
    private SDVariable norm(SDVariable x, SDVariable gain, SDVariable bias) {
        SDVariable d = x.sub(x.mean(true, 1));
        SDVariable var = d.mul(d).mean(true, 1);
        SDVariable y = d.div(var.add(1e-5).pow(0.5));
        return y.mul(gain.reshape(1, width, 1)).add(bias.reshape(1, width, 1));
    }

    /** The same two-layer network at every position: [b, w, t] -> [b*t, w] -> ffn -> [b, w, t]. */
    private SDVariable feedForward(SameDiff sd, SDVariable x, Map<String, SDVariable> p) {
        SDVariable rows = x.permute(0, 2, 1).reshape(-1, width);
        SDVariable hidden = sd.nn.relu(rows.mmul(p.get("W1")).add(p.get("c1")), 0);
        SDVariable out = hidden.mmul(p.get("W2")).add(p.get("c2"));
        return out.reshape(-1, length, width).permute(0, 2, 1);
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType inputType) {
        return InputType.recurrent(width, length);
    }

    @Override
    public void setNIn(InputType inputType, boolean override) {
        if (inputType.getType() != InputType.Type.RNN) {
            throw new IllegalStateException("a transformer block takes a sequence, got " + inputType);
        }
        InputType.InputTypeRecurrent r = (InputType.InputTypeRecurrent) inputType;
        if (r.getSize() != width || r.getTimeSeriesLength() > 0 && r.getTimeSeriesLength() != length) {
            throw new IllegalStateException("transformer block of width " + width + " and length " + length
                    + " cannot read " + inputType);
        }
    }

    @Override
    public InputPreProcessor getPreProcessorForInputType(InputType inputType) {
        return InputTypeUtil.getPreprocessorForInputTypeRnnLayers(inputType, RNNFormat.NCW, getLayerName());
    }

    public long getWidth() {
        return width;
    }

    public void setWidth(long width) {
        this.width = width;
    }

    public int getHeads() {
        return heads;
    }

    public void setHeads(int heads) {
        this.heads = heads;
    }

    public int getFfn() {
        return ffn;
    }

    public void setFfn(int ffn) {
        this.ffn = ffn;
    }

    public boolean isPreNorm() {
        return preNorm;
    }

    public void setPreNorm(boolean preNorm) {
        this.preNorm = preNorm;
    }

    public boolean isPositions() {
        return positions;
    }

    public void setPositions(boolean positions) {
        this.positions = positions;
    }

    public int getLength() {
        return length;
    }

    public void setLength(int length) {
        this.length = length;
    }
}
