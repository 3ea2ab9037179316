package org.jvmcompress.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.jvmcompress.core.util.Json;
import org.jvmcompress.core.util.ProgressBar;

/**
 * A user's own data through every stage, as files written here: RGB 32x32 images of three classes and a JSONL text
 * set of three classes go through train-teacher, distill, quantize, evaluate, report and run with a data section,
 * every figure on the user's test set; and each refusal of data that does not fit the model.
 */
@org.junit.jupiter.api.Tag("integration")
class UserDataTest {
    @TempDir
    static Path dir;

    @BeforeAll
    static void quiet() {
        ProgressBar.setEnabled(false);
    }

    static final List<String> SHAPES = List.of("circle", "square", "triangle");

    /** Coloured shapes on dark backgrounds, size x size, n per class. */
    static void writeShapes(Path root, int n, int size, long seed) throws Exception {
        Random r = new Random(seed);
        for (String c : SHAPES) {
            Files.createDirectories(root.resolve(c));
            for (int i = 0; i < n; i++) {
                BufferedImage im = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
                Graphics2D g = im.createGraphics();
                g.setColor(new Color(r.nextInt(60), r.nextInt(60), r.nextInt(60)));
                g.fillRect(0, 0, size, size);
                g.setColor(new Color(120 + r.nextInt(136), 120 + r.nextInt(136), 120 + r.nextInt(136)));
                int rad = size / 5 + r.nextInt(size / 8);
                int x = rad + r.nextInt(size - 2 * rad);
                int y = rad + r.nextInt(size - 2 * rad);
                switch (c) {
                    case "circle" -> g.fillOval(x - rad, y - rad, 2 * rad, 2 * rad);
                    case "square" -> g.fillRect(x - rad, y - rad, 2 * rad, 2 * rad);
                    default -> g.fillPolygon(new int[] {x, x - rad, x + rad}, new int[] {y - rad, y + rad, y + rad}, 3);
                }
                g.dispose();
                ImageIO.write(im, "png", root.resolve(c).resolve(i + ".png").toFile());
            }
        }
    }

    static void writeTexts(Path file, int n, long seed) throws Exception {
        Random r = new Random(seed);
        String[][] words = {{"goal", "match", "team", "score", "player", "league", "coach", "season"},
                {"software", "computer", "chip", "code", "network", "cloud", "server", "device"},
                {"recipe", "cook", "bake", "taste", "flavor", "dinner", "sauce", "kitchen"}};
        String[] labels = {"sport", "tech", "food"};
        String[] common = {"the", "a", "is", "was", "on", "in", "and", "with", "for", "this", "very", "today"};
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            int c = r.nextInt(3);
            StringBuilder t = new StringBuilder();
            for (int k = 0, len = 8 + r.nextInt(20); k < len; k++) {
                t.append(k == 0 ? "" : " ").append(r.nextDouble() < 0.3 ? words[c][r.nextInt(8)] : common[r.nextInt(12)]);
            }
            sb.append(new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(java.util.Map.of("text", t.toString(), "label", labels[c])))
                    .append('\n');
        }
        Files.writeString(file, sb.toString());
    }

    static JsonNode json(Path p) throws Exception {
        return Json.MAPPER.readTree(p.toFile());
    }

    static void ok(CliTest.Run r) {
        assertEquals(0, r.code(), r.err());
        assertFalse((r.out() + r.err()).toLowerCase(java.util.Locale.ROOT).contains("fashion"), r.out() + r.err());
    }

    static void refused(CliTest.Run r, String... needles) {
        assertEquals(1, r.code(), r.out() + r.err());
        for (String n : needles) {
            assertTrue(r.err().contains(n), "expected '" + n + "' in: " + r.err());
        }
    }

    @Test
    void rgbImagesThroughEveryStage() throws Exception {
        Path train = dir.resolve("shapes/train");
        Path test = dir.resolve("shapes/test");
        writeShapes(train, 60, 32, 1);
        writeShapes(test, 15, 32, 2);
        Path t = dir.resolve("img-teacher");
        ok(CliTest.run("train-teacher", "--data", train.toString(), "--test-data", test.toString(), "--epochs", "6",
                "--lr", "0.0005", "--no-speed", "--output", t.toString()));
        JsonNode side = json(t.resolve("teacher.json"));
        assertEquals("cv", side.get("task").asText());
        assertEquals("[3,32,32]", side.get("inputShape").toString());
        JsonNode data = side.get("data");
        assertEquals("files", data.get("kind").asText());
        assertEquals(SHAPES.toString().replace(" ", ""), data.get("classes").toString().replace("\"", ""));
        assertEquals(train.toAbsolutePath().toString(), data.get("train").get("path").asText());
        assertEquals(180, data.get("train").get("items").asInt());
        assertEquals(64, data.get("train").get("sha256").asText().length());
        assertEquals(45, data.get("test").get("items").asInt());
        assertEquals(3, data.get("encoding").get("channels").asInt());

        // distil, quantise and evaluate with no data named: every stage on the teacher's own data and test set
        Path s = dir.resolve("img-student");
        CliTest.Run d = CliTest.run("distill", "--teacher", t.resolve("teacher.zip").toString(), "--epochs", "3",
                "--no-speed", "--output", s.toString());
        ok(d);
        assertTrue(d.err().contains("data: files " + train.toAbsolutePath()), d.err());
        assertTrue(d.out().contains("45 examples"), d.out());
        assertEquals(data, json(s.resolve("student.json")).get("data"));
        assertEquals("[3,32,32]", json(s.resolve("student.json")).get("inputShape").toString());
        // class-incremental on the user's three classes, one a task, with a memory; adversarial and graph knowledge
        Path ll = dir.resolve("img-lifelong");
        CliTest.Run lr = CliTest.run("distill", "--teacher", t.resolve("teacher.zip").toString(), "--epochs", "2",
                "--scheme", "lifelong", "--scheme-option", "tasks=3", "--scheme-option", "method=exemplars",
                "--scheme-option", "memory=30", "--no-speed", "--output", ll.toString());
        ok(lr);
        assertTrue(lr.err().contains("lifelong task 3 of 3: classes 2-2, ") && lr.err().contains("(30 of them from memory)"),
                lr.err());
        JsonNode rec = json(ll.resolve("distillation.json")).get("lifelong");
        assertEquals(3, rec.get("accuracyByTask").size());
        assertEquals(data, json(ll.resolve("student.json")).get("data"));
        ok(CliTest.run("distill", "--teacher", t.resolve("teacher.zip").toString(), "--epochs", "1",
                "--method", "kd-adv[weight=0.1,hidden=16]", "--feature", "irg:fc:fc:10", "--no-speed", "--output",
                dir.resolve("img-adv").toString()));
        CliTest.Run bad = CliTest.run("distill", "--teacher", t.resolve("teacher.zip").toString(), "--epochs", "1",
                "--method", "kd-adv[hiden=16]", "--no-speed", "--output", dir.resolve("img-adv-bad").toString());
        assertTrue(bad.code() != 0 && bad.err().contains("kd-adv has no option hiden"), bad.err());
        Path q = dir.resolve("img-q");
        CliTest.Run qr = CliTest.run("quantize", "--model", s.resolve("student.zip").toString(), "--no-speed",
                "--output", q.toString());
        ok(qr);
        assertTrue(qr.out().contains("45 examples"), qr.out());
        Path jcq = q.resolve("student-int8-per-channel.jcq");
        CliTest.Run qat = CliTest.run("quantize", "--model", s.resolve("student.zip").toString(), "--qat-epochs", "1",
                "--no-speed", "--output", dir.resolve("img-qat").toString());
        ok(qat);
        assertTrue(qat.err().contains("quantisation-aware training: 1 epoch") && qat.out().contains("45 examples"),
                qat.err() + qat.out());
        CliTest.Run fp16Qat = CliTest.run("quantize", "--model", s.resolve("student.zip").toString(), "--qat-epochs",
                "1", "--mode", "fp16", "--output", dir.resolve("never-qat").toString());
        assertEquals(2, fp16Qat.code(), fp16Qat.err());
        assertTrue(fp16Qat.err().contains("for the modes int8-per-tensor, int8-per-channel, not fp16"), fp16Qat.err());
        assertFalse(Files.exists(dir.resolve("never-qat")));
        assertEquals(data, json(q.resolve("student-int8-per-channel.json")).get("data"));
        CliTest.Run e = CliTest.run("evaluate", "--model", jcq.toString(), "--no-speed", "--json", "--output",
                dir.resolve("img-eval").toString());
        ok(e);
        assertEquals(45, json(dir.resolve("img-eval/evaluation.json")).get("metrics").get("n").asInt());
        assertEquals(data, json(dir.resolve("img-eval/evaluation.json")).get("data"), "the record names its data");

        // the whole pipeline from a config with a data section, and report rendered again from its records
        Path cfg = dir.resolve("run.json");
        Files.writeString(cfg, "{\"schema\": 2, \"teacher\": {\"model\": \"" + t.resolve("teacher.zip") + "\"},"
                + " \"data\": {\"train\": \"" + train + "\", \"test\": \"" + test + "\"},"
                + " \"distill\": {\"student\": \"cv-student,width=0.5\", \"method\": \"dkd\", \"beta\": 0.5,"
                + " \"epochs\": 2, \"scheme\": \"expand\", \"rounds\": 2},"
                + " \"quantize\": {\"mode\": \"int8-per-channel\", \"qatEpochs\": 1, \"qatLoss\": \"distill\"},"
                + " \"evaluate\": {\"speed\": false}}");
        Path run = dir.resolve("img-run");
        Path noQat = dir.resolve("no-qat-run.json");
        Files.writeString(noQat, Files.readString(cfg).replace("\"qatEpochs\": 1, ", ""));
        refused(CliTest.run("run", "--config", noQat.toString(), "--output", dir.resolve("never-run").toString()),
                "'quantize.qatLoss' goes with 'quantize.qatEpochs'");
        Path badCfg = dir.resolve("bad-run.json");
        Files.writeString(badCfg, Files.readString(cfg).replace("\"data\": {", "\"data\": {\"channels\": 2, "));
        refused(CliTest.run("run", "--config", badCfg.toString(), "--output", dir.resolve("never-run").toString()),
                "'data.channels' must be 1 or 3");
        assertFalse(Files.exists(dir.resolve("never-run")));
        Path mixed = dir.resolve("mixed-run.json");
        Files.writeString(mixed, Files.readString(cfg).replace("\"rounds\": 2}", "\"rounds\": 2, \"features\":"
                + " [\"at:conv2:conv1\"]}"));
        refused(CliTest.run("run", "--config", mixed.toString(), "--output", dir.resolve("never-run").toString()),
                "'distill'", "offline scheme only");
        ok(CliTest.run("run", "--config", cfg.toString(), "--output", run.toString()));
        JsonNode distilled = json(run.resolve("records/distill.json")).get("result");
        assertEquals("expand", distilled.get("scheme").asText());
        assertEquals(0.5, distilled.get("beta").asDouble(), 1e-12);
        assertEquals(1, json(run.resolve("records/quantize.json")).get("result").get("qatEpochs").asInt());
        // the quantised student: QAT on the distill stage's loss, with the teacher's outputs as targets
        assertEquals("distill", json(run.resolve("records/quantize.json")).get("result").get("qatLoss").asText());
        JsonNode qs = json(run.resolve("quantized/student-int8-per-channel.json")).get("training").get("quantization");
        assertTrue(qs.get("distillation").get("loss").asText().contains("DKD"), qs.toString());
        JsonNode prov = json(run.resolve("provenance.json"));
        assertEquals(train.toAbsolutePath().toString(), prov.get("data").get("train").get("path").asText());
        ok(CliTest.run("report", "--run", run.toString()));
        String md = Files.readString(run.resolve("report.md"));
        assertTrue(md.contains("Data: files " + train.toAbsolutePath()) && md.contains("classes circle, square, triangle"),
                md);
        assertTrue(Files.readString(run.resolve("report.html")).contains("Data: files " + train.toAbsolutePath()));
        assertTrue(Files.isRegularFile(run.resolve("report.html")));

        // the same images resized to 40x40 are refused by the 32x32 model unless --resize says so
        Path big = dir.resolve("shapes-big");
        writeShapes(big, 5, 40, 3);
        refused(CliTest.run("evaluate", "--model", t.resolve("teacher.zip").toString(), "--data", big.toString(),
                "--no-speed"), "40x40 rgb", "--resize");
        refused(CliTest.run("evaluate", "--model", t.resolve("teacher.zip").toString(), "--data", big.toString(),
                "--image-size", "40x40", "--no-speed"), "--channels/--image-size ask for other input than its 3x32x32");
        CliTest.Run resized = CliTest.run("evaluate", "--model", t.resolve("teacher.zip").toString(), "--data",
                big.toString(), "--resize", "--no-speed");
        ok(resized);
        assertTrue(resized.err().contains("note: new data for this model"), resized.err());
        assertTrue(resized.err().contains("images resized"), resized.err());

        // a test set with a class the model does not have
        Path odd = dir.resolve("shapes-odd");
        writeShapes(odd, 3, 32, 4);
        Files.move(odd.resolve("square"), odd.resolve("star"));
        refused(CliTest.run("evaluate", "--model", t.resolve("teacher.zip").toString(), "--data", odd.toString(),
                "--no-speed"), "class 'star'", "circle, square, triangle");

        // files changed since the model was trained: refused, naming both hashes and the option
        Path copy = dir.resolve("img-teacher-moved");
        Path trainCopy = dir.resolve("shapes-copy");
        copyTree(train, trainCopy);
        ok(CliTest.run("train-teacher", "--data", trainCopy.toString(), "--arch", "cv-student", "--epochs", "1",
                "--no-speed", "--output", copy.toString()));
        Files.copy(trainCopy.resolve("circle/0.png"), trainCopy.resolve("circle/extra.png"));
        refused(CliTest.run("distill", "--teacher", copy.resolve("teacher.zip").toString(), "--epochs", "1",
                "--output", dir.resolve("never").toString()), "changed since", "--data " + trainCopy.toAbsolutePath());
        assertFalse(Files.exists(dir.resolve("never")));
        Files.delete(trainCopy.resolve("circle/extra.png"));
        deleteTree(trainCopy);
        refused(CliTest.run("quantize", "--model", copy.resolve("teacher.zip").toString(), "--output",
                dir.resolve("never").toString()), "not there any more", "--data");

        // a model without a sidecar: it needs data, and its class count must be the data's
        Path bare = dir.resolve("bare.zip");
        Files.copy(t.resolve("teacher.zip"), bare);
        refused(CliTest.run("quantize", "--model", bare.toString(), "--output", dir.resolve("never").toString()),
                "has no sidecar", "--data PATH");
        refused(CliTest.run("evaluate", "--model", bare.toString(), "--data", odd.toString(), "--labels", "a,b",
                "--no-speed"), "class 'circle'");
        Path four = dir.resolve("shapes-four");
        writeShapes(four, 3, 32, 5);
        Files.createDirectories(four.resolve("star"));
        Files.copy(four.resolve("circle/0.png"), four.resolve("star/0.png"));
        refused(CliTest.run("evaluate", "--model", bare.toString(), "--data", four.toString(), "--no-speed"),
                "outputs 3 classes", "--labels");
        CliTest.Run bareOk = CliTest.run("quantize", "--model", bare.toString(), "--data", train.toString(),
                "--test-data", test.toString(), "--no-speed", "--output", dir.resolve("bare-q").toString());
        ok(bareOk);
        assertTrue(bareOk.err().contains("its outputs are taken to be the classes in sorted order"), bareOk.err());
        assertTrue(bareOk.out().contains("45 examples"), bareOk.out());
    }

    @Test
    void jsonlTextOfThreeClassesThroughEveryStage() throws Exception {
        Path train = dir.resolve("news-train.jsonl");
        Path test = dir.resolve("news-test.jsonl");
        writeTexts(train, 400, 1);
        writeTexts(test, 90, 2);
        Path t = dir.resolve("txt-teacher");
        ok(CliTest.run("train-teacher", "--data", train.toString(), "--test-data", test.toString(), "--epochs", "3",
                "--no-speed", "--output", t.toString()));
        JsonNode side = json(t.resolve("teacher.json"));
        assertEquals("nlp", side.get("task").asText());
        assertEquals("[\"food\",\"sport\",\"tech\"]", side.get("labels").toString());
        int len = side.get("inputShape").get(0).asInt();
        assertTrue(len >= 16 && len <= 40, "length fitted to short texts: " + len);
        assertEquals("jsonl", side.get("data").get("train").get("format").asText());
        Path s = dir.resolve("txt-student");
        ok(CliTest.run("distill", "--teacher", t.resolve("teacher.zip").toString(), "--epochs", "8", "--lr", "0.01",
                "--no-speed", "--output", s.toString()));
        assertEquals(side.get("data"), json(s.resolve("student.json")).get("data"));
        CliTest.Run q = CliTest.run("quantize", "--model", s.resolve("student.zip").toString(), "--no-speed",
                "--output", dir.resolve("txt-q").toString());
        ok(q);
        assertTrue(q.out().contains("90 examples"), q.out());
        JsonNode ev = json(dir.resolve("txt-student/evaluation.json"));
        assertEquals(90, ev.get("metrics").get("n").asInt());
        assertTrue(ev.get("metrics").get("accuracy").asDouble() > 0.5, ev.toString());

        // run --teacher --data: the default pipeline on the user's model and data without a config
        Path run = dir.resolve("txt-run");
        ok(CliTest.run("run", "--teacher", t.resolve("teacher.zip").toString(), "--data", train.toString(),
                "--test-data", test.toString(), "--output", run.toString()));
        assertTrue(Files.isRegularFile(run.resolve("report.html")));
        assertTrue(json(run.resolve("report.json")).toString().contains("sport"));

        // a test file whose class the training data does not have; a malformed line; not UTF-8
        Path bad = dir.resolve("bad.jsonl");
        Files.writeString(bad, "{\"text\": \"a b c\", \"label\": \"sport\"}\n{\"text\": \"x\", \"label\": \"weather\"}\n");
        refused(CliTest.run("evaluate", "--model", t.resolve("teacher.zip").toString(), "--data", bad.toString(),
                "--no-speed"), "row 2", "'weather'");
        Files.writeString(bad, "{\"text\": \"a b c\", \"label\": \"sport\"}\n{\"text\": \"x\", \"label\"\n");
        refused(CliTest.run("evaluate", "--model", t.resolve("teacher.zip").toString(), "--data", bad.toString(),
                "--no-speed"), "line 2");
        Files.write(bad, new byte[] {'{', '"', 't', 'e', 'x', 't', '"', ':', '"', (byte) 0xff, (byte) 0xfe, '"', '}'});
        refused(CliTest.run("evaluate", "--model", t.resolve("teacher.zip").toString(), "--data", bad.toString(),
                "--no-speed"), "not UTF-8");
        // a text model without its sidecar has no vocabulary: refused, with the built-in task too
        Path bareText = dir.resolve("bare-text.zip");
        Files.copy(t.resolve("teacher.zip"), bareText);
        refused(CliTest.run("evaluate", "--model", bareText.toString(), "--data", test.toString(), "--no-speed"),
                "no vocabulary");
        refused(CliTest.run("evaluate", "--model", bareText.toString(), "--task", "nlp", "--no-speed"), "no vocabulary");
        refused(CliTest.run("evaluate", "--model", t.resolve("teacher.zip").toString(), "--data", test.toString(),
                "--max-length", "99", "--no-speed"), "--max-length 99 is not its length " + len);
        refused(CliTest.run("evaluate", "--model", t.resolve("teacher.zip").toString(), "--data", test.toString(),
                "--labels", "tech,sport,food", "--no-speed"), "is not its class order [food, sport, tech]");
        // a test set that repeats training texts is warned about, with the count
        Path dup = dir.resolve("dup.jsonl");
        List<String> lines = Files.readAllLines(train, StandardCharsets.UTF_8);
        Files.write(dup, lines.subList(0, 7));
        CliTest.Run dr = CliTest.run("evaluate", "--model", t.resolve("teacher.zip").toString(), "--data",
                train.toString(), "--test-data", dup.toString(), "--no-speed");
        ok(dr);
        assertTrue(dr.err().contains("7 of the 7 test texts also appear in the training data"), dr.err());
    }

    @Test
    void badImageFoldersAreRefusedByName() throws Exception {
        Path empty = dir.resolve("bad-empty");
        writeShapes(empty, 3, 16, 1);
        Files.createDirectories(empty.resolve("star"));
        refused(CliTest.run("train-teacher", "--data", empty.toString(), "--epochs", "1", "--output",
                dir.resolve("never2").toString()), "star", "holds no PNG or JPEG");
        Path single = dir.resolve("bad-single");
        writeShapes(single, 3, 16, 1);
        deleteTree(single.resolve("square"));
        deleteTree(single.resolve("triangle"));
        refused(CliTest.run("train-teacher", "--data", single.toString(), "--epochs", "1", "--output",
                dir.resolve("never2").toString()), "at least two classes");
        Path trunc = dir.resolve("bad-trunc");
        writeShapes(trunc, 3, 16, 1);
        byte[] png = Files.readAllBytes(trunc.resolve("circle/1.png"));
        Files.write(trunc.resolve("circle/1.png"), java.util.Arrays.copyOf(png, png.length / 2));
        refused(CliTest.run("train-teacher", "--data", trunc.toString(), "--epochs", "1", "--output",
                dir.resolve("never2").toString()), "circle/1.png");
        assertFalse(Files.exists(dir.resolve("never2")));
        Path legacy = dir.resolve("legacy");
        ok(CliTest.run("train-teacher", "--data", writeAndReturn(dir.resolve("legacy-data")), "--arch", "cv-student",
                "--epochs", "1", "--no-speed", "--output", legacy.toString()));
        // a sidecar written before data sources were recorded, of data that is not the built-in set
        com.fasterxml.jackson.databind.node.ObjectNode side =
                (com.fasterxml.jackson.databind.node.ObjectNode) json(legacy.resolve("teacher.json"));
        side.remove("data");
        Files.writeString(legacy.resolve("teacher.json"), Json.MAPPER.writeValueAsString(side));
        refused(CliTest.run("distill", "--teacher", legacy.resolve("teacher.zip").toString(), "--output",
                dir.resolve("never2").toString()), "does not name", "--data PATH");
    }

    /**
     * A Keras 3 and an ONNX model trained elsewhere on a user's RGB image folders (made by
     * core/src/test/resources/userdata/make_fixtures.py): each is given its data by --data / --test-data and goes
     * through the default pipeline (distil, quantise, evaluate, report), its test accuracy the one its framework
     * measured; the ONNX model is quantised itself too.
     */
    @Test
    void kerasAndOnnxTeachersOnTheirUsersImages() throws Exception {
        Path shapes = Path.of("../core/src/test/resources/userdata/shapes").toAbsolutePath().normalize();
        for (String f : List.of("keras/shapes-cnn.keras", "onnx/shapes-cnn.onnx")) {
            Path model = Path.of("../models").resolve(f).toAbsolutePath().normalize();
            double want = json(model.resolveSibling(f.replaceAll(".*/|\\..*", "") + ".expected.json"))
                    .get("test_accuracy").asDouble();
            Path run = dir.resolve("run-" + f.replaceAll("/.*", ""));
            CliTest.Run r = CliTest.run("run", "--teacher", model.toString(), "--data", shapes.resolve("train").toString(),
                    "--test-data", shapes.resolve("test").toString(), "--output", run.toString());
            ok(r);
            assertTrue(r.err().contains("its outputs are taken to be the classes in sorted order [circle, square,"
                    + " triangle]"), r.err());
            JsonNode models = json(run.resolve("report.json")).get("models");
            JsonNode teacher = models.get(0);
            assertEquals(want, teacher.get("acc").asDouble(), 1e-4, f + ": test accuracy = its framework's");
            assertEquals(3, models.size(), models.toString());
            JsonNode q = json(run.resolve("student/student.json"));
            assertEquals(shapes.resolve("train").toString(), q.get("data").get("train").get("path").asText());
            assertEquals("[3,32,32]", q.get("inputShape").toString());
        }
        Path onnx = Path.of("../models/onnx/shapes-cnn.onnx").toAbsolutePath().normalize();
        CliTest.Run q = CliTest.run("quantize", "--model", onnx.toString(), "--data", shapes.resolve("train").toString(),
                "--test-data", shapes.resolve("test").toString(), "--no-speed", "--output", dir.resolve("onnx-q").toString());
        ok(q);
        assertTrue(q.out().contains("(float 86.67 %"), q.out());
        assertEquals(shapes.resolve("test").toString(), json(dir.resolve("onnx-q/shapes-cnn-int8-per-channel.json"))
                .get("data").get("test").get("path").asText());
    }

    /** 20 classes of 20x20 grey images (a bright block at the class's place in a 5x4 grid, with noise). */
    @Test
    void twentyClassesOfSmallGreyImages() throws Exception {
        Path root = dir.resolve("grid");
        Random r = new Random(3);
        for (int c = 0; c < 20; c++) {
            Files.createDirectories(root.resolve(String.format("c%02d", c)));
            for (int i = 0; i < 12; i++) {
                BufferedImage im = new BufferedImage(20, 20, BufferedImage.TYPE_BYTE_GRAY);
                for (int y = 0; y < 20; y++) {
                    for (int x = 0; x < 20; x++) {
                        boolean on = x / 4 == c % 5 && y / 5 == c / 5;
                        int v = Math.min(255, (on ? 200 : 20) + r.nextInt(40));
                        im.getRaster().setSample(x, y, 0, v);
                    }
                }
                ImageIO.write(im, "png", root.resolve(String.format("c%02d/%d.png", c, i)).toFile());
            }
        }
        // what a copy from a Mac or a notebook leaves behind is not data
        Files.writeString(root.resolve(".DS_Store"), "x");
        Files.write(root.resolve("c00/._0.png"), new byte[] {0, 5, 22, 7});
        Files.createDirectories(root.resolve(".ipynb_checkpoints"));
        Files.writeString(root.resolve(".ipynb_checkpoints/a.png"), "not an image");
        Path t = dir.resolve("grid-teacher");
        CliTest.Run tr = CliTest.run("train-teacher", "--data", root.toString(), "--arch", "cv-student", "--epochs", "3",
                "--lr", "0.005", "--no-speed", "--output", t.toString());
        ok(tr);
        JsonNode side = json(t.resolve("teacher.json"));
        assertEquals(20, side.get("labels").size());
        assertEquals("[1,20,20]", side.get("inputShape").toString());
        assertEquals(0.1, side.get("data").get("fractions").get("test").asDouble(), 1e-9);
        assertTrue(tr.out().contains("largest confusions of 20 classes") || tr.out().contains("accuracy: 1.0000"),
                tr.out());
        assertFalse(tr.out().contains("confusion matrix (rows"), "no 20x20 matrix on the terminal: " + tr.out());
        // the split's test part, not the training images: 10 % of 240, duplicates kept on one side
        int n = json(t.resolve("evaluation.json")).get("metrics").get("n").asInt();
        assertTrue(n >= 20 && n <= 30, "test items " + n);
    }

    private static String writeAndReturn(Path p) throws Exception {
        writeShapes(p, 10, 16, 9);
        return p.toString();
    }

    static void copyTree(Path from, Path to) throws Exception {
        try (var s = Files.walk(from)) {
            for (Path p : s.toList()) {
                Path q = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(q);
                } else {
                    Files.copy(p, q);
                }
            }
        }
    }

    static void deleteTree(Path p) throws Exception {
        try (var s = Files.walk(p)) {
            for (Path f : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(f);
            }
        }
    }
}
