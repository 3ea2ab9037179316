package org.jvmcompress.core.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class PrefetcherTest {
    @Test
    void deliversEverythingInOrder() {
        Prefetcher<Integer> p = new Prefetcher<>(List.of(1, 2, 3, 4, 5).iterator(), 2);
        List<Integer> got = new ArrayList<>();
        p.forEachRemaining(got::add);
        assertEquals(List.of(1, 2, 3, 4, 5), got);
        assertFalse(p.hasNext());
    }

    @Test
    @Timeout(10)
    void aFailureWhileMakingABatchReachesTheConsumer() {
        AtomicInteger n = new AtomicInteger();
        Prefetcher<Integer> p = Prefetcher.of(() -> {
            int i = n.incrementAndGet();
            if (i == 3) {
                throw new IllegalArgumentException("bad batch 3");
            }
            return i;
        }, 2);
        assertEquals(1, p.next());
        assertEquals(2, p.next());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, p::hasNext);
        assertEquals("bad batch 3", e.getMessage());
    }
}
