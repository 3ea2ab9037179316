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
        com.fasterxml.jackson.databind.JsonNode tree;
        try {
            tree = MAPPER.readTree(path.toFile());
        } catch (JsonProcessingException e) {
            throw new CompressionException(what + " " + path + " is not valid JSON: " + firstLine(e.getOriginalMessage()), e);
        } catch (IOException e) {
            throw new CompressionException("cannot read " + what + " " + path + ": " + IoReasons.of(e), e);
        }
        try {
            return MAPPER.treeToValue(tree, type);
        } catch (com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException e) {
            throw new CompressionException(what + " " + path + " has an unknown key '" + e.getPropertyName() + "'", e);
        } catch (com.fasterxml.jackson.databind.JsonMappingException e) {
            String key = e.getPath().isEmpty() ? "" : "key '" + dotted(e) + "' ";
            throw new CompressionException(what + " " + path + ": " + (key.isEmpty()
                    ? "not a " + type.getSimpleName() + " record: " + firstLine(e.getOriginalMessage())
                    : key + wrongType(e, tree, type)), e);
        } catch (JsonProcessingException e) {
            throw new CompressionException(what + " " + path + " is not valid JSON for " + type.getSimpleName()
                    + ": " + firstLine(e.getOriginalMessage()), e);
        }
    }

    /** The declared type at a mapping error's path through records' components (null where it cannot tell). */
    private static Class<?> componentAt(Class<?> root, com.fasterxml.jackson.databind.JsonMappingException e) {
        Class<?> t = root;
        for (com.fasterxml.jackson.databind.JsonMappingException.Reference r : e.getPath()) {
            if (t == null || !t.isRecord() || r.getFieldName() == null) {
                return null;
            }
            Class<?> next = null;
            for (java.lang.reflect.RecordComponent c : t.getRecordComponents()) {
                if (c.getName().equals(r.getFieldName())) {
                    next = c.getType();
                }
            }
            t = next;
        }
        return t;
    }

    /** The path of a mapping error as a.b[2].c. */
    public static String dotted(com.fasterxml.jackson.databind.JsonMappingException e) {
        StringBuilder path = new StringBuilder();
        for (com.fasterxml.jackson.databind.JsonMappingException.Reference r : e.getPath()) {
            if (r.getFieldName() != null) {
                path.append(path.length() == 0 ? "" : ".").append(r.getFieldName());
            } else {
                path.append('[').append(r.getIndex()).append(']');
            }
        }
        return path.toString();
    }

    /** "must be an integer, got a string ("x")": a mapping error of {@code tree}'s value, in JSON's words. */
    public static String wrongType(com.fasterxml.jackson.databind.JsonMappingException e,
                                   com.fasterxml.jackson.databind.JsonNode tree, Class<?> root) {
        Class<?> want = e instanceof com.fasterxml.jackson.databind.exc.MismatchedInputException m
                ? m.getTargetType() : componentAt(root, e);
        com.fasterxml.jackson.databind.JsonNode got = tree.at(pointer(e));
        return "must be " + kind(want) + ", got " + (got.isMissingNode() ? "another type" : describe(got));
    }

    private static com.fasterxml.jackson.core.JsonPointer pointer(com.fasterxml.jackson.databind.JsonMappingException e) {
        StringBuilder p = new StringBuilder();
        for (com.fasterxml.jackson.databind.JsonMappingException.Reference r : e.getPath()) {
            p.append('/').append(r.getFieldName() != null ? r.getFieldName().replace("~", "~0").replace("/", "~1")
                    : String.valueOf(r.getIndex()));
        }
        return com.fasterxml.jackson.core.JsonPointer.compile(p.toString());
    }

    /** What a value of the type is, in JSON's words rather than Java's. */
    private static String kind(Class<?> t) {
        if (t == null) {
            return "of another type";
        }
        if (t == Long.class || t == long.class || t == Integer.class || t == int.class) {
            return "an integer";
        }
        if (t == Double.class || t == double.class || t == Float.class || t == float.class) {
            return "a number";
        }
        if (t == Boolean.class || t == boolean.class) {
            return "true or false";
        }
        if (t == String.class || t.isEnum()) {
            return "a string";
        }
        if (java.util.Collection.class.isAssignableFrom(t) || t.isArray()) {
            return "a list";
        }
        return "an object";
    }

    /** A JSON value as a user sees it: its type and, for a short scalar, the value. */
    private static String describe(com.fasterxml.jackson.databind.JsonNode v) {
        String type = v.isArray() ? "a list" : v.isObject() ? "an object" : v.isTextual() ? "a string"
                : v.isIntegralNumber() ? "an integer" : v.isNumber() ? "a number" : v.isBoolean() ? "true/false"
                : v.isNull() ? "null" : "a value";
        String text = v.isValueNode() && !v.isNull() ? v.toString() : "";
        return type + (text.isEmpty() || text.length() > 40 ? "" : " (" + text + ")");
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
