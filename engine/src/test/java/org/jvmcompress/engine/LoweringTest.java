package org.jvmcompress.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.jvmcompress.core.SuiteSetup;
import org.junit.jupiter.api.extension.ExtendWith;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.jvmcompress.core.task.Architectures;
import org.jvmcompress.core.task.SearchNets;

/** The one lowering the float, int8 and training runtimes read: typed nodes, and reasons instead of exceptions. */
@ExtendWith(SuiteSetup.class)
class LoweringTest {
    private static List<String> kinds(Lowering.Lowered lw) {
        return lw.nodes().stream().map(n -> n.getClass().getSimpleName()).toList();
    }

    @Test
    void referenceNetworksLowerToTypedNodes() {
        Lowering.Lowered cnn = Lowering.lower(Architectures.cvStudent(1, 28, 28, 10, FloatRuntimeTest.C)
                .getConfiguration());
        assertNull(cnn.firstUnsupported());
        assertEquals(2, kinds(cnn).stream().filter("Conv"::equals).count(), kinds(cnn).toString());
        Lowering.Node out = cnn.byName().get(cnn.outputs().get(0));
        assertTrue(out instanceof Lowering.Dense d && d.output() && d.out() == 10, out.toString());
        Lowering.Lowered bag = Lowering.lower(Architectures.nlpStudent(300, 40, 2, FloatRuntimeTest.C)
                .getConfiguration());
        assertEquals("Embed", kinds(bag).get(0));
        assertTrue(kinds(bag).contains("GlobalPool"), kinds(bag).toString());
        Lowering.Lowered cnnText = Lowering.lower(SearchNets.nlp(SearchNets.parseNlp("nlpnet:e=16,enc=cnn,h=8,l=1"),
                300, 40, 2, FloatRuntimeTest.C).getConfiguration());
        assertTrue(cnnText.nodes().stream().anyMatch(n -> n instanceof Lowering.Conv c && c.oneD()),
                kinds(cnnText).toString());
    }

    @Test
    void whatNoRuntimeRunsIsANodeWithItsReason() {
        Lowering.Lowered nhwc = Lowering.lower(EngineChoiceTest.channelsLast().getConfiguration());
        Lowering.Unsupported u = nhwc.firstUnsupported();
        assertEquals("conv", u.name());
        assertEquals("channels-last data", u.why());
        Lowering.Lowered attn = Lowering.lower(SearchNets.nlp(SearchNets.parseNlp("nlpnet:e=16,enc=attn,h=8,l=1"),
                300, 40, 2, FloatRuntimeTest.C).getConfiguration());
        assertTrue(attn.nodes().stream().anyMatch(n -> n instanceof Lowering.Other o
                && o.what().contains("SelfAttentionLayer")), kinds(attn).toString());
        assertInstanceOf(Lowering.Embed.class, attn.nodes().get(0));
    }
}
