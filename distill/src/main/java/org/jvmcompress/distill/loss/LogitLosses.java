package org.jvmcompress.distill.loss;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jvmcompress.core.CompressionException;

/**
 * The registry of logit losses by short name, filled here in one place. Each takes the temperature T and the
 * weight alpha of the teacher's term (the labels get 1 - alpha), and DKD the weight beta of its non-target part.
 * <ul>
 * <li>{@code kd}: alpha * T² KL(p_t || p_s) + (1 - alpha) * CE (Hinton, Vinyals and Dean 2015)</li>
 * <li>{@code kd-reverse}: alpha * T² KL(p_s || p_t) + (1 - alpha) * CE</li>
 * <li>{@code kd-js}: alpha * T² JS(p_t, p_s) + (1 - alpha) * CE</li>
 * <li>{@code kd-mse}: alpha * mean of squared differences of row-centred logits + (1 - alpha) * CE (Ba and Caruana 2014)</li>
 * <li>{@code dkd}: alpha * T² (TCKD + beta NCKD) + (1 - alpha) * CE, decoupled KD (Zhao et al. 2022), see
 * {@link DecoupledKdLoss}</li>
 * <li>{@code kd-std}: {@code kd} on z-scored logits (Sun et al. 2024), see {@link StandardizedLogitsLoss}</li>
 * <li>{@code kd-adv}: {@code kd} + weight * ADV, the generator loss of a discriminator that tells the teacher's logits
 * from the student's (adversarial distillation, see {@link AdversarialLoss}); options
 * {@code kd-adv[weight=0.1,hidden=64,steps=1,lr=2e-4,seed=1,conditional=0]}</li>
 * <li>{@code lwf[old=K,local=0]}: alpha * T² KL on the softmax of the first K classes only + (1 - alpha) * CE, with
 * {@code local=1} a CE over the classes from K on only (Learning without
 * Forgetting, Li and Hoiem 2016: the previous model's knowledge of the classes it knew; see {@link OldClassesLoss})</li>
 * <li>{@code ce}: CE only (training from scratch)</li>
 * </ul>
 */
public final class LogitLosses {
    /** Builds a loss from T, alpha and beta (DKD's non-target weight, ignored by the other losses). */
    @FunctionalInterface
    interface Factory {
        LogitLoss create(double temperature, double alpha, double beta, Configured options);
    }

    /** A loss that takes no options of its own. */
    private static Factory plain(Simple f) {
        return (t, a, b, c) -> {
            c.allow(List.of());
            return f.create(t, a, b);
        };
    }

    @FunctionalInterface
    private interface Simple {
        LogitLoss create(double temperature, double alpha, double beta);
    }

    /** The options of {@code kd-adv}. */
    static final List<String> ADVERSARIAL_OPTIONS = java.util.stream.Stream.concat(Adversary.OPTIONS.stream(),
            java.util.stream.Stream.of("weight", "conditional")).toList();

    private static final Map<String, Factory> REGISTRY = new LinkedHashMap<>();

    static {
        REGISTRY.put("kd", plain((t, a, b) -> soft(Divergence.FORWARD_KL, t, a)));
        REGISTRY.put("kd-reverse", plain((t, a, b) -> soft(Divergence.REVERSE_KL, t, a)));
        REGISTRY.put("kd-js", plain((t, a, b) -> soft(Divergence.JS, t, a)));
        REGISTRY.put("kd-mse", plain((t, a, b) -> soft(Divergence.MSE, t, a)));
        REGISTRY.put("dkd", plain((t, a, b) -> withCe(new DecoupledKdLoss(t, b), a)));
        REGISTRY.put("kd-std", plain((t, a, b) -> withCe(new StandardizedLogitsLoss(new SoftTargetLoss(Divergence.FORWARD_KL, t)), a)));
        REGISTRY.put("kd-adv", (t, a, b, c) -> {
            c.allow(ADVERSARIAL_OPTIONS);
            return new WeightedSum(List.of(new WeightedSum.Term(a, new SoftTargetLoss(Divergence.FORWARD_KL, t)),
                    new WeightedSum.Term(1 - a, new CrossEntropyLoss()),
                    new WeightedSum.Term(c.number("weight", 0.1, 0, 1e6), new AdversarialLoss(c))));
        });
        REGISTRY.put("lwf", (t, a, b, c) -> {
            c.allow(List.of("old", "local"));
            if (!c.options().containsKey("old")) {
                throw new CompressionException("lwf needs old=K, the number of classes the previous model knew");
            }
            int old = c.integer("old", 1, 1, 1_000_000);
            LogitLoss ce = c.integer("local", 0, 0, 1) == 1 ? new OldClassesLoss(new CrossEntropyLoss(), old, 0)
                    : new CrossEntropyLoss();
            return new WeightedSum(List.of(new WeightedSum.Term(a, new OldClassesLoss(
                    new SoftTargetLoss(Divergence.FORWARD_KL, t), 0, old)), new WeightedSum.Term(1 - a, ce)));
        });
        REGISTRY.put("ce", plain((t, a, b) -> new WeightedSum(List.of(new WeightedSum.Term(1, new CrossEntropyLoss())))));
    }

    private LogitLosses() {}

    public static List<String> names() {
        return List.copyOf(REGISTRY.keySet());
    }

    public static LogitLoss create(String name, double temperature, double alpha) {
        return create(name, temperature, alpha, DecoupledKdLoss.DEFAULT_BETA);
    }

    /** As {@link #create(String, double, double)}, with {@code beta} the weight of DKD's non-target part (dkd only). */
    public static LogitLoss create(String name, double temperature, double alpha, double beta) {
        Configured c = Configured.parse(name);
        Factory f = REGISTRY.get(c.name());
        if (f == null) {
            throw new CompressionException("unknown distillation loss '" + c.name() + "'; known: " + String.join(", ", names()));
        }
        if (!(alpha >= 0 && alpha <= 1)) {
            throw new CompressionException("alpha must be in [0, 1], got " + alpha);
        }
        return f.create(temperature, alpha, beta, c);
    }

    /**
     * Fails when a loss cannot work with a network of {@code classes} outputs: z-scored logits ({@code kd-std}) need
     * three or more, since with two every row becomes (-1, 1) and carries nothing.
     */
    public static void checkClasses(String name, long classes) {
        if (name.equals("kd-std") && classes < 3) {
            throw new CompressionException("the loss kd-std (z-scored logits) needs 3 or more classes; this network has "
                    + classes + ", and with 2 every row of z-scored logits is (-1, 1); use kd or kd-js");
        }
    }

    private static LogitLoss soft(Divergence d, double t, double alpha) {
        return withCe(new SoftTargetLoss(d, t), alpha);
    }

    private static LogitLoss withCe(LogitLoss teacherTerm, double alpha) {
        return new WeightedSum(List.of(new WeightedSum.Term(alpha, teacherTerm),
                new WeightedSum.Term(1 - alpha, new CrossEntropyLoss())));
    }
}
