/*
 * A TCP relay that delays every byte by a fixed time in each direction: the network
 * mode's round trip (test/bench/network-mode.ts) where the kernel has no netem qdisc.
 * Each chunk read from one side is stamped with its arrival time and written to the other
 * side `delay` microseconds later, in order; nothing limits the bandwidth, as netem's delay
 * alone does not. One reader and one writer thread per direction, so a slow writer never
 * stalls a read and a chunk's delay never waits on another chunk's.
 *
 *   delay-relay <listen ip> <listen port> <target ip> <target port> <delay µs>
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static struct sockaddr_in target;
static long delay_ns;

struct chunk {
  struct chunk *next;
  struct timespec due;
  ssize_t length; /* 0: the source closed */
  char bytes[];
};

struct direction {
  int from, to;
  pthread_mutex_t lock;
  pthread_cond_t ready;
  struct chunk *head, *tail;
  struct pair *pair;
};

struct pair {
  struct direction up, down;
  pthread_mutex_t lock;
  int open_directions;
};

static void *reader(void *arg) {
  struct direction *d = arg;
  char buffer[65536];
  for (;;) {
    ssize_t n = read(d->from, buffer, sizeof buffer);
    if (n < 0) n = 0;
    struct chunk *c = malloc(sizeof *c + (size_t)n);
    c->next = NULL;
    c->length = n;
    memcpy(c->bytes, buffer, (size_t)n);
    clock_gettime(CLOCK_MONOTONIC, &c->due);
    c->due.tv_nsec += delay_ns;
    c->due.tv_sec += c->due.tv_nsec / 1000000000L;
    c->due.tv_nsec %= 1000000000L;
    pthread_mutex_lock(&d->lock);
    if (d->tail) d->tail->next = c;
    else d->head = c;
    d->tail = c;
    pthread_cond_signal(&d->ready);
    pthread_mutex_unlock(&d->lock);
    if (n == 0) return NULL;
  }
}

static void finish(struct pair *p) {
  pthread_mutex_lock(&p->lock);
  int left = --p->open_directions;
  pthread_mutex_unlock(&p->lock);
  if (left == 0) {
    close(p->up.from);
    close(p->up.to);
    free(p);
  }
}

static void *writer(void *arg) {
  struct direction *d = arg;
  int failed = 0;
  for (;;) {
    pthread_mutex_lock(&d->lock);
    while (!d->head) pthread_cond_wait(&d->ready, &d->lock);
    struct chunk *c = d->head;
    d->head = c->next;
    if (!d->head) d->tail = NULL;
    pthread_mutex_unlock(&d->lock);
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &c->due, NULL) != 0) {
    }
    ssize_t length = c->length;
    for (ssize_t sent = 0; !failed && sent < length;) {
      ssize_t n = write(d->to, c->bytes + sent, (size_t)(length - sent));
      if (n <= 0) failed = 1;
      else sent += n;
    }
    free(c);
    if (length == 0) {
      shutdown(d->to, SHUT_WR);
      /* The other side may still be reading: wake its reader when this side failed. */
      if (failed) shutdown(d->from, SHUT_RD);
      finish(d->pair);
      return NULL;
    }
    if (failed) shutdown(d->from, SHUT_RD);
  }
}

static void start_direction(struct direction *d, struct pair *p, int from, int to) {
  d->from = from;
  d->to = to;
  d->head = d->tail = NULL;
  d->pair = p;
  pthread_mutex_init(&d->lock, NULL);
  pthread_cond_init(&d->ready, NULL);
  pthread_t thread;
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  pthread_attr_setstacksize(&attr, 256 * 1024);
  pthread_create(&thread, &attr, reader, d);
  pthread_create(&thread, &attr, writer, d);
  pthread_attr_destroy(&attr);
}

static void no_delay(int fd) {
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

int main(int argc, char **argv) {
  if (argc != 6) {
    fprintf(stderr, "usage: delay-relay <listen ip> <listen port> <target ip> <target port> <delay µs>\n");
    return 2;
  }
  signal(SIGPIPE, SIG_IGN);
  /* Timer slack defaults to 50 µs, a fifth of the delay: ask for the least. */
  prctl(PR_SET_TIMERSLACK, 1UL);
  delay_ns = atol(argv[5]) * 1000L;
  struct sockaddr_in listen_at = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[2]))};
  inet_pton(AF_INET, argv[1], &listen_at.sin_addr);
  target = (struct sockaddr_in){.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[4]))};
  inet_pton(AF_INET, argv[3], &target.sin_addr);
  int server = socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  setsockopt(server, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (bind(server, (struct sockaddr *)&listen_at, sizeof listen_at) || listen(server, 512)) {
    perror("delay-relay: listen");
    return 1;
  }
  printf("listening\n");
  fflush(stdout);
  for (;;) {
    int client = accept(server, NULL, NULL);
    if (client < 0) continue;
    int upstream = socket(AF_INET, SOCK_STREAM, 0);
    if (connect(upstream, (struct sockaddr *)&target, sizeof target)) {
      close(upstream);
      close(client);
      continue;
    }
    no_delay(client);
    no_delay(upstream);
    struct pair *p = calloc(1, sizeof *p);
    pthread_mutex_init(&p->lock, NULL);
    p->open_directions = 2;
    start_direction(&p->up, p, client, upstream);
    start_direction(&p->down, p, upstream, client);
  }
}
