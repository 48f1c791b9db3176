package dev.subprocess4j;

import dev.subprocess4j.internal.Backend;
import dev.subprocess4j.internal.jdk.JdkBackend;

class JdkPipelineContractTest extends PipelineContract {
    @Override
    protected Backend backend() {
        return JdkBackend.INSTANCE;
    }

    /** The JDK reports a death by signal N as 128+N; only signals the library sent become -N (DESIGN.md). */
    @Override
    protected int returnCodeForSignalNotSentByTheLibrary(Signal signal) {
        return 128 + signal.number();
    }
}
