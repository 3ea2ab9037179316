package org.jvmcompress.core.data;

import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.function.Supplier;

/**
 * Prepares the next items of an iterator on a background thread. Unlike DL4J's asynchronous iterators, an exception
 * thrown while making an item reaches the consumer (re-thrown by {@link #next()}) instead of leaving it waiting
 * forever.
 */
public final class Prefetcher<T> implements Iterator<T>, AutoCloseable {
    private static final Object END = new Object();

    private final BlockingQueue<Object> queue;
    private final Thread thread;
    private Object head;

    /** A failure on the background thread, carried to the consumer. */
    private record Failure(RuntimeException error) {}

    public Prefetcher(Iterator<T> source, int depth) {
        this.queue = new ArrayBlockingQueue<>(Math.max(1, depth));
        this.thread = new Thread(() -> {
            try {
                while (source.hasNext()) {
                    queue.put(source.next());
                }
                queue.put(END);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException | Error e) {
                RuntimeException r = e instanceof RuntimeException re ? re : new RuntimeException(e);
                try {
                    queue.put(new Failure(r));
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                }
            }
        }, "prefetch");
        thread.setDaemon(true);
        thread.start();
    }

    /** Items from a supplier until it returns null. */
    public static <T> Prefetcher<T> of(Supplier<T> next, int depth) {
        return new Prefetcher<>(new Iterator<>() {
            private T peek;
            private boolean done;

            @Override
            public boolean hasNext() {
                if (peek == null && !done) {
                    peek = next.get();
                    done = peek == null;
                }
                return peek != null;
            }

            @Override
            public T next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                T out = peek;
                peek = null;
                return out;
            }
        }, depth);
    }

    private Object head() {
        if (head == null) {
            try {
                head = queue.take();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for the next batch", e);
            }
        }
        if (head instanceof Failure f) {
            throw f.error();
        }
        return head;
    }

    @Override
    public boolean hasNext() {
        return head() != END;
    }

    @Override
    @SuppressWarnings("unchecked")
    public T next() {
        Object h = head();
        if (h == END) {
            throw new NoSuchElementException();
        }
        head = null;
        return (T) h;
    }

    /** Stops the background thread (when the consumer leaves early). */
    @Override
    public void close() {
        thread.interrupt();
    }
}
