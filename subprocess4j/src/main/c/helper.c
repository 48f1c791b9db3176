/*
 * subprocess4j-helper: the credential step of subprocess4j's child-setup path.
 *
 * The in-process child (spawn.c) has done every other step (session, umask, directory, fds,
 * signal dispositions) and executes this program instead of the target, with the target's
 * environment and the argv described in protocol.h. Here, in a process of its own (no memory
 * shared with the JVM any more), it sets the supplementary groups, then the gid, then the uid
 * (after it the others are no longer allowed), arranges the parent-death signal (which a
 * credential change clears), sets the resource limits last (so that they bind the program and
 * not this helper, and as the new user, as Python's preexec_fn and Rust's pre_exec do), and
 * executes the target. A failure is reported on the error pipe
 * as struct sp4j_report, then the helper exits with 127.
 *
 * Why not in the CLONE_VM child: a process that changes its uid/gid while sharing the JVM's
 * memory makes the kernel mark that memory, the whole JVM, non-dumpable for good.
 *
 * This is an ordinary single-threaded process, so glibc's wrappers are safe here. Every signal
 * is still blocked (the in-process child left them so); the mask is emptied just before execve.
 */
#define _GNU_SOURCE
#include "protocol.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#define MAX_GROUPS 65536 /* NGROUPS_MAX of Linux since 2.6.4 */

static gid_t groups[MAX_GROUPS];
static gid_t current_groups[MAX_GROUPS];

static int err_fd = -1;

static void fail(int step, int error, long detail)
{
    if (err_fd >= 0) {
        struct sp4j_report r;
        r.step = step;
        r.error = error;
        r.detail = (int32_t)detail;
        ssize_t n;
        do {
            n = write(err_fd, &r, sizeof r);
        } while (n < 0 && errno == EINTR);
    }
    _exit(127);
}

/* A decimal argument; anything else is a broken protocol. */
static unsigned long number(const char *text)
{
    if (text == NULL || *text < '0' || *text > '9') {
        fail(SP4J_STEP_HELPER, EINVAL, 0);
    }
    char *end;
    errno = 0;
    unsigned long value = strtoul(text, &end, 10);
    if (errno != 0 || *end != '\0') {
        fail(SP4J_STEP_HELPER, EINVAL, 0);
    }
    return value;
}

/* A limit: a decimal number, or -1 for RLIM_INFINITY. */
static rlim_t limit(const char *text)
{
    if (text != NULL && strcmp(text, "-1") == 0) {
        return RLIM_INFINITY;
    }
    return (rlim_t)number(text);
}

/* Whether the process already has exactly these supplementary groups (in any order). */
static int has_groups(const gid_t *wanted, int n)
{
    int have = getgroups(MAX_GROUPS, current_groups);
    if (have != n) {
        return 0;
    }
    for (int i = 0; i < n; i++) {
        int found = 0;
        for (int j = 0; j < have && !found; j++) {
            found = current_groups[j] == wanted[i];
        }
        if (!found) {
            return 0;
        }
    }
    return 1;
}

int main(int argc, char **argv, char **envp)
{
    if (argc < 11) {
        _exit(127); /* not started by subprocess4j: no pipe to report to */
    }
    err_fd = (int)number(argv[2]);
    if (fcntl(err_fd, F_SETFD, FD_CLOEXEC) != 0) {
        _exit(127);
    }
    if (number(argv[1]) != SP4J_PROTOCOL_VERSION) {
        fail(SP4J_STEP_HELPER, EPROTO, 0);
    }
    unsigned long flags = number(argv[3]);
    pid_t parent = (pid_t)number(argv[4]);
    uid_t uid = (uid_t)number(argv[5]);
    gid_t gid = (gid_t)number(argv[6]);
    unsigned long ngroups = number(argv[7]);
    if (ngroups > MAX_GROUPS || (unsigned long)argc < 11 + ngroups) {
        fail(SP4J_STEP_HELPER, EINVAL, 0);
    }
    for (unsigned long i = 0; i < ngroups; i++) {
        groups[i] = (gid_t)number(argv[8 + i]);
    }
    unsigned long nlimits = number(argv[8 + ngroups]);
    if (nlimits > 64 || (unsigned long)argc < 11 + ngroups + 3 * nlimits) {
        fail(SP4J_STEP_HELPER, EINVAL, 0);
    }
    char **limits = &argv[9 + ngroups];
    char *program = argv[9 + ngroups + 3 * nlimits];
    char **program_argv = &argv[10 + ngroups + 3 * nlimits];

    /* setgroups needs CAP_SETGID; without it, having the right groups already is fine. */
    if ((flags & SP4J_HELPER_SETGROUPS) && setgroups(ngroups, groups) != 0) {
        int e = errno;
        if (e != EPERM || !has_groups(groups, (int)ngroups)) {
            fail(SP4J_STEP_SETGROUPS, e, 0);
        }
    }
    /* All three ids (real, effective, saved), so the program cannot switch back. */
    if ((flags & SP4J_HELPER_SETGID) && setresgid(gid, gid, gid) != 0) {
        fail(SP4J_STEP_SETGID, errno, gid);
    }
    if ((flags & SP4J_HELPER_SETUID) && setresuid(uid, uid, uid) != 0) {
        fail(SP4J_STEP_SETUID, errno, uid);
    }
    if (flags & SP4J_HELPER_PDEATHSIG) {
        /* After the credential change, which clears it (man 2 prctl, PR_SET_PDEATHSIG). */
        if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) {
            fail(SP4J_STEP_PDEATHSIG, errno, 0);
        }
        if (getppid() != parent) {
            _exit(127); /* the JVM died already: nobody would kill us */
        }
    }
    /* The program's resource limits, last (as Python's preexec_fn and Rust's pre_exec run after the
       credential change), so that they bind the program and not this helper: a new user may lower a
       hard limit but not raise it. */
    for (unsigned long i = 0; i < nlimits; i++) {
        int resource = (int)number(limits[3 * i]);
        struct rlimit lim;
        lim.rlim_cur = limit(limits[3 * i + 1]);
        lim.rlim_max = limit(limits[3 * i + 2]);
        if (setrlimit(resource, &lim) != 0) {
            fail(SP4J_STEP_RLIMIT, errno, resource);
        }
    }

    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    execve(program, program_argv, envp);
    int e = errno;
    sigset_t all;
    sigfillset(&all);
    sigprocmask(SIG_SETMASK, &all, NULL);
    fail(SP4J_STEP_EXEC, e, 0);
    return 127;
}
