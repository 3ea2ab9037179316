package org.jvmcompress.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.jvmcompress.core.util.Json;
import org.jvmcompress.core.util.ProgressBar;

/** probe-encoder on a small real part of the wordnet task's split, with the real all-MiniLM-L6-v2. */
@org.junit.jupiter.api.Tag("integration")
class ProbeEncoderTest {
    @TempDir
    Path dir;

    @BeforeAll
    static void quiet() {
        ProgressBar.setEnabled(false);
    }

    @Test
    void aHeadOnFrozenEmbeddingsReadsTheClassesWellAboveChance() throws Exception {
        Path out = dir.resolve("probe");
        CliTest.Run r = CliTest.run("probe-encoder", "--task", "wordnet", "--limit", "300", "--epochs", "20",
                "--output", out.toString());
        assertEquals(0, r.code(), r.err());
        JsonNode j = Json.MAPPER.readTree(out.resolve("probe.json").toFile());
        assertEquals(300, j.get("train").asInt());
        assertEquals(300, j.get("test").asInt());
        assertEquals(384 * 26 + 26, j.get("head_params").asInt());
        // 26 classes: the largest (artifact) holds about 14 % of the glosses
        assertTrue(j.get("test_accuracy").asDouble() > 0.3, j.toString());
        CliTest.Run bad = CliTest.run("probe-encoder", "--task", "cv", "--output", dir.resolve("x").toString());
        assertNotEquals(0, bad.code());
        assertTrue(bad.err().contains("built-in text task"), bad.err());
    }

    @Test
    void aSavedHeadIsATeacherModelOfTheTaskAndItsEncoderIsChecked() throws Exception {
        Path out = dir.resolve("teacher");
        CliTest.Run r = CliTest.run("probe-encoder", "--task", "wordnet", "--limit", "300", "--epochs", "20",
                "--save-teacher", "--output", out.toString());
        assertEquals(0, r.code(), r.err());
        JsonNode j = Json.MAPPER.readTree(out.resolve("probe.json").toFile());
        assertTrue(j.get("input").asText().contains("token ids written back"), j.toString());
        JsonNode side = Json.MAPPER.readTree(out.resolve("teacher.json").toFile());
        assertEquals("minilm", side.get("runtime").get("encoder").asText());
        assertEquals("tokens", side.get("input").asText());
        // loaded as a model of the task: it reads the task's token ids (evaluated on its whole test split)
        CliTest.Run ev = CliTest.run("evaluate", "--model", out.resolve("teacher.zip").toString(), "--no-speed");
        assertEquals(0, ev.code(), ev.err());
        assertTrue(ev.out().contains("(encoder-head)"), ev.out());
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("accuracy: (0\\.\\d+)").matcher(ev.out());
        assertTrue(m.find(), ev.out());
        assertTrue(Double.parseDouble(m.group(1)) > 0.3, ev.out()); // 26 classes, trained on 300 glosses
        // a sidecar that names another encoder file is refused, not run on the wrong encoder
        Path side2 = out.resolve("teacher.json");
        java.nio.file.Files.writeString(side2, java.nio.file.Files.readString(side2)
                .replace(side.get("runtime").get("encoder_onnx_sha256").asText(), "0".repeat(64)));
        CliTest.Run wrong = CliTest.run("evaluate", "--model", out.resolve("teacher.zip").toString(), "--no-speed");
        assertEquals(1, wrong.code(), wrong.err());
        assertTrue(wrong.err().contains("was trained on encoder minilm"), wrong.err());
    }
}
