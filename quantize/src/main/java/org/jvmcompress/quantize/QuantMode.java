package org.jvmcompress.quantize;

import java.util.List;
import org.jvmcompress.core.CompressionException;

/**
 * A quantisation mode as what it does: the weights' number format and bits, one scale per tensor or per output
 * channel, whether the inputs of convolutions and dense layers become static int8, whether layers chosen by
 * sensitivity stay float, and whether quantisation-aware training applies. Every mode the suite knows is one line of
 * {@link #ALL}; callers ask these properties, never the name.
 */
public record QuantMode(String name, Weights weights, int bits, boolean perChannel, boolean int8Activations,
                        boolean floatLayersBySensitivity, boolean qat) {
    /** How weights are stored. */
    public enum Weights { INT, F16, BF16 }

    public static final List<QuantMode> ALL = List.of(
            new QuantMode("int8-per-tensor", Weights.INT, 8, false, true, false, true),
            new QuantMode("int8-per-channel", Weights.INT, 8, true, true, false, true),
            new QuantMode("mixed", Weights.INT, 8, true, true, true, false),
            new QuantMode("int4-weight", Weights.INT, 4, true, false, false, false),
            new QuantMode("fp16", Weights.F16, 16, false, false, false, false),
            new QuantMode("bf16", Weights.BF16, 16, false, false, false, false));

    public static List<String> names() {
        return ALL.stream().map(QuantMode::name).toList();
    }

    /** The modes quantisation-aware training takes. */
    public static List<String> qatNames() {
        return ALL.stream().filter(QuantMode::qat).map(QuantMode::name).toList();
    }

    /** The mode of that name, or an error that lists the known ones. */
    public static QuantMode of(String name) {
        for (QuantMode m : ALL) {
            if (m.name.equals(name)) {
                return m;
            }
        }
        throw new CompressionException("unknown quantisation mode '" + name + "'; known: " + String.join(", ", names()));
    }

    /** Whether the weights stay a float format (every parameter in half precision). */
    public boolean floatWeights() {
        return weights != Weights.INT;
    }

    /** The stored type of a quantised weight ("int8", "int4", "f16", "bf16"). */
    public String weightType() {
        return switch (weights) {
            case INT -> "int" + bits;
            case F16 -> "f16";
            case BF16 -> "bf16";
        };
    }

    /** What the weights become, for records: "int8 symmetric per output channel", "fp16". */
    public String describeWeights(boolean asymmetric) {
        return floatWeights() ? name : weightType() + (asymmetric ? " asymmetric" : " symmetric")
                + (perChannel ? " per output channel" : " per tensor");
    }
}
