package org.jvmcompress.nas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.jvmcompress.core.CompressionException;

/** Search strategies come from the service file: the suite's three and Arbiter's three, each made by name. */
class StrategyRegistryTest {
    @Test
    void everyStrategyIsMadeByItsName() {
        assertEquals(List.of("random", "grid", "evolution", "arbiter-random", "arbiter-grid", "arbiter-genetic"),
                Strategy.NAMES);
        for (String n : Strategy.NAMES) {
            assertEquals(n, Strategy.of(n, 8, 3, 16, 1, 2).name());
        }
        CompressionException e = assertThrows(CompressionException.class, () -> Strategy.of("annealing", 8, 3, 16));
        assertTrue(e.getMessage().contains("unknown search strategy 'annealing'")
                && e.getMessage().contains("arbiter-genetic"), e.getMessage());
    }
}
