package org.jvmcompress.core.data;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.jvmcompress.core.CompressionException;

/**
 * Users' texts: a CSV file with a header row (RFC 4180 quoting, read with Commons CSV), a JSONL file (one object per line), or a folder
 * with one sub-folder per class holding {@code .txt} files. In CSV and JSONL the text and label columns are
 * named {@code text} and {@code label} unless told otherwise. Labels are class names; with {@code labelNames}
 * (the model's classes) given, each label must be one of them, or an index into them.
 */
public final class TextFiles {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private TextFiles() {}

    public static TextData read(Path path, String textColumn, String labelColumn, List<String> labelNames) {
        if (Files.isDirectory(path)) {
            return readFolder(path, labelNames);
        }
        if (!Files.isRegularFile(path)) {
            throw new CompressionException("text data not found: " + path);
        }
        String n = path.getFileName().toString().toLowerCase(Locale.ROOT);
        List<String[]> rows;
        if (n.endsWith(".csv")) {
            rows = readCsv(path, textColumn, labelColumn);
        } else if (n.endsWith(".jsonl") || n.endsWith(".ndjson")) {
            rows = readJsonl(path, textColumn, labelColumn);
        } else {
            throw new CompressionException("text data " + path + " must be a .csv, a .jsonl or a folder per class");
        }
        return toData(rows, labelNames, path);
    }

    static TextData toData(List<String[]> rows, List<String> labelNames, Path path) {
        if (rows.isEmpty()) {
            throw new CompressionException("text data " + path + " has no rows");
        }
        List<String> names = labelNames;
        if (names == null) {
            TreeSet<String> set = new TreeSet<>();
            rows.forEach(r -> set.add(r[1]));
            names = List.copyOf(set);
            if (names.size() < 2) {
                throw new CompressionException("text data " + path + " has only the class " + names
                        + "; a classifier needs at least two classes");
            }
        }
        List<String> texts = new ArrayList<>(rows.size());
        int[] labels = new int[rows.size()];
        for (int i = 0; i < rows.size(); i++) {
            String lab = rows.get(i)[1];
            int y = names.indexOf(lab);
            if (y < 0 && lab.matches("\\d+") && Integer.parseInt(lab) < names.size() && labelNames != null) {
                y = Integer.parseInt(lab);
            }
            if (y < 0) {
                throw new CompressionException("text data " + path + ", row " + (i + 1) + ": label '" + lab
                        + "' is not one of the classes " + names);
            }
            texts.add(rows.get(i)[0]);
            labels[i] = y;
        }
        return new TextData(texts, labels, names);
    }

    static List<String[]> readJsonl(Path path, String textCol, String labelCol) {
        List<String[]> rows = new ArrayList<>();
        try (BufferedReader r = Files.newBufferedReader(path, StandardCharsets.UTF_8)) {
            String line;
            int no = 0;
            while ((line = r.readLine()) != null) {
                no++;
                if (line.isBlank()) {
                    continue;
                }
                JsonNode o;
                try {
                    o = MAPPER.readTree(line);
                } catch (IOException e) {
                    throw new CompressionException("JSONL file " + path + ", line " + no + " is not valid JSON", e);
                }
                if (o == null || !o.isObject() || !o.hasNonNull(textCol) || !o.hasNonNull(labelCol)) {
                    throw new CompressionException("JSONL file " + path + ", line " + no + " needs an object with \""
                            + textCol + "\" and \"" + labelCol + "\"");
                }
                rows.add(new String[] {o.get(textCol).asText(), o.get(labelCol).asText()});
            }
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new CompressionException("JSONL file " + path + " is not UTF-8 text (after line " + rows.size()
                    + " of data); save it as UTF-8", e);
        } catch (IOException e) {
            throw new CompressionException("cannot read " + path + ": " + org.jvmcompress.core.util.IoReasons.of(e), e);
        }
        return rows;
    }

    static List<String[]> readCsv(Path path, String textCol, String labelCol) {
        String content;
        try {
            content = Files.readString(path, StandardCharsets.UTF_8);
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new CompressionException("CSV file " + path + " is not UTF-8 text; save it as UTF-8", e);
        } catch (IOException e) {
            throw new CompressionException("cannot read CSV " + path + ": " + e.getMessage(), e);
        }
        if (content.startsWith("\uFEFF")) {
            content = content.substring(1);
        }
        org.apache.commons.csv.CSVFormat format = org.apache.commons.csv.CSVFormat.RFC4180.builder()
                .setIgnoreEmptyLines(true).get();
        List<org.apache.commons.csv.CSVRecord> records;
        try (org.apache.commons.csv.CSVParser p = org.apache.commons.csv.CSVParser.parse(content, format)) {
            records = p.getRecords();
        } catch (IOException | java.io.UncheckedIOException | IllegalStateException e) {
            String why = e.getMessage() == null ? "" : e.getMessage();
            throw new CompressionException("CSV file " + path + (why.contains("EOF reached before encapsulated token")
                    ? " ends inside a quoted field (truncated?)" : " is not valid CSV: " + why), e);
        }
        if (records.isEmpty()) {
            throw new CompressionException("CSV file " + path + " is empty");
        }
        List<String> header = records.get(0).toList();
        int ti = header.indexOf(textCol);
        int li = header.indexOf(labelCol);
        if (ti < 0 || li < 0) {
            throw new CompressionException("CSV file " + path + " needs columns '" + textCol + "' and '" + labelCol
                    + "' in its header; it has " + header);
        }
        List<String[]> rows = new ArrayList<>();
        for (int i = 1; i < records.size(); i++) {
            org.apache.commons.csv.CSVRecord rec = records.get(i);
            if (rec.size() != header.size()) {
                throw new CompressionException("CSV file " + path + ", record " + (i + 1) + " has " + rec.size()
                        + " fields; the header has " + header.size());
            }
            rows.add(new String[] {rec.get(ti), rec.get(li).strip()});
        }
        return rows;
    }

    static TextData readFolder(Path dir, List<String> labelNames) {
        List<String[]> rows = new ArrayList<>();
        List<Path> classes;
        try (Stream<Path> s = Files.list(dir)) {
            classes = s.filter(Files::isDirectory).filter(c -> !DataFiles.hidden(c.getFileName())).sorted().toList();
        } catch (IOException e) {
            throw new CompressionException("cannot list " + dir + ": " + e.getMessage(), e);
        }
        for (Path c : classes) {
            try (Stream<Path> s = Files.list(c)) {
                List<Path> files = s.filter(p -> p.getFileName().toString().endsWith(".txt"))
                        .filter(p -> !DataFiles.hidden(p.getFileName())).sorted().toList();
                if (files.isEmpty()) {
                    throw new CompressionException("class folder " + c + " holds no .txt files (an empty class cannot"
                            + " be learnt or tested; remove the folder or add texts)");
                }
                for (Path f : files) {
                    try {
                        rows.add(new String[] {Files.readString(f, StandardCharsets.UTF_8), c.getFileName().toString()});
                    } catch (java.nio.charset.CharacterCodingException e) {
                        throw new CompressionException("text file " + f + " is not UTF-8 text; save it as UTF-8", e);
                    }
                }
            } catch (IOException e) {
                throw new CompressionException("cannot read texts in " + c + ": " + e.getMessage(), e);
            }
        }
        if (rows.isEmpty()) {
            throw new CompressionException("text folder " + dir + " has no DIR/<label>/*.txt files");
        }
        return toData(rows, labelNames, dir);
    }
}
