package org.jvmcompress.quantize;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.jvmcompress.core.CompressionException;

/** Modes are values: what each does is read from its properties, and the records say the same as before. */
class QuantModeTest {
    @Test
    void eachModeSaysWhatItDoes() {
        assertEquals(List.of("int8-per-tensor", "int8-per-channel", "mixed", "int4-weight", "fp16", "bf16"),
                QuantMode.names());
        assertEquals(List.of("int8-per-tensor", "int8-per-channel"), QuantMode.qatNames());
        assertEquals("int8 symmetric per tensor", QuantMode.of("int8-per-tensor").describeWeights(false));
        assertEquals("int8 asymmetric per output channel", QuantMode.of("int8-per-channel").describeWeights(true));
        assertEquals("int4 symmetric per output channel", QuantMode.of("int4-weight").describeWeights(false));
        assertEquals("bf16", QuantMode.of("bf16").describeWeights(false));
        assertEquals("f16", QuantMode.of("fp16").weightType());
        assertTrue(QuantMode.of("mixed").int8Activations() && QuantMode.of("mixed").floatLayersBySensitivity());
        assertFalse(QuantMode.of("int4-weight").int8Activations());
        CompressionException e = assertThrows(CompressionException.class, () -> QuantMode.of("int3"));
        assertTrue(e.getMessage().contains("'int3'") && e.getMessage().contains("int4-weight, fp16, bf16"));
    }
}
