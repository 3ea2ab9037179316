package org.jvmcompress.quantize;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.jvmcompress.core.CompressionException;
import org.jvmcompress.core.task.TaskData;
import org.jvmcompress.core.task.TrainConfig;
import org.jvmcompress.core.train.Trainer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Quantisation-aware training: the network (batch norm folded) trains with a {@link FakeQuant} before every
 * quantised layer (activation ranges calibrated first, then fixed) and with its weights fake-quantised (int8
 * symmetric per channel) in every forward pass; gradients reach the float weights by the straight-through
 * estimator (each step's update, computed at the quantised weights, is applied to the float ones). The result
 * exports to the int8 file with the ranges it trained with.
 */
public final class Qat {
    private Qat() {}

    /** Quantisation-aware training's default learning rate (a fine-tune of a trained model: small). */
    public static final double LR = 1e-4;

    /** Quantisation-aware training's schedule: {@code epochs} at {@code lr} (fresh Adam), no decay, no early stop. */
    public static TrainConfig config(org.jvmcompress.core.task.Task t, String arch, int epochs, double lr, long seed) {
        return new TrainConfig(arch, epochs, t.defaultConfig().batchSize(), lr, 1.0, epochs, 0, seed, 0);
    }

    /** A float network prepared for QAT: folded, with calibrated fake-quant layers. */
    public record Prepared(ComputationGraph graph, Map<String, FakeQuant> ranges) {}

    public static Prepared prepare(ComputationGraph model, TaskData data, Quantizer.Settings s) {
        if (!s.quantMode().qat()) {
            throw new CompressionException("quantisation-aware training is for the modes " + String.join(", ",
                    QuantMode.qatNames()) + ", not " + s.mode());
        }
        QuantizedModel calibrated = Quantizer.quantize(model, data.train(), s);
        ComputationGraph folded = GraphSurgery.foldBatchNorm(model);
        return new Prepared(GraphSurgery.withFakeQuant(folded, calibrated.activations(), Map.of()),
                calibrated.activations());
    }

    /** The step: fake-quantise the weights, fit, carry the update over to the float weights. */
    static Trainer.Step step(Quantizer.Settings s) {
        return (nets, ds) -> {
            ComputationGraph g = nets.get(0);
            INDArray params = g.params();
            INDArray floats = params.dup();
            fakeQuantiseWeights(g, s);
            INDArray quantised = params.dup();
            double loss = org.jvmcompress.core.train.TrainingSetup.fit(g, ds);
            // params = floats + (params - quantised)
            params.subi(quantised).addi(floats);
            return loss;
        };
    }

    /** Replaces every weight of {@code g} (in place) by its int8 quantise-dequantise. */
    static void fakeQuantiseWeights(ComputationGraph g, Quantizer.Settings s) {
        for (String name : Quantizer.weightLayers(g)) {
            var conf = GraphSurgery.layerOf(g.getConfiguration(), name);
            for (Map.Entry<String, INDArray> p : g.getLayer(name).paramTable().entrySet()) {
                INDArray v = p.getValue();
                if (Quantizer.isWeight(conf, p.getKey(), v)) {
                    long[] shape = Quantizer.quantShape(conf, p.getKey(), v.shape());
                    int axis = s.quantMode().perChannel() ? Quantizer.channelAxis(conf, p.getKey(), shape) : -1;
                    float[] q = QTensor.quantize(v.dup('c').data().asFloat(), shape, 8, !s.asymmetric(), axis)
                            .dequantize();
                    v.assign(Nd4j.create(q, v.shape(), 'c').castTo(v.dataType()));
                }
            }
        }
    }

    /**
     * Trains a prepared network on {@code trainData} (its labels may carry a teacher's logits when the output layer
     * has a distillation loss) and returns the quantised model.
     */
    public static QuantizedModel train(Prepared p, TaskData data, TaskData trainData, TrainConfig c,
                                       Quantizer.Settings s, Path runDir,
                                       java.util.function.UnaryOperator<ComputationGraph> beforeExport) {
        // The starting point, measured as the epochs are (float weights, quantised activations).
        double start = org.jvmcompress.core.eval.Evaluator.accuracy(p.graph(), data.validation());
        ComputationGraph initial = p.graph().clone();
        // Fine-tuning at the configured rate: the network's own configuration carries its training schedule.
        ComputationGraph trainee = GraphSurgery.withUpdater(p.graph(),
                new org.nd4j.linalg.learning.config.Adam(c.learningRate()));
        Trainer.MultiResult r = Trainer.train(List.of(trainee), trainData, c, runDir, step(s));
        boolean improved = r.state().bestValidationAccuracy() > start;
        // Never worse than where it started: when no epoch beats the post-training model on validation, keep that.
        ComputationGraph best = improved ? r.best().get(0) : initial;
        Map<String, FakeQuant> ranges = new LinkedHashMap<>();
        ComputationGraph plain = beforeExport.apply(GraphSurgery.withoutFakeQuant(best, ranges));
        QuantizedModel q = Quantizer.quantize(plain, data.train(), s, ranges);
        Map<String, Object> settings = new LinkedHashMap<>(q.settings());
        Map<String, Object> qat = new LinkedHashMap<>();
        qat.put("epochs", r.state().epochsDone());
        qat.put("bestEpoch", r.state().bestEpoch());
        qat.put("learningRate", c.learningRate());
        qat.put("startValidationAccuracy", start);
        qat.put("history", r.state().history());
        qat.put("kept", improved ? "the QAT weights" : "the starting weights: no QAT epoch beat them on validation");
        settings.put("qat", qat);
        return new QuantizedModel(q.conf(), q.params(), q.activations(), settings);
    }
}
