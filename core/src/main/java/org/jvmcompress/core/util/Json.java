package org.jvmcompress.core.util;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.jvmcompress.core.CompressionException;

/** The one JSON mapper: UTF-8, pretty, strict about unknown fields in configs. */
public final class Json {
    public static final ObjectMapper MAPPER = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private Json() {}

    public static String write(Object value) {
        try {
            return MAPPER.writeValueAsString(value) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise " + value.getClass().getSimpleName(), e);
        }
    }

    public static void writeFile(Path path, Object value) {
        AtomicFiles.writeString(path, write(value));
    }

    public static <T> T read(Path path, Class<T> type, String what) {
        if (!Files.isRegularFile(path)) {
            throw new CompressionException(what + " not found: " + path);
        }
        try {
            return MAPPER.readValue(path.toFile(), type);
        } catch (IOException e) {
            throw new CompressionException(what + " " + path + " is not valid JSON for " + type.getSimpleName()
                    + ": " + firstLine(e.getMessage()), e);
        }
    }

    /** The first line of a (possibly multi-line, possibly null) message. */
    public static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int i = s.indexOf('\n');
        return i < 0 ? s : s.substring(0, i);
    }
}
