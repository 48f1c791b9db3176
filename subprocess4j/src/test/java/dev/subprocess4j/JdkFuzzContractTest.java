package dev.subprocess4j;

import dev.subprocess4j.internal.Backend;
import dev.subprocess4j.internal.BackendSelector;

class JdkFuzzContractTest extends FuzzContract {
    @Override
    protected Backend backend() {
        return BackendSelector.byName("jdk");
    }

    /** One child per case through ProcessBuilder costs several times a native spawn: 200 such cases here. */
    @Override
    protected int casesPerBatch(String property) {
        return property.equals("fuzz-cwd") || property.equals("fuzz-redirects") ? 4 : PER_BATCH;
    }
}
