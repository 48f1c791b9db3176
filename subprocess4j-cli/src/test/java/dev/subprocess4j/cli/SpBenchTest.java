package dev.subprocess4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class SpBenchTest {

    @Test
    @Timeout(60)
    void benchReportsEveryContenderWithTheLibraryAsTheReference() {
        SpRunTest.Sp r = SpRunTest.sp("bench", "-n", "12", "--warmup", "2", "--json", "--", "/bin/echo", "hi");
        assertThat(r.status()).isZero();
        Map<String, Object> json = r.json();
        assertThat(json).containsEntry("calls", new BigDecimal(12)).containsKey("ProcessBuilder");
        String lib = json.keySet().stream().filter(k -> k.startsWith("subprocess4j (")).findFirst().orElseThrow();
        @SuppressWarnings("unchecked")
        Map<String, Object> libStats = (Map<String, Object>) json.get(lib);
        assertThat(libStats).containsEntry("ratio_to_subprocess4j", "1.00");
        assertThat((BigDecimal) libStats.get("median_us")).isPositive();
    }

    @Test
    @Timeout(60)
    void benchTableNamesTheCommand() {
        SpRunTest.Sp r = SpRunTest.sp("bench", "-n", "3", "--warmup", "0");
        assertThat(r.status()).isZero();
        assertThat(r.out()).startsWith("3 calls of echo test").contains("ProcessBuilder", "median", "p90");
    }

    @Test
    void badCountsAreRefused() {
        assertThat(SpRunTest.sp("bench", "-n", "0").status()).isEqualTo(2);
    }
}
