package org.jvmcompress.quantize;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import org.jvmcompress.core.CompressionException;

/**
 * One parameter tensor as the quantised file keeps it: {@code int8}/{@code int4} codes with scales and zero points
 * ({@link QTensor}), or {@code f16}/{@code bf16}/{@code f32} values (little-endian).
 */
public record StoredTensor(String dtype, long[] shape, QTensor q, byte[] raw) {
    public static final List<String> DTYPES = List.of("int8", "int4", "f16", "bf16", "f32");

    public static StoredTensor quantized(QTensor q) {
        return new StoredTensor(q.bits() == 8 ? "int8" : "int4", q.shape(), q, null);
    }

    public static StoredTensor floats(float[] v, long[] shape, String dtype) {
        int width = dtype.equals("f32") ? 4 : 2;
        ByteBuffer b = ByteBuffer.allocate(v.length * width).order(ByteOrder.LITTLE_ENDIAN);
        for (float x : v) {
            switch (dtype) {
                case "f32" -> b.putFloat(x);
                case "f16" -> b.putShort(toHalf(x));
                case "bf16" -> b.putShort(toBfloat(x));
                default -> throw new IllegalArgumentException(dtype);
            }
        }
        return new StoredTensor(dtype, shape.clone(), null, b.array());
    }

    /** The bytes this tensor takes in the file. */
    public byte[] bytes() {
        return q != null ? q.data() : raw;
    }

    public float[] values() {
        if (q != null) {
            return q.dequantize();
        }
        int n = (int) QTensor.count(shape);
        int width = dtype.equals("f32") ? 4 : 2;
        if (raw.length != (long) n * width) {
            throw new CompressionException(dtype + " tensor of " + n + " values has " + raw.length + " bytes");
        }
        ByteBuffer b = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = switch (dtype) {
                case "f32" -> b.getFloat();
                case "f16" -> fromHalf(b.getShort());
                default -> Float.intBitsToFloat((b.getShort() & 0xFFFF) << 16);
            };
        }
        return out;
    }

    /** IEEE 754 binary16, round to nearest even; overflow to infinity, underflow through subnormals to zero. */
    static short toHalf(float f) {
        int bits = Float.floatToIntBits(f);
        int sign = (bits >>> 16) & 0x8000;
        int exp = (bits >>> 23) & 0xFF;
        int mant = bits & 0x7FFFFF;
        if (exp == 0xFF) {
            return (short) (sign | 0x7C00 | (mant != 0 ? 0x200 : 0));
        }
        int e = exp - 127 + 15;
        if (e >= 0x1F) {
            return (short) (sign | 0x7C00);
        }
        if (e <= 0) {
            if (e < -10) {
                return (short) sign;
            }
            mant |= 0x800000;
            int shift = 14 - e;
            int half = mant >> shift;
            int rem = mant & ((1 << shift) - 1);
            int mid = 1 << (shift - 1);
            if (rem > mid || (rem == mid && (half & 1) == 1)) {
                half++;
            }
            return (short) (sign | half);
        }
        int half = (e << 10) | (mant >> 13);
        int rem = mant & 0x1FFF;
        if (rem > 0x1000 || (rem == 0x1000 && (half & 1) == 1)) {
            half++;
        }
        return (short) (sign | half);
    }

    static float fromHalf(short h) {
        int sign = (h & 0x8000) << 16;
        int exp = (h >>> 10) & 0x1F;
        int mant = h & 0x3FF;
        if (exp == 0) {
            float v = mant * (float) Math.pow(2, -24);
            return sign != 0 ? -v : v;
        }
        if (exp == 0x1F) {
            return Float.intBitsToFloat(sign | 0x7F800000 | (mant << 13));
        }
        return Float.intBitsToFloat(sign | ((exp - 15 + 127) << 23) | (mant << 13));
    }

    /** bfloat16: the top half of the float, rounded to nearest even. */
    static short toBfloat(float f) {
        int bits = Float.floatToIntBits(f);
        if ((bits & 0x7F800000) == 0x7F800000) {
            return (short) (bits >>> 16);
        }
        int rounding = 0x7FFF + ((bits >>> 16) & 1);
        return (short) ((bits + rounding) >>> 16);
    }
}
