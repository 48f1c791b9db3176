package dev.subprocess4j;

import dev.subprocess4j.internal.Backend;
import dev.subprocess4j.internal.BackendSelector;

class LinuxBytesContractTest extends BytesContract {
    @Override
    protected Backend backend() {
        return BackendSelector.byName("linux-native");
    }
}
