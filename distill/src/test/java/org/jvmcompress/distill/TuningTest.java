package org.jvmcompress.distill;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.jvmcompress.core.CompressionException;

/** The tuning grid: each side given or kept from the plan, anything else named. */
class TuningTest {
    @Test
    void gridKeepsWhatIsNotGivenAndNamesBadParts() {
        OfflineDistiller.Method kd = new OfflineDistiller.Method("kd", 4, 0.9);
        assertEquals(new Tuning.Grid(List.of(1.0, 2.0), List.of(0.9)), Tuning.Grid.parse("temperature=1, 2", kd));
        assertEquals(new Tuning.Grid(List.of(1.0), List.of(0.5, 0.7)), Tuning.Grid.parse("temperature=1;alpha=0.5,0.7",
                kd));
        assertTrue(assertThrows(CompressionException.class, () -> Tuning.Grid.parse("beta=1", kd)).getMessage()
                .contains("'beta=1'"));
        assertTrue(assertThrows(CompressionException.class, () -> Tuning.Grid.parse("alpha=x", kd)).getMessage()
                .contains("'x'"));
    }
}
