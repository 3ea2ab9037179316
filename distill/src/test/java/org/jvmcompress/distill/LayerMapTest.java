package org.jvmcompress.distill;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.jvmcompress.core.CompressionException;

class LayerMapTest {
    private static final List<String> TEACHER = List.of("embedding", "enc1", "enc2", "enc3", "enc4", "enc5", "enc6",
            "pool", "output");
    private static final List<String> STUDENT = List.of("embedding", "enc1", "enc2", "enc3", "pool", "output");

    private static String pairs(String spec, List<String> teacher, List<String> student) {
        return String.join(" ", LayerMap.expand(List.of(Knowledge.parse(spec)), teacher, student).stream()
                .map(k -> k.teacherLayer() + ">" + k.studentLayer()).toList());
    }

    @Test
    void uniformTakesEveryKthTeacherLayerAndLastTheTopOnes() {
        // TinyBERT's uniform map: 6 teacher blocks onto 3 student blocks, g(m) = 2m
        assertEquals("enc2>enc1 enc4>enc2 enc6>enc3", pairs("hint:enc*:enc*", TEACHER, STUDENT));
        assertEquals("enc4>enc1 enc5>enc2 enc6>enc3", pairs("hint:enc*:enc*:1:last", TEACHER, STUDENT));
        assertEquals("enc6>enc1", pairs("token-rel:enc*:enc*:0.5", TEACHER, List.of("enc1")));
        assertEquals("enc1>enc1 enc2>enc2", pairs("hint:enc*:enc*", List.of("enc2", "enc1"), List.of("enc1", "enc2")));
        // a pattern does not match enc1_bn or the layer "enc"
        assertEquals("enc1>enc1", pairs("hint:enc*:enc*", List.of("enc", "enc1", "enc1_bn"), List.of("enc1")));
        // layers named one by one pass through, with the weight
        List<Knowledge> k = LayerMap.expand(List.of(new Knowledge("hint", "embedding", "embedding", 2)), TEACHER, STUDENT);
        assertEquals(List.of(new Knowledge("hint", "embedding", "embedding", 2)), k);
    }

    @Test
    void impossibleMapsAreRefused() {
        CompressionException deeper = assertThrows(CompressionException.class,
                () -> pairs("hint:enc*:enc*", List.of("enc1"), STUDENT));
        assertTrue(deeper.getMessage().contains("the teacher only 1"), deeper.getMessage());
        CompressionException none = assertThrows(CompressionException.class,
                () -> pairs("hint:block*:enc*", TEACHER, STUDENT));
        assertTrue(none.getMessage().contains("no layers block1, block2"), none.getMessage());
        assertThrows(CompressionException.class, () -> Knowledge.parse("hint:enc*:enc1"));
        assertThrows(CompressionException.class, () -> Knowledge.parse("hint:enc*:enc*:1:middle"));
        assertThrows(CompressionException.class, () -> Knowledge.parse("hint:enc2:enc1:1:last"));
    }
}
