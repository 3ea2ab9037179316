package org.jvmcompress.core.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.jvmcompress.core.CompressionException;
import org.jvmcompress.core.Synthetic;

class IdxTest {
    @TempDir
    Path dir;

    @Test
    void readsPlainAndGzipImagesWithLabels() throws Exception {
        ImageData d = Synthetic.images(12, 3, 8, 1);
        Synthetic.writeIdxPair(d, dir.resolve("img"), dir.resolve("lab"));
        Files.write(dir.resolve("img.gz"), Synthetic.gzip(Files.readAllBytes(dir.resolve("img"))));
        ImageData back = Idx.readImages(dir.resolve("img.gz"), dir.resolve("lab"), d.labelNames());
        assertArrayEquals(d.pixels(), back.pixels());
        assertArrayEquals(d.labels(), back.labels());
        assertEquals(8, back.height());
        assertEquals(8, back.width());
    }

    @Test
    void truncatedFileIsNamed() throws Exception {
        byte[] full = Synthetic.idx(new int[] {10, 4, 4}, new byte[160]);
        Path f = dir.resolve("trunc-idx3");
        Files.write(f, Arrays.copyOf(full, full.length - 7));
        CompressionException e = assertThrows(CompressionException.class, () -> Idx.read(f));
        assertTrue(e.getMessage().contains("truncated") && e.getMessage().contains(f.toString()), e.getMessage());
    }

    @Test
    void truncatedGzipIsReported() throws Exception {
        byte[] gz = Synthetic.gzip(Synthetic.idx(new int[] {100, 4, 4}, new byte[1600]));
        Path f = dir.resolve("trunc.gz");
        Files.write(f, Arrays.copyOf(gz, gz.length / 2));
        CompressionException e = assertThrows(CompressionException.class, () -> Idx.read(f));
        assertTrue(e.getMessage().contains(f.toString()), e.getMessage());
    }

    @Test
    void corruptMagicIsReported() throws Exception {
        Path f = dir.resolve("bad");
        Files.write(f, "this is not an idx file at all".getBytes());
        CompressionException e = assertThrows(CompressionException.class, () -> Idx.read(f));
        assertTrue(e.getMessage().contains("not an IDX file"), e.getMessage());
    }

    @Test
    void extraBytesAreReported() throws Exception {
        byte[] full = Synthetic.idx(new int[] {2}, new byte[] {1, 2});
        Path f = dir.resolve("extra");
        Files.write(f, Arrays.copyOf(full, full.length + 3));
        CompressionException e = assertThrows(CompressionException.class, () -> Idx.read(f));
        assertTrue(e.getMessage().contains("data after"), e.getMessage());
    }

    @Test
    void labelCountMismatchIsReported() throws Exception {
        Files.write(dir.resolve("img"), Synthetic.idx(new int[] {5, 2, 2}, new byte[20]));
        Files.write(dir.resolve("lab"), Synthetic.idx(new int[] {4}, new byte[4]));
        CompressionException e = assertThrows(CompressionException.class,
                () -> Idx.readImages(dir.resolve("img"), dir.resolve("lab"), null));
        assertTrue(e.getMessage().contains("label count does not match image count"), e.getMessage());
        assertTrue(e.getMessage().contains("4 labels") && e.getMessage().contains("5 images"), e.getMessage());
    }

    @Test
    void labelBeyondKnownClassesIsReported() throws Exception {
        Files.write(dir.resolve("img"), Synthetic.idx(new int[] {2, 2, 2}, new byte[8]));
        Files.write(dir.resolve("lab"), Synthetic.idx(new int[] {2}, new byte[] {0, 7}));
        CompressionException e = assertThrows(CompressionException.class,
                () -> Idx.readImages(dir.resolve("img"), dir.resolve("lab"), java.util.List.of("a", "b")));
        assertTrue(e.getMessage().contains("label 7"), e.getMessage());
    }
}
