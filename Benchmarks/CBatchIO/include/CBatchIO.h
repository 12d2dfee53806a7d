#ifndef VOICEGW_CBATCHIO_H
#define VOICEGW_CBATCHIO_H
#include <stdint.h>

/* Batched UDP I/O for the media load generator: one sendmmsg/recvmmsg system call per batch.
   (Swift's Glibc module does not expose struct mmsghdr, which needs _GNU_SOURCE.) */

/** A UDP socket bound to 0.0.0.0:0 (so it can send from any 127.x.y.z) with large buffers, kernel
    receive timestamps and IP_PKTINFO; -1 on error. Writes the bound port to `port`. */
int batchio_udp_socket(int buffer_bytes, int *port);

/** The port `fd` is bound to, into `port`; -1 on error. */
int batchio_local_port(int fd, int *port);

/** Sends `count` (at most 1024) datagrams on `fd`: `packets + i * stride`, `length` bytes each, to
    127.0.0.1:ports[i], from source address source_ips[i] (host order; 0 or a NULL array: the default).
    Returns how many were sent, or -1. */
int batchio_send(int fd, const uint8_t *packets, int stride, int length, const uint16_t *ports, const uint32_t *source_ips, int count);

/** Receives up to `count` (at most 1024) datagrams without blocking into `buffer + i * stride`;
    for each: its length, source port, destination address (host order, from IP_PKTINFO) and kernel
    arrival time (CLOCK_REALTIME ns). Returns the count (0 if none), or -1. */
int batchio_recv(int fd, uint8_t *buffer, int stride, int count, int *lengths, uint16_t *source_ports, uint32_t *destination_ips,
                 int64_t *arrival_ns);

/** Waits up to `timeout_ms` for any of `fds` to be readable; returns a bit mask of readable
    indices (at most 32 fds). */
uint32_t batchio_poll(const int *fds, int count, int timeout_ms);

/** Sleeps until the absolute CLOCK_MONOTONIC time `deadline_ns`. */
void batchio_sleep_until(int64_t deadline_ns);

/** CLOCK_MONOTONIC and CLOCK_REALTIME now, in ns. */
int64_t batchio_monotonic_ns(void);
int64_t batchio_realtime_ns(void);

/** Raises the open-file limit to at least `wanted` (as far as the hard limit allows). */
void batchio_raise_fd_limit(int wanted);

/** Process CPU time (user + system) in ns, of this process. */
int64_t batchio_cpu_ns(void);


/* TCP helpers for the AudioSocket mode. */

/** A blocking TCP connection to 127.0.0.1:port with TCP_NODELAY; -1 on error. */
int batchio_tcp_connect(int port);
/** Makes `fd` non-blocking. */
int batchio_set_nonblocking(int fd);
/** An epoll instance; -1 on error. */
int batchio_epoll_create(void);
/** Watches `fd` for input, reporting `index` when it is readable. */
int batchio_epoll_add(int ep, int fd, int index);
/** Waits up to `timeout_ms`; writes the indices of readable fds and returns their count. */
int batchio_epoll_wait(int ep, int *indices, int max, int timeout_ms);
#endif
