package org.jvmcompress.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.jvmcompress.core.runtime.Backend;
import org.jvmcompress.core.runtime.Engine;
import org.jvmcompress.core.runtime.Engines;
import org.jvmcompress.core.task.Architectures;

/** The engine is found through ServiceLoader and chosen by what it says it can run, per backend and per network. */
class EngineChoiceTest {
    @BeforeAll
    static void init() {
        Backend.init();
    }

    @Test
    void foundAndAvailableOnTheCpuBackend() {
        List<Engine> all = Engines.all();
        assertEquals(1, all.size());
        assertInstanceOf(OneDnnEngine.class, all.get(0));
        assertNull(all.get(0).unavailableReason(), "oneDNN loads on the CPU backend");
        assertEquals(all, Engines.available());
    }

    @Test
    void eachNetworkGetsARuntimeOrAReason() {
        ComputationGraph cnn = Architectures.cvStudent(1, 28, 28, 10, FloatRuntimeTest.C);
        assertInstanceOf(FloatRuntime.class, Engines.inference(cnn));
        assertNotNull(Engines.trainer(cnn));
        ComputationGraph attention = org.jvmcompress.core.task.SearchNets.nlp(org.jvmcompress.core.task.SearchNets
                .parseNlp("nlpnet:e=16,enc=attn,h=8,l=1"), 300, 40, 2, FloatRuntimeTest.C);
        Engine.Capability<?> attn = new OneDnnEngine().inference(attention);
        assertNull(attn.runtime());
        assertTrue(attn.whyNot().contains("SelfAttentionLayer"), attn.whyNot());
        assertNull(Engines.inference(attention), "DL4J runs what no engine runs");
    }

    @Test
    void dl4jModeLeavesEverythingToDl4j() {
        System.setProperty(FloatRuntime.PROPERTY, "dl4j");
        try {
            assertNull(Engines.inference(Architectures.cvStudent(1, 28, 28, 10, FloatRuntimeTest.C)));
        } finally {
            System.clearProperty(FloatRuntime.PROPERTY);
        }
    }
}
