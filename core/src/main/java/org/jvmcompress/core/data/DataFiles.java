package org.jvmcompress.core.data;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.jvmcompress.core.CompressionException;
import org.jvmcompress.core.util.Hashing;

/** What a user's data file or folder is, and one content hash naming it. */
public final class DataFiles {
    private DataFiles() {}

    /**
     * SHA-256 of a file's bytes; of a folder, one hash over its regular files in sorted order (each file's path
     * relative to the folder, then its bytes), so that renaming, adding, removing or changing any file changes it.
     */
    public static String sha256(Path p) {
        if (Files.isRegularFile(p)) {
            return Hashing.sha256(p);
        }
        if (!Files.isDirectory(p)) {
            throw new CompressionException("data not found: " + p);
        }
        MessageDigest md = Hashing.sha256();
        List<Path> files;
        try (Stream<Path> s = Files.walk(p)) {
            files = s.filter(Files::isRegularFile).filter(f -> !hidden(p.relativize(f))).sorted().toList();
        } catch (IOException | java.io.UncheckedIOException e) {
            throw new CompressionException("cannot list " + p + ": " + e.getMessage(), e);
        }
        for (Path f : files) {
            md.update(p.relativize(f).toString().replace('\\', '/').getBytes(StandardCharsets.UTF_8));
            md.update((byte) 0);
            try {
                Hashing.update(md, f);
            } catch (java.io.UncheckedIOException e) {
                throw new CompressionException(e.getMessage(), e);
            }
            md.update((byte) 0);
        }
        return HexFormat.of().formatHex(md.digest());
    }

    /**
     * Whether a path (relative to a data folder) is hidden: a name starting with '.' anywhere in it (.DS_Store, the
     * ._name.png files macOS writes beside copies, .ipynb_checkpoints). Hidden files are neither read nor hashed.
     */
    public static boolean hidden(Path relative) {
        for (Path part : relative) {
            if (part.toString().startsWith(".")) {
                return true;
            }
        }
        return false;
    }

    /** The recorded description of a file or folder of data. */
    public static DataSource.Part part(Path p, String format, Integer items) {
        return new DataSource.Part(p.toAbsolutePath().normalize().toString(), format, sha256(p), items);
    }

    /** The format of a text data path: csv, jsonl or text-folder. */
    public static String textFormat(Path p) {
        if (Files.isDirectory(p)) {
            return "text-folder";
        }
        String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
        return n.endsWith(".csv") ? "csv" : n.endsWith(".jsonl") || n.endsWith(".ndjson") ? "jsonl" : "text";
    }

    /** Whether a path holds images (a folder of class folders of PNG/JPEG, or an IDX pair) rather than text. */
    public static boolean looksLikeImages(Path p) {
        if (!Files.isDirectory(p)) {
            return false;
        }
        try (Stream<Path> s = Files.walk(p, 2)) {
            return s.filter(Files::isRegularFile).anyMatch(f -> ImageFolder.isImage(f)
                    || f.getFileName().toString().contains("idx"));
        } catch (IOException | java.io.UncheckedIOException e) {
            throw new CompressionException("cannot list " + p + ": " + e.getMessage(), e);
        }
    }
}
