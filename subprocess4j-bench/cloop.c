/* The floor for the comparisons: posix_spawn + waitpid in a loop, doing the same work as the Java
 * contenders. Prints the median per-call time in microseconds.
 * Usage: cloop N MODE [ARG]
 *   true            /bin/true
 *   echo            /bin/echo test, stdout read through a pipe
 *   cat [BYTES]     BYTES (default 1 MiB) written into cat and read back, both pipes driven by poll
 *   closefrom [K]   /bin/true with K extra open fds in this process (default 0), which the child
 *                   closes before exec (posix_spawn_file_actions_addclosefrom_np, glibc 2.34),
 *                   as Python's close_fds=True and the library do
 *   read BYTES      head -c BYTES /dev/zero, stdout read in 64 KiB reads (the C reader for P5)
 *   keep BYTES      the same, but every byte kept in one growing buffer (realloc doubling from
 *                   64 KiB, as a C program capturing a child's output does): the floor for
 *                   captureOutput(), which has to keep what it reads */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
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

static void die(const char *what) {
    perror(what);
    exit(1);
}

/* Spawns argv with its stdout (and, when in_fd >= 0, its stdin) on the given pipe ends. */
static pid_t spawn(char **argv, int out_fd, int in_fd, int closefrom) {
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    if (out_fd >= 0) posix_spawn_file_actions_adddup2(&fa, out_fd, 1);
    if (in_fd >= 0) posix_spawn_file_actions_adddup2(&fa, in_fd, 0);
    if (closefrom) posix_spawn_file_actions_addclosefrom_np(&fa, 3);
    pid_t pid;
    int err = posix_spawn(&pid, argv[0], &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (err) {
        errno = err;
        die("posix_spawn");
    }
    return pid;
}

static long read_all(int fd, char *buf, size_t size) {
    long total = 0;
    ssize_t n;
    while ((n = read(fd, buf, size)) > 0) total += n;
    return total;
}

/* Reads fd to its end into one buffer that doubles when full; returns the byte count. The
 * buffer's pages are written, so the kernel faults them in, as a JVM's fresh heap has to. */
static long keep_all(int fd) {
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap);
    if (!buf) die("malloc");
    ssize_t n;
    for (;;) {
        if (len == cap) {
            cap *= 2;
            if (!(buf = realloc(buf, cap))) die("realloc");
        }
        if ((n = read(fd, buf + len, cap - len)) <= 0) break;
        len += (size_t)n;
    }
    if (n < 0) die("read");
    volatile char sink = len ? buf[len - 1] : 0; /* the bytes are used */
    (void)sink;
    free(buf);
    return (long)len;
}

static size_t CAT_SIZE = 1 << 20;

static void cat_once(const char *data, char *back) {
    char *args[] = {"/bin/cat", NULL};
    int in[2], out[2];
    if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC)) die("pipe2");
    pid_t pid = spawn(args, out[1], in[0], 0);
    close(in[0]);
    close(out[1]);
    fcntl(in[1], F_SETFL, O_NONBLOCK);
    size_t written = 0, got = 0;
    struct pollfd p[2] = {{.fd = in[1], .events = POLLOUT}, {.fd = out[0], .events = POLLIN}};
    while (p[1].fd >= 0) {
        if (poll(p, 2, -1) < 0) die("poll");
        if (p[0].fd >= 0 && p[0].revents) {
            ssize_t n = write(in[1], data + written, CAT_SIZE - written);
            if (n > 0) written += n;
            if (n < 0 && errno != EAGAIN) die("write");
            if (written == CAT_SIZE) {
                close(in[1]);
                p[0].fd = -1;
            }
        }
        if (p[1].revents) {
            ssize_t n = read(out[0], back + got, 2 * CAT_SIZE - got);
            if (n < 0) die("read");
            if (n == 0) {
                close(out[0]);
                p[1].fd = -1;
            }
            got += n;
        }
    }
    int st;
    waitpid(pid, &st, 0);
    if (got != CAT_SIZE) {
        fprintf(stderr, "cat: got %zu bytes back\n", got);
        exit(1);
    }
}

int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 1000;
    const char *mode = argc > 2 ? argv[2] : "true";
    char *true_args[] = {"/bin/true", NULL};
    char *echo_args[] = {"/bin/echo", "test", NULL};
    static char buf[1 << 16];
    if (strcmp(mode, "cat") == 0 && argc > 3) CAT_SIZE = (size_t)atol(argv[3]);
    char *data = malloc(CAT_SIZE), *back = malloc(2 * CAT_SIZE);
    memset(data, 'x', CAT_SIZE);
    int closefrom = strcmp(mode, "closefrom") == 0;
    if (closefrom) {
        int extra = argc > 3 ? atoi(argv[3]) : 0;
        for (int i = 0; i < extra; i++)
            if (dup(0) < 0) die("dup");
    }
    char size_arg[32] = "0";
    int keep = strcmp(mode, "keep") == 0;
    if ((strcmp(mode, "read") == 0 || keep) && argc > 3) snprintf(size_arg, sizeof size_arg, "%s", argv[3]);
    char *read_args[] = {"/usr/bin/head", "-c", size_arg, "/dev/zero", NULL};
    double *t = malloc(sizeof(double) * n);
    for (int i = 0; i < n; i++) {
        double a = now_us();
        int st;
        if (strcmp(mode, "true") == 0 || closefrom) {
            waitpid(spawn(true_args, -1, -1, closefrom), &st, 0);
        } else if (strcmp(mode, "echo") == 0 || strcmp(mode, "read") == 0 || keep) {
            int p[2];
            if (pipe2(p, O_CLOEXEC)) die("pipe2");
            pid_t pid = spawn(mode[0] == 'e' ? echo_args : read_args, p[1], -1, 0);
            close(p[1]);
            long got = keep ? keep_all(p[0]) : read_all(p[0], buf, sizeof buf);
            close(p[0]);
            waitpid(pid, &st, 0);
            if ((mode[0] == 'r' || keep) && got != atol(size_arg)) {
                fprintf(stderr, "read: got %ld bytes\n", got);
                return 1;
            }
        } else if (strcmp(mode, "cat") == 0) {
            cat_once(data, back);
        } else {
            fprintf(stderr, "unknown mode %s\n", mode);
            return 2;
        }
        t[i] = now_us() - a;
    }
    qsort(t, n, sizeof(double), cmp);
    printf("%.1f\n", t[n / 2]);
    return 0;
}
