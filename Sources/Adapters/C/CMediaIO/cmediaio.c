#define _GNU_SOURCE
#include "cmediaio.h"
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MEDIAIO_BATCH 256

static void endpoint_from_sockaddr(const struct sockaddr_storage *storage, mediaio_endpoint *out) {
    memset(out, 0, sizeof *out);
    if (storage->ss_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)storage;
        uint32_t address = in->sin_addr.s_addr;
        memcpy(&out->low, &address, sizeof address);
        out->port = ntohs(in->sin_port);
        out->family = 4;
    } else if (storage->ss_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)storage;
        memcpy(&out->high, in6->sin6_addr.s6_addr, 8);
        memcpy(&out->low, in6->sin6_addr.s6_addr + 8, 8);
        out->port = ntohs(in6->sin6_port);
        out->family = 6;
    }
}

static socklen_t sockaddr_from_endpoint(const mediaio_endpoint *endpoint, struct sockaddr_storage *storage) {
    memset(storage, 0, sizeof *storage);
    if (endpoint->family == 6) {
        struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)storage;
        in6->sin6_family = AF_INET6;
        memcpy(in6->sin6_addr.s6_addr, &endpoint->high, 8);
        memcpy(in6->sin6_addr.s6_addr + 8, &endpoint->low, 8);
        in6->sin6_port = htons(endpoint->port);
        return sizeof *in6;
    }
    struct sockaddr_in *in = (struct sockaddr_in *)storage;
    in->sin_family = AF_INET;
    uint32_t address;
    memcpy(&address, &endpoint->low, sizeof address);
    in->sin_addr.s_addr = address;
    in->sin_port = htons(endpoint->port);
    return sizeof *in;
}

int mediaio_endpoint_parse(const char *host, int port, mediaio_endpoint *out) {
    struct sockaddr_storage storage;
    memset(&storage, 0, sizeof storage);
    if (port < 0 || port > 65535) return -1;
    struct sockaddr_in *in = (struct sockaddr_in *)&storage;
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&storage;
    if (inet_pton(AF_INET, host, &in->sin_addr) == 1) {
        in->sin_family = AF_INET;
        in->sin_port = htons((uint16_t)port);
    } else if (inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons((uint16_t)port);
    } else {
        return -1;
    }
    endpoint_from_sockaddr(&storage, out);
    return 0;
}

int mediaio_endpoint_format(const mediaio_endpoint *endpoint, char *buffer, int length) {
    struct sockaddr_storage storage;
    sockaddr_from_endpoint(endpoint, &storage);
    const void *address = endpoint->family == 6 ? (const void *)&((struct sockaddr_in6 *)&storage)->sin6_addr
                                                : (const void *)&((struct sockaddr_in *)&storage)->sin_addr;
    return inet_ntop(endpoint->family == 6 ? AF_INET6 : AF_INET, address, buffer, (socklen_t)length) ? 0 : -1;
}

static void set_buffer(int fd, int option, int force_option, int bytes) {
    /* SO_*BUFFORCE goes past net.core.[rw]mem_max for a privileged process; otherwise the capped size. */
    if (setsockopt(fd, SOL_SOCKET, force_option, &bytes, sizeof bytes) != 0) {
        setsockopt(fd, SOL_SOCKET, option, &bytes, sizeof bytes);
    }
}

int mediaio_udp_open(const char *host, int port, int buffer_bytes) {
    mediaio_endpoint endpoint;
    if (mediaio_endpoint_parse(host, port, &endpoint) != 0) { errno = EINVAL; return -1; }
    int fd = socket(endpoint.family == 6 ? AF_INET6 : AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    if (buffer_bytes > 0) {
        set_buffer(fd, SO_RCVBUF, SO_RCVBUFFORCE, buffer_bytes);
        set_buffer(fd, SO_SNDBUF, SO_SNDBUFFORCE, buffer_bytes);
    }
    int on = 1;
    setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on);
    struct sockaddr_storage storage;
    socklen_t length = sockaddr_from_endpoint(&endpoint, &storage);
    if (bind(fd, (struct sockaddr *)&storage, length) != 0) {
        int saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
    return fd;
}

int mediaio_local_port(int fd) {
    struct sockaddr_storage storage;
    socklen_t length = sizeof storage;
    if (getsockname(fd, (struct sockaddr *)&storage, &length) != 0) return -1;
    mediaio_endpoint endpoint;
    endpoint_from_sockaddr(&storage, &endpoint);
    return endpoint.port;
}

int mediaio_receive_buffer(int fd) {
    int bytes = 0;
    socklen_t length = sizeof bytes;
    getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bytes, &length);
    return bytes;
}

int mediaio_recv(int fd, uint8_t *buffer, int stride, int count, int *lengths, mediaio_endpoint *sources, int64_t *ages_ns) {
    if (count > MEDIAIO_BATCH) count = MEDIAIO_BATCH;
    struct mmsghdr msgs[MEDIAIO_BATCH];
    struct iovec iov[MEDIAIO_BATCH];
    struct sockaddr_storage addresses[MEDIAIO_BATCH];
    char control[MEDIAIO_BATCH][CMSG_SPACE(sizeof(struct timespec))];
    for (int i = 0; i < count; i++) {
        iov[i].iov_base = buffer + (size_t)i * stride;
        iov[i].iov_len = (size_t)stride;
        memset(&msgs[i].msg_hdr, 0, sizeof msgs[i].msg_hdr);
        msgs[i].msg_hdr.msg_iov = &iov[i];
        msgs[i].msg_hdr.msg_iovlen = 1;
        msgs[i].msg_hdr.msg_name = &addresses[i];
        msgs[i].msg_hdr.msg_namelen = sizeof addresses[i];
        msgs[i].msg_hdr.msg_control = control[i];
        msgs[i].msg_hdr.msg_controllen = sizeof control[i];
    }
    int received;
    do {
        received = recvmmsg(fd, msgs, (unsigned)count, MSG_DONTWAIT, NULL);
    } while (received < 0 && errno == EINTR);
    if (received < 0) return (errno == EAGAIN || errno == EWOULDBLOCK) ? 0 : -1;
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    int64_t now_ns = (int64_t)now.tv_sec * 1000000000 + now.tv_nsec;
    for (int i = 0; i < received; i++) {
        lengths[i] = (msgs[i].msg_hdr.msg_flags & MSG_TRUNC) ? -1 : (int)msgs[i].msg_len;
        endpoint_from_sockaddr(&addresses[i], &sources[i]);
        ages_ns[i] = 0;
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&msgs[i].msg_hdr); c; c = CMSG_NXTHDR(&msgs[i].msg_hdr, c)) {
            if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
                struct timespec stamp;
                memcpy(&stamp, CMSG_DATA(c), sizeof stamp);
                int64_t age = now_ns - ((int64_t)stamp.tv_sec * 1000000000 + stamp.tv_nsec);
                ages_ns[i] = age > 0 ? age : 0;
            }
        }
    }
    return received;
}

int mediaio_send(int fd, const uint8_t *packets, int stride, const int *lengths, const mediaio_endpoint *destinations, int count) {
    int sent = 0, offset = 0;
    struct mmsghdr msgs[MEDIAIO_BATCH];
    struct iovec iov[MEDIAIO_BATCH];
    struct sockaddr_storage addresses[MEDIAIO_BATCH];
    while (offset < count) {
        int batch = count - offset < MEDIAIO_BATCH ? count - offset : MEDIAIO_BATCH;
        for (int i = 0; i < batch; i++) {
            int k = offset + i;
            iov[i].iov_base = (void *)(packets + (size_t)k * stride);
            iov[i].iov_len = (size_t)lengths[k];
            memset(&msgs[i].msg_hdr, 0, sizeof msgs[i].msg_hdr);
            msgs[i].msg_hdr.msg_iov = &iov[i];
            msgs[i].msg_hdr.msg_iovlen = 1;
            msgs[i].msg_hdr.msg_name = &addresses[i];
            msgs[i].msg_hdr.msg_namelen = sockaddr_from_endpoint(&destinations[k], &addresses[i]);
        }
        int done = 0;
        while (done < batch) {
            int result = sendmmsg(fd, msgs + done, (unsigned)(batch - done), 0);
            if (result > 0) {
                done += result;
                sent += result;
            } else if (result < 0 && errno == EINTR) {
                continue;
            } else if (result < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS)) {
                return sent; /* the send buffer is full: the rest of this tick is dropped */
            } else {
                done += 1; /* this datagram was refused (unreachable, bad address): skip it */
            }
        }
        offset += batch;
    }
    return sent;
}

int mediaio_set_thread_nice(int nice) {
    /* On Linux, PRIO_PROCESS with a thread id sets that thread only. */
    return setpriority(PRIO_PROCESS, (id_t)gettid(), nice);
}

int mediaio_thread_nice(void) {
    errno = 0;
    return getpriority(PRIO_PROCESS, (id_t)gettid());
}

int mediaio_set_thread_realtime(int priority) {
    /* sched_setscheduler with a thread id changes that thread only (Linux). */
    struct sched_param param = { .sched_priority = priority };
    return sched_setscheduler(gettid(), SCHED_RR, &param);
}

int mediaio_thread_realtime_priority(void) {
    int policy = sched_getscheduler(gettid());
    if (policy != SCHED_RR && policy != SCHED_FIFO) return 0;
    struct sched_param param;
    return sched_getparam(gettid(), &param) == 0 ? param.sched_priority : 0;
}

void mediaio_close(int fd) { close(fd); }
