package org.jvmcompress.reports;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.jvmcompress.core.CompressionException;
import org.jvmcompress.core.util.Json;

class ReportTest {
    @TempDir
    Path dir;

    /** A run folder with the records a pipeline writes: three models, two training histories, a sensitivity list. */
    static Path run(Path dir, String name, double studentAcc) {
        Path run = dir.resolve(name);
        List<Map<String, Object>> models = new ArrayList<>();
        models.add(model("teacher", "teacher", 1_000_000, 0.93, null, 1.0, 1000));
        models.add(model("student", "student", 400_000, studentAcc, 0.95, 0.3, 5000));
        models.add(model("student-int8", "quantized", 100_000, 0.91, 0.94, 0.05, 40000));
        // 50 classes: the heatmap that has to stay readable (counts on hover, every few labels named)
        List<String> many = new ArrayList<>();
        int[][] conf = new int[50][50];
        for (int i = 0; i < 50; i++) {
            many.add("class-" + i);
            conf[i][i] = 20;
            conf[i][(i + 1) % 50] = i % 3;
        }
        models.get(2).put("labels", many);
        models.get(2).put("confusion", conf);
        Json.writeFile(run.resolve("records/evaluate.json"), Map.of("stage", "evaluate", "result",
                Map.of("teacher", "teacher", "models", models)));
        Json.writeFile(run.resolve("records/teacher.json"), Map.of("stage", "teacher", "result", Map.of("model",
                "teacher", "history", List.of(epoch(1, 0.5, 0.90), epoch(2, 0.3, 0.92)))));
        Json.writeFile(run.resolve("records/distill.json"), Map.of("stage", "distill", "result", Map.of("model",
                "student", "history", List.of(epoch(1, 0.7, 0.86), epoch(2, 0.5, 0.89), epoch(3, 0.4, 0.9)))));
        Json.writeFile(run.resolve("records/quantize.json"), Map.of("stage", "quantize", "result", Map.of("source",
                "student", "sensitivity", List.of(Map.of("name", "conv1", "drop", 0.002),
                        Map.of("name", "output", "drop", -0.001)))));
        Json.writeFile(run.resolve("provenance.json"), Map.of("configHash", "abc", "seed", 42));
        return run;
    }

    private static Map<String, Object> model(String name, String role, long bytes, double acc, Double agreement,
                                             double p50, double b256) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", name);
        m.put("role", role);
        m.put("format", "dl4j");
        m.put("runtime", "DL4J float");
        m.put("params", bytes / 4);
        m.put("bytes", bytes);
        m.put("acc", acc);
        m.put("macroF1", acc - 0.01);
        m.put("agreement", agreement);
        m.put("p50Ms", p50);
        m.put("p95Ms", p50 * 1.5);
        m.put("b256", b256);
        m.put("labels", List.of("a", "b <i>"));
        m.put("confusion", new int[][] {{40, 3}, {5, 52}});
        return m;
    }

    private static Map<String, Object> epoch(int e, double loss, double acc) {
        return Map.of("epoch", e, "trainLoss", loss, "validationAccuracy", acc, "seconds", 1.0);
    }

    @Test
    void figuresAreDerivedAgainstTheTeacherAndTheFrontIsMarked() throws IOException {
        Report r = Report.load(run(dir, "r1", 0.90));
        Report.Model s = r.models().get(1);
        assertEquals(2.5, s.ratio(), 1e-12);
        assertEquals(-0.03, s.deltaAcc(), 1e-12);
        assertEquals(5.0, s.speedup(), 1e-12);
        assertEquals(List.of(true, false, true), r.models().stream().map(Report.Model::pareto).toList(),
                "the student is beaten by its int8 version on both size and accuracy");
        List<Path> files = r.write(dir.resolve("out"));
        assertEquals(4, files.size());
        List<String> csv = Files.readAllLines(files.get(3));
        assertEquals(4, csv.size());
        assertTrue(csv.get(0).startsWith("run,model,role,format,runtime,params,bytes,compression_ratio,test_accuracy"));
        assertTrue(csv.get(2).startsWith("r1,student,student,dl4j,DL4J float,100000,400000,2.5000,0.900000,-0.030000"),
                csv.get(2));
        String md = Files.readString(files.get(1));
        assertTrue(md.contains("| student-int8 * | 25,000 | 100,000 | 10.00x | 91.00 % | -2.00 | 94.00 % |"), md);
        assertTrue(md.contains("| conv1 | +0.20 |"), md);
        Map<?, ?> json = Json.read(files.get(0), Map.class, "report");
        assertEquals(Report.SCHEMA, json.get("schema"));
        String html = Files.readString(files.get(2));
        assertTrue(html.contains("b &lt;i&gt;") || html.contains("b <\\/i>") || html.contains("b <i>\""),
                "labels reach the page as data, never as markup");
        assertFalse(html.contains("src=\"http"), "no network resources");
    }

    @Test
    void runsCompareSideBySideAndMissingRecordsAreNamed() {
        Report c = Report.compare(List.of(run(dir, "a", 0.90), run(dir, "b", 0.92)));
        assertEquals(List.of("a", "b"), c.runs());
        assertEquals(6, c.models().size());
        assertEquals("b/student", c.models().get(4).name());
        assertTrue(c.curves().containsKey("a/student") && c.curves().containsKey("b/teacher"));
        CompressionException e = org.junit.jupiter.api.Assertions.assertThrows(CompressionException.class,
                () -> Report.load(dir.resolve("nothing")));
        assertTrue(e.getMessage().contains("records/evaluate.json"), e.getMessage());
    }

    /** The HTML in a real headless browser: it loads with no script errors and every chart draws. */
    @Test
    @org.junit.jupiter.api.Tag("integration")
    void htmlRendersInAHeadlessBrowserWithAllChartsAndNoErrors() throws Exception {
        Report r = Report.load(run(dir, "browser", 0.90));
        Path html = r.write(dir.resolve("browser-out")).get(2);
        String browser = Browser.find();
        if (browser == null) {
            fail("this test needs a headless Chromium (Debian: apt-get install chromium; .ci/run installs it)");
        }
        Browser.Result dom = Browser.run(browser, "--dump-dom", html.toUri().toString());
        Matcher charts = Pattern.compile("data-charts=\"(\\d+)\"").matcher(dom.stdout());
        Matcher drawn = Pattern.compile("data-charts-rendered=\"(\\d+)\"").matcher(dom.stdout());
        assertTrue(charts.find() && drawn.find(), "the page ran its script: " + dom.stderr());
        int expected = 5 + 1 + 3; // pareto, size, accuracy, latency, curves; 1 sensitivity; 3 confusion matrices
        assertEquals(Integer.toString(expected), charts.group(1));
        assertEquals(charts.group(1), drawn.group(1), "every chart drew an SVG");
        assertTrue(dom.stdout().contains("data-errors=\"0\""), "no script errors");
        for (String line : dom.stderr().split("\n")) {
            assertFalse(line.contains("CONSOLE") && (line.contains("Uncaught") || line.contains(":ERROR:")),
                    "console error: " + line);
        }
        Path shot = Path.of("target", "report-screenshot.png").toAbsolutePath();
        Files.deleteIfExists(shot);
        Browser.run(browser, "--screenshot=" + shot, "--window-size=1280,3000", html.toUri().toString());
        assertTrue(Files.isRegularFile(shot) && Files.size(shot) > 10_000, "screenshot written to " + shot);
    }

    /** Debian's chromium, headless. */
    static final class Browser {
        record Result(String stdout, String stderr) {}

        static String find() {
            for (String b : List.of("chromium", "chromium-browser", "google-chrome")) {
                for (String d : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
                    if (Files.isExecutable(Path.of(d, b))) {
                        return Path.of(d, b).toString();
                    }
                }
            }
            return null;
        }

        static Result run(String browser, String... args) throws Exception {
            List<String> cmd = new ArrayList<>(List.of(browser, "--headless", "--no-sandbox", "--disable-gpu",
                    "--disable-dev-shm-usage", "--enable-logging=stderr", "--v=0", "--virtual-time-budget=10000",
                    "--user-data-dir=" + Files.createTempDirectory("chromium-profile")));
            cmd.addAll(List.of(args));
            Path out = Files.createTempFile("chromium", ".out");
            Path err = Files.createTempFile("chromium", ".err");
            Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                fail("the browser did not finish in 120 s");
            }
            return new Result(Files.readString(out), Files.readString(err));
        }
    }
}
