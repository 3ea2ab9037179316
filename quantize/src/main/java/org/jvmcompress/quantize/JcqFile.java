package org.jvmcompress.quantize;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.jvmcompress.core.CompressionException;
import org.jvmcompress.core.util.AtomicFiles;
import org.jvmcompress.core.util.Json;

/**
 * The quantised model file ({@code .jcq}), a ZIP archive (deflate; each entry CRC-checked) of three entries, in
 * this order:
 * <ol>
 *   <li>{@code manifest.json}: {@code format} = "jvm-compression-quantized", {@code version} = 1, the settings
 *       (mode, weight and activation schemes, calibration ranges, float layers), {@code provenance} (source model,
 *       its hash, the command), {@code tensors}: per layer and parameter its {@code dtype} (int8, int4, f16, bf16,
 *       f32), {@code shape}, {@code offset}/{@code length} in {@code tensors.bin}, and for integer codes the
 *       quantisation {@code axis} (-1 per tensor), {@code scales} and {@code zeroPoints}
 *       ({@code real = scale * (code - zeroPoint)}); {@code activations}: per layer the affine 8-bit grid of its
 *       input ({@code lo}, {@code hi}, {@code bits}). Version 2 keeps scales and zero points in {@code tensors.bin}
 *       too: {@code scales} = {@code {encoding: "f32", offset, length}} (little-endian floats) or
 *       {@code {encoding: "log-u8", lo, hi, offset, length}} (one byte per scale on the {@link ScaleGrid} between
 *       {@code lo} and {@code hi}); {@code zeroPoints} = {@code {offset, length}} (one signed byte each), absent
 *       when all are 0. Version 1 files (scales and zero points as JSON lists) are still read;</li>
 *   <li>{@code configuration.json}: the DL4J ComputationGraph configuration (batch norm folded), float;</li>
 *   <li>{@code tensors.bin}: the parameters, row-major, int8 codes one per byte, int4 codes two per byte (low nibble
 *       first), f16/bf16/f32 little-endian; (version 2) the scales and zero points after each tensor's codes.</li>
 * </ol>
 * Reading checks the format name and version, every entry's CRC, and that every tensor fits its bytes; a file that
 * fails is refused with the reason.
 */
public final class JcqFile {
    public static final String FORMAT = "jvm-compression-quantized";
    public static final int VERSION = 2;
    /** The oldest version this build reads. */
    public static final int OLDEST_VERSION = 1;

    private JcqFile() {}

    public static void write(Path file, QuantizedModel m, Map<String, Object> provenance) {
        ByteArrayOutputStream tensors = new ByteArrayOutputStream();
        Map<String, Object> layers = new LinkedHashMap<>();
        for (Map.Entry<String, Map<String, StoredTensor>> l : m.params().entrySet()) {
            Map<String, Object> ps = new LinkedHashMap<>();
            for (Map.Entry<String, StoredTensor> p : l.getValue().entrySet()) {
                StoredTensor t = p.getValue();
                Map<String, Object> d = new LinkedHashMap<>();
                d.put("dtype", t.dtype());
                d.put("shape", t.shape());
                d.put("offset", tensors.size());
                d.put("length", t.bytes().length);
                tensors.writeBytes(t.bytes());
                if (t.q() != null) {
                    d.put("axis", t.q().axis());
                    d.put("scales", writeScales(t.q().scales(), tensors));
                    int[] zps = t.q().zeroPoints();
                    if (java.util.Arrays.stream(zps).anyMatch(z -> z != 0)) {
                        Map<String, Object> z = new LinkedHashMap<>();
                        z.put("offset", tensors.size());
                        z.put("length", zps.length);
                        for (int v : zps) {
                            tensors.write((byte) v);
                        }
                        d.put("zeroPoints", z);
                    }
                }
                ps.put(p.getKey(), d);
            }
            layers.put(l.getKey(), ps);
        }
        Map<String, Object> acts = new LinkedHashMap<>();
        m.activations().forEach((l, q) -> acts.put(l, Map.of("lo", q.getLo(), "hi", q.getHi(), "bits", q.getBits())));
        Map<String, Object> manifest = new LinkedHashMap<>();
        manifest.put("format", FORMAT);
        manifest.put("version", VERSION);
        manifest.put("settings", m.settings());
        manifest.put("provenance", provenance);
        manifest.put("tensors", layers);
        manifest.put("activations", acts);
        byte[] man = Json.write(manifest).getBytes(StandardCharsets.UTF_8);
        byte[] conf = m.conf().toJson().getBytes(StandardCharsets.UTF_8);
        AtomicFiles.writeStream(file, out -> {
            ZipOutputStream z = new ZipOutputStream(out);
            z.setLevel(9);
            for (Object[] e : new Object[][] {{"manifest.json", man}, {"configuration.json", conf},
                    {"tensors.bin", tensors.toByteArray()}}) {
                z.putNextEntry(new ZipEntry((String) e[0]));
                z.write((byte[]) e[1]);
                z.closeEntry();
            }
            z.finish();
        });
    }

    /** Whether the file starts like a ZIP whose first entry is a manifest (cheap check, no full parse). */
    public static boolean looksLikeJcq(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] head = in.readNBytes(30 + 13);
            return head.length == 43 && head[0] == 'P' && head[1] == 'K'
                    && new String(head, 30, 13, StandardCharsets.US_ASCII).equals("manifest.json");
        } catch (IOException e) {
            return false;
        }
    }

    public static QuantizedModel read(Path file) {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        try (ZipInputStream z = new ZipInputStream(Files.newInputStream(file))) {
            ZipEntry e;
            while ((e = z.getNextEntry()) != null) {
                entries.put(e.getName(), z.readAllBytes());
            }
        } catch (IOException | RuntimeException e) {
            throw new CompressionException("quantised model " + file + " is corrupt or truncated: " + e.getMessage(), e);
        }
        for (String need : List.of("manifest.json", "configuration.json", "tensors.bin")) {
            if (!entries.containsKey(need)) {
                throw new CompressionException("quantised model " + file + " is corrupt or truncated: no " + need);
            }
        }
        JsonNode man;
        try {
            man = Json.MAPPER.readTree(entries.get("manifest.json"));
        } catch (IOException e) {
            throw new CompressionException("quantised model " + file + ": manifest is not JSON: " + e.getMessage(), e);
        }
        if (!FORMAT.equals(man.path("format").asText())) {
            throw new CompressionException(file + " is not a quantised model of this suite (format '"
                    + man.path("format").asText() + "')");
        }
        int version = man.path("version").asInt(-1);
        if (version < OLDEST_VERSION || version > VERSION) {
            throw new CompressionException("quantised model " + file + " has format version " + version
                    + "; this build reads versions " + OLDEST_VERSION + " to " + VERSION);
        }
        ComputationGraphConfiguration conf;
        try {
            conf = ComputationGraphConfiguration.fromJson(new String(entries.get("configuration.json"),
                    StandardCharsets.UTF_8));
        } catch (RuntimeException e) {
            throw new CompressionException("quantised model " + file + ": bad configuration: " + e.getMessage(), e);
        }
        byte[] bin = entries.get("tensors.bin");
        Map<String, Map<String, StoredTensor>> params = new LinkedHashMap<>();
        try {
            for (Iterator<Map.Entry<String, JsonNode>> li = man.path("tensors").fields(); li.hasNext(); ) {
                Map.Entry<String, JsonNode> l = li.next();
                Map<String, StoredTensor> ps = new LinkedHashMap<>();
                for (Iterator<Map.Entry<String, JsonNode>> pi = l.getValue().fields(); pi.hasNext(); ) {
                    Map.Entry<String, JsonNode> p = pi.next();
                    ps.put(p.getKey(), tensor(p.getValue(), bin, l.getKey() + "." + p.getKey()));
                }
                params.put(l.getKey(), ps);
            }
        } catch (CompressionException | IllegalArgumentException e) {
            throw new CompressionException("quantised model " + file + ": " + e.getMessage(), e);
        }
        Map<String, FakeQuant> acts = new LinkedHashMap<>();
        man.path("activations").fields().forEachRemaining(a -> acts.put(a.getKey(), new FakeQuant(
                a.getValue().path("lo").asDouble(), a.getValue().path("hi").asDouble(), a.getValue().path("bits").asInt(8))));
        @SuppressWarnings("unchecked")
        Map<String, Object> settings = Json.MAPPER.convertValue(man.path("settings"), Map.class);
        return new QuantizedModel(conf, params, acts, settings);
    }

    /** The manifest's provenance section. */
    public static Map<String, Object> provenance(Path file) {
        try (ZipInputStream z = new ZipInputStream(Files.newInputStream(file))) {
            ZipEntry e = z.getNextEntry();
            if (e == null || !e.getName().equals("manifest.json")) {
                return Map.of();
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> m = Json.MAPPER.readValue(z.readAllBytes(), Map.class);
            @SuppressWarnings("unchecked")
            Map<String, Object> p = (Map<String, Object>) m.getOrDefault("provenance", Map.of());
            return p;
        } catch (IOException ex) {
            throw new CompressionException("cannot read " + file + ": " + ex.getMessage(), ex);
        }
    }

    private static StoredTensor tensor(JsonNode d, byte[] bin, String name) {
        String dtype = d.path("dtype").asText();
        if (!StoredTensor.DTYPES.contains(dtype)) {
            throw new CompressionException("tensor " + name + " has unknown type '" + dtype + "'");
        }
        List<Long> dims = new ArrayList<>();
        d.path("shape").forEach(x -> dims.add(x.asLong()));
        long[] shape = dims.stream().mapToLong(Long::longValue).toArray();
        byte[] raw = slice(bin, d, name);
        if (dtype.equals("int8") || dtype.equals("int4")) {
            float[] scales;
            int[] zps;
            if (d.path("scales").isArray()) { // version 1
                scales = new float[d.path("scales").size()];
                zps = new int[d.path("zeroPoints").size()];
                for (int i = 0; i < scales.length; i++) {
                    scales[i] = (float) d.path("scales").get(i).asDouble();
                }
                for (int i = 0; i < zps.length; i++) {
                    zps[i] = d.path("zeroPoints").get(i).asInt();
                }
            } else {
                scales = readScales(d.path("scales"), bin, name);
                zps = new int[scales.length];
                if (d.has("zeroPoints")) {
                    byte[] z = slice(bin, d.path("zeroPoints"), name + " zero points");
                    if (z.length != zps.length) {
                        throw new CompressionException("tensor " + name + " has " + scales.length + " scales but "
                                + z.length + " zero points");
                    }
                    for (int i = 0; i < zps.length; i++) {
                        zps[i] = z[i];
                    }
                }
            }
            return StoredTensor.quantized(new QTensor(shape, dtype.equals("int8") ? 8 : 4, d.path("axis").asInt(-1),
                    scales, zps, raw));
        }
        StoredTensor t = new StoredTensor(dtype, shape, null, raw);
        t.values();
        return t;
    }

    /** The scales after the codes: one byte each on the log grid when they lie on one, else f32. */
    private static Map<String, Object> writeScales(float[] scales, ByteArrayOutputStream out) {
        Map<String, Object> d = new LinkedHashMap<>();
        byte[] codes = scales.length > QTensor.COMPACT_SCALES_ABOVE ? ScaleGrid.codes(scales) : null;
        if (codes != null) {
            d.put("encoding", "log-u8");
            d.put("lo", ScaleGrid.min(scales));
            d.put("hi", ScaleGrid.max(scales));
            d.put("offset", out.size());
            d.put("length", codes.length);
            out.writeBytes(codes);
        } else {
            ByteBuffer b = ByteBuffer.allocate(4 * scales.length).order(ByteOrder.LITTLE_ENDIAN);
            for (float s : scales) {
                b.putFloat(s);
            }
            d.put("encoding", "f32");
            d.put("offset", out.size());
            d.put("length", 4 * scales.length);
            out.writeBytes(b.array());
        }
        return d;
    }

    private static float[] readScales(JsonNode d, byte[] bin, String name) {
        byte[] raw = slice(bin, d, name + " scales");
        String enc = d.path("encoding").asText();
        switch (enc) {
            case "f32" -> {
                if (raw.length % 4 != 0) {
                    throw new CompressionException("tensor " + name + ": f32 scales of " + raw.length + " bytes");
                }
                float[] s = new float[raw.length / 4];
                ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(s);
                return s;
            }
            case "log-u8" -> {
                float lo = (float) d.path("lo").asDouble(Double.NaN);
                float hi = (float) d.path("hi").asDouble(Double.NaN);
                if (!(lo > 0) || !(hi >= lo)) {
                    throw new CompressionException("tensor " + name + ": scale grid [" + lo + ", " + hi + "] is not"
                            + " a positive range");
                }
                float[] s = new float[raw.length];
                for (int i = 0; i < s.length; i++) {
                    s[i] = ScaleGrid.decode(lo, hi, raw[i] & 0xFF);
                }
                return s;
            }
            default -> throw new CompressionException("tensor " + name + " has scales in unknown encoding '" + enc
                    + "' (known: f32, log-u8)");
        }
    }

    /** The bytes of tensors.bin that {@code d}'s offset and length name, checked to lie inside it. */
    private static byte[] slice(byte[] bin, JsonNode d, String name) {
        long offset = d.path("offset").asLong(-1);
        long length = d.path("length").asLong(-1);
        if (offset < 0 || length < 0 || offset + length > bin.length) {
            throw new CompressionException("tensor " + name + " lies outside tensors.bin (offset " + offset + ", length "
                    + length + ", file " + bin.length + ")");
        }
        return java.util.Arrays.copyOfRange(bin, (int) offset, (int) (offset + length));
    }
}
