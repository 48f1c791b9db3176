package dev.subprocess4j;

import dev.subprocess4j.internal.Backend;
import dev.subprocess4j.internal.jdk.JdkBackend;

class JdkPtyContractTest extends PtyContract {
    @Override
    protected Backend backend() {
        return JdkBackend.INSTANCE;
    }
}
