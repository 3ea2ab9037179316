package org.jvmcompress.core.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.jvmcompress.core.CompressionException;
import org.jvmcompress.core.Synthetic;

class FetchVerifyTest {
    @TempDir
    Path dir;

    @Test
    void wrongHashOfCachedFileIsNamed() throws Exception {
        Path fm = dir.resolve(FashionMnist.NAME);
        Files.createDirectories(fm);
        for (String f : FashionMnist.FILES.keySet()) {
            Files.write(fm.resolve(f), Synthetic.idx(new int[] {1}, new byte[] {1}));
        }
        CompressionException e = assertThrows(CompressionException.class,
                () -> new FashionMnist(new DataHome(dir)).ensure());
        assertTrue(e.getMessage().contains("SHA-256 mismatch"), e.getMessage());
        assertTrue(e.getMessage().contains("train-images-idx3-ubyte"), e.getMessage());
    }

    @Test
    void wrongGzipSourceLeavesNoFileBehind() throws Exception {
        Path fm = dir.resolve(FashionMnist.NAME);
        Files.createDirectories(fm);
        for (String f : FashionMnist.FILES.keySet()) {
            Files.write(fm.resolve(f + ".gz"), Synthetic.gzip(Synthetic.idx(new int[] {1}, new byte[] {1})));
        }
        CompressionException e = assertThrows(CompressionException.class,
                () -> new FashionMnist(new DataHome(dir)).ensure());
        assertTrue(e.getMessage().contains("SHA-256 mismatch"), e.getMessage());
        List<String> left = Synthetic.listAll(fm);
        assertEquals(4, left.size(), "only the four source .gz files may remain: " + left);
        assertTrue(left.stream().allMatch(n -> n.endsWith(".gz")), left.toString());
    }

    @Test
    void corruptGzipSourceIsReported() throws Exception {
        Path fm = dir.resolve(FashionMnist.NAME);
        Files.createDirectories(fm);
        for (String f : FashionMnist.FILES.keySet()) {
            Files.write(fm.resolve(f + ".gz"), new byte[] {0x1f, (byte) 0x8b, 8, 0, 1, 2, 3});
        }
        CompressionException e = assertThrows(CompressionException.class,
                () -> new FashionMnist(new DataHome(dir)).ensure());
        assertTrue(e.getMessage().contains("gzip") || e.getMessage().contains("corrupt"), e.getMessage());
        assertTrue(Synthetic.listAll(fm).stream().allMatch(n -> n.endsWith(".gz")));
    }

    @Test
    void verifyAcceptsTheRightHash() throws Exception {
        Path f = dir.resolve("x");
        Files.writeString(f, "abc");
        Fetch.verify(f, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        assertThrows(CompressionException.class, () -> Fetch.verify(f, "00"));
    }
}
