/*
 * A TCP relay that delays every byte by a fixed time in each direction: the network
 * mode's round trip (scripts/bench-netns.sh) where the kernel has no netem qdisc.
 * Each chunk read from one side is stamped with its arrival time and written to the other
 * side `delay` microseconds later, in order; nothing limits the bandwidth, as netem's delay
 * alone does not. One thread, epoll and a timerfd: the delay being the same for every chunk,
 * one queue in arrival order is also the queue in order of when each is due, and a wake-up
 * writes every chunk that is due, so the relay's own cost per chunk stays a few microseconds.
 *
 *   delay-relay <listen ip> <listen port> <target ip> <target port> <delay µs>
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

struct pair;

struct end {
  int fd;
  struct end *peer;
  struct pair *pair;
};

struct pair {
  struct end a, b;
  int open_directions;
};

struct chunk {
  struct chunk *next;
  struct timespec due;
  struct end *to;
  ssize_t length; /* 0: the source closed */
  char bytes[];
};

static struct chunk *head, *tail;
static long delay_ns;
static int epoll_fd, timer_fd, listen_fd;

static void arm_timer(void) {
  struct itimerspec when = {0};
  if (head) when.it_value = head->due;
  timerfd_settime(timer_fd, TFD_TIMER_ABSTIME, &when, NULL);
}

static void enqueue(struct end *to, const char *bytes, ssize_t length) {
  struct chunk *c = malloc(sizeof *c + (size_t)length);
  c->next = NULL;
  c->to = to;
  c->length = length;
  memcpy(c->bytes, bytes, (size_t)length);
  clock_gettime(CLOCK_MONOTONIC, &c->due);
  c->due.tv_nsec += delay_ns;
  c->due.tv_sec += c->due.tv_nsec / 1000000000L;
  c->due.tv_nsec %= 1000000000L;
  int was_empty = head == NULL;
  if (tail) tail->next = c;
  else head = c;
  tail = c;
  if (was_empty) arm_timer();
}

static void readable(struct end *from) {
  static char buffer[65536];
  for (;;) {
    ssize_t n = recv(from->fd, buffer, sizeof buffer, MSG_DONTWAIT);
    if (n > 0) {
      enqueue(from->peer, buffer, n);
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
    if (n < 0 && errno == EINTR) continue;
    /* End of stream or error: nothing more comes from this side. */
    epoll_ctl(epoll_fd, EPOLL_CTL_DEL, from->fd, NULL);
    enqueue(from->peer, buffer, 0);
    return;
  }
}

static int before_or_now(const struct timespec *t, const struct timespec *now) {
  return t->tv_sec < now->tv_sec || (t->tv_sec == now->tv_sec && t->tv_nsec <= now->tv_nsec);
}

static void deliver(struct chunk *c) {
  struct end *to = c->to;
  for (ssize_t sent = 0; sent < c->length;) {
    ssize_t n = send(to->fd, c->bytes + sent, (size_t)(c->length - sent), MSG_NOSIGNAL);
    if (n <= 0) break;
    sent += n;
  }
  if (c->length == 0) {
    shutdown(to->fd, SHUT_WR);
    struct pair *p = to->pair;
    if (--p->open_directions == 0) {
      close(p->a.fd);
      close(p->b.fd);
      free(p);
    }
  }
  free(c);
}

static void due(void) {
  uint64_t expirations;
  if (read(timer_fd, &expirations, sizeof expirations) < 0) {
    /* a spurious wake-up: the queue below says what is due */
  }
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  while (head && before_or_now(&head->due, &now)) {
    struct chunk *c = head;
    head = c->next;
    if (!head) tail = NULL;
    deliver(c);
  }
  arm_timer();
}

static void watch(int fd, void *tag) {
  struct epoll_event event = {.events = EPOLLIN, .data.ptr = tag};
  epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &event);
}

static void accept_one(const struct sockaddr_in *target) {
  int client = accept(listen_fd, NULL, NULL);
  if (client < 0) return;
  int upstream = socket(AF_INET, SOCK_STREAM, 0);
  if (connect(upstream, (const struct sockaddr *)target, sizeof *target)) {
    close(upstream);
    close(client);
    return;
  }
  int one = 1;
  setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  setsockopt(upstream, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  struct pair *p = calloc(1, sizeof *p);
  p->open_directions = 2;
  p->a = (struct end){.fd = client, .peer = &p->b, .pair = p};
  p->b = (struct end){.fd = upstream, .peer = &p->a, .pair = p};
  watch(client, &p->a);
  watch(upstream, &p->b);
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
  struct sockaddr_in at = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[2]))};
  inet_pton(AF_INET, argv[1], &at.sin_addr);
  struct sockaddr_in target = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[4]))};
  inet_pton(AF_INET, argv[3], &target.sin_addr);
  listen_fd = socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  setsockopt(listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (bind(listen_fd, (struct sockaddr *)&at, sizeof at) || listen(listen_fd, 512)) {
    perror("delay-relay: listen");
    return 1;
  }
  epoll_fd = epoll_create1(0);
  timer_fd = timerfd_create(CLOCK_MONOTONIC, 0);
  watch(listen_fd, &listen_fd);
  watch(timer_fd, &timer_fd);
  for (;;) {
    struct epoll_event events[64];
    int count = epoll_wait(epoll_fd, events, 64, -1);
    for (int i = 0; i < count; i++) {
      void *tag = events[i].data.ptr;
      if (tag == &listen_fd) accept_one(&target);
      else if (tag == &timer_fd) due();
      else readable(tag);
    }
  }
}
