/*
 * The generator's own ceiling: a minimal HTTP/1.1 responder in C (one thread, epoll, keep-alive), answering every
 * request with the same small JSON. It reads each request only far enough to find its end, so whatever rate wrk
 * reaches against it is wrk's limit on this machine, not a server's. Bench use only; it is no HTTP server.
 *
 * Build: cc -O2 -o responder responder.c. Prints "listening on <port>" once bound to 127.0.0.1 on a free port.
 */
#define _GNU_SOURCE
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <fcntl.h>
#include <arpa/inet.h>

#define MAX_FDS 4096
static const char ANSWER[] =
    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 17\r\n\r\n{\"hello\":\"world\"}";
/* How much of "\r\n\r\n" each connection has seen at the end of its last read. */
static int matched[MAX_FDS];

int main(void) {
  int listener = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  int one = 1;
  setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = 0};
  inet_pton(AF_INET, "127.0.0.1", &address.sin_addr);
  if (bind(listener, (struct sockaddr *)&address, sizeof address) != 0 || listen(listener, 1024) != 0) return 1;
  socklen_t length = sizeof address;
  getsockname(listener, (struct sockaddr *)&address, &length);
  printf("listening on %d\n", ntohs(address.sin_port));
  fflush(stdout);

  int poll = epoll_create1(0);
  struct epoll_event event = {.events = EPOLLIN, .data.fd = listener};
  epoll_ctl(poll, EPOLL_CTL_ADD, listener, &event);
  struct epoll_event ready[256];
  static char buffer[65536];
  static char out[sizeof ANSWER * 256];
  for (;;) {
    int count = epoll_wait(poll, ready, 256, -1);
    for (int i = 0; i < count; i++) {
      int fd = ready[i].data.fd;
      if (fd == listener) {
        int client;
        while ((client = accept4(listener, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
          if (client >= MAX_FDS) { close(client); continue; }
          setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
          matched[client] = 0;
          struct epoll_event added = {.events = EPOLLIN, .data.fd = client};
          epoll_ctl(poll, EPOLL_CTL_ADD, client, &added);
        }
        continue;
      }
      ssize_t got = read(fd, buffer, sizeof buffer);
      if (got <= 0) { close(fd); continue; }
      /* Count request ends ("\r\n\r\n"), carrying a partial match over to the next read. */
      int state = matched[fd], requests = 0;
      for (ssize_t k = 0; k < got; k++) {
        char c = buffer[k];
        if ((state == 0 || state == 2) && c == '\r') state++;
        else if ((state == 1 || state == 3) && c == '\n') state++;
        else state = c == '\r' ? 1 : 0;
        if (state == 4) { requests++; state = 0; }
      }
      matched[fd] = state;
      size_t size = 0;
      for (int r = 0; r < requests && r < 256; r++) {
        memcpy(out + size, ANSWER, sizeof ANSWER - 1);
        size += sizeof ANSWER - 1;
      }
      if (size > 0 && write(fd, out, size) < 0) close(fd);
    }
  }
}
