package dev.subprocess4j;

import dev.subprocess4j.internal.Backend;
import dev.subprocess4j.internal.BackendSelector;

class JdkSecretContractTest extends SecretContract {
    @Override
    protected Backend backend() {
        return BackendSelector.byName("jdk");
    }
}
