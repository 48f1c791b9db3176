/* The floor for P4: start N `sleep 1000` children from one thread (stdout to /dev/null, or to a
 * pipe per child with "pipe"), then SIGKILL each and reap them all. Prints seconds to start all,
 * seconds from the first kill to the last child reaped, and the peak RSS in KiB (VmHWM: getrusage's
 * ru_maxrss would report the parent's, which exec keeps).
 * Usage: cscale N [pipe|null] [pidfd|pidfd-shared]
 * With "pidfd" it also holds a pidfd per child and closes every fd from 3 up in each new child
 * (posix_spawn_file_actions_addclosefrom_np, glibc 2.34), as the library did before its shared-table
 * spawn: the kernel's cost of that design, where each new child copies and then closes an fd table
 * of N live pidfds. With "pidfd-shared" it holds the pidfds too but spawns as the library does now:
 * clone(CLONE_VM | CLONE_VFORK | CLONE_FILES), and the child's first act is
 * close_range(slot + 1, ~0U, CLOSE_RANGE_UNSHARE), which copies only fds 0 .. slot into its own table;
 * the parent dup3s the child's stdout into that low slot before each spawn. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <sys/mman.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#ifndef CLOSE_RANGE_UNSHARE
#define CLOSE_RANGE_UNSHARE (1U << 1)
#endif

static int slot; /* a low fd that holds the next child's stdout */
static char *sleep_args[] = {"/bin/sleep", "1000", NULL};

/* The shared-table child: raw system calls only (it shares the parent's memory and, until the
   close_range, its fd table). */
static int shared_child(void *unused) {
    (void)unused;
    if (syscall(SYS_close_range, slot + 1, ~0U, CLOSE_RANGE_UNSHARE) != 0) syscall(SYS_exit_group, 126);
    syscall(SYS_dup3, slot, 1, 0);
    syscall(SYS_close_range, 3, ~0U, 0);
    syscall(SYS_execve, sleep_args[0], sleep_args, environ);
    syscall(SYS_exit_group, 127);
    return 127;
}

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
    int n = atoi(argv[1]);
    int piped = argc > 2 && strcmp(argv[2], "pipe") == 0;
    int pidfds = argc > 3 && strncmp(argv[3], "pidfd", 5) == 0;
    int shared = argc > 3 && strcmp(argv[3], "pidfd-shared") == 0;
    char *args[] = {"/bin/sleep", "1000", NULL};
    int devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
    slot = fcntl(devnull, F_DUPFD_CLOEXEC, 3);
    char *stack = mmap(NULL, 65536, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    int *fds = calloc(n, sizeof(int));
    pid_t *pids = calloc(n, sizeof(pid_t));
    double a = now();
    for (int i = 0; i < n; i++) {
        posix_spawn_file_actions_t fa;
        posix_spawn_file_actions_init(&fa);
        int p[2] = {-1, -1};
        if (piped) {
            if (pipe2(p, O_CLOEXEC)) { perror("pipe2"); return 1; }
            posix_spawn_file_actions_adddup2(&fa, p[1], 1);
        } else {
            posix_spawn_file_actions_adddup2(&fa, devnull, 1);
        }
        if (pidfds) posix_spawn_file_actions_addclosefrom_np(&fa, 3);
        if (shared) {
            dup3(piped ? p[1] : devnull, slot, O_CLOEXEC);
            pids[i] = clone(shared_child, stack + 65536, CLONE_VM | CLONE_VFORK | CLONE_FILES | SIGCHLD, NULL);
            dup3(devnull, slot, O_CLOEXEC);
            if (pids[i] < 0) { perror("clone"); return 1; }
        } else if (posix_spawn(&pids[i], "/bin/sleep", &fa, NULL, args, environ)) { perror("posix_spawn"); return 1; }
        posix_spawn_file_actions_destroy(&fa);
        if (pidfds && syscall(SYS_pidfd_open, pids[i], 0) < 0) { perror("pidfd_open"); return 1; }
        if (piped) {
            close(p[1]);
            fds[i] = p[0];
        }
    }
    double started = now() - a;
    double b = now();
    for (int i = 0; i < n; i++) kill(pids[i], SIGKILL);
    for (int i = 0; i < n; i++) {
        int st;
        wait(&st);
    }
    double reaped = now() - b;
    long hwm = -1;
    char line[256];
    FILE *status = fopen("/proc/self/status", "r");
    while (status && fgets(line, sizeof line, status))
        if (strncmp(line, "VmHWM:", 6) == 0) hwm = atol(line + 6);
    if (status) fclose(status);
    printf("%.2f %.2f %ld\n", started, reaped, hwm);
    for (int i = 0; i < n && piped; i++) close(fds[i]);
    return 0;
}
