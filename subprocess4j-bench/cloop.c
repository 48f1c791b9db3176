/* The floor for the comparisons: posix_spawn + waitpid in a loop, optionally reading the
 * child's stdout through a pipe. Prints the median per-call time in microseconds.
 * Usage: cloop N true|echo */
#define _GNU_SOURCE
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static int cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double now_us(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 1000;
    int echo = argc > 2 && strcmp(argv[2], "echo") == 0;
    char *true_args[] = {"/bin/true", NULL};
    char *echo_args[] = {"/bin/echo", "test", NULL};
    double *t = malloc(sizeof(double) * n);
    for (int i = 0; i < n; i++) {
        double a = now_us();
        pid_t pid;
        int st;
        if (!echo) {
            if (posix_spawn(&pid, "/bin/true", NULL, NULL, true_args, environ)) return 1;
        } else {
            int p[2];
            if (pipe2(p, 02000000)) return 1;
            posix_spawn_file_actions_t fa;
            posix_spawn_file_actions_init(&fa);
            posix_spawn_file_actions_adddup2(&fa, p[1], 1);
            if (posix_spawn(&pid, "/bin/echo", &fa, NULL, echo_args, environ)) return 1;
            posix_spawn_file_actions_destroy(&fa);
            close(p[1]);
            char buf[4096];
            while (read(p[0], buf, sizeof buf) > 0) {
            }
            close(p[0]);
        }
        waitpid(pid, &st, 0);
        t[i] = now_us() - a;
    }
    qsort(t, n, sizeof(double), cmp);
    printf("%.1f\n", t[n / 2]);
    return 0;
}
