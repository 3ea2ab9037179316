package org.jvmcompress.core.task;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.jvmcompress.core.CompressionException;
import org.jvmcompress.core.Synthetic;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

class SearchNetsTest {
    static final TrainConfig C = new TrainConfig("x", 1, 8, 1e-3, 1, 1, 0, 1, 0);

    @Test
    void everyImageBlockTypeBuildsAndRuns() {
        for (String spec : List.of("cvnet:c=8-16,b=1-2,k=3,t=plain,bn=0,h=32", "cvnet:c=8-16,b=2-1,k=5,t=sep,bn=1,h=0",
                "cvnet:c=8-8-16,b=1-1-1,k=3,t=res,bn=1,h=16")) {
            SearchNets.CvNet n = SearchNets.parseCv(spec);
            assertEquals(spec, n.toString(), "round trip");
            ComputationGraph g = SearchNets.cv(n, 1, 28, 28, 10, C);
            long[] out = g.outputSingle(false, Nd4j.rand(DataType.FLOAT, 2, 1, 28, 28)).shape();
            assertArrayEquals(new long[] {2, 10}, out, spec);
        }
        // Hand-counted: conv 1->8 3x3 (80), pool, conv 8->16 3x3 (1168), pool, fc 7*7*16->32 (25120), out 330.
        assertEquals(80 + 1168 + 25120 + 330, SearchNets.cv(SearchNets.parseCv("cvnet:c=8-16,b=1-1,k=3,t=plain,bn=0,h=32"),
                1, 28, 28, 10, C).numParams());
    }

    @Test
    void invalidNetworksAreRefusedWithTheReason() {
        SearchNets.CvNet deep = SearchNets.parseCv("cvnet:c=8-8-8-8-8,b=1-1-1-1-1,k=3,t=plain,bn=0,h=0");
        assertTrue(deep.invalidFor(28, 28).contains("smaller than its 3x3 kernel"), deep.invalidFor(28, 28));
        assertTrue(assertThrows(CompressionException.class, () -> SearchNets.cv(deep, 1, 28, 28, 10, C)).getMessage()
                .contains("invalid for 28x28"));
        assertThrows(CompressionException.class, () -> SearchNets.parseCv("cvnet:c=8-16,b=1,k=3,t=plain,bn=0,h=0"));
        assertThrows(CompressionException.class, () -> SearchNets.parseCv("cvnet:c=8,b=1,k=4,t=plain,bn=0,h=0"));
        assertThrows(CompressionException.class, () -> SearchNets.parseNlp("nlpnet:e=8,enc=gru,h=8,l=1"));
        assertThrows(CompressionException.class, () -> SearchNets.parseNlp("nlpnet:e=8,enc=attn,h=7,l=1"));
        assertThrows(CompressionException.class, () -> Tasks.checkArchitecture(new NlpTask(), "cvnet:c=8,b=1,k=3,t=plain,bn=0,h=0"));
    }

    @Test
    void everyTextEncoderBuildsAndRunsThroughTheTask() {
        NlpTask nlp = new NlpTask();
        TaskData td = nlp.fromTexts(Synthetic.texts(60, 4), 3, "syn", null);
        for (String enc : SearchNets.ENCODERS) {
            String spec = "nlpnet:e=8,enc=" + enc + ",h=8,l=" + (enc.equals("mean") ? 1 : 2);
            assertEquals(spec, Tasks.checkArchitecture(nlp, spec));
            ComputationGraph g = nlp.build(spec, td, C);
            long[] out = g.outputSingle(false, td.test().make(new int[] {0, 1}).getFeatures()).shape();
            assertArrayEquals(new long[] {2, 2}, out, spec);
        }
    }

    @Test
    void textSpecsTakeKernelPoolingAndDropout() {
        NlpTask nlp = new NlpTask();
        TaskData td = nlp.fromTexts(Synthetic.texts(60, 4), 3, "syn", null);
        String spec = "nlpnet:e=8,enc=cnn,h=6,l=1,k=3,pool=meanmax,drop=50";
        assertEquals(spec, Tasks.checkArchitecture(nlp, spec));
        ComputationGraph g = nlp.build(spec, td, C);
        // max and mean of the 6 filters side by side: the output layer reads 12 features
        assertEquals(12 * 2 + 2, g.getLayer("output").numParams());
        assertEquals(8 * 6 * 3 + 6, g.getLayer("enc1").numParams());
        assertEquals(0.5, ((org.deeplearning4j.nn.conf.dropout.Dropout) g.getLayer("output").conf().getLayer()
                .getIDropout()).getP(), 0);
        assertArrayEquals(new long[] {2, 2}, g.outputSingle(false, td.test().make(new int[] {0, 1}).getFeatures()).shape());
        // the defaults are not written, so that older specs read back unchanged
        assertEquals("nlpnet:e=8,enc=cnn,h=6,l=1", SearchNets.parseNlp("nlpnet:e=8,enc=cnn,h=6,l=1,k=5,pool=max")
                .toString());
        assertEquals("nlpnet:e=8,enc=attn,h=6,l=1,pool=max", SearchNets.parseNlp("nlpnet:e=8,enc=attn,h=6,l=1,pool=max")
                .toString());
        for (String bad : List.of("nlpnet:e=8,enc=cnn,h=6,l=1,pool=sum", "nlpnet:e=8,enc=lstm,h=6,l=1,k=3",
                "nlpnet:e=8,enc=cnn,h=6,l=1,drop=95", "nlpnet:e=8,enc=cnn,h=6,l=1,k=0", "nlpnet:e=8,enc=cnn,h=6,l=1,x=1")) {
            assertThrows(CompressionException.class, () -> SearchNets.parseNlp(bad), bad);
        }
    }
}
