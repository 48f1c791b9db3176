package dev.subprocess4j;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Runs every test of a {@link BackendContract} once per backend: the class is a JUnit
 * {@link ParameterizedClass} over the backend names of {@code backends()} ({@code linux-native},
 * {@code jdk}; see {@link BackendContract#backends()}), injected into
 * {@link BackendContract#backend()}. Each run's display name is {@code [linux-native]} or
 * {@code [jdk]} (IDEs, the console launcher); Surefire's reports use JUnit's legacy names, which
 * number the runs instead: {@code RunContract[1]} is linux-native and {@code RunContract[2]} jdk,
 * in the order of {@code backends()}. A subclass that runs the contract another way (through a
 * remote launcher) declares its own static {@code backends()}.
 */
@Documented
@Inherited
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
@ParameterizedClass(name = "[{0}]", quoteTextArguments = false)
@MethodSource("backends")
public @interface EveryBackend {}
