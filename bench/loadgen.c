/*
 * bench/loadgen PORT CONNECTIONS SECONDS: a closed-loop HTTP/1.1 client on 127.0.0.1:PORT, like
 * `wrk -cN -H "Connection: close"`, that records every request. B10 needs it for one figure wrk
 * cannot give: the p99 of the requests made *during* a refork. wrk reports one histogram per run,
 * so a window can only be approximated by restarting it in slices; this keeps one run going and
 * prints, per completed request, "START_MS LATENCY_US" (start in ms of CLOCK_REALTIME, comparable
 * with the supervisor's log timestamps). On stderr: "requests N errors E".
 *
 * Each connection: connect, send one GET with Connection: close, read to EOF, record, reconnect.
 * A request is an error if connecting or writing fails or the connection fails before EOF.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static const char REQUEST[] = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";

struct conn {
    int fd;
    int sent;
    double started_ms;
};

static struct sockaddr_in target;
static int epoll_fd;

static double now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static void start(struct conn *c) {
    c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c->fd < 0) {
        perror("loadgen: socket");
        exit(1);
    }
    c->sent = 0;
    c->started_ms = now_ms();
    /* EINPROGRESS is the normal answer; a refusal shows up as EPOLLERR below. */
    connect(c->fd, (struct sockaddr *)&target, sizeof target);
    struct epoll_event e = {.events = EPOLLOUT | EPOLLIN, .data.ptr = c};
    epoll_ctl(epoll_fd, EPOLL_CTL_ADD, c->fd, &e);
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: loadgen PORT CONNECTIONS SECONDS\n");
        return 2;
    }
    int n = atoi(argv[2]);
    double end = now_ms() + atof(argv[3]) * 1e3;
    target.sin_family = AF_INET;
    target.sin_port = htons((unsigned short)atoi(argv[1]));
    target.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    epoll_fd = epoll_create1(EPOLL_CLOEXEC);

    size_t cap = 1 << 16, count = 0;
    double *started = malloc(cap * sizeof *started);
    float *latency_us = malloc(cap * sizeof *latency_us);
    long errors = 0;
    struct conn *conns = calloc((size_t)n, sizeof *conns);
    for (int i = 0; i < n; i++) start(&conns[i]);

    char buf[65536];
    while (now_ms() < end) {
        struct epoll_event ev[64];
        int ready = epoll_wait(epoll_fd, ev, 64, 100);
        for (int i = 0; i < ready; i++) {
            struct conn *c = ev[i].data.ptr;
            int done = 0, failed = 0;
            if (!c->sent && (ev[i].events & (EPOLLERR | EPOLLHUP))) {
                failed = 1;
            } else if (!c->sent && (ev[i].events & EPOLLOUT)) {
                if (write(c->fd, REQUEST, sizeof REQUEST - 1) != (ssize_t)(sizeof REQUEST - 1)) {
                    failed = 1;
                } else {
                    c->sent = 1;
                    struct epoll_event e = {.events = EPOLLIN, .data.ptr = c};
                    epoll_ctl(epoll_fd, EPOLL_CTL_MOD, c->fd, &e);
                }
            } else if (ev[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
                ssize_t r;
                while ((r = read(c->fd, buf, sizeof buf)) > 0) {}
                if (r == 0) done = 1;
                else if (errno != EAGAIN) failed = 1;
            }
            if (!done && !failed) continue;
            if (done) {
                if (count == cap) {
                    cap *= 2;
                    started = realloc(started, cap * sizeof *started);
                    latency_us = realloc(latency_us, cap * sizeof *latency_us);
                }
                started[count] = c->started_ms;
                latency_us[count] = (float)((now_ms() - c->started_ms) * 1e3);
                count++;
            } else {
                errors++;
            }
            close(c->fd);
            start(c);
        }
    }
    for (size_t i = 0; i < count; i++) printf("%.3f %.0f\n", started[i], latency_us[i]);
    fprintf(stderr, "requests %zu errors %ld\n", count, errors);
    return 0;
}
