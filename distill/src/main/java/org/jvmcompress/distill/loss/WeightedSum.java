package org.jvmcompress.distill.loss;

import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import org.jvmcompress.core.CompressionException;

/** A weighted sum of losses; {@code toString()} reads like the formula: {@code 0.9*FORWARD-KL(T=4) + 0.1*CE}. */
public final class WeightedSum implements LogitLoss {
    /** One weighted term. */
    public record Term(double weight, LogitLoss loss) {
        public Term {
            if (!(weight >= 0) || Double.isInfinite(weight)) {
                throw new CompressionException("loss weights must be finite and non-negative, got " + weight);
            }
        }
    }

    private final List<Term> terms;

    public WeightedSum(List<Term> terms) {
        if (terms.isEmpty()) {
            throw new CompressionException("a weighted sum of losses needs at least one term");
        }
        this.terms = List.copyOf(terms);
    }

    public List<Term> terms() {
        return terms;
    }

    @Override
    public double score(double[][] s, double[][] t, double[][] y) {
        double sum = 0;
        for (Term term : terms) {
            if (term.weight() != 0) {
                sum += term.weight() * term.loss().score(s, t, y);
            }
        }
        return sum;
    }

    @Override
    public double[][] gradient(double[][] s, double[][] t, double[][] y) {
        double[][] g = new double[s.length][s.length == 0 ? 0 : s[0].length];
        for (Term term : terms) {
            if (term.weight() == 0) {
                continue;
            }
            double[][] gt = term.loss().gradient(s, t, y);
            for (int i = 0; i < g.length; i++) {
                for (int k = 0; k < g[i].length; k++) {
                    g[i][k] += term.weight() * gt[i][k];
                }
            }
        }
        return g;
    }

    @Override
    public String toString() {
        return terms.stream().map(t -> String.format(Locale.ROOT, "%s*%s", SoftTargetLoss.trim(t.weight()), t.loss()))
                .collect(Collectors.joining(" + "));
    }
}
