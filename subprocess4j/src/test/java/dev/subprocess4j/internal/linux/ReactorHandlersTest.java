package dev.subprocess4j.internal.linux;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.function.IntConsumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The reactor's handlers by token ({@link ReactorHandlers}): a removed token never finds a
 * handler again, also once its slot holds another registration; tokens are unique among live
 * ones, never 0 (the wake-up's) and never negative (an unregistered channel's).
 */
class ReactorHandlersTest {
    @Test
    void aRemovedTokenFindsNothingAlsoWhenItsSlotIsUsedAgain() {
        ReactorHandlers h = new ReactorHandlers();
        IntConsumer first = e -> { };
        IntConsumer second = e -> { };
        long a = h.add(first);
        assertThat(h.get(a)).isSameAs(first);
        h.remove(a);
        assertThat(h.get(a)).isNull();
        long b = h.add(second); // the same slot, a new generation
        assertThat(b).isNotEqualTo(a);
        assertThat(h.get(a)).as("the old token").isNull();
        assertThat(h.get(b)).isSameAs(second);
        h.remove(a); // removing the old token again leaves the new registration alone
        assertThat(h.get(b)).isSameAs(second);
        assertThat(h.made()).isEqualTo(2);
        assertThat(h.get(0)).as("the wake-up's token").isNull();
    }

    /** Random adds and removes against a model: every live token finds its handler, every removed one nothing. */
    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 42, 20261206})
    void randomAddsAndRemovesMatchAModel(long seed) {
        System.out.println("ReactorHandlersTest seed " + seed);
        Random random = new Random(seed);
        ReactorHandlers h = new ReactorHandlers();
        List<Long> live = new ArrayList<>();
        List<IntConsumer> liveHandlers = new ArrayList<>();
        List<Long> removed = new ArrayList<>();
        Set<Long> seen = new HashSet<>();
        for (int step = 0; step < 20_000; step++) {
            if (live.isEmpty() || random.nextInt(100) < 55) {
                int[] calls = new int[1]; // captured: each handler is an object of its own
                IntConsumer c = e -> calls[0]++;
                long t = h.add(c);
                assertThat(t).as("a token").isPositive();
                assertThat(seen.add(t)).as("token %d given twice", t).isTrue();
                live.add(t);
                liveHandlers.add(c);
            } else {
                int i = random.nextInt(live.size());
                h.remove(live.get(i));
                removed.add(live.remove(i));
                liveHandlers.remove(i);
            }
        }
        for (int i = 0; i < live.size(); i++) {
            assertThat(h.get(live.get(i))).isSameAs(liveHandlers.get(i));
        }
        for (long t : removed) {
            assertThat(h.get(t)).as("removed token %d", t).isNull();
        }
        assertThat(h.made()).isEqualTo(seen.size());
    }
}
