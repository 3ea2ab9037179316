package org.jvmcompress.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.jvmcompress.core.util.Json;
import org.jvmcompress.core.util.ProgressBar;

/** quantize-encoder on a user's own text file, with the real all-MiniLM-L6-v2 and its shipped int8 file. */
@org.junit.jupiter.api.Tag("integration")
class QuantizeEncoderTest {
    @TempDir
    Path dir;

    @BeforeAll
    static void quiet() {
        ProgressBar.setEnabled(false);
    }

    @Test
    void writesAnInt8ModelFolderAndMeasuresItOnTheUsersTexts() throws Exception {
        // texts nobody tuned to: recipes, weather, sport, code review, in short lines
        List<String> lines = new ArrayList<>();
        String[] topics = {"Whisk the eggs with sugar until pale, then fold in the flour.",
            "Heavy rain is expected along the coast tonight, easing by morning.",
            "The striker scored twice in the second half to win the cup final.",
            "This pull request renames the config loader and adds a unit test."};
        for (int i = 0; i < 40; i++) {
            lines.add(topics[i % 4] + " Note " + i + ": item " + (i * 7 % 13) + " of the list.");
        }
        Path text = dir.resolve("texts.txt");
        Files.write(text, lines);
        Path out = dir.resolve("q");
        CliTest.Run r = CliTest.run("quantize-encoder", "--text", text.toString(), "--texts", "30", "--output",
                out.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(Files.size(out.resolve("model-int8.onnx")) < 0.26 * 90_387_606L);
        assertTrue(Files.isRegularFile(out.resolve("tokenizer.json")));
        JsonNode j = Json.MAPPER.readTree(out.resolve("encoder-quantization.json").toFile());
        assertEquals(30, j.get("texts").asInt());
        assertTrue(j.get("text").asText().endsWith("texts.txt"), j.toString());
        assertTrue(j.get("int8").get("cosine_to_float_mean").asDouble() > 0.97, j.toString());
        assertTrue(j.get("shipped-int8").get("cosine_to_float_mean").asDouble() > 0.97, j.toString());
        assertTrue(j.get("int8").get("bytes_ratio_to_float").asDouble() < 0.26, j.toString());

        // an int8 teacher is refused as a usage error; too few texts is refused before anything is written
        CliTest.Run q = CliTest.run("quantize-encoder", "--teacher", "minilm-q", "--output",
                dir.resolve("x").toString());
        assertEquals(2, q.code(), q.err());
        Files.write(dir.resolve("few.txt"), lines.subList(0, 5));
        Path none = dir.resolve("none");
        CliTest.Run few = CliTest.run("quantize-encoder", "--text", dir.resolve("few.txt").toString(), "--output",
                none.toString());
        assertEquals(1, few.code(), few.err());
        assertTrue(few.err().contains("at least 20"), few.err());
        assertFalse(Files.exists(none.resolve("model-int8.onnx")));
    }
}
