package org.jvmcompress.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.jvmcompress.core.util.Json;
import org.jvmcompress.core.util.ProgressBar;

/** {@code run} from a config on a small real subset of Fashion-MNIST: refusals, stages, records, resume, reports. */
@org.junit.jupiter.api.Tag("integration")
class PipelineTest {
    @TempDir
    Path dir;

    @BeforeAll
    static void quiet() {
        ProgressBar.setEnabled(false);
    }

    static String config(String distillExtra, String constraints) {
        return "{\"schema\": 2, \"task\": \"cv\", \"seed\": 3, \"trainLimit\": 2000,"
                + " \"teacher\": {\"architecture\": \"cv-student\", \"epochs\": 1},"
                + " \"distill\": {\"student\": \"cv-student,width=0.5\", \"epochs\": 2, \"method\": \"kd\"" + distillExtra
                + "}, \"quantize\": {\"mode\": \"int8-per-channel\"}, \"evaluate\": {\"speed\": false}" + constraints + "}";
    }

    private CliTest.Run runWith(String json, String out) throws Exception {
        Path cfg = dir.resolve(out + ".json");
        Files.writeString(cfg, json);
        return CliTest.run("run", "--config", cfg.toString(), "--output", dir.resolve(out).toString());
    }

    @Test
    void badConfigsAreRefusedBeforeWorkEachWithItsOwnMessage() throws Exception {
        String[][] cases = {
            {config(", \"epochs\": \"two\"", ""), "key 'distill.epochs' must be an integer, got a string (\"two\")"},
            {config(", \"epochs\": [2]", ""), "key 'distill.epochs' must be an integer, got a list"},
            {config(", \"tempreature\": 4", ""), "unknown key 'distill.tempreature' (known in distill: student, method,"},
            {config("", "").replace("\"method\": \"kd\"", "\"method\": \"kd-fancy\""), "'distill.method': unknown distillation loss 'kd-fancy'; known: kd, kd-reverse, kd-js, kd-mse, dkd, kd-std, kd-adv, lwf, ce\n"},
            {config("", "").replace("{\"architecture\": \"cv-student\", \"epochs\": 1}",
                    "{\"model\": \"no/such/teacher.zip\"}"), "'teacher.model': no such file"},
            {config("", ", \"constraints\": {\"maxStudentParams\": 1000}"), "impossible constraint: student"
                    + " cv-student,width=0.5 has"},
            {config("", "").replace("\"schema\": 2", "\"schema\": 1"), "'schema' must be 2"},
            {config("", "").replace("\"int8-per-channel\"", "\"int3\""), "'quantize.mode' must be one of"},
            {config("", "").replace("\"distill\":", "\"search\": {\"strategy\": \"annealing\"}, \"distill\":"),
                "'search': unknown search strategy 'annealing'"},
            {"[1, 2]", "must hold a JSON object"},
        };
        int i = 0;
        for (String[] c : cases) {
            String out = "bad" + i++;
            CliTest.Run r = runWith(c[0], out);
            assertEquals(1, r.code(), c[1] + ": " + r.err());
            assertTrue(r.err().contains(c[1]), "expected '" + c[1] + "' in: " + r.err());
            assertFalse(Files.exists(dir.resolve(out)), "nothing written for " + c[1]);
        }
        Path binary = dir.resolve("binary.json");
        Files.write(binary, new byte[] {'{', (byte) 0xff, (byte) 0xfe, 0, 1, '}'});
        CliTest.Run r = CliTest.run("run", "--config", binary.toString(), "--output", dir.resolve("bin").toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("not UTF-8 text") && !r.err().contains("Input length"), r.err());
        CliTest.Run missing = CliTest.run("run", "--config", dir.resolve("none.json").toString());
        assertTrue(missing.err().contains("none.json: not found"), missing.err());
    }

    @Test
    void runWritesRecordsAndAllFourReportsResumesAndRefusesASecondWriter() throws Exception {
        Path out = dir.resolve("pipe");
        CliTest.Run dry = runWith(config("", ""), "pipe");
        assertEquals(0, dry.code(), dry.err());
        for (String stage : List.of("teacher", "distill", "quantize", "evaluate", "report")) {
            assertTrue(Files.isRegularFile(out.resolve("records/" + stage + ".json")), stage);
        }
        for (String f : List.of("report.json", "report.md", "report.html", "models.csv", "provenance.json")) {
            assertTrue(Files.size(out.resolve(f)) > 100, f);
        }
        JsonNode ev = Json.MAPPER.readTree(out.resolve("records/evaluate.json").toFile()).path("result");
        assertEquals(3, ev.path("models").size());
        JsonNode q = ev.path("models").get(2);
        assertEquals("quantized", q.path("role").asText());
        assertTrue(q.path("bytes").asLong() * 3 < ev.path("models").get(1).path("bytes").asLong(), ev.toString());
        assertTrue(q.path("agreement").asDouble() > 0.5, q.toString());
        JsonNode prov = Json.MAPPER.readTree(out.resolve("provenance.json").toFile());
        for (String k : List.of("configHash", "config", "dataHash", "versions", "backend", "machine", "stages")) {
            assertTrue(prov.has(k), "provenance has " + k);
        }
        assertEquals(5, prov.path("stages").size());
        JsonNode quant = Json.MAPPER.readTree(out.resolve("records/quantize.json").toFile()).path("result");
        assertTrue(quant.path("sensitivity").size() >= 3, "per-layer sensitivity: " + quant);
        assertTrue(Files.readString(out.resolve("report.md")).contains("| student-int8-per-channel"));

        CliTest.Run again = runWith(config("", ""), "pipe");
        assertEquals(0, again.code(), again.err());
        assertTrue(again.err().contains("distill: done in an earlier run"), again.err());

        CliTest.Run other = runWith(config(", \"alpha\": 0.7", ""), "pipe");
        assertEquals(1, other.code());
        assertTrue(other.err().contains("was made by another config"), other.err());

        try (FileChannel ch = FileChannel.open(out.resolve("run.lock"), StandardOpenOption.WRITE);
             FileLock lock = ch.lock()) {
            CliTest.Run locked = runWith(config("", ""), "pipe");
            assertEquals(1, locked.code());
            assertTrue(locked.err().contains("another run is writing"), locked.err());
        }

        Files.delete(out.resolve("report.html"));
        CliTest.Run rep = CliTest.run("report", "--run", out.toString());
        assertEquals(0, rep.code(), rep.err());
        assertTrue(Files.size(out.resolve("report.html")) > 100_000, "self-contained: the chart library is inlined");
        CliTest.Run cmp = CliTest.run("report", "--compare", out.toString(), out.toString(), "--output",
                dir.resolve("cmp").toString());
        assertEquals(0, cmp.code(), cmp.err());
        assertEquals(7, Files.readAllLines(dir.resolve("cmp/models.csv")).size(), "header + 2 x 3 models");

        CliTest.Run plan = CliTest.run("run", "--config", dir.resolve("pipe.json").toString(), "--output",
                dir.resolve("planned").toString(), "--dry-run");
        assertEquals(0, plan.code(), plan.err());
        assertTrue(plan.out().contains("distill   train student cv-student,width=0.5 for 2 epoch(s) by kd"), plan.out());
        assertFalse(Files.exists(dir.resolve("planned")), "a dry run writes nothing");
    }

    /** A run killed (SIGKILL) in the middle of its distill stage, started again, ends as an uninterrupted one. */
    @Test
    void aRunKilledMidStageResumesToTheSameResults() throws Exception {
        String cfg = config("", "").replace("\"epochs\": 2, \"method\"", "\"epochs\": 4, \"method\"");
        CliTest.Run whole = runWith(cfg, "whole");
        assertEquals(0, whole.code(), whole.err());

        Path cut = dir.resolve("cut");
        Files.writeString(dir.resolve("cut.json"), cfg);
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx4g", "-Dorg.eclipse.deeplearning4j.helpers.disable=false",
                "--add-opens", "java.base/java.lang=ALL-UNNAMED", "--add-opens", "java.base/java.nio=ALL-UNNAMED",
                "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED", "--add-opens", "java.base/java.util=ALL-UNNAMED",
                "--add-opens", "java.base/java.lang.invoke=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), "org.jvmcompress.cli.Main", "run", "--config",
                dir.resolve("cut.json").toString(), "--output", cut.toString()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("cut.log").toFile())
                .start();
        Path state = cut.resolve("student/checkpoint/state.json");
        long deadline = System.currentTimeMillis() + 300_000;
        boolean midway = false;
        while (System.currentTimeMillis() < deadline && p.isAlive()) {
            if (Files.isRegularFile(state) && Json.MAPPER.readTree(state.toFile()).path("epochsDone").asInt() >= 1) {
                midway = true;
                break;
            }
            Thread.sleep(100);
        }
        p.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        assertTrue(midway, "the child run reached its first distillation epoch: " + Files.readString(dir.resolve("cut.log")));
        assertFalse(Files.exists(cut.resolve("records/distill.json")), "killed before the distill stage finished");

        CliTest.Run resumed = CliTest.run("run", "--config", dir.resolve("cut.json").toString(), "--output",
                cut.toString());
        assertEquals(0, resumed.code(), resumed.err());
        assertTrue(resumed.err().contains("teacher: done in an earlier run"), resumed.err());
        JsonNode a = Json.MAPPER.readTree(dir.resolve("whole/records/evaluate.json").toFile()).path("result").path("models");
        JsonNode b = Json.MAPPER.readTree(cut.resolve("records/evaluate.json").toFile()).path("result").path("models");
        for (int i = 0; i < 3; i++) {
            assertEquals(a.get(i).path("acc").asDouble(), b.get(i).path("acc").asDouble(), 1e-9,
                    a.get(i).path("name").asText());
            assertEquals(a.get(i).path("params").asLong(), b.get(i).path("params").asLong());
        }
    }

    /** A search stage chooses the student the distill stage then trains. */
    @Test
    void searchChoosesTheStudent() throws Exception {
        String cfg = "{\"schema\": 2, \"task\": \"cv\", \"seed\": 3, \"trainLimit\": 1500,"
                + " \"teacher\": {\"architecture\": \"cv-student\", \"epochs\": 1},"
                + " \"search\": {\"strategy\": \"random\", \"maxCandidates\": 2, \"proxyEpochs\": 1,"
                + " \"proxyLimit\": 500, \"maxParams\": 60000},"
                + " \"distill\": {\"epochs\": 1, \"method\": \"kd\"}, \"evaluate\": {\"speed\": false},"
                + " \"report\": {\"enabled\": false}}";
        CliTest.Run plan = runWith(cfg.replace("\"seed\": 3", "\"seed\": 3"), "searched");
        assertEquals(0, plan.code(), plan.err());
        JsonNode search = Json.MAPPER.readTree(dir.resolve("searched/records/search.json").toFile()).path("result");
        String chosen = search.path("chosen").asText();
        assertTrue(chosen.startsWith("cvnet:"), search.toString());
        assertEquals(2, search.path("candidates").asInt());
        assertEquals(chosen, Json.MAPPER.readTree(dir.resolve("searched/records/distill.json").toFile())
                .path("result").path("architecture").asText());
        assertTrue(Files.readAllLines(dir.resolve("searched/search/candidates.jsonl")).size() == 2);
        JsonNode ev = Json.MAPPER.readTree(dir.resolve("searched/records/evaluate.json").toFile()).path("result");
        assertTrue(ev.path("models").get(1).path("params").asLong() <= 60000, ev.toString());
    }
}
