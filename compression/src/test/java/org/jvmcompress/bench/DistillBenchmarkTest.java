package org.jvmcompress.bench;

import org.jvmcompress.core.SuiteSetup;
import org.junit.jupiter.api.extension.ExtendWith;
import org.jvmcompress.distill.DistillRecipes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.jvmcompress.core.Synthetic;
import org.jvmcompress.core.data.DataHome;
import org.jvmcompress.core.model.LoadedModel;
import org.jvmcompress.core.task.CvTask;
import org.jvmcompress.core.task.TaskData;
import org.jvmcompress.core.task.TrainConfig;
import org.jvmcompress.core.train.TrainedModels;
import org.jvmcompress.core.util.Json;

@ExtendWith(SuiteSetup.class)
class DistillBenchmarkTest {
    @TempDir
    Path dir;

    @Test
    void cellsAreKeptSkippedAndAggregated() throws Exception {
        CvTask task = new CvTask();
        TaskData data = task.fromImages(Synthetic.images(300, 10, 12, 1), Synthetic.images(100, 10, 12, 2), 3, "syn");
        TrainConfig tc = new TrainConfig("cv-teacher", 1, 32, 3e-3, 1.0, 2, 0, 5, 0);
        LoadedModel teacher = TrainedModels.train(task, data, tc, dir.resolve("t"), dir.resolve("t/teacher.zip"), false,
                null).model();
        TrainConfig base = new TrainConfig("cv-student", 1, 32, 3e-3, 1.0, 2, 0, 0, 0);
        Path out = dir.resolve("bench");
        Path cells = dir.resolve("cells");
        DataHome home = new DataHome(dir.resolve("data"));
        DistillBenchmark.Table table = DistillBenchmark.Table.of("cv", "cv", teacher.path(), "cv-student");
        for (String m : new String[] {"scratch", "kd", "at"}) {
            for (long seed : new long[] {1, 2}) {
                DistillBenchmark.run(table, teacher, List.of(), task, data, m, seed, base, out, cells, home, "cmd");
            }
        }
        Path cell = DistillBenchmark.cellRecord(cells, "cv", "kd", 2);
        long before = Files.getLastModifiedTime(cell).toMillis();
        DistillBenchmark.Cell again = DistillBenchmark.run(table, teacher, List.of(), task, data, "kd", 2, base, out, cells, home, "cmd");
        assertEquals(before, Files.getLastModifiedTime(cell).toMillis(), "a finished cell is not run again");
        assertEquals(2, again.seed());

        Path results = dir.resolve("results/distillation.json");
        DistillBenchmark.aggregate(cells, results, "bin/compression bench-distill ...");
        JsonNode table0 = Json.MAPPER.readTree(results.toFile()).get("cv");
        assertEquals("cv-student", table0.get("student").asText());
        assertEquals(teacher.path().toString(), table0.get("teacher").asText());
        JsonNode cv = table0.get("methods");
        assertEquals(3, cv.size());
        JsonNode kd = cv.get("kd");
        assertEquals(2, kd.get("seeds").size());
        double a = kd.get("accs").get(0).asDouble();
        double b = kd.get("accs").get(1).asDouble();
        assertEquals((a + b) / 2, kd.get("mean_acc").asDouble(), 1e-12);
        assertEquals(Math.abs(a - b) / Math.sqrt(2), kd.get("std_acc").asDouble(), 1e-12);
        assertEquals(cv.get("scratch").get("params").asLong(), kd.get("params").asLong());
        String md = Files.readString(results.resolveSibling("distillation.md"));
        assertTrue(md.contains("| at |") && md.contains("bench-distill"), md);
        assertTrue(md.contains("## cv\n    bin/compression bench-distill --teacher " + teacher.path()
                + " --methods scratch,kd,at --seeds 1,2 --results docs/results/distillation.json"), md);
        assertTrue(md.contains(" ± "), md);

        // Records of another recipe (the method's defaults retuned since) are stale: shown, marked, until the cells
        // run again; a rerun replaces its record and starts its folder afresh.
        for (long seed : new long[] {1, 2}) {
            Path f = DistillBenchmark.cellRecord(cells, "cv", "scratch", seed);
            DistillBenchmark.Cell c = Json.read(f, DistillBenchmark.Cell.class, "cell");
            Json.writeFile(f, new DistillBenchmark.Cell(c.task(), c.method(), c.seed(), c.acc(), c.params(),
                    c.bestEpoch(), c.trainSeconds(), "0.3*CE", c.details(), c.table(), c.teacher(), c.teacherSha256(),
                    c.student()));
        }
        assertFalse(DistillBenchmark.isDone(cells, table, "scratch", 1), "a stale record counts as done");
        assertTrue(DistillBenchmark.isDone(cells, table, "kd", 1));
        DistillBenchmark.aggregate(cells, results, "cmd");
        JsonNode stale = Json.MAPPER.readTree(results.toFile()).get("cv").get("methods").get("scratch");
        assertTrue(stale.get("stale").asBoolean());
        // the recipe names the schedule where it is not the one of the tables before session 9
        String scratch = DistillRecipes.get("cv", "scratch").describe();
        assertEquals("1*CE; 60 epochs, learning rate x0.95 an epoch, patience 10", scratch);
        assertEquals("1*CE", DistillRecipes.get("nlp", "scratch").describe());
        // each response loss takes the defaults measured for it; the two that need 3+ classes are not the binary task's
        assertEquals("0.9*FORWARD-KL(T=2)[z-scored logits] + 0.1*CE", DistillRecipes.defaults("cv", "kd-std").toString());
        assertEquals(DistillRecipes.CV_DKD_BETA, DistillRecipes.defaults("nlp", "dkd").beta());
        assertEquals(0.9, DistillRecipes.defaults("nlp", "dkd").alpha());
        assertEquals(1, DistillRecipes.defaults("cv", "kd-mse").temperature());
        assertTrue(DistillRecipes.of("cv").containsKey("dkd") && !DistillRecipes.of("nlp").containsKey("kd-std"));
        // a text task of 26 classes has the multi-class losses and none of the image networks' feature layers
        assertTrue(DistillRecipes.of("wordnet").containsKey("dkd") && DistillRecipes.of("wordnet").containsKey("kd-std"));
        assertFalse(DistillRecipes.of("wordnet").containsKey("fitnets"));
        assertEquals(scratch, stale.get("current_recipe").asText());
        assertTrue(Files.readString(results.resolveSibling("distillation.md"))
                .contains("| scratch | 0.3*CE (earlier recipe; now " + scratch + ", not yet run) |"));
        DistillBenchmark.Cell rerun = DistillBenchmark.run(table, teacher, List.of(), task, data, "scratch", 1, base, out,
                cells, home, "cmd");
        assertEquals(scratch, rerun.recipe());
        assertTrue(DistillBenchmark.isDone(cells, table, "scratch", 1));
        assertFalse(DistillBenchmark.isDone(cells, table, "scratch", 2));
        assertEquals(scratch + " | teacher " + table.teacherSha256() + " | student cv-student",
                Files.readString(DistillBenchmark.cellDir(out, "cv", "scratch", 1).resolve("recipe.txt")));
        DistillBenchmark.aggregate(cells, results, "cmd");
        JsonNode fresh = Json.MAPPER.readTree(results.toFile()).get("cv").get("methods").get("scratch");
        assertTrue(fresh.path("stale").isMissingNode());
        assertEquals(List.of(1L), List.of(fresh.get("seeds").get(0).asLong()));
        assertEquals(1, fresh.get("seeds").size());

        // Another teacher (or student) is another measurement: its cells are not this table's records, and a second
        // table keeps its rows beside the first.
        Path otherFile = dir.resolve("t2/teacher.zip");
        Files.createDirectories(otherFile.getParent());
        Files.copy(teacher.path(), otherFile);
        Files.writeString(otherFile, "x", java.nio.file.StandardOpenOption.APPEND);
        DistillBenchmark.Table other = DistillBenchmark.Table.of("cv", "cv", otherFile, "cv-student");
        assertFalse(DistillBenchmark.isDone(cells, other, "kd", 1), "a record of another teacher counts as done");
        assertFalse(DistillBenchmark.isDone(cells, new DistillBenchmark.Table("cv", "cv", table.teacher(),
                table.teacherSha256(), "cvnet:c=8,b=1,k=3,t=plain,bn=0,h=0"), "kd", 1));
        // The further teachers of a multi-teacher method are part of what it measured; a one-teacher method ignores them.
        DistillBenchmark.Table withExtra = DistillBenchmark.Table.of("cv", "cv", teacher.path(), "cv-student",
                List.of(otherFile));
        assertTrue(withExtra.extraTeachers().startsWith(otherFile + " (sha256 "), withExtra.extraTeachers());
        DistillBenchmark.Cell multi = new DistillBenchmark.Cell("cv", "multi-teacher", 1, 0.9, 10, 1, 1.0, "r", null,
                "cv", table.teacher(), table.teacherSha256(), "cv-student", null);
        assertFalse(multi.measures(withExtra, "multi-teacher", "r"), "a multi-teacher record of unknown extra teachers");
        assertTrue(new DistillBenchmark.Cell("cv", "multi-teacher", 1, 0.9, 10, 1, 1.0, "r", null, "cv",
                table.teacher(), table.teacherSha256(), "cv-student", withExtra.extraTeachers())
                .measures(withExtra, "multi-teacher", "r"));
        assertTrue(new DistillBenchmark.Cell("cv", "kd", 1, 0.9, 10, 1, 1.0, "r", null, "cv", table.teacher(),
                table.teacherSha256(), "cv-student", null).measures(withExtra, "kd", "r"));
        DistillBenchmark.Table second = DistillBenchmark.Table.of("cv-small", "cv", teacher.path(),
                "cvnet:c=8,b=1,k=3,t=plain,bn=0,h=0");
        TrainConfig small = new TrainConfig(second.student(), 1, 32, 3e-3, 1.0, 2, 0, 0, 0);
        DistillBenchmark.run(second, teacher, List.of(), task, data, "kd", 1, small, out, cells, home, "cmd");
        DistillBenchmark.aggregate(cells, results, "cmd");
        JsonNode both = Json.MAPPER.readTree(results.toFile());
        assertEquals(second.student(), both.get("cv-small").get("student").asText());
        assertTrue(both.get("cv-small").get("methods").get("kd").get("params").asLong()
                < both.get("cv").get("methods").get("kd").get("params").asLong());
        assertTrue(Files.readString(results.resolveSibling("distillation.md")).contains("--table cv-small --student "
                + second.student()));
    }

    /** Class-incremental cells get their own section (accuracy after each task, forgetting) and plot; --only-methods. */
    @Test
    void lifelongRowsAndMethodFilter(@TempDir Path tmp) throws Exception {
        Path cells = tmp.resolve("distillation-cells");
        for (long seed : new long[] {1, 2}) {
            java.util.Map<String, Object> rec = new java.util.LinkedHashMap<>();
            rec.put("accuracyByTask", List.of(List.of(0.99), List.of(0.5, 0.9), List.of(0.2, 0.4, 0.98)));
            rec.put("averageAccuracy", List.of(0.99, 0.7, 0.52 + 0.01 * seed));
            rec.put("averageForgetting", 0.6);
            rec.put("nearestMeanAccuracy", List.of(0.99, 0.8, 0.7));
            Json.writeFile(DistillBenchmark.cellRecord(cells, "cv", "lifelong-lwf", seed), new DistillBenchmark.Cell(
                    "cv", "lifelong-lwf", seed, 0.52, 10, 1, 1.0, "r", java.util.Map.of("lifelong", rec), "cv", "t.zip",
                    "x", "cv-student"));
            Json.writeFile(DistillBenchmark.cellRecord(cells, "cv", "kd", seed), new DistillBenchmark.Cell("cv", "kd",
                    seed, 0.9, 10, 1, 1.0, "r", null, "cv", "t.zip", "x", "cv-student"));
        }
        Path results = tmp.resolve("algorithms.json");
        Json.writeFile(DistillBenchmark.cellRecord(cells, "other", "lifelong-lwf", 1), new DistillBenchmark.Cell("cv",
                "lifelong-lwf", 1, 0.9, 10, 1, 1.0, "r", null, "other", "t.zip", "x", "cv-student"));
        DistillBenchmark.aggregate(cells, results, "cmd", "cv", List.of("lifelong-lwf"));
        assertFalse(Files.readString(results).contains("\"other\""), "only the table asked for");
        String md = Files.readString(tmp.resolve("algorithms.md"));
        assertFalse(md.contains("| kd |"), "only the methods asked for");
        assertTrue(md.contains("--methods lifelong-lwf --seeds 1,2 --only-methods"), md);
        assertTrue(md.contains("| lifelong-lwf | 99.0 ± 0.0 | 70.0 ± 0.0 | 53.5 ± 0.7 | 60.0 ± 0.0 | 95.7 ± 0.0 |"), md);
        assertTrue(md.contains("| lifelong-lwf, nearest mean of exemplars | 99.0 ± 0.0 | 80.0 ± 0.0 | 70.0 ± 0.0 | | |"), md);
        assertTrue(Files.size(tmp.resolve("algorithms-cv-lifelong.png")) > 1000);
        assertTrue(md.contains("(algorithms-cv-lifelong.png)"));
    }
}
