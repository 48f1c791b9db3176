package dev.subprocess4j;

import dev.subprocess4j.internal.Backend;
import dev.subprocess4j.internal.BackendSelector;

class LinuxPayloadPropertyContractTest extends PayloadPropertyContract {
    @Override
    protected Backend backend() {
        return BackendSelector.byName("linux-native");
    }
}
