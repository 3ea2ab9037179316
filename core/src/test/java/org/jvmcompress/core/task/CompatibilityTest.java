package org.jvmcompress.core.task;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.jvmcompress.core.CompressionException;
import org.jvmcompress.core.Synthetic;
import org.jvmcompress.core.data.TextData;
import org.jvmcompress.core.model.ModelInfo;

/** A text model is used only on data cut and numbered as it was trained on. */
class CompatibilityTest {
    private static ModelInfo textModel(TaskData like, String truncation, List<String> vocabulary) {
        return new ModelInfo(1, "nlp", "nlp-student", like.labels(), like.inputShape(), "tokens",
                Map.of("tokenizer", "words-v1", "maxLength", (int) like.inputShape()[0], "truncation", truncation),
                vocabulary, null, 3, like.dataHash(), null, null);
    }

    @Test
    void textModelsKeepTheirTruncationAndVocabulary() {
        NlpTask nlp = new NlpTask();
        TextData texts = Synthetic.texts(60, 4);
        TaskData fresh = nlp.fromTexts(texts, 3, "syn", null);
        assertEquals("middle", fresh.preprocessing().get("truncation"), "new models cut long texts in the middle");

        ModelInfo older = textModel(fresh, "post", fresh.vocabulary());
        TaskData forOlder = nlp.fromTexts(texts, 3, "syn", older);
        assertEquals("post", forOlder.preprocessing().get("truncation"), "a model's own record wins");
        assertNotEquals(fresh.dataHash(), forOlder.dataHash());
        Compatibility.sameEncoding(older, forOlder, "teacher a");
        CompressionException e = assertThrows(CompressionException.class,
                () -> Compatibility.sameEncoding(older, fresh, "teacher a"));
        assertTrue(e.getMessage().contains("truncation post") && e.getMessage().contains("middle"), e.getMessage());

        List<String> other = new ArrayList<>(fresh.vocabulary());
        java.util.Collections.swap(other, 2, 3);
        e = assertThrows(CompressionException.class,
                () -> Compatibility.sameEncoding(textModel(fresh, "middle", other), fresh, "teacher b"));
        assertTrue(e.getMessage().contains("another vocabulary"), e.getMessage());
        assertThrows(CompressionException.class, () -> nlp.fromTexts(texts, 3, "syn",
                textModel(fresh, "pre", fresh.vocabulary())));
    }
}
