/*
 * The native spawn alone, without the JVM: loads a build of libsubprocess4j.so (dlopen), installs
 * handlers for the signals a JVM handles (1, 3, 4, 7, 8, 11, 12, 13, 15, 25, 62), then starts
 * /bin/true N times with sp4j_spawn as the library's default spawn does (shared fd table, every fd
 * from 3 closed, restoreSignals(true)) and reaps each child with waitid(P_PIDFD). Prints the 10th
 * percentile and the median of the time sp4j_spawn takes (from the clone until the child's exec
 * releases the caller: what the child does before its exec is on this path) and of spawn + wait.
 * Compare two builds by running them alternately; the 10th percentile moves least with the load.
 *
 * Build: cc -O2 -I subprocess4j/src/main/c -o spawnloop subprocess4j-bench/spawnloop.c -ldl
 * Usage: spawnloop LIBRARY.so N
 * (the library's .so: unzip -p subprocess4j.jar dev/subprocess4j/native/linux-x86_64/libsubprocess4j.so > lib.so
 * or build it with subprocess4j/src/main/c/build.sh DIR)
 */
#define _GNU_SOURCE
#include "protocol.h"
#include <dlfcn.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

typedef long (*spawn_fn)(long, long, long, long, long, long, long);
extern char **environ;

static double now_us(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void handler(int sig)
{
    (void)sig;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: spawnloop LIBRARY.so N\n");
        return 2;
    }
    int n = atoi(argv[2]);
    void *lib = dlopen(argv[1], RTLD_NOW);
    if (lib == NULL || n <= 0) {
        fprintf(stderr, "spawnloop: %s\n", lib == NULL ? dlerror() : "N must be positive");
        return 2;
    }
    spawn_fn spawn = (spawn_fn)dlsym(lib, "sp4j_spawn");
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = handler;
    int handled[] = {1, 3, 4, 7, 8, 11, 12, 13, 15, 25, 62};
    for (unsigned i = 0; i < sizeof handled / sizeof handled[0]; i++) {
        sigaction(handled[i], &sa, NULL);
    }
    char *child_argv[] = {"/bin/true", NULL};
    struct sp4j_spec spec;
    memset(&spec, 0, sizeof spec);
    spec.path = "/bin/true";
    spec.argv = child_argv;
    spec.envp = environ;
    spec.flags = SP4J_SHARED_TABLE | SP4J_CLOSE_FDS | SP4J_RESTORE_SIGNALS;
    spec.err_read_fd = spec.err_write_fd = -1;
    spec.slot_limit = 3; /* every redirect inherited: no slot used */
    spec.placeholder_fd = spec.exec_fd = spec.ctty_fd = -1;
    double *clone_to_exec = malloc(n * sizeof(double));
    double *total = malloc(n * sizeof(double));
    for (int i = 0; i < n; i++) {
        struct sp4j_report report;
        int32_t pidfd = -1;
        double t0 = now_us();
        long pid = spawn((long)&spec, (long)&report, (long)&pidfd, 0, 0, 0, 0);
        double t1 = now_us();
        if (pid < 0) {
            fprintf(stderr, "spawnloop: step %d failed: errno %d\n", report.step, report.error);
            return 1;
        }
        siginfo_t info;
        syscall(SYS_waitid, 3 /* P_PIDFD */, pidfd, &info, WEXITED, NULL);
        close(pidfd);
        clone_to_exec[i] = t1 - t0;
        total[i] = now_us() - t0;
    }
    qsort(clone_to_exec, n, sizeof(double), by_value);
    qsort(total, n, sizeof(double), by_value);
    printf("%s: sp4j_spawn (clone to exec) p10 %.1f us, median %.1f us; spawn + wait p10 %.1f us, median %.1f us\n",
           argv[1], clone_to_exec[n / 10], clone_to_exec[n / 2], total[n / 10], total[n / 2]);
    return 0;
}
