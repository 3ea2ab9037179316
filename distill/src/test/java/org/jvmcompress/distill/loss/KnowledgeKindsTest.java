package org.jvmcompress.distill.loss;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.jvmcompress.core.CompressionException;
import org.jvmcompress.distill.Knowledge;

/** Knowledge kinds come from the service files: the built-in five, and one class plus one line adds another. */
class KnowledgeKindsTest {
    @Test
    void builtInKindsAndATestOneAreFound() {
        assertTrue(KnowledgeKinds.names().containsAll(List.of("hint", "at", "rkd-d", "rkd-a", "sp")));
        assertTrue(KnowledgeKinds.names().contains("norm"), KnowledgeKinds.names().toString());
        assertEquals("norm", Knowledge.parse("norm:fc:fc:2").kind());
        CompressionException e = assertThrows(CompressionException.class, () -> Knowledge.parse("gram:fc:fc"));
        assertTrue(e.getMessage().contains("'gram'") && e.getMessage().contains("rkd-a"), e.getMessage());
    }
}
