package org.jvmcompress.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.jvmcompress.core.util.Json;
import org.jvmcompress.core.util.ProgressBar;

/** train-teacher and evaluate through the command line on a small real subset of Fashion-MNIST. */
@org.junit.jupiter.api.Tag("integration")
class EndToEndTest {
    @TempDir
    Path dir;

    @BeforeAll
    static void quiet() {
        ProgressBar.setEnabled(false);
    }

    @Test
    void trainEvaluateCompareAndRecord() throws Exception {
        Path out = dir.resolve("teacher");
        Path results = dir.resolve("teachers.json");
        CliTest.Run t = CliTest.run("train-teacher", "--task", "cv", "--arch", "cv-student", "--train-limit", "3000",
                "--epochs", "1", "--no-speed", "--output", out.toString(), "--record", results.toString());
        assertEquals(0, t.code(), t.err());
        assertTrue(Files.isRegularFile(out.resolve("teacher.zip")));
        JsonNode sidecar = Json.MAPPER.readTree(out.resolve("teacher.json").toFile());
        assertEquals("cv", sidecar.get("task").asText());
        assertEquals(10, sidecar.get("labels").size());
        assertEquals("[1,28,28]", sidecar.get("inputShape").toString());
        assertTrue(sidecar.get("runtime").get("dl4j").asText().startsWith("1.0.0"));
        JsonNode rec = Json.MAPPER.readTree(results.toFile()).get("cv");
        assertTrue(rec.get("acc").asDouble() > 0.6, rec.toString());
        assertEquals(105_866, rec.get("params").asLong());
        assertTrue(rec.get("command").asText().contains("train-teacher"), rec.toString());

        CliTest.Run e = CliTest.run("evaluate", "--model", out.resolve("teacher.zip").toString(), "--compare",
                out.resolve("teacher.zip").toString(), "--ensemble", out.resolve("teacher.zip").toString(), "--json",
                "--output", dir.resolve("eval").toString());
        assertEquals(0, e.code(), e.err());
        assertTrue(e.out().contains("accuracy:") && e.out().contains("macro F1"), e.out());
        assertTrue(e.out().contains("latency batch 1: p50"), e.out());
        assertTrue(e.out().contains("agreement with") && e.out().contains("1.0000"), e.out());
        assertTrue(e.out().contains("confusion matrix"), e.out());
        // a model averaged with itself predicts what it predicts alone
        java.util.regex.Matcher acc = java.util.regex.Pattern.compile("accuracy: (\\d\\.\\d{4})").matcher(e.out());
        assertTrue(acc.find(), e.out());
        assertTrue(e.out().contains("ensemble of 2 models (probabilities averaged): accuracy " + acc.group(1)), e.out());
        JsonNode ev = Json.MAPPER.readTree(dir.resolve("eval/evaluation.json").toFile());
        assertEquals(10, ev.get("metrics").get("perClass").size());
        assertTrue(ev.get("speed").get("throughputSamplesPerS").asDouble() > 0);
        JsonNode ens = Json.MAPPER.readTree(dir.resolve("eval/ensemble.json").toFile());
        assertEquals(Double.parseDouble(acc.group(1)), ens.get("ensemble_accuracy").asDouble(), 5e-5);
        assertEquals(2, ens.get("members").size());

        CliTest.Run unknown = CliTest.run("distill", "--teacher", out.resolve("teacher.zip").toString(), "--method", "kl",
                "--output", dir.resolve("kd").toString());
        assertEquals(1, unknown.code());
        assertTrue(unknown.err().contains("unknown distillation loss 'kl'; known: kd, kd-reverse"), unknown.err());
        CliTest.Run kd = CliTest.run("distill", "--teacher", out.resolve("teacher.zip").toString(), "--train-limit", "2000",
                "--epochs", "1", "--no-speed", "--output", dir.resolve("kd").toString());
        assertEquals(0, kd.code(), kd.err());
        assertTrue(kd.out().contains("agreement with"), kd.out());
        JsonNode student = Json.MAPPER.readTree(dir.resolve("kd/student.json").toFile());
        assertEquals("0.7*FORWARD-KL(T=1) + 0.3*CE", student.get("training").get("distillation").get("loss").asText());
        assertTrue(student.get("training").get("command").asText().contains("distill"));

        CliTest.Run betaForKd = CliTest.run("distill", "--teacher", out.resolve("teacher.zip").toString(), "--beta", "2",
                "--output", dir.resolve("beta").toString());
        assertEquals(2, betaForKd.code());
        assertTrue(betaForKd.err().contains("--beta is the weight of dkd's non-target part; the method here is kd"),
                betaForKd.err());
        assertFalse(java.nio.file.Files.exists(dir.resolve("beta")));
        CliTest.Run dkd = CliTest.run("distill", "--teacher", out.resolve("teacher.zip").toString(), "--method", "dkd",
                "--beta", "2", "--train-limit", "500", "--epochs", "1", "--no-speed", "--output",
                dir.resolve("dkd").toString());
        assertEquals(0, dkd.code(), dkd.err());
        assertEquals("0.7*DKD(T=1, beta=2) + 0.3*CE", Json.MAPPER.readTree(dir.resolve("dkd/student.json").toFile())
                .get("training").get("distillation").get("loss").asText());

        CliTest.Run badLayer = CliTest.run("distill", "--teacher", out.resolve("teacher.zip").toString(), "--feature",
                "at:conv7:conv1", "--train-limit", "500", "--epochs", "1", "--no-speed", "--output",
                dir.resolve("at-bad").toString());
        assertEquals(1, badLayer.code());
        assertTrue(badLayer.err().contains("the teacher has no layer 'conv7'; its layers are [conv1, pool1, conv2"),
                badLayer.err());
        CliTest.Run at = CliTest.run("distill", "--teacher", out.resolve("teacher.zip").toString(), "--feature",
                "at:conv2:conv2:50", "--feature", "sp:fc:fc", "--train-limit", "1000", "--epochs", "1", "--no-speed",
                "--output", dir.resolve("at").toString());
        assertEquals(0, at.code(), at.err());
        JsonNode atStudent = Json.MAPPER.readTree(dir.resolve("at/student.json").toFile());
        assertTrue(atStudent.get("training").get("distillation").get("loss").asText().contains("AT(conv2<-conv2)"),
                atStudent.toString());

        // Temperature and alpha chosen on the validation split before the full run.
        CliTest.Run tuned = CliTest.run("distill", "--teacher", out.resolve("teacher.zip").toString(), "--tune",
                "temperature=1,4;alpha=0.5", "--tune-epochs", "1", "--train-limit", "1000", "--epochs", "1",
                "--no-speed", "--output", dir.resolve("tuned").toString());
        assertEquals(0, tuned.code(), tuned.err());
        JsonNode tuning = Json.MAPPER.readTree(dir.resolve("tuned/tuning.json").toFile());
        assertEquals(2, tuning.get("runs").size());
        double chosenT = tuning.get("chosen").get("temperature").asDouble();
        JsonNode tunedStudent = Json.MAPPER.readTree(dir.resolve("tuned/student.json").toFile());
        assertTrue(tunedStudent.get("training").get("distillation").get("loss").asText()
                .contains("T=" + (chosenT == 1.0 ? "1" : "4")), tunedStudent.toString());

        // Quantisation of the real-data model: an int8 file 4x smaller that evaluate loads and runs on oneDNN.
        CliTest.Run badMode = CliTest.run("quantize", "--model", out.resolve("teacher.zip").toString(), "--mode", "int3",
                "--output", dir.resolve("q-bad").toString());
        assertEquals(1, badMode.code());
        assertTrue(badMode.err().contains("unknown quantisation mode 'int3'; known: int8-per-tensor"), badMode.err());
        CliTest.Run q = CliTest.run("quantize", "--model", out.resolve("teacher.zip").toString(), "--calibration-items",
                "256", "--no-speed", "--output", dir.resolve("q").toString());
        assertEquals(0, q.code(), q.err());
        Path jcq = dir.resolve("q/teacher-int8-per-channel.jcq");
        assertTrue(Files.size(out.resolve("teacher.zip")) > 3.5 * Files.size(jcq), q.out());
        CliTest.Run qe = CliTest.run("evaluate", "--model", jcq.toString(), "--no-speed", "--json", "--output",
                dir.resolve("qe").toString());
        assertEquals(0, qe.code(), qe.err());
        JsonNode qev = Json.MAPPER.readTree(dir.resolve("qe/evaluation.json").toFile());
        assertTrue(qev.get("backend").asText().startsWith("oneDNN int8"), qev.toString());
        assertTrue(Math.abs(qev.get("metrics").get("accuracy").asDouble() - rec.get("acc").asDouble()) < 0.02,
                qev + " vs " + rec);
    }

    /** A Keras 3 CNN trained on Fashion-MNIST (models/keras, made by make_fixtures.py) teaches a DL4J student. */
    @Test
    void searchCandidatesRunAsSparkTasksInLocalMode() throws Exception {
        Path t = dir.resolve("teacher");
        CliTest.Run teacher = CliTest.run("train-teacher", "--task", "cv", "--arch", "cv-student", "--train-limit",
                "2000", "--epochs", "1", "--no-speed", "--output", t.toString());
        assertEquals(0, teacher.code(), teacher.err());
        Path out = dir.resolve("search");
        CliTest.Run s = CliTest.run("search", "--teacher", t.resolve("teacher.zip").toString(), "--strategy", "random",
                "--max-candidates", "2", "--parallel", "2", "--proxy-epochs", "1", "--proxy-limit", "500",
                "--full-epochs", "0", "--spark-master", "local[2]", "--output", out.toString());
        assertEquals(0, s.code(), s.err());
        assertTrue(s.err().contains("candidates on Spark local[2]"), s.err());
        var cands = org.jvmcompress.nas.Sweep.read(out.resolve("candidates.jsonl"));
        assertEquals(2, cands.size());
        for (var c : cands) {
            assertEquals("ok", c.status(), c.toString());
            assertTrue(c.acc() > 0 && c.acc() <= 1 && Files.isRegularFile(out.resolve("candidates").resolve(
                    String.format("%04d", c.index())).resolve("student.zip")), c.toString());
        }
        assertTrue(Files.isRegularFile(out.resolve("search.json")));
        // constraints no candidate meets: said, with what ruled them out, and a failed command (scale/faults defect 6)
        Path none = dir.resolve("search-none");
        CliTest.Run empty = CliTest.run("search", "--teacher", t.resolve("teacher.zip").toString(), "--strategy",
                "random", "--max-candidates", "2", "--proxy-epochs", "1", "--proxy-limit", "500", "--full-epochs", "0",
                "--max-params", "10", "--output", none.toString());
        assertEquals(1, empty.code(), empty.err());
        assertTrue(empty.err().contains("no candidate met the constraints") && empty.err().contains("pruned"),
                empty.err());
        assertTrue(Files.isRegularFile(none.resolve("search.json")), "the records of what was tried stay");
    }

    @Test
    void kerasTeacherIsEvaluatedAndDistilledIntoADl4jStudent() throws Exception {
        Path keras = Path.of("../models/keras/fashion-cnn.keras").toAbsolutePath().normalize();
        CliTest.Run ev = CliTest.run("evaluate", "--model", keras.toString(), "--task", "cv", "--no-speed");
        assertEquals(0, ev.code(), ev.err());
        JsonNode expected = Json.MAPPER.readTree(keras.resolveSibling("fashion-cnn.expected.json").toFile());
        double kerasAcc = expected.get("test_accuracy").asDouble();
        java.util.regex.Matcher acc = java.util.regex.Pattern.compile("accuracy: ([0-9.]+)").matcher(ev.out());
        assertTrue(acc.find(), ev.out());
        assertEquals(kerasAcc, Double.parseDouble(acc.group(1)), 1e-4, "test accuracy in DL4J = in Keras");

        CliTest.Run noTask = CliTest.run("distill", "--teacher", keras.toString(), "--output", dir.resolve("x").toString());
        assertEquals(1, noTask.code());
        assertTrue(noTask.err().contains("has no sidecar") && noTask.err().contains("--data PATH")
                && noTask.err().contains("--task"), noTask.err());

        // a Keras model is quantised on the data named for it, and its int8 file records that data
        Path kq = dir.resolve("keras-q");
        CliTest.Run q = CliTest.run("quantize", "--model", keras.toString(), "--task", "cv", "--calibration-items",
                "256", "--no-speed", "--output", kq.toString());
        assertEquals(0, q.code(), q.err());
        assertTrue(q.out().contains("10000 examples") || q.out().contains("10,000 examples"), q.out());
        assertTrue(q.out().contains("int8-per-channel:") && q.out().contains("(float "), q.out());
        assertEquals("fashion-mnist", Json.MAPPER.readTree(kq.resolve("fashion-cnn-int8-per-channel.json").toFile())
                .get("data").get("builtin").asText());

        Path out = dir.resolve("from-keras");
        CliTest.Run d = CliTest.run("distill", "--teacher", keras.toString(), "--task", "cv", "--epochs", "1",
                "--train-limit", "2000", "--output", out.toString());
        assertEquals(0, d.code(), d.err());
        Path student = Files.list(out).filter(p -> p.toString().endsWith(".zip")).findFirst().orElseThrow();
        CliTest.Run se = CliTest.run("evaluate", "--model", student.toString(), "--no-speed");
        assertEquals(0, se.code(), se.err());
        assertTrue(se.out().contains("accuracy"), se.out());
    }

    /**
     * A PyTorch CNN exported to ONNX (models/onnx, made by core/src/test/resources/onnx/make_fixtures.py) teaches a
     * DL4J student through SameDiff, its logits and its named intermediate result "features" (similarity-preserving
     * knowledge) both used.
     */
    @Test
    void onnxTeacherIsEvaluatedAndDistilledWithItsNamedFeatures() throws Exception {
        Path onnx = Path.of("../models/onnx/fashion-cnn.onnx").toAbsolutePath().normalize();
        CliTest.Run ev = CliTest.run("evaluate", "--model", onnx.toString(), "--task", "cv", "--no-speed");
        assertEquals(0, ev.code(), ev.err());
        JsonNode expected = Json.MAPPER.readTree(onnx.resolveSibling("fashion-cnn.expected.json").toFile());
        java.util.regex.Matcher acc = java.util.regex.Pattern.compile("accuracy: ([0-9.]+)").matcher(ev.out());
        assertTrue(acc.find(), ev.out());
        assertEquals(expected.get("test_accuracy").asDouble(), Double.parseDouble(acc.group(1)), 1e-4,
                "test accuracy in DL4J/SameDiff = in PyTorch");

        Path out = dir.resolve("from-onnx");
        // quantised through its DL4J lowering: the float accuracy it reports is the ONNX model's
        CliTest.Run q = CliTest.run("quantize", "--model", onnx.toString(), "--task", "cv", "--calibration-items",
                "256", "--no-speed", "--output", dir.resolve("onnx-q").toString());
        assertEquals(0, q.code(), q.err());
        assertTrue(q.out().contains(String.format(java.util.Locale.ROOT, "(float %.2f %%", 100 * expected.get("test_accuracy").asDouble())), q.out());
        CliTest.Run d = CliTest.run("distill", "--teacher", onnx.toString(), "--task", "cv", "--epochs", "1",
                "--train-limit", "2000", "--feature", "sp:features:fc:1000", "--output", out.toString());
        assertEquals(0, d.code(), d.err());
        Path student = Files.list(out).filter(p -> p.toString().endsWith(".zip")).findFirst().orElseThrow();
        JsonNode sidecar = Json.MAPPER.readTree(student.resolveSibling(student.getFileName().toString()
                .replace(".zip", ".json")).toFile());
        assertTrue(sidecar.get("training").get("distillation").get("loss").asText().contains("SP(fc<-features)"),
                sidecar.get("training").toString());
    }
}
