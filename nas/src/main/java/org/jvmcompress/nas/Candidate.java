package org.jvmcompress.nas;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * One line of a sweep's state file: a proposed architecture and what became of it. {@code status}: "ok" (scored),
 * "pruned" (a hard constraint ruled it out before training; {@code reason} says which), "failed" (it did not train;
 * {@code reason}). {@code acc} is the proxy score (validation accuracy after the short distillation).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Candidate(int index, String strategy, String spec, String status, String reason, long params,
                        Long bytes, Double b1Ms, Double acc, double seconds)
        implements java.io.Serializable {
    public boolean ok() {
        return "ok".equals(status);
    }

    /** Whether this candidate is at least as good as {@code o} on every objective and better on one. */
    public boolean dominates(Candidate o) {
        boolean ge = acc >= o.acc && params <= o.params && bytes <= o.bytes && b1Ms <= o.b1Ms;
        boolean gt = acc > o.acc || params < o.params || bytes < o.bytes || b1Ms < o.b1Ms;
        return ge && gt;
    }
}
