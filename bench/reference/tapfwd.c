/*
 * Reference point for bench/bridge.sh: the smallest useful TAP <-> TAP forwarder, in C. Two TAP devices with
 * IFF_VNET_HDR and TSO/checksum offloads, one thread per direction doing blocking read() then write(), no
 * learning, no VLANs. It shows what the kernel's TAP path allows on this machine, so l2mesh can be compared to
 * it as well as to the kernel bridge. Not part of the product.
 *
 * usage: tapfwd TAP_A TAP_B     (runs until killed)
 */
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

static int open_tap(const char *name)
{
    int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
    if (fd < 0) { perror("open /dev/net/tun"); exit(1); }
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
    if (ioctl(fd, TUNSETIFF, &ifr) < 0) { perror("TUNSETIFF"); exit(1); }
    int hdr = 10;
    if (ioctl(fd, TUNSETVNETHDRSZ, &hdr) < 0) { perror("TUNSETVNETHDRSZ"); exit(1); }
    if (ioctl(fd, TUNSETOFFLOAD, TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 | TUN_F_TSO_ECN) < 0)
    {
        perror("TUNSETOFFLOAD"); exit(1);
    }
    return fd;
}

struct pipe { int from, to; };

static void *forward(void *arg)
{
    struct pipe *p = arg;
    static __thread char buffer[70000];
    for (;;)
    {
        ssize_t n = read(p->from, buffer, sizeof buffer);
        if (n <= 0) { perror("read"); exit(1); }
        if (write(p->to, buffer, (size_t)n) < 0) { /* dropped, like a full queue */ }
    }
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc != 3) { fprintf(stderr, "usage: %s TAP_A TAP_B\n", argv[0]); return 2; }
    int a = open_tap(argv[1]), b = open_tap(argv[2]);
    struct pipe ab = {a, b}, ba = {b, a};
    pthread_t t1, t2;
    pthread_create(&t1, NULL, forward, &ab);
    pthread_create(&t2, NULL, forward, &ba);
    printf("ready\n");
    fflush(stdout);
    pthread_join(t1, NULL);
    return 0;
}
