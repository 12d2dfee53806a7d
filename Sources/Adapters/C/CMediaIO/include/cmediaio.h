#ifndef VOICEGW_CMEDIAIO_H
#define VOICEGW_CMEDIAIO_H
#include <stdint.h>

/* Batched UDP I/O for the RTP media path: one recvmmsg/sendmmsg system call per batch of datagrams,
   source addresses as plain values (no allocation per datagram) and kernel arrival times.
   (Swift's Glibc module does not expose struct mmsghdr, which needs _GNU_SOURCE.) */

/** An IPv4 or IPv6 address and port as a value. IPv4: `family` 4, the address in `low` (network byte
    order bytes, in memory order), `high` 0. IPv6: `family` 6, the 16 bytes in `high` then `low`. */
typedef struct {
    uint64_t high;
    uint64_t low;
    uint16_t port;
    uint8_t family;
} mediaio_endpoint;

/** Parses a numeric IPv4 or IPv6 address; 0 on success, -1 if `host` is not one. */
int mediaio_endpoint_parse(const char *host, int port, mediaio_endpoint *out);

/** Writes the endpoint's address as text (no port) into `buffer`; 0 on success. */
int mediaio_endpoint_format(const mediaio_endpoint *endpoint, char *buffer, int length);

/** A non-blocking UDP socket bound to `host:port` with kernel receive timestamps and buffers of
    `buffer_bytes` (beyond `net.core.[rw]mem_max` when the process may); -1 with errno on error. */
int mediaio_udp_open(const char *host, int port, int buffer_bytes);

/** The port `fd` is bound to, or -1. */
int mediaio_local_port(int fd);

/** The receive buffer the kernel granted `fd`, in bytes. */
int mediaio_receive_buffer(int fd);

/** Receives up to `count` (at most 256) datagrams without waiting into `buffer + i * stride`. For each:
    its length (-1 if it did not fit in `stride`), its source, and its age (ns since the kernel received
    it). Returns the count (0 if nothing is waiting), or -1 with errno. */
int mediaio_recv(int fd, uint8_t *buffer, int stride, int count, int *lengths, mediaio_endpoint *sources, int64_t *ages_ns);

/** Sends `count` datagrams (`packets + i * stride`, `lengths[i]` bytes, to `destinations[i]`), in as few
    system calls as the kernel allows. A datagram the kernel refuses is skipped; a full send buffer drops
    the rest (real-time audio does not wait). Returns how many were sent. */
int mediaio_send(int fd, const uint8_t *packets, int stride, const int *lengths, const mediaio_endpoint *destinations, int count);

/** Sets the calling thread's nice value (-20..19; Linux: per thread); 0 on success, -1 with errno. */
int mediaio_set_thread_nice(int nice);

/** The calling thread's nice value. */
int mediaio_thread_nice(void);

/** Puts the calling thread under SCHED_RR at `priority` (1..99); 0 on success, -1 with errno. */
int mediaio_set_thread_realtime(int priority);

/** The calling thread's SCHED_RR/SCHED_FIFO priority, or 0 when it is not real-time. */
int mediaio_thread_realtime_priority(void);

/** Closes `fd`. */
void mediaio_close(int fd);

#endif
