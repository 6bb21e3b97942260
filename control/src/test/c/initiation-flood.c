/*
 * initiation-flood: sends forged l2mesh/WireGuard handshake initiations (148-byte UDP payloads, type 1) to one or
 * more targets on loopback, each at a given rate, from random spoofed sources in 127.0.0.0/8 (raw socket,
 * IP_HDRINCL), for the remote-trust flood tests (HandshakeFloodIT). Payloads are random bytes after the type, or,
 * with a pool file per target, messages with a valid mac1 that the test computed (it knows the target's key).
 *
 *   initiation-flood SECONDS RATE_PER_TARGET PORT[:POOL_FILE] [PORT[:POOL_FILE] ...]
 *
 * Prints "sent N to PORT in S s (R/s)" per target at the end. Needs root (raw socket). Sends only to 127.0.0.1.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/ip.h>
#include <netinet/udp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define PAYLOAD 148
#define PACKET (sizeof(struct iphdr) + sizeof(struct udphdr) + PAYLOAD)
#define BATCH 64
#define MAX_TARGETS 8

struct target {
    uint16_t port;
    unsigned char *pool; /* count messages of PAYLOAD bytes, or NULL for random ones */
    size_t count;
    size_t next;
    uint64_t sent;
};

static uint64_t state = 0x9e3779b97f4a7c15ULL;

static uint64_t next_random(void)
{
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
}

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static unsigned char *load_pool(const char *path, size_t *count)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        perror(path);
        exit(2);
    }
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    if (size <= 0 || size % PAYLOAD != 0) {
        fprintf(stderr, "%s: %ld bytes is not a whole number of %d-byte messages\n", path, size, PAYLOAD);
        exit(2);
    }
    unsigned char *pool = malloc((size_t)size);
    if (pool == NULL || fread(pool, 1, (size_t)size, f) != (size_t)size) {
        fprintf(stderr, "%s: cannot read\n", path);
        exit(2);
    }
    fclose(f);
    *count = (size_t)size / PAYLOAD;
    return pool;
}

static void build(unsigned char *packet, struct target *t)
{
    struct iphdr *ip = (struct iphdr *)packet;
    struct udphdr *udp = (struct udphdr *)(packet + sizeof(struct iphdr));
    unsigned char *payload = packet + sizeof(struct iphdr) + sizeof(struct udphdr);
    uint64_t r = next_random();
    memset(ip, 0, sizeof(*ip));
    ip->version = 4;
    ip->ihl = 5;
    ip->ttl = 64;
    ip->protocol = IPPROTO_UDP;
    ip->tot_len = htons(PACKET);
    /* 127.a.b.c with a in 1..254: never 127.0.0.1, so a reply goes nowhere that listens. */
    ip->saddr = htonl((127u << 24) | ((uint32_t)(1 + r % 254) << 16) | (uint32_t)((r >> 8) & 0xffff));
    ip->daddr = htonl(INADDR_LOOPBACK);
    udp->source = htons((uint16_t)(1024 + (r >> 24) % 60000));
    udp->dest = htons(t->port);
    udp->len = htons(sizeof(struct udphdr) + PAYLOAD);
    udp->check = 0; /* optional over IPv4 */
    if (t->pool != NULL) {
        memcpy(payload, t->pool + (t->next++ % t->count) * PAYLOAD, PAYLOAD);
    } else {
        for (int i = 0; i < PAYLOAD; i += 8) {
            uint64_t v = next_random();
            memcpy(payload + i, &v, PAYLOAD - i < 8 ? (size_t)(PAYLOAD - i) : 8);
        }
        payload[0] = 1;
        payload[1] = payload[2] = payload[3] = 0;
    }
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: %s SECONDS RATE_PER_TARGET PORT[:POOL_FILE] ...\n", argv[0]);
        return 2;
    }
    const double seconds = atof(argv[1]);
    const double rate = atof(argv[2]);
    struct target targets[MAX_TARGETS];
    int n = 0;
    for (int i = 3; i < argc && n < MAX_TARGETS; i++, n++) {
        memset(&targets[n], 0, sizeof(targets[n]));
        char *colon = strchr(argv[i], ':');
        if (colon != NULL) {
            *colon = 0;
            targets[n].pool = load_pool(colon + 1, &targets[n].count);
        }
        targets[n].port = (uint16_t)atoi(argv[i]);
    }
    state ^= (uint64_t)getpid() << 32 ^ (uint64_t)time(NULL);
    int fd = socket(AF_INET, SOCK_RAW, IPPROTO_RAW); /* IPPROTO_RAW implies IP_HDRINCL */
    if (fd < 0) {
        perror("socket(SOCK_RAW)");
        return 1;
    }
    int size = 8 << 20;
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
    static unsigned char packets[BATCH][PACKET];
    struct mmsghdr msgs[BATCH];
    struct iovec iov[BATCH];
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    for (int i = 0; i < BATCH; i++) {
        iov[i].iov_base = packets[i];
        iov[i].iov_len = PACKET;
        memset(&msgs[i], 0, sizeof(msgs[i]));
        msgs[i].msg_hdr.msg_iov = &iov[i];
        msgs[i].msg_hdr.msg_iovlen = 1;
        msgs[i].msg_hdr.msg_name = &to;
        msgs[i].msg_hdr.msg_namelen = sizeof(to);
    }
    const double start = now_s();
    for (;;) {
        const double elapsed = now_s() - start;
        if (elapsed >= seconds) {
            break;
        }
        int idle = 1;
        for (int t = 0; t < n; t++) {
            const uint64_t due = (uint64_t)(elapsed * rate);
            if (targets[t].sent > due) {
                continue;
            }
            idle = 0;
            for (int i = 0; i < BATCH; i++) {
                build(packets[i], &targets[t]);
            }
            int done = sendmmsg(fd, msgs, BATCH, 0);
            if (done > 0) {
                targets[t].sent += (uint64_t)done;
            } else if (errno != ENOBUFS && errno != EAGAIN) {
                perror("sendmmsg");
                return 1;
            }
        }
        if (idle) {
            struct timespec pause = {0, 100000};
            nanosleep(&pause, NULL);
        }
    }
    const double took = now_s() - start;
    for (int t = 0; t < n; t++) {
        printf("sent %llu to %u in %.2f s (%.0f/s)\n", (unsigned long long)targets[t].sent, targets[t].port, took,
            targets[t].sent / took);
    }
    return 0;
}
