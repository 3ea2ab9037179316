package org.jvmcompress.core.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.jvmcompress.core.CompressionException;

class TextAndVocabularyTest {
    @TempDir
    Path dir;

    @Test
    void tokenizerLowercasesAndDropsMarkup() {
        assertEquals(List.of("it's", "a", "great", "film", "10", "10"), Tokenizer.tokens("It's a GREAT film!<br />10/10"));
        assertEquals(List.of("rock", "n", "roll"), Tokenizer.tokens("'rock 'n' roll'"));
    }

    @Test
    void vocabularyIsCappedOrderedAndPads() {
        Vocabulary v = Vocabulary.fit(List.of("b a a c", "a b d"), 4);
        assertEquals(List.of(Vocabulary.PAD, Vocabulary.UNK, "a", "b"), v.tokens());
        assertArrayEquals(new int[] {2, 3, 1, 0, 0}, v.encode("a b zzz", 5));
        assertArrayEquals(new int[] {3, 2}, v.encode("b a a a a", 2));
    }

    @Test
    void decodingWritesTheTokensBackWithoutPaddingAndNamesTheUnknown() {
        Vocabulary v = Vocabulary.fit(List.of("the cat sat", "the dog"), 10);
        int[] ids = v.encode("The cat sat on the mat", 8);
        String back = v.decode(toFloats(ids), "[UNK]");
        assertEquals("the cat sat [UNK] the [UNK]", back);
        assertEquals("", v.decode(new float[] {0, 0}, "[UNK]"));
        assertThrows(CompressionException.class, () -> v.decode(new float[] {2, 99}, "[UNK]"));
        assertThrows(CompressionException.class, () -> v.decode(new float[] {2.5f}, "[UNK]"));
    }

    private static float[] toFloats(int[] ids) {
        float[] f = new float[ids.length];
        for (int i = 0; i < ids.length; i++) {
            f[i] = ids[i];
        }
        return f;
    }

    @Test
    void middleTruncationKeepsBothEnds() {
        Vocabulary v = Vocabulary.fit(List.of("a b c d e"), 7);
        // a=2 b=3 c=4 d=5 e=6: five tokens into four keep the first two and the last two
        assertArrayEquals(new int[] {2, 3, 5, 6}, v.encode("a b c d e", 4, Vocabulary.Truncation.MIDDLE));
        assertArrayEquals(new int[] {2, 3, 4, 5}, v.encode("a b c d e", 4, Vocabulary.Truncation.POST));
        // an odd length gives the tail the extra token; a short text is padded as before
        assertArrayEquals(new int[] {2, 5, 6}, v.encode("a b c d e", 3, Vocabulary.Truncation.MIDDLE));
        assertArrayEquals(new int[] {2, 3, 0, 0}, v.encode("a b", 4, Vocabulary.Truncation.MIDDLE));
        assertEquals(Vocabulary.Truncation.POST, Vocabulary.Truncation.of(null));
        assertEquals(Vocabulary.Truncation.MIDDLE, Vocabulary.Truncation.of("middle"));
        CompressionException e = assertThrows(CompressionException.class, () -> Vocabulary.Truncation.of("pre"));
        assertTrue(e.getMessage().contains("truncation 'pre'"), e.getMessage());
    }

    @Test
    void csvWithQuotesAndJsonlAndFolders() throws Exception {
        Path csv = dir.resolve("d.csv");
        Files.writeString(csv, "id,text,label\n1,\"Great, \"\"really\"\" great\nfilm\",pos\n2,bad film,neg\n");
        TextData d = TextFiles.read(csv, "text", "label", null);
        assertEquals(List.of("neg", "pos"), d.labelNames());
        assertEquals("Great, \"really\" great\nfilm", d.texts().get(0));
        assertArrayEquals(new int[] {1, 0}, d.labels());
        // a byte-order mark, CRLF line ends and a blank line are what spreadsheet exports write
        Path excel = dir.resolve("e.csv");
        Files.writeString(excel, "\uFEFFtext,label\r\n\"a, b\",x\r\n\r\nc,y\r\n");
        TextData e = TextFiles.read(excel, "text", "label", null);
        assertEquals(List.of("a, b", "c"), e.texts());
        Path ragged = dir.resolve("r.csv");
        Files.writeString(ragged, "text,label\na,x\nb,y,extra\n");
        assertTrue(assertThrows(CompressionException.class, () -> TextFiles.read(ragged, "text", "label", null))
                .getMessage().contains("record 3 has 3 fields; the header has 2"));

        Path jl = dir.resolve("d.jsonl");
        Files.writeString(jl, "{\"text\":\"fine\",\"label\":1}\n\n{\"text\":\"poor\",\"label\":0}\n");
        TextData j = TextFiles.read(jl, "text", "label", List.of("negative", "positive"));
        assertArrayEquals(new int[] {1, 0}, j.labels());

        Files.createDirectories(dir.resolve("f/positive"));
        Files.createDirectories(dir.resolve("f/negative"));
        Files.writeString(dir.resolve("f/positive/a.txt"), "nice");
        Files.writeString(dir.resolve("f/negative/b.txt"), "ugly");
        TextData f = TextFiles.read(dir.resolve("f"), "text", "label", List.of("negative", "positive"));
        assertEquals(List.of("ugly", "nice"), f.texts());
        assertArrayEquals(new int[] {0, 1}, f.labels());
    }

    @Test
    void badTextFilesAreNamed() throws Exception {
        Path csv = dir.resolve("d.csv");
        Files.writeString(csv, "review,label\nx,1\n");
        assertTrue(assertThrows(CompressionException.class, () -> TextFiles.read(csv, "text", "label", null))
                .getMessage().contains("needs columns 'text' and 'label'"));
        Path trunc = dir.resolve("t.csv");
        Files.writeString(trunc, "text,label\n\"unterminated,1\n");
        assertTrue(assertThrows(CompressionException.class, () -> TextFiles.read(trunc, "text", "label", null))
                .getMessage().contains("ends inside a quoted field"));
        Path jl = dir.resolve("b.jsonl");
        Files.writeString(jl, "{\"text\":\"ok\",\"label\":1}\n{\"text\":\"broken\n");
        assertTrue(assertThrows(CompressionException.class, () -> TextFiles.read(jl, "text", "label", null))
                .getMessage().contains("line 2"));
        Path lab = dir.resolve("l.jsonl");
        Files.writeString(lab, "{\"text\":\"ok\",\"label\":\"meh\"}\n");
        assertTrue(assertThrows(CompressionException.class,
                () -> TextFiles.read(lab, "text", "label", List.of("negative", "positive")))
                .getMessage().contains("'meh' is not one of the classes"));
    }
}
