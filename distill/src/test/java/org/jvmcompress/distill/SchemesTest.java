package org.jvmcompress.distill;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.jvmcompress.core.SuiteSetup;
import org.junit.jupiter.api.extension.ExtendWith;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.jvmcompress.core.CompressionException;
import org.jvmcompress.core.eval.Evaluator;
import org.jvmcompress.core.model.LoadedModel;
import org.jvmcompress.core.model.Models;
import org.jvmcompress.core.task.CvTask;
import org.jvmcompress.core.task.TaskData;
import org.jvmcompress.core.task.TrainConfig;
import org.jvmcompress.core.train.TrainedModels;
import org.jvmcompress.core.train.Trainer;

/** Every distillation scheme end to end on small synthetic images: trains, saves a plain model, reports details. */
@ExtendWith(SuiteSetup.class)
class SchemesTest {
    @TempDir
    static Path dir;
    static CvTask task;
    static TaskData data;
    static LoadedModel teacher;
    static LoadedModel teacher2;

    @BeforeAll
    static void init() {
        task = new CvTask();
        data = task.fromImages(OfflineDistillerTest.bands(500, 1), OfflineDistillerTest.bands(150, 2), 3, "bands");
        TrainConfig tc = new TrainConfig("cv-student", 2, 32, 3e-3, 1.0, 2, 0, 5, 0);
        teacher = TrainedModels.train(task, data, tc, dir.resolve("t1"), dir.resolve("t1/teacher.zip"), false, null)
                .model();
        teacher2 = TrainedModels.train(task, data, tc.withArchitecture("cv-student,width=0.5").withSeed(9),
                dir.resolve("t2"), dir.resolve("t2/teacher.zip"), false, null).model();
    }

    private static TrainConfig student(int epochs) {
        return new TrainConfig("cv-student,width=0.5", epochs, 32, 3e-3, 1.0, 5, 0, 3, 0);
    }

    private static Distillation.Plan plan(String scheme) {
        return Distillation.Plan.offline(new OfflineDistiller.Method("kd", 4, 0.9), List.of()).withScheme(scheme);
    }

    private static Distillation.Result run(Distillation.Plan p, List<LoadedModel> ts, String name, int epochs) {
        Path run = dir.resolve(name);
        return Distillation.run(p, ts, task, data, student(epochs), run, run.resolve("student.zip"),
                dir.resolve("cache"), "test");
    }

    private static void learnedAndLoadable(Distillation.Result r, String name) {
        double acc = Evaluator.accuracy(r.outcome().model().graph(), data.test());
        assertTrue(acc > 0.8, name + " accuracy " + acc);
        LoadedModel back = Models.load(r.outcome().model().path());
        assertEquals(acc, Evaluator.accuracy(back.graph(), data.test()), 1e-9);
    }

    @Test
    void mutualLearningTrainsPeersTogether() {
        Distillation.Plan p = new Distillation.Plan("mutual", new OfflineDistiller.Method("kd", 1, 0.5), List.of(),
                "avg", List.of("cv-student"), 2, "train", 0.9, null, 8, 0);
        Distillation.Result r = run(p, List.of(teacher), "dml", 3);
        learnedAndLoadable(r, "dml");
        Trainer.Epoch last = r.outcome().state().history().get(2);
        assertEquals(1, last.peerValidationAccuracy().size());
        assertTrue(last.peerValidationAccuracy().get(0) > 0.8, "the peer learned too: " + last);
        assertTrue(Files.isRegularFile(dir.resolve("dml/checkpoint/best.peer1.zip")));
        // Started again on its folder, the finished run is not repeated.
        Distillation.Result again = run(p, List.of(teacher), "dml", 3);
        assertEquals(r.outcome().state().history(), again.outcome().state().history());
    }

    @Test
    void bornAgainReportsEachGeneration() {
        Distillation.Result r = run(plan("born-again"), List.of(teacher), "ban", 2);
        learnedAndLoadable(r, "born-again");
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> gens = (List<Map<String, Object>>) r.details().get("generations");
        assertEquals(3, gens.size(), "generation 0 (the teacher) and two students");
        assertEquals(2, gens.get(2).get("generation"));
        assertTrue(Files.isRegularFile(dir.resolve("ban/generation-1/student.zip")));
        LoadedModel g2 = Models.load(dir.resolve("ban/student.zip"));
        assertTrue(((Map<?, ?>) g2.info().training().get("distillation")).get("teachers").toString()
                .contains("generation-1"), "generation 2 learned from generation 1");
    }

    @Test
    void labellingKeepsConfidentItemsOnly() {
        Distillation.Plan p = new Distillation.Plan("label", new OfflineDistiller.Method("ce", 1, 0), List.of(), "avg",
                List.of(), 2, "train", 0.99, null, 8, 0);
        Distillation.Result r = run(p, List.of(teacher), "label", 2);
        learnedAndLoadable(r, "labelling");
        int kept = (Integer) r.details().get("kept");
        assertTrue(kept > 0 && kept <= data.train().size(), "kept " + kept);
        assertTrue((Double) r.details().get("teacherLabelAccuracy") > 0.9);
        CompressionException e = assertThrows(CompressionException.class, () -> run(new Distillation.Plan("label",
                p.method(), List.of(), "avg", List.of(), 2, "train", 1.0, null, 8, 0), List.of(teacher), "label-none", 1));
        assertTrue(e.getMessage().contains("lower --threshold"), e.getMessage());
    }

    @Test
    void labellingAUsersFolderAddsItToTheTrainingSplit() throws Exception {
        Path pool = dir.resolve("pool/sub");
        Files.createDirectories(pool);
        for (int i = 0; i < 20; i++) {
            BufferedImage img = new BufferedImage(12, 12, BufferedImage.TYPE_INT_RGB);
            int band = i % 3;
            for (int y = 0; y < 12; y++) {
                for (int x = 0; x < 12; x++) {
                    int v = y / 4 == band ? 220 : 20;
                    img.setRGB(x, y, (v << 16) | (v << 8) | v);
                }
            }
            ImageIO.write(img, "png", pool.resolve("img" + i + ".png").toFile());
        }
        Distillation.Plan p = new Distillation.Plan("label", new OfflineDistiller.Method("ce", 1, 0), List.of(), "avg",
                List.of(), 2, dir.resolve("pool").toString(), 0.5, null, 8, 0);
        Distillation.Result r = run(p, List.of(teacher), "label-folder", 1);
        assertEquals(20, r.details().get("poolSize"));
        int kept = (Integer) r.details().get("kept");
        assertTrue(kept > 0 && kept <= 20);
        assertEquals(dir.resolve("pool").toString(), r.details().get("pool"));
        assertTrue(Evaluator.accuracy(r.outcome().model().graph(), data.test()) > 0.5);
    }

    @Test
    void expansionCachesOneRoundOfTeacherOutputsPerAugmentation() throws Exception {
        Distillation.Plan p = new Distillation.Plan("expand", new OfflineDistiller.Method("kd", 4, 0.9), List.of(),
                "avg", List.of(), 2, "train", 0.9, "shift=1,flip=0.5,noise=0.02,mixup=0.3", 2, 0);
        Distillation.Result r = run(p, List.of(teacher), "expand", 3);
        learnedAndLoadable(r, "expansion");
        assertEquals(2, r.details().get("rounds"));
        long before;
        try (var s = Files.list(dir.resolve("cache"))) {
            before = s.count();
        }
        run(p, List.of(teacher), "expand-again", 1);
        try (var s = Files.list(dir.resolve("cache"))) {
            assertEquals(before, s.count(), "rounds are cached and reused");
        }
    }

    @Test
    void severalTeachersMixedByConfidence() {
        Distillation.Plan p = new Distillation.Plan("offline", new OfflineDistiller.Method("kd", 4, 0.9), List.of(),
                "confidence", List.of(), 2, "train", 0.9, null, 8, 0);
        Distillation.Result r = run(p, List.of(teacher, teacher2), "multi", 2);
        learnedAndLoadable(r, "multi-teacher");
        Map<?, ?> d = (Map<?, ?>) Models.load(r.outcome().model().path()).info().training().get("distillation");
        assertEquals(2, ((List<?>) d.get("teachers")).size());
        assertEquals("confidence", d.get("teacherMix"));
        CompressionException e = assertThrows(CompressionException.class,
                () -> run(p.withScheme("born-again"), List.of(teacher, teacher2), "x", 1));
        assertTrue(e.getMessage().contains("several teachers"), e.getMessage());
    }

    /**
     * Offline targets averaged over augmented views: each item's target is the mean of the teacher's probabilities on
     * the clean item and on each view (the views' cached outputs, read back here), softer than the clean output
     * alone; the student trains and its sidecar names the views.
     */
    @Test
    void offlineTargetsAveragedOverViews() {
        Teachers ts = Teachers.single(teacher, dir.resolve("views-cache"));
        Augmenter aug = Augmenter.parse("image", Augmenter.IMAGE_VIEWS, 0);
        float[][] clean = ts.logits(data.train(), data.dataHash(), "none", 1);
        float[][] avg = ts.viewAveraged(data.train(), data.dataHash(), aug, 3, 1);
        double cleanTop = 0;
        double avgTop = 0;
        for (int i = 0; i < clean.length; i++) {
            double[] want = new double[clean[i].length];
            for (int r = 0; r <= 3; r++) {
                TeacherSources.AugmentedView view = new TeacherSources.AugmentedView(data.train(), aug, r);
                float[][] v = r == 0 ? clean : ts.logits(view, data.dataHash(), view.view(), 1);
                double[] p = TeacherMix.softmax(v[i], 1);
                for (int c = 0; c < p.length; c++) {
                    want[c] += p[c] / 4;
                }
            }
            double[] got = TeacherMix.softmax(avg[i], 1);
            for (int c = 0; c < got.length; c++) {
                assertEquals(want[c], got[c], 1e-5, "item " + i + " class " + c);
            }
            cleanTop += java.util.Arrays.stream(TeacherMix.softmax(clean[i], 1)).max().orElseThrow() / clean.length;
            avgTop += java.util.Arrays.stream(got).max().orElseThrow() / clean.length;
        }
        assertTrue(avgTop < cleanTop, "averaged targets are softer: top probability " + avgTop + " vs " + cleanTop);
        Distillation.Result r = run(plan("offline").withViews(2, "shift=1"), List.of(teacher), "views", 2);
        learnedAndLoadable(r, "view-averaged kd");
        Map<?, ?> d = (Map<?, ?>) Models.load(r.outcome().model().path()).info().training().get("distillation");
        assertEquals(2, d.get("targetViews"));
        assertTrue(String.valueOf(d.get("view")).startsWith("avg[clean+2x"), String.valueOf(d.get("view")));
        CompressionException e = assertThrows(CompressionException.class,
                () -> plan("expand").withViews(2, null));
        assertTrue(e.getMessage().contains("--teacher-views"), e.getMessage());
        assertThrows(CompressionException.class, () -> plan("offline").withViews(-1, null));
    }

    @Test
    void plansRejectBadValues() {
        OfflineDistiller.Method kd = new OfflineDistiller.Method("kd", 4, 0.9);
        assertTrue(assertThrows(CompressionException.class, () -> new Distillation.Plan("online", kd, List.of(), "avg",
                List.of(), 2, "train", 0.9, null, 8, 0)).getMessage().contains("offline, mutual, born-again, label, expand"));
        assertThrows(CompressionException.class, () -> new Distillation.Plan("label", kd, List.of(), "avg", List.of(),
                2, "train", 1.5, null, 8, 0));
        assertThrows(CompressionException.class, () -> new Distillation.Plan("expand", kd, List.of(), "avg", List.of(),
                2, "train", 0.9, null, 0, 0));
        assertThrows(CompressionException.class, () -> new Distillation.Plan("mutual", kd,
                List.of(new Knowledge("sp", "fc", "fc", 1)), "avg", List.of(), 2, "train", 0.9, null, 8, 0));
    }

    @Test
    void aSchemeRegisteredByItsServiceLineRunsWithItsOwnOptions() {
        OfflineDistiller.Method kd = new OfflineDistiller.Method("kd", 4, 0.9);
        Distillation.Plan p = new Distillation.Plan("probe", kd, List.of(), "avg", List.of(), 2, "train", 0.9, null, 8,
                0, Map.of("note", "hello"));
        assertEquals("probe (hello), " + kd, p.describe(false));
        Distillation.Result r = run(p, List.of(teacher), "probe", 2);
        assertEquals("hello", r.details().get("note"));
        learnedAndLoadable(r, "probe");
        CompressionException e = assertThrows(CompressionException.class, () -> new Distillation.Plan("probe", kd,
                List.of(), "avg", List.of(), 2, "train", 0.9, null, 8, 0, Map.of("nite", "x")));
        assertTrue(e.getMessage().contains("no option nite; its options: note"), e.getMessage());
        e = assertThrows(CompressionException.class, () -> new Distillation.Plan("offline", kd, List.of(), "avg",
                List.of(), 2, "train", 0.9, null, 8, 0, Map.of("note", "x")));
        assertTrue(e.getMessage().contains("(it takes none)"), e.getMessage());
    }

    @Test
    void lifelongLearnsClassByClassAndRecordsForgetting() {
        Map<String, Map<String, Object>> recs = new java.util.LinkedHashMap<>();
        for (String how : List.of("finetune", "exemplars")) {
            Distillation.Plan p = new Distillation.Plan("lifelong", new OfflineDistiller.Method("kd", 2, 0.5), List.of(),
                    "avg", List.of(), 1, "train", 0.9, null, 8, 0, Map.of("tasks", "3", "method", how, "memory", "60"));
            Distillation.Result r = run(p, List.of(teacher), "lifelong-" + how, 2);
            @SuppressWarnings("unchecked")
            Map<String, Object> rec = (Map<String, Object>) r.details().get("lifelong");
            recs.put(how, rec);
            assertEquals(List.of(List.of(0), List.of(1), List.of(2)), rec.get("tasks"));
            assertEquals(3, ((List<?>) rec.get("accuracyByTask")).size());
            assertEquals(2, ((List<?>) rec.get("forgetting")).size());
            assertTrue(Files.isRegularFile(dir.resolve("lifelong-" + how + "/task-1/student.zip")));
            assertEquals((Double) rec.get("finalAverageAccuracy"), Evaluator.accuracy(r.outcome().model().graph(), data.test()),
                    1e-9, "the last step's model is the student, tested on every class");
            // started again on its folder, the finished tasks are reused and the record is the same
            Distillation.Result again = run(p, List.of(teacher), "lifelong-" + how, 2);
            assertEquals(rec, again.details().get("lifelong"));
        }
        double ftForgets = (Double) recs.get("finetune").get("averageForgetting");
        double exForgets = (Double) recs.get("exemplars").get("averageForgetting");
        // one class a task and cross-entropy on it alone: fine-tuning forgets the first classes entirely
        assertTrue(ftForgets > 0.9, "fine-tuning forgetting " + ftForgets);
        assertTrue(exForgets < ftForgets - 0.3, "with a memory: " + exForgets + " vs " + ftForgets);
        assertTrue((Double) recs.get("exemplars").get("finalAverageAccuracy") > 0.8, recs.get("exemplars").toString());
        List<?> nme = (List<?>) recs.get("exemplars").get("nearestMeanAccuracy");
        assertTrue(nme.size() == 3 && (Double) nme.get(2) > 0.8, "iCaRL's classifier on the memory: " + nme);
        assertEquals(null, recs.get("finetune").get("nearestMeanAccuracy"), "no memory, no class means");
    }

    @Test
    void lifelongMemoryOnlyShrinksAndOptionsAreChecked() {
        int[] labels = new int[300];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = i % 6;
        }
        int[] two = LifelongScheme.memory(labels, 2, 40, 7);
        int[] four = LifelongScheme.memory(labels, 4, 40, 7);
        assertEquals(40, two.length);
        assertEquals(40, four.length);
        java.util.Set<Integer> earlier = new java.util.HashSet<>();
        for (int i : two) {
            earlier.add(i);
        }
        for (int i : four) {
            assertTrue(labels[i] >= 2 || earlier.contains(i), "item " + i + " of an old class was not in the memory");
        }
        assertEquals(List.of(List.of(0, 1, 2, 3), List.of(4, 5, 6), List.of(7, 8, 9)),
                java.util.Arrays.stream(LifelongScheme.groups(10, 3)).map(g -> java.util.Arrays.stream(g).boxed().toList())
                        .toList());
        CompressionException e = assertThrows(CompressionException.class, () -> new Distillation.Plan("lifelong",
                new OfflineDistiller.Method("kd", 2, 0.5), List.of(), "avg", List.of(), 1, "train", 0.9, null, 8, 0,
                Map.of("method", "ewc")).describe(false));
        assertTrue(e.getMessage().contains("finetune, lwf, exemplars"), e.getMessage());
        assertThrows(CompressionException.class, () -> run(new Distillation.Plan("lifelong",
                new OfflineDistiller.Method("kd", 2, 0.5), List.of(), "avg", List.of(), 1, "train", 0.9, null, 8, 0,
                Map.of("tasks", "4")), List.of(teacher), "lifelong-too-many", 1));
    }
}
