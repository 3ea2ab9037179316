package org.jvmcompress.core.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SplitsTest {
    @Test
    void deterministicDisjointAndComplete() {
        int[][] a = Splits.split(1000, new double[] {0.8, 0.1, 0.1}, 7);
        int[][] b = Splits.split(1000, new double[] {0.8, 0.1, 0.1}, 7);
        int[][] c = Splits.split(1000, new double[] {0.8, 0.1, 0.1}, 8);
        for (int i = 0; i < 3; i++) {
            assertArrayEquals(a[i], b[i]);
        }
        assertFalse(java.util.Arrays.equals(a[2], c[2]));
        assertEquals(800, a[0].length);
        assertEquals(100, a[1].length);
        assertEquals(100, a[2].length);
        Set<Integer> all = new HashSet<>();
        for (int[] p : a) {
            for (int i : p) {
                assertTrue(all.add(i), "index " + i + " in two parts");
            }
        }
        assertEquals(1000, all.size());
    }

    @Test
    void duplicatesStayOnOneSide() {
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            keys.add("text" + (i % 200));
        }
        int[][] parts = Splits.split(keys, new double[] {0.5, 0.5}, 3);
        Set<String> left = new HashSet<>();
        for (int i : parts[0]) {
            left.add(keys.get(i));
        }
        for (int i : parts[1]) {
            assertFalse(left.contains(keys.get(i)), "duplicate on both sides: " + keys.get(i));
        }
        assertEquals(500, parts[0].length + parts[1].length);
    }

    @Test
    void textKeyIgnoresCaseAndSpacing() {
        assertEquals(Splits.textKey("A  good\nfilm "), Splits.textKey("a good film"));
    }
}
