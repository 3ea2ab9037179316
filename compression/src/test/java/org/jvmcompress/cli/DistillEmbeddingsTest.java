package org.jvmcompress.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.jvmcompress.core.data.DataHome;
import org.jvmcompress.core.data.WordNetNouns;
import org.jvmcompress.core.util.Json;
import org.jvmcompress.core.util.ProgressBar;

/** distill-embeddings on a user's own text file: WordNet definitions, with the real all-MiniLM-L6-v2 as teacher. */
@org.junit.jupiter.api.Tag("integration")
class DistillEmbeddingsTest {
    @TempDir
    Path dir;

    @BeforeAll
    static void quiet() {
        ProgressBar.setEnabled(false);
    }

    @Test
    void aUsersTextFileTrainsAStudentAndRecordsItsFigures() throws Exception {
        List<String> glosses = new WordNetNouns(DataHome.resolve(null)).load().texts().subList(0, 400);
        Path text = dir.resolve("definitions.txt");
        Files.write(text, glosses, StandardCharsets.UTF_8);
        Path out = dir.resolve("run");
        CliTest.Run r = CliTest.run("distill-embeddings", "--text", text.toString(), "--student",
                "nlpnet:e=16,enc=cnn,h=32,l=1,k=3,pool=mean", "--length", "24", "--epochs", "2", "--heldout", "40",
                "--output", out.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("mean cosine to the teacher"), r.out());
        JsonNode j = Json.MAPPER.readTree(out.resolve("embedding-distillation.json").toFile());
        assertTrue(j.get("text").asText().contains("definitions.txt"), j.toString());
        assertEquals(40, j.get("heldout_texts").asInt());
        assertTrue(j.get("train_texts").asInt() >= 300, j.toString());
        assertEquals(22_565_376, j.get("teacher_params").asLong());
        double cos = j.get("mean_cosine").asDouble();
        assertTrue(cos > 0 && cos <= 1, j.toString());
        assertTrue(j.get("recall_at_10").asDouble() >= 0, j.toString());
        assertTrue(Files.isRegularFile(out.resolve("student.zip")));
        // the same command again resumes: teacher embeddings and the finished student come from the run folder
        CliTest.Run again = CliTest.run("distill-embeddings", "--text", text.toString(), "--student",
                "nlpnet:e=16,enc=cnn,h=32,l=1,k=3,pool=mean", "--length", "24", "--epochs", "2", "--heldout", "40",
                "--output", out.toString());
        assertEquals(0, again.code(), again.err());
        JsonNode j2 = Json.MAPPER.readTree(out.resolve("embedding-distillation.json").toFile());
        assertEquals(0, j2.get("epochs_run_now").asInt());
        assertEquals(cos, j2.get("mean_cosine").asDouble(), 1e-5);
    }

    @Test
    void tooFewTextsAreRefusedWithoutOutput() throws Exception {
        Path text = dir.resolve("short.txt");
        Files.write(text, List.of("one line", "another line", "", "one line"), StandardCharsets.UTF_8);
        Path out = dir.resolve("run");
        CliTest.Run r = CliTest.run("distill-embeddings", "--text", text.toString(), "--output", out.toString());
        assertNotEquals(0, r.code());
        assertTrue(r.err().contains("2 distinct non-empty lines"), r.err());
        assertFalse(Files.exists(out.resolve("embedding-distillation.json")));
        CliTest.Run missing = CliTest.run("distill-embeddings", "--text", dir.resolve("nope.txt").toString(),
                "--output", out.toString());
        assertNotEquals(0, missing.code());
        assertTrue(missing.err().contains("nope.txt"), missing.err());
    }
}
