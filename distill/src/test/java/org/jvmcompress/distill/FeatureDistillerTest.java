package org.jvmcompress.distill;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.jvmcompress.core.SuiteSetup;
import org.junit.jupiter.api.extension.ExtendWith;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.jvmcompress.core.CompressionException;
import org.jvmcompress.core.eval.Evaluator;
import org.jvmcompress.core.model.LoadedModel;
import org.jvmcompress.core.model.Models;
import org.jvmcompress.core.runtime.NamedActivations;
import org.jvmcompress.core.task.CvTask;
import org.jvmcompress.core.task.TaskData;
import org.jvmcompress.core.task.TrainConfig;
import org.jvmcompress.core.train.TrainedModels;

@ExtendWith(SuiteSetup.class)
class FeatureDistillerTest {
    @TempDir
    Path dir;

    @Test
    void hintsAttentionAndRelationsTrainAndAreRemovedBeforeSaving() throws Exception {
        CvTask task = new CvTask();
        TaskData data = task.fromImages(OfflineDistillerTest.bands(500, 1), OfflineDistillerTest.bands(200, 2), 3, "bands");
        TrainConfig tc = new TrainConfig("cv-student", 2, 32, 3e-3, 1.0, 2, 0, 5, 0);
        LoadedModel teacher = TrainedModels.train(task, data, tc, dir.resolve("teacher"),
                dir.resolve("teacher/teacher.zip"), false, null).model();
        List<Knowledge> specs = List.of(new Knowledge("at", "conv1", "conv1", 100),
                new Knowledge("hint", "conv2", "conv2", 1), new Knowledge("sp", "fc", "fc", 10),
                new Knowledge("rkd-d", "fc", "fc", 1), new Knowledge("hint", "fc", "pool2", 0.5),
                new Knowledge("irg", "conv2", "conv2", 10), Knowledge.parse("adv[hidden=16]:fc:pool2:0.1"));
        TrainedModels.Outcome out = FeatureDistiller.distil(teacher, task, data, new OfflineDistiller.Method("kd", 4, 0.5),
                specs, tc.withSeed(8), dir.resolve("fd"), dir.resolve("fd/student.zip"), "test");
        double acc = Evaluator.accuracy(out.model().graph(), data.test());
        assertTrue(acc > 0.9, "accuracy " + acc);
        LoadedModel back = Models.load(dir.resolve("fd/student.zip"));
        assertEquals(1, back.graph().getNumOutputArrays());
        assertFalse(back.graph().getConfiguration().getVertices().keySet().stream().anyMatch(v -> v.startsWith("knowledge")));
        assertEquals(teacher.graph().numParams(), back.graph().numParams(), "same architecture as the plain student");
        assertEquals(acc, Evaluator.accuracy(back.graph(), data.test()), 1e-9);
    }

    /**
     * Knowledge between text encoders (TinyBERT's hidden-state and embedding losses as hints through a per-position
     * projection, token relations): a narrower student learns through it, and the saved student is the plain one.
     */
    @Test
    void sequenceHintsAndTokenRelationsTrainATextStudent() throws Exception {
        org.jvmcompress.core.task.NlpTask task = new org.jvmcompress.core.task.NlpTask(
                new org.jvmcompress.core.task.NlpTask.Corpus("nlp", "syn", "synthetic", "syn", 24, h -> null));
        TaskData data = task.fromTexts(org.jvmcompress.core.Synthetic.texts(600, 4, 40), 3, "syn", null);
        TrainConfig tc = new TrainConfig("nlpnet:e=16,enc=cnn,h=32,l=2,k=3", 2, 32, 3e-3, 1.0, 2, 0, 5, 0);
        LoadedModel teacher = TrainedModels.train(task, data, tc, dir.resolve("teacher"),
                dir.resolve("teacher/teacher.zip"), false, null).model();
        // two teacher blocks onto the student's one: the uniform layer map pairs enc2 with enc1
        List<Knowledge> specs = List.of(Knowledge.parse("hint:enc*:enc*"),
                new Knowledge("hint", "embedding", "embedding", 1), Knowledge.parse("token-rel:enc*:enc*:1:last"));
        TrainConfig sc = new TrainConfig("nlpnet:e=8,enc=cnn,h=8,l=1,k=3", 3, 32, 3e-3, 1.0, 3, 0, 9, 0);
        TrainedModels.Outcome out = FeatureDistiller.distil(teacher, task, data, new OfflineDistiller.Method("kd", 1, 0.5),
                specs, sc, dir.resolve("fd"), dir.resolve("fd/student.zip"), "test");
        double acc = Evaluator.accuracy(out.model().graph(), data.test());
        assertTrue(acc > 0.8, "accuracy " + acc);
        LoadedModel back = Models.load(dir.resolve("fd/student.zip"));
        assertEquals(1, back.graph().getNumOutputArrays());
        assertEquals(task.build(sc.architecture(), data, sc).numParams(), back.graph().numParams(),
                "same architecture as the plain student");
    }

    /**
     * Attention, relation and hint knowledge (loss outputs on the student's layers, a hint's through its adapter)
     * trains on the native trainer, step for step as DL4J's fit trains it.
     */
    @Test
    void attentionAndRelationStudentsStepOnTheNativeTrainerAsDl4j() {
        CvTask task = new CvTask();
        TaskData data = task.fromImages(OfflineDistillerTest.bands(40, 1), OfflineDistillerTest.bands(20, 2), 3, "bands");
        TrainConfig tc = new TrainConfig("cv-student", 1, 32, 3e-3, 1.0, 2, 0, 5, 0);
        org.deeplearning4j.nn.graph.ComputationGraph t = task.build("cv-student", data, tc.withSeed(3));
        org.deeplearning4j.nn.graph.ComputationGraph s = task.build("cv-student", data, tc.withSeed(4));
        org.nd4j.linalg.api.ndarray.INDArray one = data.train().make(new int[] {0}).getFeatures();
        java.util.Map<String, long[]> shapes = FeatureDistiller.shapes(t, one);
        List<Knowledge> specs = List.of(new Knowledge("at", "conv1", "conv1", 100), new Knowledge("at", "conv2", "conv2", 100),
                new Knowledge("rkd-d", "fc", "fc", 25), new Knowledge("rkd-a", "fc", "fc", 50),
                new Knowledge("sp", "fc", "fc", 3000), new Knowledge("hint", "conv2", "conv2", 1),
                new Knowledge("hint", "fc", "pool2", 0.5), new Knowledge("irg", "fc", "fc", 10),
                new Knowledge("irg", "conv2", "conv2", 10));
        org.deeplearning4j.nn.graph.ComputationGraph trainee = FeatureDistiller.withKnowledgeOutputs(s, specs, shapes,
                shapes);
        OutputLoss.set(trainee, new org.jvmcompress.distill.loss.DistillationLossFunction("kd", 1, 0.7));
        org.jvmcompress.core.train.TrainingSetup.prepare(trainee);
        org.deeplearning4j.nn.graph.ComputationGraph dl4j = trainee.clone();
        org.jvmcompress.core.train.TrainingSetup.prepare(dl4j);
        org.nd4j.linalg.dataset.api.MultiDataSet batch = new FeatureDistiller.LiveTeacherSource(data.train(),
                FeatureDistiller.view(new LoadedModel(t, null, Path.of("t.zip"), "dl4j")), specs, shapes)
                .makeMulti(new int[] {0, 3, 5, 8, 13, 21, 25, 30});
        assertTrue(org.jvmcompress.core.train.TrainingSetup.trainerOf(trainee).startsWith("oneDNN trainer"),
                org.jvmcompress.core.train.TrainingSetup.trainerOf(trainee));
        org.nd4j.linalg.api.ndarray.INDArray before = dl4j.params().dup();
        for (int step = 0; step < 3; step++) {
            double ours = org.jvmcompress.core.train.TrainingSetup.fit(trainee, batch);
            dl4j.fit(batch);
            assertEquals(dl4j.score(), ours, 1e-4 * Math.max(1, Math.abs(ours)), "loss at step " + step);
        }
        assertTrue(dl4j.params().sub(before).amaxNumber().doubleValue() > 0, "the steps changed nothing");
        for (String p : dl4j.paramTable().keySet()) {
            org.nd4j.linalg.api.ndarray.INDArray a = dl4j.paramTable().get(p);
            double d = a.sub(trainee.paramTable().get(p)).amaxNumber().doubleValue()
                    / Math.max(1e-3, a.amaxNumber().doubleValue());
            assertTrue(d < 1e-3, p + ": relative difference " + d);
        }
        // the hints' adapters (a 1x1 convolution, a dense layer) train with the student's optimiser
        for (String adapter : List.of("knowledge5_adapter", "knowledge6_adapter")) {
            assertTrue(((org.deeplearning4j.nn.conf.layers.BaseLayer) trainee.getLayer(adapter).conf().getLayer())
                    .getIUpdater() instanceof org.nd4j.linalg.learning.config.Adam, adapter);
        }
    }

    /** A DL4J teacher's targets come from the oneDNN float runtime where it gives the layers asked for. */
    @Test
    void dl4jTeachersRunOnTheFloatRuntimeWhereItGivesTheLayers() {
        CvTask task = new CvTask();
        TaskData data = task.fromImages(OfflineDistillerTest.bands(40, 1), OfflineDistillerTest.bands(20, 2), 3, "bands");
        org.deeplearning4j.nn.graph.ComputationGraph t = task.build("cv-teacher", data,
                new TrainConfig("cv-teacher", 1, 32, 3e-3, 1.0, 2, 0, 5, 0));
        LoadedModel teacher = new LoadedModel(t, null, Path.of("t.zip"), "dl4j");
        NamedActivations fast = FeatureDistiller.view(teacher, List.of("conv4_relu", "fc"));
        assertTrue(fast.toString().startsWith("oneDNN"), fast.toString());
        NamedActivations dl4j = FeatureDistiller.view(teacher, List.of("conv4")); // folded into batch norm: DL4J
        assertFalse(dl4j.toString().startsWith("oneDNN"), dl4j.toString());
        org.nd4j.linalg.api.ndarray.INDArray x = data.train().make(new int[] {1, 2, 3}).getFeatures();
        var a = fast.activations(x, List.of("conv4_relu", "fc"));
        var b = dl4j.activations(x, List.of("conv4_relu", "fc"));
        for (String v : List.of("conv4_relu", "fc", "output")) {
            double d = a.get(v).sub(b.get(v)).amaxNumber().doubleValue() / Math.max(1e-3, b.get(v).amaxNumber().doubleValue());
            assertTrue(d < 1e-3, v + ": relative difference " + d);
        }
    }

    @Test
    void unknownLayersAreNamedWithTheKnownOnes() {
        CvTask task = new CvTask();
        TaskData data = task.fromImages(OfflineDistillerTest.bands(60, 1), OfflineDistillerTest.bands(20, 2), 3, "bands");
        TrainConfig tc = new TrainConfig("cv-student", 1, 32, 3e-3, 1.0, 2, 0, 5, 0);
        LoadedModel teacher = TrainedModels.train(task, data, tc, dir.resolve("t"), dir.resolve("t/t.zip"), false, null)
                .model();
        CompressionException e = assertThrows(CompressionException.class, () -> FeatureDistiller.distil(teacher, task,
                data, new OfflineDistiller.Method("ce", 1, 0), List.of(new Knowledge("at", "conv9", "conv1", 1)), tc,
                dir.resolve("x"), dir.resolve("x/s.zip"), null));
        assertTrue(e.getMessage().contains("the teacher has no layer 'conv9'; its layers are [conv1, pool1, conv2, pool2, fc, output]"),
                e.getMessage());
        CompressionException shape = assertThrows(CompressionException.class, () -> FeatureDistiller.distil(teacher,
                task, data, new OfflineDistiller.Method("ce", 1, 0), List.of(new Knowledge("at", "conv2", "conv1", 1)),
                tc, dir.resolve("y"), dir.resolve("y/s.zip"), null));
        assertTrue(shape.getMessage().contains("same height and width"), shape.getMessage());
    }

    @Test
    void teacherTargetsAreKeptAfterTheirFirstBatchUnlessTooBig() throws Exception {
        CvTask task = new CvTask();
        TaskData data = task.fromImages(OfflineDistillerTest.bands(40, 1), OfflineDistillerTest.bands(20, 2), 3, "bands");
        TrainConfig tc = new TrainConfig("cv-student", 1, 32, 3e-3, 1.0, 2, 0, 5, 0);
        org.deeplearning4j.nn.graph.ComputationGraph t = task.build("cv-student", data, tc);
        NamedActivations dl4j = FeatureDistiller.view(new LoadedModel(t, null, Path.of("t.zip"), "dl4j"));
        int[] calls = {0};
        NamedActivations counted = new NamedActivations() {
            @Override
            public java.util.Map<String, org.nd4j.linalg.api.ndarray.INDArray> activations(
                    org.nd4j.linalg.api.ndarray.INDArray x, java.util.Collection<String> names) {
                calls[0]++;
                return dl4j.activations(x, names);
            }

            @Override
            public String outputName() {
                return dl4j.outputName();
            }

            @Override
            public long numParams() {
                return dl4j.numParams();
            }
        };
        org.nd4j.linalg.api.ndarray.INDArray one = data.train().make(new int[] {0}).getFeatures();
        java.util.Map<String, long[]> shapes = FeatureDistiller.shapes(t, one);
        List<Knowledge> small = List.of(new Knowledge("at", "conv1", "conv1", 1), new Knowledge("sp", "fc", "fc", 1));
        FeatureDistiller.LiveTeacherSource src = new FeatureDistiller.LiveTeacherSource(data.train(), counted, small,
                shapes);
        int[] idx = {3, 7, 11};
        var first = src.makeMulti(idx);
        var again = src.makeMulti(new int[] {11, 3});
        assertEquals(1, calls[0], "the teacher ran again for kept targets");
        for (int k = 0; k < 3; k++) {
            assertEquals(first.getLabels(k).getRow(2), again.getLabels(k).getRow(0));
            assertEquals(first.getLabels(k).getRow(0), again.getLabels(k).getRow(1));
        }
        src.makeMulti(new int[] {3, 20}); // item 20 is new: the teacher runs
        assertEquals(2, calls[0]);
        // a hint target (a whole feature map) over the budget stays live; the class output is still kept
        FeatureDistiller.LiveTeacherSource live = new FeatureDistiller.LiveTeacherSource(data.train(), counted,
                List.of(new Knowledge("hint", "conv2", "conv2", 1)), shapes, 1000);
        var a = live.makeMulti(idx);
        var b = live.makeMulti(idx);
        assertEquals(4, calls[0]);
        assertEquals(a.getLabels(1), b.getLabels(1));
        // ... unless it may spill them to a file in the run folder: read back after their first computation
        Path spill = dir.resolve("run/teacher-targets");
        try (FeatureDistiller.LiveTeacherSource file = new FeatureDistiller.LiveTeacherSource(data.train(), counted,
                List.of(new Knowledge("hint", "conv2", "conv2", 1)), shapes, 1000, spill)) {
            var c = file.makeMulti(idx);
            var d = file.makeMulti(new int[] {11, 7});
            assertEquals(5, calls[0], "the teacher ran again for spilled targets");
            assertEquals(a.getLabels(1), c.getLabels(1));
            assertEquals(c.getLabels(1).getRow(2), d.getLabels(1).getRow(0));
            assertEquals(c.getLabels(1).getRow(1), d.getLabels(1).getRow(1));
            assertEquals(1, java.nio.file.Files.list(spill).count());
        }
        assertEquals(0, java.nio.file.Files.list(spill).count(), "the spilled targets' file is deleted");
    }
}
