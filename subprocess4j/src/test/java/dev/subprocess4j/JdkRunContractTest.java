package dev.subprocess4j;

import dev.subprocess4j.internal.Backend;
import dev.subprocess4j.internal.jdk.JdkBackend;

class JdkRunContractTest extends RunContract {
    @Override
    protected Backend backend() {
        return JdkBackend.INSTANCE;
    }
}
