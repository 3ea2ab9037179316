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
            throw new CompressionException(what + ": key '" + Json.dotted(e) + "' " + Json.wrongType(e, tree, type));
        } catch (JsonProcessingException e) {
            throw new CompressionException(what + ": " + e.getOriginalMessage());
        }
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
