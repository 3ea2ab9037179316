package org.jvmcompress.core.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.jvmcompress.core.CompressionException;

/** The files of a folder (and its sub-folders) whose names match, sorted, for unlabelled pools. */
public final class UnlabelledFiles {
    private UnlabelledFiles() {}

    public static List<Path> list(Path dir, String what, Predicate<String> name) {
        if (!Files.isDirectory(dir)) {
            throw new CompressionException("unlabelled pool " + dir + " is not a folder");
        }
        List<Path> files;
        try (Stream<Path> s = Files.walk(dir)) {
            files = s.filter(Files::isRegularFile).filter(f -> !DataFiles.hidden(dir.relativize(f)))
                    .filter(f -> name.test(f.getFileName().toString())).sorted().toList();
        } catch (IOException | java.io.UncheckedIOException e) {
            throw new CompressionException("cannot list " + dir + ": " + e.getMessage(), e);
        }
        if (files.isEmpty()) {
            throw new CompressionException("unlabelled pool " + dir + " holds no " + what);
        }
        return files;
    }
}
