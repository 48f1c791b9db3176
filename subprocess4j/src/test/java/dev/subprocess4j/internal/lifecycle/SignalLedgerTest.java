package dev.subprocess4j.internal.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;

import dev.subprocess4j.Signal;
import org.junit.jupiter.api.Test;

class SignalLedgerTest {
    @Test
    void aStatusOf128PlusASignalSentReadsAsMinusTheSignal() {
        SignalLedger ledger = new SignalLedger();
        ledger.sent(Signal.SIGTERM);
        assertThat(ledger.returnCode(128 + 15)).isEqualTo(-15);
        assertThat(ledger.killedByOurSignal(128 + 15)).isTrue();
    }

    @Test
    void aStatusOf128PlusASignalNeverSentStaysAsItIs() {
        SignalLedger ledger = new SignalLedger();
        ledger.sent(Signal.SIGTERM);
        assertThat(ledger.returnCode(128 + 9)).isEqualTo(137);
        assertThat(ledger.returnCode(0)).isZero();
        assertThat(ledger.returnCode(128)).isEqualTo(128);
        assertThat(ledger.returnCode(255)).isEqualTo(255);
        assertThat(ledger.returnCode(-9)).isEqualTo(-9);
        assertThat(new SignalLedger().returnCode(143)).isEqualTo(143);
    }
}
