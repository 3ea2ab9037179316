package org.jvmcompress.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.jvmcompress.core.util.ProgressBar;

/** The command line: exit codes, messages, and nothing half-written on errors. */
class CliTest {
    @TempDir
    Path dir;

    record Run(int code, String out, String err) {}

    @BeforeAll
    static void quiet() {
        ProgressBar.setEnabled(false);
    }

    static synchronized Run run(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int code = Main.run(args);
            return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    @Test
    void usageAndHelp() {
        assertEquals(2, run().code());
        Run help = run("--help");
        assertEquals(0, help.code());
        assertTrue(help.out().contains("train-teacher") && help.out().contains("evaluate"), help.out());
        Run sub = run("evaluate", "--help");
        assertEquals(0, sub.code());
        assertTrue(sub.out().contains("--model"), sub.out());
    }

    @Test
    void unknownCommandAndOptionFailWithUsageCode() {
        Run r = run("distil");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("unknown command 'distil'"), r.err());
        Run o = run("evaluate", "--modle", "x.zip");
        assertEquals(2, o.code());
    }

    @Test
    void unknownTaskIsNamedAndNothingIsWritten() {
        Path out = dir.resolve("run");
        Run r = run("train-teacher", "--task", "speech", "--output", out.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("unknown task 'speech'; known tasks: cv, nlp"), r.err());
        assertFalse(Files.exists(out));
    }

    /** A malformed or out-of-range option value is a usage error (exit 2), like an unknown option. */
    @Test
    void badNumbersAreNamed() {
        Run r = run("train-teacher", "--task", "cv", "--epochs", "many", "--output", dir.resolve("r").toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--epochs must be an integer, got 'many'"), r.err());
        Run z = run("train-teacher", "--task", "cv", "--epochs", "0", "--output", dir.resolve("r").toString());
        assertEquals(2, z.code());
        assertTrue(z.err().contains("--epochs must be at least 1"), z.err());
        Run a = run("train-teacher", "--task", "cv", "--arch", "vgg", "--output", dir.resolve("r").toString());
        assertEquals(1, a.code());
        assertTrue(a.err().contains("unknown architecture 'vgg' for task cv"), a.err());
        Path search = dir.resolve("s");
        Run m = run("bench-search", "--teacher", "t.zip", "--full-max-minutes", "-1", "--output", search.toString());
        assertEquals(2, m.code());
        assertTrue(m.err().contains("--full-max-minutes must be at least 0.0, got -1.0"), m.err());
        assertFalse(Files.exists(search));
    }

    /** The output folder is checked and claimed before any work: a file, or a folder another command writes. */
    @Test
    void outputThatIsAFileOrHeldIsRefusedAtOnce() throws Exception {
        Path file = dir.resolve("out.txt");
        Files.writeString(file, "not a folder");
        Run r = run("train-teacher", "--task", "cv", "--epochs", "1", "--output", file.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("is a file, not a folder"), r.err());
        assertEquals("not a folder", Files.readString(file));
        // another process's lock (a channel of this JVM outside the suite's claims stands for it)
        Path held = Files.createDirectories(dir.resolve("held"));
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(held.resolve("run.lock"),
                java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.WRITE);
             java.nio.channels.FileLock lock = ch.lock()) {
            Run busy = run("train-teacher", "--task", "cv", "--epochs", "1", "--output", held.toString());
            assertEquals(1, busy.code());
            assertTrue(busy.err().contains("another run is writing"), busy.err());
        }
        Path fresh = dir.resolve("fresh");
        Run none = run("quantize", "--model", dir.resolve("none.zip").toString(), "--output", fresh.toString());
        assertEquals(1, none.code());
        Run bad = run("search", "--teacher", dir.resolve("none.zip").toString(), "--output", fresh.toString());
        assertEquals(1, bad.code());
        // train-teacher claims its folder before reading the data; the data is missing
        Run missing = run("train-teacher", "--task", "nlp", "--data", dir.resolve("none.csv").toString(), "--output",
                fresh.toString());
        assertEquals(1, missing.code());
        assertTrue(missing.err().contains("data not found"), missing.err());
        assertFalse(Files.exists(fresh), () -> "a command that fails leaves no folder: " + (Files.exists(fresh) ? fresh.toFile().list().length + " " + String.join(",", fresh.toFile().list()) : ""));
    }

    @Test
    void corruptModelIsNamedAndNoOutputIsLeft() throws Exception {
        Path bad = dir.resolve("bad.zip");
        Files.write(bad, new byte[] {'P', 'K', 3, 4, 0, 0, 1});
        Path out = dir.resolve("eval");
        Run r = run("evaluate", "--model", bad.toString(), "--task", "cv", "--json", "--output", out.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("not a readable zip (corrupt or truncated)"), r.err());
        assertFalse(Files.exists(out));
        Run missing = run("evaluate", "--model", dir.resolve("none.zip").toString());
        assertEquals(1, missing.code());
        assertTrue(missing.err().contains("model file not found"), missing.err());
    }

    @Test
    void distillNeedsAUsableTeacher() throws Exception {
        Run missing = run("distill", "--teacher", dir.resolve("none.zip").toString());
        assertEquals(1, missing.code());
        assertTrue(missing.err().contains("model file not found"), missing.err());
        Run noTeacher = run("distill");
        assertEquals(1, noTeacher.code());
        assertTrue(noTeacher.err().contains("distill needs --teacher"), noTeacher.err());
        Run scheme = run("distill", "--teacher", dir.resolve("none.zip").toString(), "--scheme", "online");
        assertEquals(1, scheme.code());
    }

    @Test
    void distillConfigIsARunConfig() throws Exception {
        Path cfg = dir.resolve("d.json");
        Files.writeString(cfg, "{\"schema\": 2, \"task\": \"cv\", \"teacher\": {\"model\": \""
                + dir.resolve("none.zip") + "\"}}");
        Run missing = run("distill", "--config", cfg.toString());
        assertEquals(1, missing.code());
        assertTrue(missing.err().contains("'teacher.model': no such file"), missing.err());
        Files.writeString(cfg, "{\"schema\": 2, \"task\": \"cv\", \"teacher\": {\"architecture\": \"cv-student\","
                + " \"epochs\": 1}, \"distill\": {\"temprature\": 4}}");
        Run unknown = run("distill", "--config", cfg.toString());
        assertEquals(1, unknown.code());
        assertTrue(unknown.err().contains("temprature"), unknown.err());
        Files.writeString(cfg, "{\"schema\": 2, \"task\": \"cv\", \"teacher\": {\"architecture\": \"cv-student\","
                + " \"epochs\": 1}, \"distill\": {\"method\": \"kd\"}, \"quantize\": {\"mode\": \"fp16\"}}");
        Run stages = run("distill", "--config", cfg.toString());
        assertEquals(1, stages.code());
        assertTrue(stages.err().contains("teacher.architecture") && stages.err().contains("quantize")
                && stages.err().contains("compression run --config"), stages.err());
        Files.writeString(cfg, "{\"schema\": 1}");
        assertTrue(run("distill", "--config", cfg.toString()).err().contains("'schema' must be 2"));
    }

    @Test
    void aRunConfigGivesDistillItsOptions() throws Exception {
        Path teacher = dir.resolve("t.zip");
        Files.writeString(teacher, "x");
        Path cfg = dir.resolve("ok.json");
        Files.writeString(cfg, "{\"schema\": 2, \"task\": \"cv\", \"seed\": 7, \"teacher\": {\"model\": \""
                + teacher + "\"}, \"distill\": {\"student\": \"cv-student\", \"method\": \"dkd\", \"beta\": 2.0,"
                + " \"features\": [\"at:a:b\", \"sp:c:d\"]}}");
        java.util.Map<String, java.util.List<String>> o = org.jvmcompress.pipeline.RunConfig.read(cfg)
                .distillOptions();
        assertEquals(java.util.List.of("7"), o.get("seed"));
        assertEquals(java.util.List.of(teacher.toString()), o.get("teacher"));
        assertEquals(java.util.List.of("dkd"), o.get("method"));
        assertEquals(java.util.List.of("at:a:b", "sp:c:d"), o.get("feature"));
        assertEquals(null, o.get("scheme-option"));
        org.apache.commons.cli.CommandLine cl = Cli.withConfig(new org.apache.commons.cli.DefaultParser().parse(
                Main.withCommon(new DistillCommand().options()), new String[] {"--config", cfg.toString(), "--method",
                "kd"}), Main.withCommon(new DistillCommand().options()));
        assertEquals("kd", cl.getOptionValue("method"), "the command line wins");
        assertEquals(2, cl.getOptionValues("feature").length);
        assertEquals("2.0", cl.getOptionValue("beta"));
        assertEquals("7", cl.getOptionValue("seed"));
    }

    @Test
    void schemeOptionsAreKeyValuePairsGivenOnce() {
        assertEquals(java.util.Map.of("a", "1", "b", "x=y"),
                DistillCommand.schemeOptions(new String[] {"a=1", "b = x=y"}));
        assertTrue(org.junit.jupiter.api.Assertions.assertThrows(org.jvmcompress.core.CompressionException.class,
                () -> DistillCommand.schemeOptions(new String[] {"novalue"})).getMessage().contains("KEY=VALUE"));
        assertTrue(org.junit.jupiter.api.Assertions.assertThrows(org.jvmcompress.core.CompressionException.class,
                () -> DistillCommand.schemeOptions(new String[] {"a=1", "a=2"})).getMessage().contains("twice"));
    }
}
