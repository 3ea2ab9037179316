package org.jvmcompress.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.spark.TaskContext;
import org.jvmcompress.nas.Candidate;
import org.jvmcompress.nas.SearchSpace;
import org.jvmcompress.nas.Strategy;
import org.jvmcompress.nas.Sweep;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A sweep fanned out on Spark in local mode: every candidate is evaluated inside a Spark task, the driver writes the
 * state file, and the records equal those of the same sweep on threads; a Spark sweep stopped and resumed ends where
 * an uninterrupted one does.
 */
class SparkFanoutTest {
    static final SearchSpace.Cv SPACE = SearchSpace.cv(128, 2, 256, 28, 28);
    /** spec -> id of the Spark partition that evaluated it (-1: not in a Spark task). */
    static final Map<String, Integer> WHERE = new ConcurrentHashMap<>();
    static SparkFanout spark;

    /**
     * A stand-in for the distillation scorer, serialisable as a real recipe is: a score computed from the spec (so
     * that runs can be compared), parameters from the spec's channel list.
     */
    record ToyRecipe(double offset) implements Sweep.Recipe {
        @Override
        public Sweep.Scorer scorer() {
            return (spec, index) -> {
                TaskContext tc = TaskContext.get();
                WHERE.put(spec, tc == null ? -1 : tc.partitionId());
                return new Sweep.Score(offset + Math.floorMod(spec.hashCode(), 1000) / 10_000.0, spec.length() * 10L);
            };
        }

        @Override
        public Sweep.Profiler profiler() {
            return spec -> new Sweep.Profile(spec.chars().filter(Character::isDigit).count() * 1000L, 0.01 * spec.length());
        }
    }

    @BeforeAll
    static void start() {
        spark = SparkFanout.connect("local[2]", "sweep-test", List.of());
    }

    @AfterAll
    static void stop() {
        spark.close();
    }

    static Sweep sweep(Path dir, int max) {
        return new Sweep(dir, SPACE, Strategy.of("evolution", 6, 2, 1000, 3, 2),
                new Sweep.Settings(max, 0, 0, 2, 3, Sweep.Constraints.NONE));
    }

    @Test
    void candidatesRunAsSparkTasksAndMatchThreads(@TempDir Path tmp) {
        WHERE.clear();
        List<Candidate> onSpark = sweep(tmp.resolve("spark"), 10).run(spark, new ToyRecipe(0.5));
        assertEquals(10, onSpark.size());
        for (Candidate c : onSpark) {
            assertTrue(WHERE.get(c.spec()) >= 0, c.spec() + " was evaluated outside a Spark task");
        }
        assertEquals(10, Sweep.read(tmp.resolve("spark").resolve("candidates.jsonl")).size());
        ToyRecipe r = new ToyRecipe(0.5);
        List<Candidate> onThreads = sweep(tmp.resolve("threads"), 10).run(r.scorer(), r.profiler());
        assertEquals(strip(onThreads), strip(onSpark));
        assertTrue(spark.describe().startsWith("Spark local[2]"), spark.describe());
    }

    @Test
    void aStoppedSparkSweepResumesToTheSameCandidates(@TempDir Path tmp) {
        List<Candidate> whole = sweep(tmp.resolve("whole"), 9).run(spark, new ToyRecipe(0.25));
        sweep(tmp.resolve("parts"), 5).run(spark, new ToyRecipe(0.25));
        List<Candidate> resumed = sweep(tmp.resolve("parts"), 9).run(spark, new ToyRecipe(0.25));
        assertEquals(strip(whole), strip(resumed));
        assertEquals(Sweep.front(whole).stream().map(Candidate::spec).toList(),
                Sweep.front(resumed).stream().map(Candidate::spec).toList());
    }

    @Test
    void badSettingsAreNamedBeforeSparkStarts(@TempDir Path tmp) {
        var e = org.junit.jupiter.api.Assertions.assertThrows(org.jvmcompress.core.CompressionException.class,
                () -> SparkFanout.connect("local[1]", "x", List.of(tmp.resolve("missing.jar").toString())));
        assertTrue(e.getMessage().contains("missing.jar is not a file"), e.getMessage());
        e = org.junit.jupiter.api.Assertions.assertThrows(org.jvmcompress.core.CompressionException.class,
                () -> SparkFanout.connect(" ", "x", List.of()));
        assertTrue(e.getMessage().contains("--spark-master needs a URL"), e.getMessage());
        e = org.junit.jupiter.api.Assertions.assertThrows(org.jvmcompress.core.CompressionException.class,
                () -> SparkFanout.connect("yarn", "x", List.of()));
        assertTrue(e.getMessage().contains("yarn is not supported") && e.getMessage().contains("spark://host:7077"),
                e.getMessage());
    }

    /** The records without their timings. */
    static List<String> strip(List<Candidate> cs) {
        return cs.stream().map(c -> c.index() + " " + c.spec() + " " + c.status() + " " + c.acc() + " " + c.params()
                + " " + c.bytes() + " " + c.b1Ms()).toList();
    }
}
