#define _GNU_SOURCE
#include "CBatchIO.h"
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

int batchio_udp_socket(int buffer_bytes, int *port) {
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    if (fd < 0) return -1;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buffer_bytes, sizeof buffer_bytes);
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buffer_bytes, sizeof buffer_bytes);
    int on = 1;
    setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on);
    setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &on, sizeof on);
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    /* Any address: the socket sends from (and receives for) every 127.x.y.z of its callers. */
    addr.sin_addr.s_addr = htonl(INADDR_ANY);
    if (bind(fd, (struct sockaddr *)&addr, sizeof addr) < 0) { close(fd); return -1; }
    socklen_t len = sizeof addr;
    getsockname(fd, (struct sockaddr *)&addr, &len);
    *port = ntohs(addr.sin_port);
    return fd;
}

int batchio_local_port(int fd, int *port) {
    struct sockaddr_in addr;
    socklen_t len = sizeof addr;
    if (getsockname(fd, (struct sockaddr *)&addr, &len) < 0) return -1;
    *port = ntohs(addr.sin_port);
    return 0;
}

int batchio_send(int fd, const uint8_t *packets, int stride, int length, const uint16_t *ports, const uint32_t *source_ips, int count) {
    if (count > 1024) count = 1024;
    struct mmsghdr msgs[count];
    struct iovec iov[count];
    struct sockaddr_in addrs[count];
    char control[count][CMSG_SPACE(sizeof(struct in_pktinfo))];
    memset(msgs, 0, sizeof(struct mmsghdr) * count);
    memset(control, 0, sizeof control);
    for (int i = 0; i < count; i++) {
        if (source_ips && source_ips[i]) {
            msgs[i].msg_hdr.msg_control = control[i];
            msgs[i].msg_hdr.msg_controllen = sizeof control[i];
            struct cmsghdr *c = CMSG_FIRSTHDR(&msgs[i].msg_hdr);
            c->cmsg_level = IPPROTO_IP;
            c->cmsg_type = IP_PKTINFO;
            c->cmsg_len = CMSG_LEN(sizeof(struct in_pktinfo));
            struct in_pktinfo info;
            memset(&info, 0, sizeof info);
            info.ipi_spec_dst.s_addr = htonl(source_ips[i]);
            memcpy(CMSG_DATA(c), &info, sizeof info);
        }
        memset(&addrs[i], 0, sizeof addrs[i]);
        addrs[i].sin_family = AF_INET;
        addrs[i].sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        addrs[i].sin_port = htons(ports[i]);
        iov[i].iov_base = (void *)(packets + (size_t)i * stride);
        iov[i].iov_len = length;
        msgs[i].msg_hdr.msg_name = &addrs[i];
        msgs[i].msg_hdr.msg_namelen = sizeof addrs[i];
        msgs[i].msg_hdr.msg_iov = &iov[i];
        msgs[i].msg_hdr.msg_iovlen = 1;
    }
    int sent = 0;
    while (sent < count) {
        int n = sendmmsg(fd, msgs + sent, count - sent, 0);
        if (n < 0) {
            if (errno == EINTR) continue;
            if (errno == EAGAIN || errno == ENOBUFS) { struct timespec ts = {0, 100000}; nanosleep(&ts, NULL); continue; }
            return sent > 0 ? sent : -1;
        }
        sent += n;
    }
    return sent;
}

int batchio_recv(int fd, uint8_t *buffer, int stride, int count, int *lengths, uint16_t *source_ports, uint32_t *destination_ips, int64_t *arrival_ns) {
    if (count > 1024) count = 1024;
    struct mmsghdr msgs[count];
    struct iovec iov[count];
    struct sockaddr_in addrs[count];
    char control[count][64];
    memset(msgs, 0, sizeof(struct mmsghdr) * count);
    for (int i = 0; i < count; i++) {
        iov[i].iov_base = buffer + (size_t)i * stride;
        iov[i].iov_len = stride;
        msgs[i].msg_hdr.msg_name = &addrs[i];
        msgs[i].msg_hdr.msg_namelen = sizeof addrs[i];
        msgs[i].msg_hdr.msg_iov = &iov[i];
        msgs[i].msg_hdr.msg_iovlen = 1;
        msgs[i].msg_hdr.msg_control = control[i];
        msgs[i].msg_hdr.msg_controllen = sizeof control[i];
    }
    int n = recvmmsg(fd, msgs, count, MSG_DONTWAIT, NULL);
    if (n < 0) return (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) ? 0 : -1;
    for (int i = 0; i < n; i++) {
        lengths[i] = (int)msgs[i].msg_len;
        source_ports[i] = ntohs(addrs[i].sin_port);
        arrival_ns[i] = 0;
        destination_ips[i] = 0;
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&msgs[i].msg_hdr); c; c = CMSG_NXTHDR(&msgs[i].msg_hdr, c)) {
            if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
                struct timespec ts;
                memcpy(&ts, CMSG_DATA(c), sizeof ts);
                arrival_ns[i] = (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
            } else if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
                struct in_pktinfo info;
                memcpy(&info, CMSG_DATA(c), sizeof info);
                destination_ips[i] = ntohl(info.ipi_addr.s_addr);
            }
        }
    }
    return n;
}

uint32_t batchio_poll(const int *fds, int count, int timeout_ms) {
    if (count > 32) count = 32;
    struct pollfd p[count];
    for (int i = 0; i < count; i++) { p[i].fd = fds[i]; p[i].events = POLLIN; p[i].revents = 0; }
    uint32_t mask = 0;
    if (poll(p, count, timeout_ms) > 0) {
        for (int i = 0; i < count; i++) if (p[i].revents & POLLIN) mask |= 1u << i;
    }
    return mask;
}

void batchio_sleep_until(int64_t deadline_ns) {
    struct timespec ts = { deadline_ns / 1000000000LL, deadline_ns % 1000000000LL };
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR) {}
}

int64_t batchio_monotonic_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int64_t batchio_realtime_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

void batchio_raise_fd_limit(int wanted) {
    struct rlimit r;
    if (getrlimit(RLIMIT_NOFILE, &r) != 0) return;
    rlim_t target = (rlim_t)wanted;
    if (r.rlim_max != RLIM_INFINITY && target > r.rlim_max) target = r.rlim_max;
    if (r.rlim_cur < target) { r.rlim_cur = target; setrlimit(RLIMIT_NOFILE, &r); }
}

int64_t batchio_cpu_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

#include <fcntl.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>

int batchio_tcp_connect(int port) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) return -1;
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(port);
    if (connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0) { close(fd); return -1; }
    int on = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
    return fd;
}

int batchio_set_nonblocking(int fd) {
    int flags = fcntl(fd, F_GETFL, 0);
    return fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

int batchio_epoll_create(void) { return epoll_create1(0); }

int batchio_epoll_add(int ep, int fd, int index) {
    struct epoll_event event;
    memset(&event, 0, sizeof event);
    event.events = EPOLLIN;
    event.data.u32 = (uint32_t)index;
    return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &event);
}

int batchio_epoll_wait(int ep, int *indices, int max, int timeout_ms) {
    if (max > 1024) max = 1024;
    struct epoll_event events[max];
    int n = epoll_wait(ep, events, max, timeout_ms);
    if (n < 0) return 0;
    for (int i = 0; i < n; i++) indices[i] = (int)events[i].data.u32;
    return n;
}
