package org.jvmcompress.core.util;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ProgressBarTest {
    @Test
    void resumedWorkFillsTheBarButNotTheRate() {
        ProgressBar bar = new ProgressBar("search", 100, "candidates");
        bar.resumed(40);
        long later = System.nanoTime() + 2_000_000_000L; // two seconds on
        String line = bar.line(later);
        assertTrue(line.contains("40% 40/100 candidates, 0.0 candidates/s"), line);
        assertTrue(line.endsWith("ETA -"), line);
        bar.step(10);
        line = bar.line(later);
        // 10 done in this run over a little more than two seconds: about 5 per second, and 50 left at that rate
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("50/100 candidates, ([0-9.]+) candidates/s.*ETA (\\d+)s")
                .matcher(line);
        assertTrue(m.find(), line);
        assertEquals(5.0, Double.parseDouble(m.group(1)), 0.2, line);
        assertEquals(10, Integer.parseInt(m.group(2)), 1, line);
    }
}
