/*
 * libsubprocess4j.so: the spawn of subprocess4j's Linux backend (the default one, and the only one
 * that sets a child up between the clone and the exec).
 *
 * sp4j_spawn clones the calling process the way glibc's posix_spawn and CPython's
 * _posixsubprocess do (clone with CLONE_VM | CLONE_VFORK, on a stack of its own): the child
 * shares the JVM's memory until it executes the program, and the calling thread sleeps until
 * then. That costs about what posix_spawn costs, and lets the child do what posix_spawn cannot:
 * resource limits, the umask, passing fds, the parent-death signal.
 *
 * Two ways to get the child its fd table:
 *  - SP4J_SHARED_TABLE, the default spawn (SharedFdTable.java): the clone adds CLONE_FILES, so
 *    the kernel copies nothing, and the child's first act is close_range(slot_limit, ~0U,
 *    CLOSE_RANGE_UNSHARE) (Linux 5.9): a table of its own holding fds 0 .. slot_limit-1 only.
 *    Its redirects were dup3'd by the caller into low reserved slots below slot_limit. A failed
 *    step is reported into the caller's struct sp4j_report, which the child shares (CLONE_VM),
 *    read once the child's exit has woken the caller (CLONE_VFORK). A probe spawn (SP4J_PROBE)
 *    only checks that the unshare works, once per JVM.
 *  - without it (passed fds, closeFds(false), a user or group change): the kernel copies the
 *    table at the clone, and a failed step is reported on a close-on-exec error pipe, whose end
 *    of file means the program was executed (with the helper: once the helper executed it).
 * Without this library (no C code for the platform, or the unshare unsupported), the backend
 * starts a child that needs none of this with posix_spawn instead (LinuxBackend.posixSpawn).
 *
 * The child's pidfd comes from the clone itself (CLONE_PIDFD, Linux 5.2): there is no moment
 * when the JVM knows the pid without a handle on the process. A pid alone is not one: with
 * SIGCHLD ignored (SIG_IGN or SA_NOCLDWAIT) the kernel reaps a child at its exit, and its pid may
 * belong to another process by the time pidfd_open(pid) runs. Nothing here signals a pid.
 *
 * The JVM loads this library from a sealed memfd, else a private file removed at once
 * (ChildSetupFiles.java), and also calls sp4j_syscall, its plain system-call entry, for its own
 * system calls, and sp4j_find_program for a PATH lookup (SpawnChecks.java).
 *
 * Rules for the child (everything reached from child_main):
 *  - it is async-signal-safe and more: it makes raw system calls only (rawsys.h), never a glibc
 *    function that could take a lock another JVM thread holds, or write errno (the child shares
 *    the cloning thread's TLS);
 *  - every signal is blocked (with the raw rt_sigprocmask) before the clone, so no JVM handler
 *    ever runs in the child; the child resets the dispositions, then empties the mask just
 *    before execve;
 *  - it changes no credential: a CLONE_VM child that changes uid/gid makes the kernel mark the
 *    whole JVM non-dumpable for good. User and group changes go through the exec'd helper
 *    (helper.c) instead: this child executes the helper, which changes them in its own memory;
 *  - errors are one struct sp4j_report (on the error pipe, or in the caller's memory with
 *    SP4J_SHARED_TABLE), then exit 127.
 */
#define _GNU_SOURCE
#include "protocol.h"
#include "rawsys.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x00001000 /* <linux/sched.h>, Linux 5.2 */
#endif
#ifndef CLOSE_RANGE_UNSHARE
#define CLOSE_RANGE_UNSHARE (1U << 1) /* <linux/close_range.h>, Linux 5.9 */
#endif

#define CHILD_STACK_SIZE (64 * 1024)
#define ALL_SIGNALS (~0UL)

/*
 * The child's stacks, kept for the next spawns rather than mapped and unmapped at each: in the
 * JVM's many-threaded memory an munmap costs a TLB shoot-down on every CPU that ran one of its
 * threads, and a fresh mapping a page fault (and a zeroed page) for each page the child touches.
 * A stack is free again once clone returns (CLONE_VFORK: the child has executed its program or
 * exited, and no longer uses this memory). At most STACK_POOL idle stacks are kept (512 KiB of
 * address space, of which the few pages a child touches are resident); a spawn that finds none
 * idle maps one, and one returned to a full pool is unmapped. Lock-free: concurrent spawns each
 * take a different slot's stack with an atomic exchange.
 */
#define STACK_POOL 8
static void *stack_pool[STACK_POOL];
static long stacks_mapped; /* stacks ever mapped: sp4j_stacks_mapped, for the tests */

static void *take_stack(void)
{
    for (int i = 0; i < STACK_POOL; i++) {
        if (__atomic_load_n(&stack_pool[i], __ATOMIC_RELAXED) != NULL) {
            void *s = __atomic_exchange_n(&stack_pool[i], NULL, __ATOMIC_ACQUIRE);
            if (s != NULL) {
                return s;
            }
        }
    }
    void *s = mmap(NULL, CHILD_STACK_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    if (s != MAP_FAILED) {
        __atomic_add_fetch(&stacks_mapped, 1, __ATOMIC_RELAXED);
    }
    return s;
}

static void give_stack(void *s)
{
    for (int i = 0; i < STACK_POOL; i++) {
        void *expected = NULL;
        if (__atomic_compare_exchange_n(&stack_pool[i], &expected, s, 0, __ATOMIC_RELEASE, __ATOMIC_RELAXED)) {
            return;
        }
    }
    munmap(s, CHILD_STACK_SIZE);
}

struct child_args {
    const struct sp4j_spec *spec;
    int err_fd;                  /* the error pipe's write end, or -1: report into *report */
    struct sp4j_report *report;  /* the caller's, for a child without an error pipe (SP4J_SHARED_TABLE) */
    volatile int failed;         /* set by such a child before it writes *report and exits */
    volatile int unshared;       /* set by an SP4J_PROBE child once its close_range(CLOSE_RANGE_UNSHARE) worked */
    int handlers_cleared;        /* the clone reset every handled signal to SIG_DFL (CLONE_CLEAR_SIGHAND) */
    long src[3];                 /* the source fd of each SP4J_REDIRECT_DUP (a slot with SP4J_SHARED_TABLE) */
};

/*
 * clone3 with CLONE_CLEAR_SIGHAND (Linux 5.5): the kernel resets every handled signal of the
 * child to SIG_DFL before the child runs (an ignored one stays ignored), so no JVM handler can
 * ever run in it, and the child needs not read each disposition (62 system calls on the path
 * the caller waits on). glibc has no clone3 wrapper, so the child's side is a few instructions
 * here: clone3 returns 0 on the child's own stack, where nothing of the caller's frame is, and
 * the child calls child_main and exits. x86_64 only (the build here cannot test another
 * assembly); elsewhere, and where the kernel or a seccomp filter refuses clone3 or the flag
 * (ENOSYS, EPERM, EINVAL, E2BIG: Docker's default filter answers ENOSYS), the spawn takes glibc's
 * clone, and the first refusal turns clone3 off for the rest of the JVM's life. Returns the pid,
 * or -errno; -ENOSYS for "use clone".
 */
#ifndef CLONE_CLEAR_SIGHAND
#define CLONE_CLEAR_SIGHAND 0x100000000ULL /* <linux/sched.h>, Linux 5.5 */
#endif
#ifndef SYS_clone3
#define SYS_clone3 435 /* the same number on x86_64 and aarch64 */
#endif

struct sp4j_clone_args { /* struct clone_args of <linux/sched.h>, its first version (64 bytes, Linux 5.3) */
    uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
};

/* 0: not tried yet, 1: works, -1: refused, or turned off by the tests (sp4j_clone3): use clone. */
static int clone3_state;

static int child_main(void *arg);

#if defined(__x86_64__)
static long raw_clone3(struct sp4j_clone_args *ca, int (*fn)(void *), void *arg)
{
    /* The child gets the caller's registers but rax (0) and rsp (the top of its stack, 16-byte
       aligned): r12 and r13 carry fn and arg into it, and the call leaves rsp as the ABI wants. */
    register long r12 __asm__("r12") = (long)fn;
    register long r13 __asm__("r13") = (long)arg;
    long ret;
    __asm__ volatile("syscall\n\t"
                     "test %%rax, %%rax\n\t"
                     "jnz 1f\n\t"
                     "xor %%ebp, %%ebp\n\t"
                     "mov %%r13, %%rdi\n\t"
                     "call *%%r12\n\t"
                     "mov %%eax, %%edi\n\t"
                     "mov $60, %%eax\n\t" /* SYS_exit */
                     "syscall\n\t"
                     "ud2\n"
                     "1:"
                     : "=a"(ret)
                     : "a"((long)SYS_clone3), "D"(ca), "S"((long)sizeof *ca), "r"(r12), "r"(r13)
                     : "rcx", "r11", "memory", "cc");
    return ret;
}
#endif

static int clone3_clearing_handlers(unsigned long flags, void *stack, struct child_args *args, int *pidfd)
{
#if defined(__x86_64__)
    if (__atomic_load_n(&clone3_state, __ATOMIC_RELAXED) < 0) {
        return -ENOSYS;
    }
    struct sp4j_clone_args ca = {0};
    ca.flags = flags | CLONE_CLEAR_SIGHAND;
    ca.pidfd = (uint64_t)(uintptr_t)pidfd;
    ca.exit_signal = SIGCHLD;
    ca.stack = (uint64_t)(uintptr_t)stack;
    ca.stack_size = CHILD_STACK_SIZE;
    args->handlers_cleared = 1;
    long pid = raw_clone3(&ca, child_main, args);
    if (pid == -ENOSYS || pid == -EPERM || pid == -EINVAL || pid == -E2BIG) {
        args->handlers_cleared = 0;
        __atomic_store_n(&clone3_state, -1, __ATOMIC_RELAXED);
        return -ENOSYS;
    }
    if (pid > 0) {
        __atomic_store_n(&clone3_state, 1, __ATOMIC_RELAXED);
    }
    return (int)pid;
#else
    (void)flags, (void)stack, (void)args, (void)pidfd, (void)clone3_state;
    return -ENOSYS;
#endif
}

/* ------------------------------------------------------------------ the child (raw syscalls only) */

static void child_fail(struct child_args *a, int step, long negative_errno, long detail)
{
    struct sp4j_report r;
    r.step = step;
    r.error = (int32_t)-negative_errno;
    r.detail = (int32_t)detail;
    if (a->err_fd < 0) {
        /* The caller sleeps until this child exits (CLONE_VFORK) and shares its memory (CLONE_VM):
           it reads the report once the exit below has woken it, as glibc's posix_spawn does. */
        *a->report = r;
        a->failed = 1;
    } else {
        long n;
        do {
            n = sp4j_sys3(SYS_write, a->err_fd, &r, sizeof r);
        } while (n == -EINTR);
    }
    for (;;) {
        sp4j_sys1(SYS_exit_group, 127);
    }
}

/* Clears close-on-exec: the fd survives execve. */
static long child_keep_open(int fd)
{
    return sp4j_sys3(SYS_fcntl, fd, F_SETFD, 0);
}

/*
 * The fd limit (RLIMIT_NOFILE's soft limit, at most 2^20): the bound of the close loop below. Read
 * only when close_range failed, so never on Linux 5.9+; the child changes its own limits last,
 * after every close, so this is still the JVM's limit.
 */
static unsigned int child_nofile(void)
{
    struct { unsigned long cur, max; } nofile = {1024, 1024};
    sp4j_sys4(SYS_prlimit64, 0, RLIMIT_NOFILE, 0, &nofile);
    return nofile.cur > (1U << 20) ? (1U << 20) : (unsigned int)nofile.cur;
}

/*
 * Closes [from, to] (inclusive): close_range (Linux 5.9), else one close per fd below the limit
 * (slow, for old kernels only).
 */
static void child_close_between(unsigned int from, unsigned int to)
{
    if (from > to) {
        return;
    }
    if (sp4j_sys3(SYS_close_range, from, to, 0) == 0) {
        return;
    }
    unsigned int nofile = child_nofile();
    if (nofile == 0) {
        return;
    }
    if (to >= nofile) {
        to = nofile - 1;
    }
    for (unsigned int fd = from; fd <= to && fd >= from; fd++) {
        sp4j_sys1(SYS_close, fd);
    }
}

/*
 * Closes every fd >= 3 except the pass_fds (ascending), the error pipe and the helper's fd
 * (exec_fd; each of the two may be -1).
 */
static void child_close_others(const struct sp4j_spec *s, int err_fd, int exec_fd)
{
    unsigned int from = 3;
    int64_t i = 0;
    for (;;) {
        /* the lowest fd >= from to keep */
        while (i < s->npass_fds && s->pass_fds[i] < (int64_t)from) {
            i++;
        }
        long keep = i < s->npass_fds ? (long)s->pass_fds[i] : -1;
        if (err_fd >= (long)from && (keep < 0 || err_fd < keep)) {
            keep = err_fd;
        }
        if (exec_fd >= (long)from && (keep < 0 || exec_fd < keep)) {
            keep = exec_fd;
        }
        if (keep < 0) {
            break;
        }
        child_close_between(from, (unsigned int)keep - 1);
        from = (unsigned int)keep + 1;
    }
    child_close_between(from, ~0U);
}

/*
 * Signal dispositions as posix_spawn's POSIX_SPAWN_SETSIGDEF leaves them: a signal with a
 * handler goes back to SIG_DFL (the handler is JVM code: it must never run here), an ignored one
 * stays ignored, and glibc's two internal real-time signals (32, 33) are ignored, as posix_spawn
 * sets them; with SP4J_RESTORE_SIGNALS every signal 1-31 is SIG_DFL, ignored ones too. SIGKILL
 * and SIGSTOP cannot change.
 *
 * When the clone cleared the handlers itself (clone3 with CLONE_CLEAR_SIGHAND: every handled
 * signal is SIG_DFL from the child's first instruction, an ignored one stays ignored), no
 * disposition needs reading: 1-31 are set to SIG_DFL without looking (SP4J_RESTORE_SIGNALS; a
 * read would cost the same system call), and 32, 33 to SIG_IGN. Else each signal is read and the
 * handled ones are reset: 62 reads, ~17 us that the caller, asleep until the exec, waits for.
 */
static void child_reset_signals(const struct sp4j_spec *s, struct child_args *a)
{
    struct sp4j_kernel_sigaction dfl = {SIG_DFL, 0, NULL, 0};
    struct sp4j_kernel_sigaction ign = {SIG_IGN, 0, NULL, 0};
    int restore = (s->flags & SP4J_RESTORE_SIGNALS) != 0;
    for (int sig = 1; sig <= 64; sig++) {
        if (sig == SIGKILL || sig == SIGSTOP) {
            continue;
        }
        const struct sp4j_kernel_sigaction *set = NULL;
        if (sig == 32 || sig == 33) {
            set = &ign;
        } else if (restore && sig <= 31) {
            set = &dfl;
        } else if (a->handlers_cleared) {
            if (sig > 33) {
                break; /* 34-64: SIG_DFL or SIG_IGN already, as they should stay */
            }
            continue; /* 1-31 without SP4J_RESTORE_SIGNALS: the same */
        } else {
            struct sp4j_kernel_sigaction old;
            if (sp4j_sys4(SYS_rt_sigaction, sig, NULL, &old, 8) < 0) {
                continue; /* a number this kernel does not have */
            }
            if (old.handler != SIG_DFL && old.handler != SIG_IGN) {
                set = &dfl;
            }
        }
        if (set != NULL) {
            long rc = sp4j_sys4(SYS_rt_sigaction, sig, set, NULL, 8);
            if (rc < 0) {
                child_fail(a, SP4J_STEP_SIGNALS, rc, sig);
            }
        }
    }
}

/* Sets up fd 0, 1 and 2 of the child. */
static void child_redirect(const struct sp4j_spec *s, struct child_args *a)
{
    long src[3];
    long rc;
    /* A source among 0-2 may be overwritten by an earlier target: move it above 2 first. */
    for (int i = 0; i < 3; i++) {
        src[i] = a->src[i];
        if (s->redirect_kind[i] == SP4J_REDIRECT_DUP && src[i] < 3 && src[i] != i) {
            rc = sp4j_sys3(SYS_fcntl, src[i], F_DUPFD_CLOEXEC, 3);
            if (rc < 0) {
                child_fail(a, SP4J_STEP_FDS, rc, src[i]);
            }
            src[i] = rc;
        }
    }
    for (int i = 0; i < 3; i++) {
        switch (s->redirect_kind[i]) {
        case SP4J_REDIRECT_DUP:
            rc = src[i] == i ? child_keep_open(i) : sp4j_sys3(SYS_dup3, src[i], i, 0);
            if (rc < 0) {
                child_fail(a, SP4J_STEP_FDS, rc, s->redirect_fd[i]);
            }
            break;
        case SP4J_REDIRECT_STDOUT:
            rc = sp4j_sys3(SYS_dup3, 1, i, 0);
            if (rc < 0) {
                child_fail(a, SP4J_STEP_FDS, rc, 1);
            }
            break;
        default: /* SP4J_REDIRECT_INHERIT */
            break;
        }
    }
}

/* Whether a SP4J_SHARED_TABLE child takes none of fds 0-2 from a slot (no SP4J_REDIRECT_DUP of another fd). */
static int takes_no_slot(const struct sp4j_spec *s)
{
    for (int i = 0; i < 3; i++) {
        if (s->redirect_kind[i] == SP4J_REDIRECT_DUP && s->redirect_fd[i] != i) {
            return 0;
        }
    }
    return s->npass_fds == 0 && !(s->flags & SP4J_HELPER);
}

/*
 * The child, from the clone to the exec: it shares the JVM's memory, so it must be
 * async-signal-safe and more: raw system calls only, no allocation, no lock, no errno.
 */
static int child_main(void *arg)
{
    struct child_args *a = arg;
    const struct sp4j_spec *s = a->spec;
    int err_fd = a->err_fd;
    long rc;
    int closed_above_2 = 0; /* the unshare below kept fds 0-2 only */
    if (s->flags & SP4J_SHARED_TABLE) {
        /*
         * The first act, before any fd is touched: this child still shares the JVM's fd table
         * (CLONE_FILES). Closing every fd from slot_limit up with CLOSE_RANGE_UNSHARE gives it a
         * table of its own into which the kernel copies fds 0 .. slot_limit-1 only (fs/file.c:
         * __close_range passes that range as dup_fd's hole), however many fds the JVM holds.
         * Below slot_limit are 0-2, this spawn's slots, and whatever else the JVM had there:
         * every fd >= 3 is closed again below. Nothing was changed yet if this fails.
         *
         * A child that takes no fd from a slot (each of 0-2 inherited, or stderr onto stdout:
         * Subprocess.run("/bin/true")) keeps 0-2 only, and so needs no second close: the kernel
         * copies fds 0-2 into its table, not the JVM's first slot_limit fds (one system call and
         * ~60 file references taken and dropped less per spawn).
         */
        unsigned int keep_below = (unsigned int)s->slot_limit;
        if (!(s->flags & SP4J_PROBE) && takes_no_slot(s)) {
            keep_below = 3;
            closed_above_2 = 1;
        }
        rc = sp4j_sys3(SYS_close_range, keep_below, ~0U, CLOSE_RANGE_UNSHARE);
        if (rc < 0) {
            child_fail(a, SP4J_STEP_FDS, rc, SP4J_DETAIL_UNSHARE);
        }
        if (s->flags & SP4J_PROBE) {
            /* Said in shared memory, not by the exit status, which is lost when SIGCHLD is ignored. */
            a->unshared = 1;
            for (;;) {
                sp4j_sys1(SYS_exit_group, 0);
            }
        }
    }
    /*
     * The order of Python's _posixsubprocess and Rust's std::process: fds, directory, session or
     * group, (credentials: the helper), umask, and the resource limits last, just before the exec,
     * so that no limit (NOFILE 0, say) can break a step before it.
     */
    child_redirect(s, a);
    for (int64_t i = 0; i < s->npass_fds; i++) {
        rc = child_keep_open((int)s->pass_fds[i]);
        if (rc < 0) {
            child_fail(a, SP4J_STEP_FDS, rc, s->pass_fds[i]);
        }
    }
    if (s->cwd != NULL) {
        rc = sp4j_sys1(SYS_chdir, s->cwd);
        if (rc < 0) {
            child_fail(a, SP4J_STEP_CHDIR, rc, 0);
        }
    }
    if (s->flags & SP4J_SETSID) {
        rc = sp4j_sys0(SYS_setsid);
        if (rc < 0) {
            child_fail(a, SP4J_STEP_SETSID, rc, 0);
        }
    }
    if (s->flags & SP4J_CTTY) {
        /* A session leader without a terminal: this one becomes its controlling terminal (the
           JVM's own, if any, is not touched: setsid above left it). */
        rc = sp4j_sys3(SYS_ioctl, s->ctty_fd, TIOCSCTTY, 0);
        if (rc < 0) {
            child_fail(a, SP4J_STEP_SETSID, rc, SP4J_DETAIL_CTTY);
        }
    }
    if (s->flags & SP4J_SETPGID) {
        rc = sp4j_sys2(SYS_setpgid, 0, s->pgid);
        if (rc < 0) {
            child_fail(a, SP4J_STEP_SETPGID, rc, s->pgid);
        }
    }
    if (s->flags & SP4J_UMASK) {
        sp4j_sys1(SYS_umask, s->umask); /* cannot fail; with the helper, the credential change after it changes nothing of it */
    }
    if ((s->flags & SP4J_CLOSE_FDS) && !closed_above_2) {
        /* with no error pipe (-1) and no helper: every fd >= 3 */
        child_close_others(s, err_fd, (s->flags & SP4J_HELPER) ? (int)s->exec_fd : -1);
    }
    child_reset_signals(s, a);

    if (s->flags & SP4J_HELPER) {
        /* The helper changes the credentials and reports on the same pipe: keep it open. */
        rc = child_keep_open(err_fd);
        if (rc < 0) {
            child_fail(a, SP4J_STEP_HELPER, rc, 0);
        }
        /* The helper is the open file exec_fd (a sealed memfd, or a file the JVM wrote, opened and
           checked): executed through the fd, never looked up by a name someone could swap. */
        rc = sp4j_sys5(SYS_execveat, s->exec_fd, "", s->argv, s->envp, AT_EMPTY_PATH);
        child_fail(a, SP4J_STEP_HELPER, rc, 0);
    }
    if (s->flags & SP4J_PDEATHSIG) {
        rc = sp4j_sys2(SYS_prctl, PR_SET_PDEATHSIG, SIGKILL);
        if (rc < 0) {
            child_fail(a, SP4J_STEP_PDEATHSIG, rc, 0);
        }
        /* The JVM may have died before the line above: then nobody would kill us. */
        if (sp4j_sys0(SYS_getppid) != s->parent_pid) {
            sp4j_sys1(SYS_exit_group, 127);
        }
    }
    /* Last: setrlimit here, in the child only (the JVM's limits never change); with the helper,
       the spec has none and the helper sets them after the credential change. */
    for (int64_t i = 0; i < s->nrlimits; i++) {
        struct { unsigned long cur, max; } lim;
        long resource = (long)s->rlimits[3 * i];
        lim.cur = (unsigned long)s->rlimits[3 * i + 1]; /* -1 is RLIM_INFINITY */
        lim.max = (unsigned long)s->rlimits[3 * i + 2];
        rc = sp4j_sys4(SYS_prlimit64, 0, resource, &lim, 0);
        if (rc < 0) {
            child_fail(a, SP4J_STEP_RLIMIT, rc, resource);
        }
    }
    unsigned long none = 0;
    sp4j_sys4(SYS_rt_sigprocmask, SIG_SETMASK, &none, NULL, 8);
    rc = sp4j_sys3(SYS_execve, s->path, s->argv, s->envp);
    /* A signal that arrives here is handled by its default action, as in the program. */
    unsigned long all = ALL_SIGNALS;
    sp4j_sys4(SYS_rt_sigprocmask, SIG_SETMASK, &all, NULL, 8);
    child_fail(a, SP4J_STEP_EXEC, rc, 0);
    return 127;
}

/* ------------------------------------------------------------------ the parent (the JVM's thread) */

static void parent_fail(struct sp4j_report *report, int step, int error, long detail)
{
    report->step = step;
    report->error = error;
    report->detail = (int32_t)detail;
}

/* Puts the placeholder back into the slots of streams 0 .. n-1 that were filled for this spawn. */
static void restore_slots(const struct sp4j_spec *spec, const int *filled, int n)
{
    for (int i = 0; i < n; i++) {
        if (filled[i]) {
            dup3((int)spec->placeholder_fd, (int)spec->slot[i], O_CLOEXEC);
        }
    }
}

/*
 * SP4J_SHARED_TABLE, before the clone: the DUP source of each stream into its slot (close-on-exec:
 * a concurrent exec elsewhere in the JVM never inherits it), so that the child finds it below
 * slot_limit. The caller owns these slots until it returns. Returns 0, or -1 with *report filled.
 */
static int fill_slots(const struct sp4j_spec *spec, struct child_args *args, int *filled,
                      struct sp4j_report *report)
{
    if (spec->npass_fds != 0 || (spec->flags & SP4J_HELPER) || !(spec->flags & SP4J_CLOSE_FDS)) {
        parent_fail(report, SP4J_STEP_FDS, EINVAL, -2); /* the caller's bug */
        return -1;
    }
    for (int i = 0; i < 3; i++) {
        long src = spec->redirect_fd[i];
        if (spec->redirect_kind[i] != SP4J_REDIRECT_DUP || src == i) {
            continue; /* nothing to move: fd i itself (0-2 are below slot_limit) */
        }
        int e = 0;
        if (spec->slot[i] < 3 || spec->slot[i] >= spec->slot_limit) {
            e = EINVAL; /* the caller's bug */
        } else if (src == spec->slot[i]) {
            e = EBADF; /* a number the caller does not own: the library's slot */
        } else if (dup3((int)src, (int)spec->slot[i], O_CLOEXEC) < 0) {
            e = errno; /* EBADF: the source is not open */
        }
        if (e != 0) {
            restore_slots(spec, filled, i);
            parent_fail(report, SP4J_STEP_FDS, e, src);
            return -1;
        }
        filled[i] = 1;
        args->src[i] = spec->slot[i];
    }
    return 0;
}

static int spawn(const struct sp4j_spec *spec, struct sp4j_report *report, int32_t *pidfd_out);

__attribute__((visibility("default")))
long sp4j_spawn(long spec_address, long report_address, long pidfd_address, long unused4, long unused5,
                long unused6, long unused7)
{
    (void)unused4, (void)unused5, (void)unused6, (void)unused7;
    return spawn((const struct sp4j_spec *)(uintptr_t)spec_address, (struct sp4j_report *)(uintptr_t)report_address,
                 (int32_t *)(uintptr_t)pidfd_address);
}

/* How many child stacks this library ever mapped (the pool above keeps that bounded): for the tests.
   The shape of sp4j_syscall, so that the JVM calls it through the same kind of stub. */
__attribute__((visibility("default")))
long sp4j_stacks_mapped(long unused1, long unused2, long unused3, long unused4, long unused5, long unused6,
                        long unused7)
{
    (void)unused1, (void)unused2, (void)unused3, (void)unused4, (void)unused5, (void)unused6, (void)unused7;
    return __atomic_load_n(&stacks_mapped, __ATOMIC_RELAXED);
}

/* For the tests: op 0 reads how children are cloned (1: clone3 clearing the handlers, -1: glibc's
   clone, 0: no spawn yet); op 1 turns clone3 off for the JVM's life, op 2 lets the next spawn try it
   again. Returns the state before. The shape of sp4j_syscall. */
__attribute__((visibility("default")))
long sp4j_clone3(long op, long unused2, long unused3, long unused4, long unused5, long unused6, long unused7)
{
    (void)unused2, (void)unused3, (void)unused4, (void)unused5, (void)unused6, (void)unused7;
    int before = __atomic_load_n(&clone3_state, __ATOMIC_RELAXED);
    if (op == 1) {
        __atomic_store_n(&clone3_state, -1, __ATOMIC_RELAXED);
    } else if (op == 2) {
        __atomic_store_n(&clone3_state, 0, __ATOMIC_RELAXED);
    }
    return before;
}

__attribute__((visibility("default")))
long sp4j_syscall(long number, long a1, long a2, long a3, long a4, long a5, long a6)
{
    return syscall(number, a1, a2, a3, a4, a5, a6);
}

/* Runs on the calling JVM thread, not in a child: glibc's stat and access are fine here. */
__attribute__((visibility("default")))
long sp4j_find_program(long candidates_address, long count, long unused3, long unused4, long unused5,
                       long unused6, long unused7)
{
    (void)unused3, (void)unused4, (void)unused5, (void)unused6, (void)unused7;
    const char *candidate = (const char *)(uintptr_t)candidates_address;
    int denied = 0;
    for (long i = 0; i < count; i++) {
        struct stat st;
        if (stat(candidate, &st) == 0 && S_ISREG(st.st_mode)) {
            if (access(candidate, X_OK) == 0) {
                return i;
            }
            denied = 1;
        }
        candidate += strlen(candidate) + 1;
    }
    return denied ? -1 : -2;
}

/*
 * Waits for a failed child (it exits at once) and closes its pidfd. Returns 0 with its status, or
 * -1 when the kernel reaped it already (SIGCHLD ignored: ECHILD). The pid is that of our own
 * child, not reaped by anyone before this wait: waitpid cannot take someone else's process.
 */
static int reap(int pid, int pidfd, int *status)
{
    int rc;
    while ((rc = waitpid(pid, status, 0)) < 0 && errno == EINTR) {
    }
    close(pidfd);
    return rc < 0 ? -1 : 0;
}

/*
 * A dup-type redirect or a pass fd that was not open when the error pipe was made may have become
 * the pipe: then it is not the caller's fd. Kept, it would give the program the pipe (as its
 * stdout, say: its output read as a report, the caller blocked until it ends). EBADF, as for a
 * closed fd. Returns the fd at fault, or -1.
 */
static long names_error_pipe(const struct sp4j_spec *spec, const int *pipe_fds)
{
    for (int i = 0; i < 3; i++) {
        long fd = spec->redirect_fd[i];
        if (spec->redirect_kind[i] == SP4J_REDIRECT_DUP && (fd == pipe_fds[0] || fd == pipe_fds[1])) {
            return fd;
        }
    }
    for (int64_t i = 0; i < spec->npass_fds; i++) {
        if (spec->pass_fds[i] == pipe_fds[0] || spec->pass_fds[i] == pipe_fds[1]) {
            return (long)spec->pass_fds[i];
        }
    }
    return -1;
}

static int spawn(const struct sp4j_spec *spec, struct sp4j_report *report, int32_t *pidfd_out)
{
    int shared = (spec->flags & SP4J_SHARED_TABLE) != 0;
    int pidfd = -1;
    *pidfd_out = -1;
    int pipe_fds[2] = {(int)spec->err_read_fd, (int)spec->err_write_fd};
    int filled[3] = {0, 0, 0};
    struct child_args args = {spec, shared ? -1 : pipe_fds[1], report, 0, 0, 0,
                              {spec->redirect_fd[0], spec->redirect_fd[1], spec->redirect_fd[2]}};
    parent_fail(report, 0, 0, 0);
    if (shared) {
        if (fill_slots(spec, &args, filled, report) != 0) {
            return -1;
        }
    }
    long taken = shared ? -1 : names_error_pipe(spec, pipe_fds);
    if (taken >= 0) {
        close(pipe_fds[0]);
        close(pipe_fds[1]);
        parent_fail(report, SP4J_STEP_FDS, EBADF, taken);
        return -1;
    }
    void *stack = take_stack();
    if (stack == MAP_FAILED) {
        int e = errno;
        if (shared) {
            restore_slots(spec, filled, 3);
        } else {
            close(pipe_fds[0]);
            close(pipe_fds[1]);
        }
        parent_fail(report, SP4J_STEP_EXEC, e, 0);
        return -1;
    }

    /* Block every signal (raw: glibc's sigprocmask would leave its internal ones open): the child
       starts with this mask and empties it just before its exec, so a signal sent to it while it
       is set up waits until then (docs/semantics.md) and, with glibc's clone, none of the JVM's
       handlers can run in it before it has reset them. */
    unsigned long all = ALL_SIGNALS;
    unsigned long old = 0;
    sp4j_sys4(SYS_rt_sigprocmask, SIG_SETMASK, &all, &old, 8);
    unsigned long clone_flags = CLONE_VM | CLONE_VFORK | CLONE_PIDFD | (shared ? CLONE_FILES : 0);
    int clone_errno = 0;
    int pid = clone3_clearing_handlers(clone_flags, stack, &args, &pidfd);
    if (pid < 0) {
        clone_errno = -pid;
    }
    if (pid == -ENOSYS) {
        /* CLONE_PIDFD: the kernel stores the child's pidfd (close-on-exec) in pidfd, the parent_tid
           argument. */
        pid = clone(child_main, (char *)stack + CHILD_STACK_SIZE, (int)clone_flags | SIGCHLD, &args, &pidfd);
        clone_errno = errno;
    }
    sp4j_sys4(SYS_rt_sigprocmask, SIG_SETMASK, &old, NULL, 8);

    give_stack(stack); /* the child has executed its program or exited: the stack is free */
    if (shared) {
        /* The child has a table of its own now (or is gone): the slots are free again. */
        restore_slots(spec, filled, 3);
        if (pid < 0) {
            parent_fail(report, SP4J_STEP_EXEC, clone_errno, 0);
            return -1;
        }
        if (!args.failed && !(spec->flags & SP4J_PROBE)) {
            *pidfd_out = pidfd;
            return pid;
        }
        int status = 0;
        reap(pid, pidfd, &status); /* the status is not needed: lost when the kernel reaped the child */
        if (args.failed) {
            return -1;
        }
        if (args.unshared) {
            return pid; /* the probe: close_range(CLOSE_RANGE_UNSHARE) works here */
        }
        parent_fail(report, SP4J_STEP_FDS, ENOSYS, SP4J_DETAIL_UNSHARE);
        return -1;
    }
    close(pipe_fds[1]);
    if (pid < 0) {
        close(pipe_fds[0]);
        parent_fail(report, SP4J_STEP_EXEC, clone_errno, 0);
        return -1;
    }
    /* End of file: the program was executed. Else the child reports, then exits. With the
       helper this waits until the helper has executed the program. */
    struct sp4j_report r;
    size_t got = 0;
    while (got < sizeof r) {
        ssize_t n = read(pipe_fds[0], (char *)&r + got, sizeof r - got);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            break;
        }
        got += (size_t)n;
    }
    close(pipe_fds[0]);
    if (got == 0) {
        *pidfd_out = pidfd;
        return pid;
    }
    if (got == sizeof r) {
        *report = r;
    } else {
        parent_fail(report, SP4J_STEP_HELPER, EPROTO, 0);
    }
    int status;
    reap(pid, pidfd, &status);
    return -1;
}
