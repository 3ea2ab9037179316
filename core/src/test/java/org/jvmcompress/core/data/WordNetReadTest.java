package org.jvmcompress.core.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.jvmcompress.core.CompressionException;

class WordNetReadTest {
    @TempDir
    Path dir;

    /** Three synsets copied from WordNet 3.0's data.noun, under its licence header's two-space lines. */
    private static final String SAMPLE = String.join("\n",
            "  1 This software and database is being provided to you, the LICENSEE, by  ",
            "  2 Princeton University under the following license.  ",
            "00001740 03 n 01 entity 0 003 ~ 00001930 n 0000 ~ 00002137 n 0000 ~ 04424418 n 0000 | that which is"
                    + " perceived or known or inferred to have its own distinct existence (living or nonliving)  ",
            "02084071 05 n 02 dog 0 domestic_dog 0 042 @ 02083346 n 0000 | a member of the genus Canis; \"the dog"
                    + " barked all night\"  ",
            "07612996 13 n 01 pudding 0 002 @ 07612632 n 0000 | any of various soft thick unsweetened baked dishes  ",
            "");

    @Test
    void readsGlossesAndLexicographerFiles() throws Exception {
        Path f = dir.resolve("data.noun");
        Files.writeString(f, SAMPLE);
        TextData d = WordNetNouns.read(f);
        assertEquals(3, d.size());
        assertEquals(26, d.numClasses());
        assertArrayEquals(new int[] {0, 2, 10}, d.labels());
        assertEquals("Tops", d.labelNames().get(0));
        assertEquals("animal", d.labelNames().get(d.labels()[1]));
        assertEquals("food", d.labelNames().get(d.labels()[2]));
        // the gloss alone, definition and example: the synset's words are not part of the text
        assertEquals("a member of the genus Canis; \"the dog barked all night\"", d.texts().get(1));
    }

    @Test
    void aVerbFileOrAnotherFormatIsRefusedWithTheLine() throws Exception {
        Path f = dir.resolve("data.noun");
        Files.writeString(f, "  1 header\n00001740 29 v 01 breathe 0 | draw air into, and expel out of, the lungs\n");
        CompressionException e = assertThrows(CompressionException.class, () -> WordNetNouns.read(f));
        assertTrue(e.getMessage().contains("line 2") && e.getMessage().contains("not a noun synset"), e.getMessage());
        Files.writeString(f, "{\"t\": \"not wordnet\"}\n");
        assertThrows(CompressionException.class, () -> WordNetNouns.read(f));
        Files.writeString(f, "  only a header\n");
        e = assertThrows(CompressionException.class, () -> WordNetNouns.read(f));
        assertTrue(e.getMessage().contains("no synsets"), e.getMessage());
    }
}
