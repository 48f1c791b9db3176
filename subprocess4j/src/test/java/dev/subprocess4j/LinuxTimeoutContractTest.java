package dev.subprocess4j;

import dev.subprocess4j.internal.Backend;
import dev.subprocess4j.internal.BackendSelector;

class LinuxTimeoutContractTest extends TimeoutContract {
    @Override
    protected Backend backend() {
        return BackendSelector.byName("linux-native");
    }
}
