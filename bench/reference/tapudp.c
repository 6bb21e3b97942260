/*
 * Reference point for bench/tunnel.sh: the smallest useful TAP-over-UDP forwarder, in C, like the "minimal C
 * TAP-over-UDP forwarder without offloads" the tunnel issue quotes. One TAP device without offloads (so frames
 * are at most the TAP's MTU), one UDP socket connected to the other node, one thread per direction doing a
 * blocking read() then send()/write(). No crypto, no learning, no batching. It shows what the same thread
 * wake-ups cost on this machine (one per node per direction, as for l2mesh), so the tunnel's latency can be
 * judged against it in the same run. Not part of the product.
 *
 * usage: tapudp TAP LOCAL_IP PORT REMOTE_IP     (runs until killed; the TAP is created if it does not exist)
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

static int open_tap(const char *name)
{
    int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
    if (fd < 0) { perror("open /dev/net/tun"); exit(1); }
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
    if (ioctl(fd, TUNSETIFF, &ifr) < 0) { perror("TUNSETIFF"); exit(1); }
    return fd;
}

static int open_udp(const char *local, const char *remote, int port)
{
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) { perror("socket"); exit(1); }
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((unsigned short)port)};
    if (inet_pton(AF_INET, local, &addr.sin_addr) != 1) { fprintf(stderr, "bad address %s\n", local); exit(2); }
    if (bind(fd, (struct sockaddr *)&addr, sizeof addr) < 0) { perror("bind"); exit(1); }
    if (inet_pton(AF_INET, remote, &addr.sin_addr) != 1) { fprintf(stderr, "bad address %s\n", remote); exit(2); }
    if (connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0) { perror("connect"); exit(1); }
    return fd;
}

struct pipe { int from, to; };

static void *forward(void *arg)
{
    struct pipe *p = arg;
    static __thread char buffer[65536];
    for (;;)
    {
        ssize_t n = read(p->from, buffer, sizeof buffer);
        if (n < 0) { perror("read"); exit(1); }
        if (write(p->to, buffer, (size_t)n) < 0) { /* dropped, like a full queue */ }
    }
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc != 5) { fprintf(stderr, "usage: %s TAP LOCAL_IP PORT REMOTE_IP\n", argv[0]); return 2; }
    int tap = open_tap(argv[1]), udp = open_udp(argv[2], argv[4], atoi(argv[3]));
    struct pipe out = {tap, udp}, in = {udp, tap};
    pthread_t t1, t2;
    pthread_create(&t1, NULL, forward, &out);
    pthread_create(&t2, NULL, forward, &in);
    printf("ready\n");
    fflush(stdout);
    pthread_join(t1, NULL);
    return 0;
}
