/*
 * System calls without the C library, for code that runs in a child sharing the JVM's memory
 * (clone with CLONE_VM): glibc's wrappers may take locks, signal every thread (setuid and
 * friends) or write errno, which that child shares with the thread that cloned it. These
 * return the kernel's result: a value >= 0, or -errno.
 */
#ifndef SP4J_RAWSYS_H
#define SP4J_RAWSYS_H

#include <sys/syscall.h>

#if defined(__x86_64__)

static inline long sp4j_sys6(long n, long a, long b, long c, long d, long e, long f)
{
    register long r10 __asm__("r10") = d;
    register long r8 __asm__("r8") = e;
    register long r9 __asm__("r9") = f;
    long ret;
    __asm__ volatile("syscall"
                     : "=a"(ret)
                     : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
                     : "rcx", "r11", "memory");
    return ret;
}

#elif defined(__aarch64__)

static inline long sp4j_sys6(long n, long a, long b, long c, long d, long e, long f)
{
    register long x8 __asm__("x8") = n;
    register long x0 __asm__("x0") = a;
    register long x1 __asm__("x1") = b;
    register long x2 __asm__("x2") = c;
    register long x3 __asm__("x3") = d;
    register long x4 __asm__("x4") = e;
    register long x5 __asm__("x5") = f;
    __asm__ volatile("svc 0"
                     : "+r"(x0)
                     : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4), "r"(x5)
                     : "memory");
    return x0;
}

#else
#error "subprocess4j's child-setup code supports x86_64 and aarch64 only"
#endif

#define sp4j_sys0(n) sp4j_sys6((n), 0, 0, 0, 0, 0, 0)
#define sp4j_sys1(n, a) sp4j_sys6((n), (long)(a), 0, 0, 0, 0, 0)
#define sp4j_sys2(n, a, b) sp4j_sys6((n), (long)(a), (long)(b), 0, 0, 0, 0)
#define sp4j_sys3(n, a, b, c) sp4j_sys6((n), (long)(a), (long)(b), (long)(c), 0, 0, 0)
#define sp4j_sys4(n, a, b, c, d) sp4j_sys6((n), (long)(a), (long)(b), (long)(c), (long)(d), 0, 0)
#define sp4j_sys5(n, a, b, c, d, e) sp4j_sys6((n), (long)(a), (long)(b), (long)(c), (long)(d), (long)(e), 0)

/*
 * The kernel's struct sigaction (not glibc's): man 2 rt_sigaction. x86_64 has sa_restorer;
 * arm64 has it too (its uapi defines SA_RESTORER), so the layout is the same on both.
 */
struct sp4j_kernel_sigaction {
    void *handler;
    unsigned long flags;
    void *restorer;
    unsigned long mask;
};

#endif
