package org.jvmcompress.quantize;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.jvmcompress.core.data.Batches;
import org.jvmcompress.core.eval.Evaluator;

/**
 * Per-layer quantisation sensitivity: each quantisable layer quantised alone (int8 per channel, its weights and its
 * input), the rest float, and the accuracy lost on held-out data. The mixed mode then starts from every layer
 * quantised and returns layers to float, most sensitive first, until the loss is within a budget.
 */
public final class Sensitivity {
    /** One layer's accuracy drop when it alone is quantised. */
    public record Layer(String name, double accuracy, double drop) {}

    /** The analysis and the mixed model it led to. */
    public record Result(double floatAccuracy, List<Layer> layers, Set<String> floatLayers, double mixedAccuracy,
                         QuantizedModel mixed) {}

    private Sensitivity() {}

    public static List<Layer> analyse(ComputationGraph model, Batches.Source calib, Batches.Source heldOut,
                                      Quantizer.Settings base, double floatAcc) {
        List<String> layers = Quantizer.weightLayers(GraphSurgery.foldBatchNorm(model));
        List<Layer> out = new ArrayList<>();
        for (String l : layers) {
            Set<String> others = new HashSet<>(layers);
            others.remove(l);
            QuantizedModel q = Quantizer.quantize(model, calib, base.withMode("int8-per-channel").withFloatLayers(others));
            double acc = Evaluator.accuracy(q.toGraph(), heldOut);
            out.add(new Layer(l, acc, floatAcc - acc));
            System.err.printf(Locale.ROOT, "sensitivity %s: accuracy %.4f (drop %.4f)%n", l, acc, floatAcc - acc);
        }
        return out;
    }

    /**
     * @param budget the accuracy the mixed model may lose on {@code heldOut}, as a fraction (0.003 = 0.3 points)
     */
    public static Result mixed(ComputationGraph model, Batches.Source calib, Batches.Source heldOut,
                               Quantizer.Settings base, double budget) {
        double floatAcc = Evaluator.accuracy(model, heldOut);
        List<Layer> layers = analyse(model, calib, heldOut, base, floatAcc);
        List<Layer> bySensitivity = new ArrayList<>(layers);
        bySensitivity.sort((a, b) -> Double.compare(b.drop(), a.drop()));
        Set<String> floats = new LinkedHashSet<>();
        QuantizedModel q = Quantizer.quantize(model, calib, base.withMode("mixed").withFloatLayers(floats));
        double acc = Evaluator.accuracy(q.toGraph(), heldOut);
        for (Layer l : bySensitivity) {
            if (floatAcc - acc <= budget) {
                break;
            }
            floats.add(l.name());
            q = Quantizer.quantize(model, calib, base.withMode("mixed").withFloatLayers(floats));
            acc = Evaluator.accuracy(q.toGraph(), heldOut);
            System.err.printf(Locale.ROOT, "mixed: %s back to float, accuracy %.4f%n", l.name(), acc);
        }
        Map<String, Object> settings = new LinkedHashMap<>(q.settings());
        settings.put("budget", budget);
        settings.put("sensitivity", layers);
        return new Result(floatAcc, layers, floats, acc, new QuantizedModel(q.conf(), q.params(), q.activations(),
                settings));
    }
}
