package org.jvmcompress.core.data;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.jvmcompress.core.CompressionException;
import org.jvmcompress.core.util.AtomicFiles;

/**
 * The definitions (glosses) of WordNet 3.0's 82,115 noun synsets, each labelled with its lexicographer file, the
 * noun's semantic category or "supersense" (26 classes: act, animal, artifact, ..., time; Miller 1995, Ciaramita
 * and Johnson 2003). The text is the gloss alone, definition and usage examples, without the synset's words, so
 * that the class has to be read from what the definition says. A multi-class text task whose classes overlap
 * (food is a substance, a person belongs to a group) and so carry knowledge in their wrong answers.
 * <p>
 * From the Debian package {@code wordnet-base} ({@code /usr/share/wordnet/data.noun}): found in the data folder,
 * else installed system-wide, else fetched with {@code apt-get download} and unpacked with {@code dpkg -x};
 * SHA-256 checked. WordNet 3.0 licence: Princeton University, free to use, copy and distribute.
 */
public final class WordNetNouns extends SingleFileSet {
    public static final String NAME = "wordnet";
    public static final String DEB_PACKAGE = "wordnet-base";
    public static final String FILE = "data.noun";
    public static final String SHA256 = "fea17d2f9656611334eac790e5d69e47645fa180c4aa481fb4cd9b3520754ca2";
    static final Path SYSTEM_DIR = Path.of("/usr/share/wordnet");
    /** The noun lexicographer files 03..28 (lexnames(5WN)), without their "noun." prefix, in file-number order. */
    public static final List<String> LABELS = List.of("Tops", "act", "animal", "artifact", "attribute", "body",
            "cognition", "communication", "event", "feeling", "food", "group", "location", "motive", "object",
            "person", "phenomenon", "plant", "possession", "process", "quantity", "relation", "shape", "state",
            "substance", "time");
    private static final int FIRST_NOUN_FILE = 3;

    public WordNetNouns(DataHome home) {
        super(home, NAME, FILE);
    }

    /** The verified {@code data.noun} in the data folder, fetched first when it is not there. */
    public Path ensure() {
        List<String> tried = new ArrayList<>();
        if (Fetch.cachedOrInstalled(file(), SHA256, List.of(SYSTEM_DIR.resolve(FILE)), tried)) {
            return file();
        }
        Path tmp = null;
        try {
            tmp = Files.createTempDirectory("wordnet-deb");
            Path x = Fetch.unpackDeb(DEB_PACKAGE, tmp, tried);
            Path inside = x == null ? null : x.resolve("usr/share/wordnet").resolve(FILE);
            if (inside != null && Files.isRegularFile(inside)) {
                Fetch.install(inside, file(), SHA256);
                return file();
            }
            if (x != null) {
                tried.add(DEB_PACKAGE + " has no usr/share/wordnet/" + FILE);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            AtomicFiles.deleteQuietly(tmp);
        }
        throw new CompressionException("WordNet nouns not found and could not be fetched. Tried: " + String.join("; ", tried)
                + ". Run `apt-get download " + DEB_PACKAGE + " && dpkg -x " + DEB_PACKAGE + "_*.deb DIR` and copy"
                + " DIR/usr/share/wordnet/" + FILE + " to " + file() + " (or `sudo apt-get install " + DEB_PACKAGE + "`).");
    }

    /** All 82,115 glosses in file order. */
    public TextData load() {
        return read(ensure());
    }

    /**
     * Reads a file of WordNet's data format (wndb(5WN)): lines starting with two spaces are the licence header;
     * each other line is {@code offset lex_filenum ss_type w_cnt word lex_id ... | gloss}.
     */
    public static TextData read(Path file) {
        List<String> texts = new ArrayList<>(83_000);
        List<Integer> labels = new ArrayList<>(83_000);
        // WordNet 3.0's files are ASCII; ISO-8859-1 reads any byte, so a stray one cannot stop the read.
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.ISO_8859_1)) {
            String line;
            int no = 0;
            while ((line = r.readLine()) != null) {
                no++;
                if (line.startsWith("  ") || line.isBlank()) {
                    continue;
                }
                int bar = line.indexOf(" | ");
                String[] f = line.split(" ", 4);
                int lex = -1;
                if (f.length == 4 && bar > 0) {
                    try {
                        lex = Integer.parseInt(f[1]);
                    } catch (NumberFormatException e) {
                        lex = -1;
                    }
                }
                int y = lex - FIRST_NOUN_FILE;
                if (y < 0 || y >= LABELS.size() || !"n".equals(f[2])) {
                    throw new CompressionException("WordNet file " + file + ", line " + no + " is not a noun synset"
                            + " of the form 'offset lex_filenum n w_cnt ... | gloss' with lex_filenum 03..28");
                }
                String gloss = line.substring(bar + 3).strip();
                if (gloss.isEmpty()) {
                    throw new CompressionException("WordNet file " + file + ", line " + no + " has an empty gloss");
                }
                texts.add(gloss);
                labels.add(y);
            }
        } catch (IOException e) {
            throw new CompressionException("cannot read WordNet file " + file + ": " + e.getMessage(), e);
        }
        if (texts.isEmpty()) {
            throw new CompressionException("WordNet file " + file + " has no synsets");
        }
        return new TextData(texts, labels.stream().mapToInt(Integer::intValue).toArray(), LABELS);
    }
}
