package dev.subprocess4j;

import dev.subprocess4j.internal.Backend;
import dev.subprocess4j.internal.BackendSelector;

class LinuxSignalContractTest extends SignalContract {
    @Override
    protected Backend backend() {
        return BackendSelector.byName("linux-native");
    }
}
