package dev.subprocess4j;

import dev.subprocess4j.internal.Backend;
import dev.subprocess4j.internal.BackendSelector;

class LinuxFuzzContractTest extends FuzzContract {
    @Override
    protected Backend backend() {
        return BackendSelector.byName("linux-native");
    }
}
