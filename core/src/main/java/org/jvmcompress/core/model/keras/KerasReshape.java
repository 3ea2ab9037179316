package org.jvmcompress.core.model.keras;

import java.util.Arrays;
import org.deeplearning4j.nn.api.MaskState;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Keras' {@code Reshape} on DL4J's channels-first activations: the input is put in Keras' channels-last order,
 * reshaped (row-major) to the target shape, and put back channels-first. Shapes exclude the batch; a rank-1 shape
 * is a vector, rank 2 a sequence [length, channels], rank 3 an image [height, width, channels].
 */
public class KerasReshape implements InputPreProcessor {
    private long[] from;
    private long[] to;

    /** For DL4J's JSON configuration. */
    public KerasReshape() {}

    public KerasReshape(long[] from, long[] to) {
        this.from = from.clone();
        this.to = to.clone();
    }

    public long[] getFrom() {
        return from;
    }

    public void setFrom(long[] from) {
        this.from = from;
    }

    public long[] getTo() {
        return to;
    }

    public void setTo(long[] to) {
        this.to = to;
    }

    /** DL4J layout [n, C, ...] to channels-last [n, ..., C]. */
    static INDArray toChannelsLast(INDArray x) {
        return switch (x.rank()) {
            case 3 -> x.permute(0, 2, 1);
            case 4 -> x.permute(0, 2, 3, 1);
            default -> x;
        };
    }

    static INDArray toChannelsFirst(INDArray x) {
        return switch (x.rank()) {
            case 3 -> x.permute(0, 2, 1);
            case 4 -> x.permute(0, 3, 1, 2);
            default -> x;
        };
    }

    private static long[] withBatch(long n, long[] s) {
        long[] r = new long[s.length + 1];
        r[0] = n;
        System.arraycopy(s, 0, r, 1, s.length);
        return r;
    }

    @Override
    public INDArray preProcess(INDArray input, int miniBatchSize, LayerWorkspaceMgr mgr) {
        INDArray last = toChannelsLast(input).dup('c').reshape('c', withBatch(input.size(0), to));
        return mgr.leverageTo(ArrayType.ACTIVATIONS, toChannelsFirst(last).dup('c'));
    }

    @Override
    public INDArray backprop(INDArray output, int miniBatchSize, LayerWorkspaceMgr mgr) {
        INDArray last = toChannelsLast(output).dup('c').reshape('c', withBatch(output.size(0), from));
        return mgr.leverageTo(ArrayType.ACTIVATION_GRAD, toChannelsFirst(last).dup('c'));
    }

    @Override
    public InputPreProcessor clone() {
        return new KerasReshape(from, to);
    }

    @Override
    public InputType getOutputType(InputType inputType) {
        return switch (to.length) {
            case 1 -> InputType.feedForward(to[0]);
            case 2 -> InputType.recurrent(to[1], to[0]);
            case 3 -> InputType.convolutional(to[0], to[1], to[2]);
            default -> throw new IllegalStateException("reshape to " + Arrays.toString(to));
        };
    }

    @Override
    public Pair<INDArray, MaskState> feedForwardMaskArray(INDArray maskArray, MaskState currentMaskState,
                                                          int minibatchSize) {
        return new Pair<>(maskArray, currentMaskState);
    }
}
