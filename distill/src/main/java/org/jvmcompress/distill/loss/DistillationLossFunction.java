package org.jvmcompress.distill.loss;

import org.jvmcompress.core.CompressionException;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.shade.jackson.annotation.JsonIgnore;

/**
 * A {@link LogitLoss} as a DL4J loss function for a student's output layer. The "labels" DL4J hands it are
 * {@code [teacher logits | one-hot labels]}, 2K columns for K classes, so that cached teacher outputs travel in
 * the data set and the teacher is not run again each epoch. The output layer's pre-activations are taken as the
 * student's logits (its activation, normally softmax, is applied by the loss itself), and the gradient returned is
 * with respect to them. Configured by name, temperature and alpha so that DL4J can write it into the network's
 * JSON configuration; replaced by plain cross-entropy before a student is saved.
 */
public final class DistillationLossFunction extends BatchLossFunction {
    private static final long serialVersionUID = 1L;

    private String loss = "kd";
    private double temperature = 4;
    private double alpha = 0.9;
    /** DKD's weight of the non-target part; configurations written before it existed read the default. */
    private double beta = DecoupledKdLoss.DEFAULT_BETA;
    @JsonIgnore
    private transient LogitLoss impl;

    /** For DL4J's JSON deserialisation. */
    public DistillationLossFunction() {}

    public DistillationLossFunction(String loss, double temperature, double alpha) {
        this(loss, temperature, alpha, DecoupledKdLoss.DEFAULT_BETA);
    }

    public DistillationLossFunction(String loss, double temperature, double alpha, double beta) {
        this.loss = loss;
        this.temperature = temperature;
        this.alpha = alpha;
        this.beta = beta;
        impl();
    }

    public String getLoss() {
        return loss;
    }

    public void setLoss(String loss) {
        this.loss = loss;
        impl = null;
    }

    public double getTemperature() {
        return temperature;
    }

    public void setTemperature(double temperature) {
        this.temperature = temperature;
        impl = null;
    }

    public double getAlpha() {
        return alpha;
    }

    public void setAlpha(double alpha) {
        this.alpha = alpha;
        impl = null;
    }

    public double getBeta() {
        return beta;
    }

    public void setBeta(double beta) {
        this.beta = beta;
        impl = null;
    }

    private LogitLoss impl() {
        if (impl == null) {
            impl = LogitLosses.create(loss, temperature, alpha, beta);
        }
        return impl;
    }

    /** The teacher's logits and the one-hot labels side by side, as this loss expects its labels. */
    public static INDArray packLabels(INDArray teacherLogits, INDArray oneHot) {
        return Nd4j.hstack(teacherLogits.castTo(DataType.FLOAT), oneHot.castTo(DataType.FLOAT));
    }

    private double[][][] split(INDArray labels, INDArray preOutput) {
        long k = preOutput.size(1);
        if (labels.rank() != 2 || labels.size(1) != 2 * k) {
            throw new CompressionException("distillation labels must be [teacher logits | one-hot], "
                    + (2 * k) + " columns for " + k + " classes; got shape " + java.util.Arrays.toString(labels.shape()));
        }
        int n = (int) labels.size(0);
        int kk = (int) k;
        double[][] both = org.jvmcompress.core.util.Matrices.rows(labels);
        double[][] t = new double[n][kk];
        double[][] y = new double[n][kk];
        for (int i = 0; i < n; i++) {
            System.arraycopy(both[i], 0, t[i], 0, kk);
            System.arraycopy(both[i], kk, y[i], 0, kk);
        }
        double[][] s = org.jvmcompress.core.util.Matrices.rows(preOutput);
        return new double[][][] {s, t, y};
    }

    @Override
    public double computeScore(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask,
                               boolean average) {
        double[][][] a = split(labels, preOutput);
        double mean = impl().score(a[0], a[1], a[2]);
        return average ? mean : mean * a[0].length;
    }

    @Override
    public INDArray computeScoreArray(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask) {
        double[][][] a = split(labels, preOutput);
        double[] out = new double[a[0].length];
        for (int i = 0; i < out.length; i++) {
            out[i] = impl().score(new double[][] {a[0][i]}, new double[][] {a[1][i]}, new double[][] {a[2][i]});
        }
        return Nd4j.createFromArray(out).reshape(out.length, 1).castTo(preOutput.dataType());
    }

    @Override
    public INDArray computeGradient(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask) {
        double[][][] a = split(labels, preOutput);
        double[][] g = impl().gradient(a[0], a[1], a[2]);
        INDArray out = org.jvmcompress.core.util.Matrices.of(g, preOutput.dataType());
        if (mask != null) {
            out.muliColumnVector(mask.castTo(preOutput.dataType()));
        }
        return out;
    }

    @Override
    public String name() {
        return impl().toString();
    }
}
