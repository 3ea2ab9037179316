package org.jvmcompress.pipeline;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.jvmcompress.core.CompressionException;
import org.jvmcompress.core.util.Json;

/**
 * Reads a JSON file into a record, refusing unknown keys (each named with the keys that are known there, at any
 * depth) and values of the wrong type (named by their key path and the type expected).
 */
final class StrictJson {
    private StrictJson() {}

    static <T extends Record> T read(Path file, Class<T> type, String what) {
        JsonNode tree;
        try {
            tree = Json.MAPPER.readTree(Files.readString(file));
        } catch (JsonProcessingException e) {
            throw new CompressionException(what + " " + file + " is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new CompressionException("cannot read " + what + " " + file + ": "
                    + org.jvmcompress.core.util.IoReasons.of(e), e);
        }
        return parse(tree, type, what + " " + file);
    }

    static <T extends Record> T parse(JsonNode tree, Class<T> type, String what) {
        if (tree == null || !tree.isObject()) {
            throw new CompressionException(what + " must hold a JSON object");
        }
        checkKeys(tree, type, "", what);
        try {
            return Json.MAPPER.treeToValue(tree, type);
        } catch (JsonMappingException e) {
            if (e.getCause() instanceof CompressionException ce) {
                throw ce;
            }
            StringBuilder path = new StringBuilder();
            for (JsonMappingException.Reference r : e.getPath()) {
                if (r.getFieldName() != null) {
                    path.append(path.length() == 0 ? "" : ".").append(r.getFieldName());
                } else {
                    path.append('[').append(r.getIndex()).append(']');
                }
            }
            Class<?> want = e instanceof com.fasterxml.jackson.databind.exc.MismatchedInputException m
                    ? m.getTargetType() : null;
            JsonNode got = tree.at(pointer(e));
            throw new CompressionException(what + ": key '" + path + "' must be " + kind(want) + ", got "
                    + (got.isMissingNode() ? "another type" : describe(got)));
        } catch (JsonProcessingException e) {
            throw new CompressionException(what + ": " + e.getOriginalMessage());
        }
    }

    private static com.fasterxml.jackson.core.JsonPointer pointer(JsonMappingException e) {
        StringBuilder p = new StringBuilder();
        for (JsonMappingException.Reference r : e.getPath()) {
            p.append('/').append(r.getFieldName() != null ? r.getFieldName().replace("~", "~0").replace("/", "~1")
                    : String.valueOf(r.getIndex()));
        }
        return com.fasterxml.jackson.core.JsonPointer.compile(p.toString());
    }

    /** What a value of the type is, in JSON's words rather than Java's. */
    static String kind(Class<?> t) {
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
    static String describe(JsonNode v) {
        String type = v.isArray() ? "a list" : v.isObject() ? "an object" : v.isTextual() ? "a string"
                : v.isIntegralNumber() ? "an integer" : v.isNumber() ? "a number" : v.isBoolean() ? "true/false"
                : v.isNull() ? "null" : "a value";
        String text = v.isValueNode() && !v.isNull() ? v.toString() : "";
        return type + (text.isEmpty() || text.length() > 40 ? "" : " (" + text + ")");
    }

    private static void checkKeys(JsonNode node, Class<?> type, String prefix, String what) {
        List<String> known = new ArrayList<>();
        for (RecordComponent c : type.getRecordComponents()) {
            known.add(c.getName());
        }
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            int i = known.indexOf(k);
            if (i < 0) {
                throw new CompressionException(what + ": unknown key '" + prefix + k + "' (known" + (prefix.isEmpty()
                        ? "" : " in " + prefix.substring(0, prefix.length() - 1)) + ": " + String.join(", ", known) + ")");
            }
            RecordComponent c = type.getRecordComponents()[i];
            JsonNode v = node.get(k);
            if (c.getType().isRecord() && v.isObject()) {
                checkKeys(v, c.getType(), prefix + k + ".", what);
            } else if (List.class.isAssignableFrom(c.getType()) && v.isArray()
                    && c.getGenericType() instanceof ParameterizedType pt
                    && pt.getActualTypeArguments()[0] instanceof Class<?> el && el.isRecord()) {
                for (int j = 0; j < v.size(); j++) {
                    if (v.get(j).isObject()) {
                        checkKeys(v.get(j), el, prefix + k + "[" + j + "].", what);
                    }
                }
            }
        }
    }
}
