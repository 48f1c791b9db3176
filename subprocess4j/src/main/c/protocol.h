/*
 * The contract between the JVM and the child-setup C code of subprocess4j: the spawn spec the
 * JVM fills in (struct sp4j_spec, read by the in-process library libsubprocess4j.so), the
 * argv of the exec'd helper (subprocess4j-helper, used for credential changes), and the
 * (step, errno) report a failing child writes to the error pipe before it exits with 127.
 *
 * Every value here is also spelled out on the Java side; each block says where. Change both
 * sides together.
 */
#ifndef SP4J_PROTOCOL_H
#define SP4J_PROTOCOL_H

#include <stdint.h>

/*
 * The step that failed. Keep in sync with dev.subprocess4j.SpawnException.Step: the numbers
 * are the ordinals of that enum, in the same order.
 */
enum sp4j_step {
    SP4J_STEP_EXEC = 0,
    SP4J_STEP_CHDIR = 1,
    SP4J_STEP_OPEN_REDIRECT = 2,
    SP4J_STEP_SETSID = 3,
    SP4J_STEP_SETPGID = 4,
    SP4J_STEP_RLIMIT = 5,
    SP4J_STEP_UMASK = 6,
    SP4J_STEP_SIGNALS = 7,
    SP4J_STEP_SETGROUPS = 8,
    SP4J_STEP_SETGID = 9,
    SP4J_STEP_SETUID = 10,
    SP4J_STEP_PDEATHSIG = 11,
    SP4J_STEP_FDS = 12,
    SP4J_STEP_HELPER = 13
};

/*
 * What a failing child writes to the error pipe, in one write (atomic: below PIPE_BUF).
 * detail says which value failed: the fd for FDS, the
 * RLIMIT_* resource for RLIMIT, else 0. A successful exec closes the pipe (it is close-on-exec):
 * the parent reads end-of-file. Keep in sync with ChildSetup.REPORT_* (Java).
 */
struct sp4j_report {
    int32_t step;
    int32_t error;
    int32_t detail;
};

/* flags of struct sp4j_spec. Keep in sync with ChildSetup.FLAG_* (Java). */
#define SP4J_SETSID           0x01 /* setsid() */
#define SP4J_SETPGID          0x02 /* setpgid(0, pgid) */
#define SP4J_UMASK            0x04 /* umask(umask) */
#define SP4J_RESTORE_SIGNALS  0x08 /* signals 1-31 to SIG_DFL (else only those with handlers) */
#define SP4J_PDEATHSIG        0x10 /* PR_SET_PDEATHSIG(SIGKILL), then check getppid() */
#define SP4J_CLOSE_FDS        0x20 /* close every fd >= 3 but pass_fds (and the error pipe) */
#define SP4J_HELPER           0x40 /* exec_fd is the helper and argv its argv (path is unused): keep the
                                      error pipe open over its exec, done with
                                      execveat(exec_fd, "", argv, envp, AT_EMPTY_PATH) */
#define SP4J_SHARED_TABLE     0x80 /* clone with CLONE_FILES; the child's first act is
                                      close_range(slot_limit, ~0U, CLOSE_RANGE_UNSHARE), so the kernel
                                      copies only fds 0 .. slot_limit-1 into its own table (Linux 5.9).
                                      Every DUP source goes through a slot; no error pipe (the child
                                      writes the report into the caller's memory); every fd >= 3 is
                                      closed; pass_fds, SP4J_HELPER and !SP4J_CLOSE_FDS are refused */
#define SP4J_PROBE            0x100 /* with SP4J_SHARED_TABLE: the child exits 0 right after the unshare,
                                       executing nothing; sp4j_spawn reaps it and returns its pid, or -1
                                       with an SP4J_DETAIL_UNSHARE report (a signal, e.g. a seccomp
                                       filter's SIGSYS, is reported as ENOSYS). The child says it got
                                       past the unshare in the caller's memory, not by its exit status
                                       (lost when SIGCHLD is ignored) */
#define SP4J_CTTY             0x200 /* after SP4J_SETSID: ioctl(ctty_fd, TIOCSCTTY, 0), the terminal on that fd
                                       (0-2, once they are set up) becomes the child's controlling terminal.
                                       A failure is reported as step SETSID with detail SP4J_DETAIL_CTTY */

/* redirect_kind[i]: how fd i (0-2) of the child is set up. Keep in sync with ChildSetup.REDIRECT_*. */
#define SP4J_REDIRECT_INHERIT 0 /* left as the JVM has it */
#define SP4J_REDIRECT_DUP     1 /* dup2(redirect_fd[i], i) */
/* 2 was SP4J_REDIRECT_OPEN (the child opened a file): the JVM opens redirect files now, as a DUP source */
#define SP4J_REDIRECT_STDOUT  3 /* dup2(1, 2) once fd 1 is set up (stderr only) */

/*
 * One spawn, filled in by the JVM. Every field is 8 bytes wide so that the Java side reads its
 * offsets as (index * 8): keep in sync with ChildSetup.SPEC_* (Java). All memory it points to
 * stays valid until sp4j_spawn returns.
 */
struct sp4j_spec {
    const char *path;               /*  0: file to execute: the program (unused with SP4J_HELPER) */
    char *const *argv;              /*  1: its argv, NULL-terminated */
    char *const *envp;              /*  2: the program's environment, NULL-terminated */
    const char *cwd;                /*  3: directory to change to, or NULL */
    int64_t flags;                  /*  4: SP4J_* flags */
    int64_t pgid;                   /*  5: for SP4J_SETPGID: 0 = a new group */
    int64_t umask;                  /*  6: for SP4J_UMASK */
    int64_t parent_pid;             /*  7: the JVM's pid, for the SP4J_PDEATHSIG check */
    int64_t nrlimits;               /*  8: number of triples in rlimits */
    const int64_t *rlimits;         /*  9: (resource, soft, hard) triples; -1 = RLIM_INFINITY */
    int64_t npass_fds;              /* 10: number of fds in pass_fds */
    const int64_t *pass_fds;        /* 11: fds kept open, ascending */
    int64_t redirect_kind[3];       /* 12-14: SP4J_REDIRECT_* for fds 0, 1, 2 */
    int64_t redirect_fd[3];         /* 15-17: source fd for SP4J_REDIRECT_DUP */
    const char *redirect_path[3];   /* 18-20: unused (was the file of SP4J_REDIRECT_OPEN) */
    int64_t redirect_flags[3];      /* 21-23: unused (was its open(2) flags) */
    int64_t err_read_fd;            /* 24: the error pipe (both ends close-on-exec), made by the */
    int64_t err_write_fd;           /* 25: JVM; sp4j_spawn closes both ends. -1 with SP4J_SHARED_TABLE */
    /* SP4J_SHARED_TABLE only: */
    int64_t slot_limit;             /* 26: K: every slot is below it; the child keeps fds 0 .. K-1 only */
    int64_t slot[3];                /* 27-29: a close-on-exec fd below K per stream, owned by this spawn
                                       alone: the DUP source of fd i is dup3'd onto slot[i] before the
                                       clone, and the placeholder onto it again after */
    int64_t placeholder_fd;         /* 30: what a slot holds between spawns (/dev/null) */
    int64_t exec_fd;                /* 31: with SP4J_HELPER: the helper, an open close-on-exec fd of the
                                       JVM (a sealed memfd, else a checked file); kept open through the
                                       closing of fds, closed by the helper's exec itself */
    int64_t ctty_fd;                /* 32: with SP4J_CTTY: which of fds 0-2 holds the pseudo-terminal */
};
#define SP4J_SPEC_FIELDS 33

/* detail of an SP4J_STEP_FDS report: close_range(CLOSE_RANGE_UNSHARE) failed in the child (ENOSYS,
   EINVAL: a kernel before 5.9; EPERM: a seccomp filter). Keep in sync with ChildSetup.DETAIL_UNSHARE. */
#define SP4J_DETAIL_UNSHARE (-1)

/* detail of an SP4J_STEP_SETSID report: ioctl(TIOCSCTTY) failed (SP4J_CTTY). Keep in sync with
   ChildSetup.DETAIL_CTTY. */
#define SP4J_DETAIL_CTTY (-2)

/*
 * Starts a child as the spec says. Returns its pid once it has executed the program (with
 * SP4J_HELPER: once the helper has executed it), and stores in *pidfd (an int32_t) the child's
 * pidfd, made by the clone itself (CLONE_PIDFD; close-on-exec; the caller owns it). Returns -1
 * when a step failed, with *report filled in, the child already reaped and *pidfd -1 (so too
 * for SP4J_PROBE, whose child is reaped here). Closes both ends of the error pipe in every case
 * (with SP4J_SHARED_TABLE there is none; the slots hold the placeholder again on return).
 * Called through java.lang.foreign by the JVM as sp4j_spawn(spec, report, pidfd, 0, 0, 0, 0): the
 * addresses as integers, then four unused zeros. Its shape is sp4j_syscall's, so that the JVM
 * calls both through one downcall stub: each new shape costs a JVM's first spawn ~8 ms of
 * generated code (subprocess4j-cli/README.md, "Start-up").
 */
long sp4j_spawn(long spec_address, long report_address, long pidfd_address, long unused4, long unused5,
                long unused6, long unused7);

/*
 * syscall(2) as a function of seven longs, not a variadic one: the JVM makes every system call
 * through it once this library is loaded (errno as syscall(2) sets it). A variadic downcall costs
 * a JVM's first one ~14 ms more of generated code than a plain one.
 */
long sp4j_syscall(long number, long a1, long a2, long a3, long a4, long a5, long a6);

/* How many stacks for its children sp4j_spawn ever mapped (it keeps up to 8 idle ones for the next
   spawns): sp4j_stacks_mapped(0, 0, 0, 0, 0, 0, 0), for the tests. */
long sp4j_stacks_mapped(long unused1, long unused2, long unused3, long unused4, long unused5, long unused6,
                        long unused7);

/* How sp4j_spawn clones, for the tests: sp4j_clone3(op, 0, 0, 0, 0, 0, 0) returns 1 (clone3 with
   CLONE_CLEAR_SIGHAND), -1 (glibc's clone) or 0 (no spawn yet); op 1 turns clone3 off, op 2 lets
   the next spawn try it again. */
long sp4j_clone3(long op, long unused2, long unused3, long unused4, long unused5, long unused6, long unused7);

/*
 * The look at a PATH lookup's candidates (SpawnChecks.resolveProgram names them, in PATH's order):
 * sp4j_find_program(candidates, count, 0, 0, 0, 0, 0), candidates being count NUL-terminated paths
 * one after the other. Returns the index of the first that is a regular file (stat(2): links
 * followed) this process may execute (access(2), X_OK: the real ids); else -1 when one of them is
 * a regular file it may not execute (EACCES), else -2 (ENOENT): SpawnChecks.DENIED and NOT_FOUND.
 * Keep in sync with SpawnChecks.FILES, which does the same through java.nio.file.
 */
long sp4j_find_program(long candidates_address, long count, long unused3, long unused4, long unused5,
                       long unused6, long unused7);

/* The protocol version: the helper checks argv[1] against it. Keep in sync with ChildSetup.VERSION. */
#define SP4J_PROTOCOL_VERSION 1

/*
 * The helper's argv, after the in-process child has done every step but the credentials and
 * PR_SET_PDEATHSIG (which a credential change clears):
 *
 *   argv[0]  "subprocess4j-helper"
 *   argv[1]  SP4J_PROTOCOL_VERSION, in decimal
 *   argv[2]  the error pipe's fd (the helper sets close-on-exec on it again)
 *   argv[3]  HELPER_* flags, in decimal
 *   argv[4]  the parent's pid (for HELPER_PDEATHSIG)
 *   argv[5]  uid (for HELPER_SETUID)
 *   argv[6]  gid (for HELPER_SETGID)
 *   argv[7]  n, the number of supplementary groups (for HELPER_SETGROUPS; 0 drops them all)
 *   argv[8 .. 8+n)      the supplementary gids
 *   argv[8+n]           m, the number of resource limits
 *   argv[9+n .. 9+n+3m) (resource, soft, hard) triples; -1 is RLIM_INFINITY
 *   argv[9+n+3m]        the program to execute
 *   argv[10+n+3m ..]    its argv, up to the terminating NULL
 *
 * The resource limits are set by the helper, last (after the credential change, as Python and
 * Rust do), not by the in-process child (whose spec then has
 * none), so that they bind the program and not the helper: an address-space or stack limit too
 * small for the helper would otherwise kill it before it could report anything.
 * The environment of the helper is the program's. Keep in sync with ChildSetupSpawner.helperArgv (Java).
 */
#define SP4J_HELPER_SETGROUPS 0x1
#define SP4J_HELPER_SETGID    0x2
#define SP4J_HELPER_SETUID    0x4
#define SP4J_HELPER_PDEATHSIG 0x8

#endif
