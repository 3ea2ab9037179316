package org.jvmcompress.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SearchBenchmarkTest {
    private static Map<String, Object> member(String arch, long params, double proxy, Double acc) {
        Map<String, Object> m = new HashMap<>();
        m.put("arch", arch);
        m.put("params", params);
        m.put("bytes", 4 * params);
        m.put("b1_ms", 0.5);
        m.put("proxy_acc", proxy);
        m.put("acc", acc);
        return m;
    }

    private static Map<String, Object> entry(List<Map<String, Object>> front) {
        Map<String, Object> e = new HashMap<>();
        e.put("budget_s", 600.0);
        e.put("spent_s", 601.0);
        e.put("candidates", 40);
        e.put("front", new ArrayList<>(front));
        return e;
    }

    @Test
    void strategiesMergeIntoOneFileWithTargetsAndOneSpearmanOverEveryArchitecture(@TempDir Path dir) throws Exception {
        Path results = dir.resolve("nas.json");
        Map<String, Object> baseline = Map.of("arch", "cv-student", "params", 100_000L, "acc", 0.9000);
        SearchBenchmark.merge(results, "cv", baseline, "bench-search --teacher cv.zip", "evolution", entry(List.of(
                member("small", 40_000, 0.80, 0.8960), member("big", 90_000, 0.85, 0.9050),
                member("unretrained", 95_000, 0.86, null))));
        // the second strategy found "big" too: counted once in the correlation
        Map<String, Object> random = entry(List.of(member("tiny", 20_000, 0.70, 0.8700),
                member("big", 90_000, 0.85, 0.9050)));
        random.put("not_distilled", List.of(Map.of("arch", "slow", "reason", "about 2h00m to distil in full")));
        Map<String, Object> all = SearchBenchmark.merge(results, "cv", baseline, "bench-search --teacher cv.zip",
                "random", random);
        @SuppressWarnings("unchecked")
        Map<String, Object> cv = (Map<String, Object>) all.get("cv");
        assertEquals(3, cv.get("distilled_in_full"));
        assertEquals(1.0, ((Number) cv.get("spearman_proxy_vs_full")).doubleValue(), 1e-12);
        assertTrue(Files.readString(results).contains("\"random\""));
        String md = SearchBenchmark.markdown(all);
        assertTrue(md.contains("## cv\n\nReproduce with:\n\n    bench-search --teacher cv.zip\n"), md);
        assertTrue(md.contains("Dominates the baseline: `big` (evolution), 90.50 % at 90,000 parameters."), md);
        assertTrue(md.contains("Best with at most half the baseline's parameters: `small` (evolution), 89.60 % at 40,000"
                + " parameters (40 %), 0.40 points below the baseline: within 0.5 points."), md);
        assertTrue(md.contains("### random: 40 candidates in 601 s (budget 600 s)"), md);
        assertTrue(md.contains("Not distilled in full:\n- `slow`: about 2h00m to distil in full"), md);
        Path png = dir.resolve("nas-cv.png");
        SearchBenchmark.plot(cv, "cv", png);
        java.awt.image.BufferedImage img = javax.imageio.ImageIO.read(png.toFile());
        assertEquals(900, img.getWidth());
        assertEquals(700, img.getHeight());
    }

    @Test
    void noMemberBeatingTheBaselineIsSaid(@TempDir Path dir) {
        Map<String, Object> all = SearchBenchmark.merge(dir.resolve("nas.json"), "nlp",
                Map.of("arch", "nlp-student", "params", 640_066L, "acc", 0.893), "bench-search ...", "grid",
                entry(List.of(member("a", 600_000, 0.8, 0.8900), member("b", 100_000, 0.7, 0.8800))));
        String md = SearchBenchmark.markdown(all);
        assertTrue(md.contains("No member distilled in full beats the baseline"), md);
        // a strategy with one member distilled in full has no correlation; a file may hold it as "NaN"
        Map<String, Object> one = entry(List.of(member("c", 90_000, 0.6, 0.8700)));
        one.put("spearman_proxy_vs_full", "NaN");
        all = SearchBenchmark.merge(dir.resolve("nas.json"), "nlp", Map.of("arch", "nlp-student", "params", 640_066L,
                "acc", 0.893), "bench-search ...", "random", one);
        md = SearchBenchmark.markdown(all);
        assertTrue(md.contains("### random") && !md.contains("NaN"), md);
        assertTrue(md.contains("1.30 points below the baseline: not within 0.5 points."), md);
    }
}
