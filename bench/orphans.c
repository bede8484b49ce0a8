/* bench/orphans.c: the B4 worker. Creates N orphans (double fork: the middle child exits at
 * once, so each grandchild is re-parented to the nearest subreaper) that all block on one pipe,
 * reports "created <pid>" on FIFO, then closes the pipe so all N exit at the same moment, reports
 * "released", and waits for SIGTERM. The release waits for a line on GO, so the driver's clock
 * starts before the first orphan can exit. The reaper under test then has N zombies to collect. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc != 4) { fprintf(stderr, "usage: orphans N FIFO GO\n"); return 2; }
    int n = atoi(argv[1]), p[2];
    if (pipe(p) != 0) { perror("pipe"); return 1; }
    for (int i = 0; i < n; i++) {
        pid_t m = fork();
        if (m < 0) { perror("fork"); return 1; }
        if (m == 0) {
            if (fork() == 0) { char c; close(p[1]); (void) !read(p[0], &c, 1); _exit(0); }
            _exit(0);
        }
        waitpid(m, NULL, 0);
    }
    FILE *f = fopen(argv[2], "w");
    if (!f) { perror(argv[2]); return 1; }
    fprintf(f, "created %d\n", (int) getpid()); fflush(f);
    FILE *go = fopen(argv[3], "r");
    char line[16];
    if (!go || !fgets(line, sizeof line, go)) { perror(argv[3]); return 1; }
    close(p[1]);
    fprintf(f, "released\n"); fflush(f);
    for (;;) pause();
}
