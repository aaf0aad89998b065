/*
 * hello_fcgi.c — the benchmark reference: the smallest FastCGI responder
 * that answers a JSON hello, with the same shape as our workers (P
 * processes × T threads on one socket) and the classic blocking
 * FCGX_Accept_r loop. `make bench` puts it behind the same nginx and
 * reports our endpoints as a ratio of its throughput.
 *
 *   hello-fcgi /path/to.sock PROCESSES THREADS
 */
#include <fcgiapp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static int sock;

static void *serve(void *arg)
{
    static const char reply[] = "Status: 200 OK\r\nContent-Type: application/json\r\n"
                                "Content-Length: 15\r\n\r\n{\"hello\":true}\n";
    FCGX_Request r;

    (void)arg;
    FCGX_InitRequest(&r, sock, 0);
    while (FCGX_Accept_r(&r) >= 0) {
        FCGX_PutStr(reply, (int)sizeof(reply) - 1, r.out);
        FCGX_Finish_r(&r);
    }
    return NULL;
}

static void on_term(int sig)
{
    signal(sig, SIG_IGN);
    kill(0, SIGTERM);
    _exit(0);
}

/* libfcgi replaces a default SIGTERM disposition with its own (which only
 * flags a shutdown that a blocked accept never sees): install ours. */
static void on_term_child(int sig)
{
    (void)sig;
    _exit(0);
}

int main(int argc, char **argv)
{
    int procs, threads;

    if (argc != 4)
        return 2;
    procs = atoi(argv[2]);
    threads = atoi(argv[3]);
    setpgid(0, 0);
    FCGX_Init();
    unlink(argv[1]);
    sock = FCGX_OpenSocket(argv[1], 1024);
    if (sock < 0)
        return 1;
    chmod(argv[1], 0666);
    for (int p = 0; p < procs; p++) {
        if (fork() == 0) {
            signal(SIGTERM, on_term_child);
            pthread_t *t = calloc((size_t)threads, sizeof(*t));
            for (int i = 0; i < threads; i++)
                pthread_create(&t[i], NULL, serve, NULL);
            for (int i = 0; i < threads; i++)
                pthread_join(t[i], NULL);
            _exit(0);
        }
    }
    /* SIGTERM to the parent ends the whole group (see setpgid above). */
    signal(SIGTERM, on_term);
    while (wait(NULL) > 0)
        ;
    return 0;
}
