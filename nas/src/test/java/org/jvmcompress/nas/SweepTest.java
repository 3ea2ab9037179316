package org.jvmcompress.nas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.jvmcompress.core.CompressionException;
import org.jvmcompress.core.task.SearchNets;
import org.jvmcompress.core.util.ProgressBar;

class SweepTest {
    @TempDir
    Path dir;

    static final SearchSpace.Cv SPACE = SearchSpace.cv(128, 2, 256, 28, 28);

    /** A stand-in for training: a deterministic score that prefers wider, deeper nets with diminishing returns. */
    static final Sweep.Scorer SCORER = (spec, index) -> {
        SearchNets.CvNet n = SearchNets.parseCv(spec);
        double cap = 0;
        for (int i = 0; i < n.channels().length; i++) {
            cap += Math.log(1 + n.channels()[i] * n.blocks()[i]);
        }
        double acc = 0.8 + 0.1 * (1 - Math.exp(-cap / 6)) + (n.bn() ? 0.005 : 0) + (n.head() > 0 ? 0.003 : 0);
        return new Sweep.Score(Math.round(acc * 1e6) / 1e6, 4 * params(spec));
    };

    static long params(String spec) {
        SearchNets.CvNet n = SearchNets.parseCv(spec);
        long p = 0;
        int in = 1;
        for (int i = 0; i < n.channels().length; i++) {
            p += (long) n.blocks()[i] * n.kernel() * n.kernel() * in * n.channels()[i];
            in = n.channels()[i];
        }
        return p + in * 49L * Math.max(n.head(), 10);
    }

    static final Sweep.Profiler PROFILER = spec -> new Sweep.Profile(params(spec), params(spec) / 1e5);

    static Sweep.Settings settings(int max, int parallel) {
        return new Sweep.Settings(max, 0, 0, parallel, 11, Sweep.Constraints.NONE);
    }

    @Test
    void spacesProposeValidNetworksAndMutateOneGene() {
        Random r = new Random(1);
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 200; i++) {
            String s = SPACE.random(r);
            assertEquals(null, SPACE.invalid(s), s);
            seen.add(s);
            String m = SPACE.mutate(s, r);
            assertNotEquals(s, m);
            assertEquals(null, SPACE.invalid(m), m);
        }
        assertTrue(seen.size() > 150, "varied: " + seen.size());
        List<String> grid = SPACE.grid(500);
        assertEquals(grid.size(), new HashSet<>(grid).size(), "grid points are distinct");
        assertTrue(SPACE.invalid("cvnet:c=8-8-8-8-8,b=1-1-1-1-1,k=5,t=plain,bn=0,h=0").contains("smaller than"));
        SearchSpace.Nlp nlp = SearchSpace.nlp(128, 256);
        for (int i = 0; i < 50; i++) {
            assertEquals(null, nlp.invalid(nlp.mutate(nlp.random(r), r)));
        }
    }

    @Test
    void aKilledSweepResumesToTheSameCandidatesAndFront() throws Exception {
        ProgressBar.setEnabled(false);
        for (String name : List.of("evolution", "arbiter-random", "arbiter-grid", "arbiter-genetic")) {
            for (int parallel : new int[] {1, 2}) {
                resumesIdentically(name, parallel);
            }
        }
    }

    private void resumesIdentically(String name, int parallel) throws Exception {
        {
            String tag = name + parallel;
            Strategy evo = Strategy.of(name, 6, 3, 100, 11, parallel);
            List<Candidate> whole = new Sweep(dir.resolve("whole" + tag), SPACE, evo, settings(24, parallel))
                    .run(SCORER, PROFILER);
            assertEquals(24, whole.size());

            Path cut = dir.resolve("cut" + tag);
            AtomicInteger calls = new AtomicInteger();
            Sweep.Scorer dies = (spec, index) -> {
                if (index == 13) {
                    throw new IllegalStateException("killed");
                }
                calls.incrementAndGet();
                return SCORER.score(spec, index);
            };
            Sweep first = new Sweep(cut, SPACE, Strategy.of(name, 6, 3, 100, 11, parallel), settings(24, parallel));
            assertThrows(IllegalStateException.class, () -> first.run(dies, PROFILER));
            List<Candidate> partial = Sweep.read(first.stateFile());
            assertEquals(13, partial.size(), "finished candidates are on disk");
            Files.writeString(first.stateFile(), "{\"index\":13,\"strat", StandardOpenOption.APPEND); // cut line
            AtomicInteger again = new AtomicInteger();
            List<Candidate> resumed = new Sweep(cut, SPACE, Strategy.of(name, 6, 3, 100, 11, parallel),
                    settings(24, parallel))
                    .run((spec, index) -> {
                        again.incrementAndGet();
                        assertTrue(index >= 13, "nothing finished is run again: " + index);
                        return SCORER.score(spec, index);
                    }, PROFILER);
            for (int i = 0; i < 13; i++) {
                Candidate a = whole.get(i);
                Candidate b = resumed.get(i);
                assertEquals(List.of(a.spec(), a.status(), a.params(), a.bytes(), a.b1Ms(), a.acc()),
                        List.of(b.spec(), b.status(), b.params(), b.bytes(), b.b1Ms(), b.acc()), tag + " candidate " + i);
            }
            assertEquals(whole.stream().map(Candidate::spec).toList(), resumed.stream().map(Candidate::spec).toList());
            assertEquals(Sweep.front(whole).stream().map(Candidate::spec).toList(),
                    Sweep.front(resumed).stream().map(Candidate::spec).toList());
            assertEquals(24 - 13, again.get());
        }
    }

    @Test
    void constraintsPruneBeforeTrainingAndTheFrontIsNonDominated() {
        ProgressBar.setEnabled(false);
        AtomicInteger trained = new AtomicInteger();
        Sweep.Settings s = new Sweep.Settings(30, 0, 0, 1, 5, new Sweep.Constraints(20_000L, null, null));
        List<Candidate> all = new Sweep(dir.resolve("c"), SPACE, Strategy.of("random", 0 + 2, 1, 0), s)
                .run((spec, index) -> {
                    trained.incrementAndGet();
                    return SCORER.score(spec, index);
                }, PROFILER);
        long pruned = all.stream().filter(c -> c.status().equals("pruned")).count();
        assertTrue(pruned > 0 && all.stream().filter(c -> c.status().equals("pruned"))
                .allMatch(c -> c.params() > 20_000 && c.reason().contains("parameters > max")), all.toString());
        assertEquals(30 - pruned, trained.get(), "pruned ones are not trained");
        List<Candidate> front = Sweep.front(all);
        for (Candidate f : front) {
            assertTrue(all.stream().filter(Candidate::ok).noneMatch(o -> o.dominates(f)));
        }
        assertThrows(CompressionException.class, () -> Strategy.of("annealing", 2, 1, 0));
    }

    @Test
    void gridRunsOutAndACorruptStateLineIsNamed() throws Exception {
        ProgressBar.setEnabled(false);
        SearchSpace.Nlp small = new SearchSpace.Nlp(new int[] {8}, List.of("mean", "cnn"), new int[] {8}, new int[] {1});
        List<Candidate> g = new Sweep(dir.resolve("g"), small, Strategy.of("grid", 2, 1, 100), settings(10, 2))
                .run((spec, i) -> new Sweep.Score(0.5, 10), spec -> new Sweep.Profile(10, 0.1));
        assertEquals(List.of("nlpnet:e=8,enc=mean,h=8,l=1", "nlpnet:e=8,enc=cnn,h=8,l=1"),
                g.stream().map(Candidate::spec).toList(), "the grid's two points, then it stops");
        Path bad = dir.resolve("bad/candidates.jsonl");
        Files.createDirectories(bad.getParent());
        Files.writeString(bad, "{\"index\":0}\nnot json\n{\"index\":2}\n");
        assertTrue(assertThrows(CompressionException.class, () -> Sweep.read(bad)).getMessage().contains("line 2"));
    }

    @Test
    void spearmanRanksWithTies() {
        assertEquals(1.0, Search.spearman(new double[] {0.1, 0.5, 0.9}, new double[] {10, 20, 30}), 1e-12);
        assertEquals(-1.0, Search.spearman(new double[] {0.1, 0.5, 0.9}, new double[] {3, 2, 1}), 1e-12);
        // ranks (1.5, 1.5, 3) vs (1, 2, 3): r = 0.8660...
        assertEquals(Math.sqrt(3) / 2, Search.spearman(new double[] {1, 1, 2}, new double[] {1, 2, 3}), 1e-12);
        assertTrue(Double.isNaN(Search.spearman(new double[] {1}, new double[] {1})));
    }

    @Test
    void retrainChoiceKeepsTheAccuracyParametersFrontSpreadFromSmallestToBest() {
        // a 4-objective front: e (slow but small latency trade) is beaten on accuracy and parameters by c
        java.util.function.BiFunction<Long, Double, Candidate> c = (p, acc) -> new Candidate(p.intValue(), "t",
                "net" + p, "ok", null, p, 4 * p, 1.0 / p, acc, 1);
        Candidate a = c.apply(10L, 0.80);
        Candidate b = c.apply(20L, 0.85);
        Candidate d = c.apply(40L, 0.90);
        Candidate e = c.apply(50L, 0.84);
        Candidate f = c.apply(80L, 0.91);
        Candidate g = c.apply(160L, 0.92);
        java.util.List<Candidate> front = java.util.List.of(g, e, a, f, b, d);
        assertEquals(java.util.List.of(a, b, d, f, g), Search.retrainChoice(front, 5));
        assertEquals(java.util.List.of(a, d, g), Search.retrainChoice(front, 3));
        assertEquals(java.util.List.of(g), Search.retrainChoice(front, 1));
        assertEquals(front, Search.retrainChoice(front, 0));
        // targets first: the most accurate within 100 and within 50 parameters (e is not on the 2-D front)
        assertEquals(java.util.List.of(d, f), Search.retrainChoice(front, 2, 100, 50));
        assertEquals(java.util.List.of(a, d, f), Search.retrainChoice(front, 3, 100, 50));
        assertEquals(java.util.List.of(a, b, d, f), Search.retrainChoice(front, 4, 100, 50));
    }
}
