package org.jvmcompress.distill.loss;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jvmcompress.core.CompressionException;

/**
 * The registry of logit losses by short name, filled here in one place. Each takes the temperature T and the
 * weight alpha of the teacher's term; the labels get 1 - alpha.
 * <ul>
 * <li>{@code kd}: alpha * T² KL(p_t || p_s) + (1 - alpha) * CE (Hinton, Vinyals and Dean 2015)</li>
 * <li>{@code kd-reverse}: alpha * T² KL(p_s || p_t) + (1 - alpha) * CE</li>
 * <li>{@code kd-js}: alpha * T² JS(p_t, p_s) + (1 - alpha) * CE</li>
 * <li>{@code kd-mse}: alpha * mean of squared differences of row-centred logits + (1 - alpha) * CE (Ba and Caruana 2014)</li>
 * <li>{@code ce}: CE only (training from scratch)</li>
 * </ul>
 */
public final class LogitLosses {
    /** Builds a loss from T and alpha. */
    @FunctionalInterface
    interface Factory {
        LogitLoss create(double temperature, double alpha);
    }

    private static final Map<String, Factory> REGISTRY = new LinkedHashMap<>();

    static {
        REGISTRY.put("kd", (t, a) -> soft(Divergence.FORWARD_KL, t, a));
        REGISTRY.put("kd-reverse", (t, a) -> soft(Divergence.REVERSE_KL, t, a));
        REGISTRY.put("kd-js", (t, a) -> soft(Divergence.JS, t, a));
        REGISTRY.put("kd-mse", (t, a) -> soft(Divergence.MSE, t, a));
        REGISTRY.put("ce", (t, a) -> new WeightedSum(List.of(new WeightedSum.Term(1, new CrossEntropyLoss()))));
    }

    private LogitLosses() {}

    public static List<String> names() {
        return List.copyOf(REGISTRY.keySet());
    }

    public static LogitLoss create(String name, double temperature, double alpha) {
        Factory f = REGISTRY.get(name);
        if (f == null) {
            throw new CompressionException("unknown distillation loss '" + name + "'; known: " + String.join(", ", names()));
        }
        if (!(alpha >= 0 && alpha <= 1)) {
            throw new CompressionException("alpha must be in [0, 1], got " + alpha);
        }
        return f.create(temperature, alpha);
    }

    private static LogitLoss soft(Divergence d, double t, double alpha) {
        return new WeightedSum(List.of(new WeightedSum.Term(alpha, new SoftTargetLoss(d, t)),
                new WeightedSum.Term(1 - alpha, new CrossEntropyLoss())));
    }
}
