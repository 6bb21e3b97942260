/*
 * ISA-L's own calls, timed in C on the shapes l2mesh codes (bench/isal.sh runs it beside the same calls made from
 * Java through FFM, IsalCallsBenchmark): a block ec_encode_data (k, m) on shard-sized buffers, and the stream
 * encoder's per-frame fold, ec_encode_data_update of one shard into the m parities (k = 1 tables of one column).
 * The coefficients are random non-zero bytes: the speed of GF(2^8) multiply-adds does not depend on them.
 *
 * build: gcc -O2 -o isal-ec isal-ec.c -lisal      usage: isal-ec [k=10] [m=4] [shard=1400] [seconds=3]
 * prints: "block_encode <ns/op> <MB/s of data>" and "fold <ns/op> <MB/s of data>"
 */
#include <isa-l/erasure_code.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    int k = argc > 1 ? atoi(argv[1]) : 10;
    int m = argc > 2 ? atoi(argv[2]) : 4;
    int len = argc > 3 ? atoi(argv[3]) : 1400;
    double seconds = argc > 4 ? atof(argv[4]) : 3;
    unsigned char *data[256], *coding[256];
    unsigned char a[256 * 256], column[256];
    unsigned char *tables = aligned_alloc(64, 32 * k * m);
    unsigned char *column_tables = aligned_alloc(64, 32 * m);
    srand(42);
    for (int i = 0; i < k; i++) {
        data[i] = aligned_alloc(64, ((len + 63) / 64) * 64);
        for (int j = 0; j < len; j++) data[i][j] = rand();
    }
    /* Parities 64-byte aligned, as l2mesh's stream encoder lays them out (and IsalCallsBenchmark). */
    for (int i = 0; i < m; i++) coding[i] = aligned_alloc(64, ((len + 63) / 64) * 64);
    for (int i = 0; i < k * m; i++) a[i] = 1 + rand() % 255;
    for (int i = 0; i < m; i++) column[i] = a[i * k];
    ec_init_tables(k, m, a, tables);
    ec_init_tables(1, m, column, column_tables);

    long ops = 0;
    volatile unsigned char sink = 0;
    for (int w = 0; w < 100000; w++) ec_encode_data(len, k, m, tables, data, coding); /* warm-up */
    double start = now(), end = start + seconds, t;
    do {
        for (int r = 0; r < 1000; r++) ec_encode_data(len, k, m, tables, data, coding);
        ops += 1000;
    } while ((t = now()) < end);
    sink ^= coding[m - 1][len - 1];
    printf("block_encode %.1f %.0f\n", (t - start) * 1e9 / ops, ops * (double)k * len / (t - start) / 1e6);

    ops = 0;
    for (int w = 0; w < 100000; w++) ec_encode_data_update(len, 1, m, 0, column_tables, data[w % k], coding);
    start = now();
    end = start + seconds;
    do {
        for (int r = 0; r < 1000; r++) ec_encode_data_update(len, 1, m, 0, column_tables, data[r % k], coding);
        ops += 1000;
    } while ((t = now()) < end);
    sink ^= coding[0][0];
    printf("fold %.1f %.0f\n", (t - start) * 1e9 / ops, ops * (double)len / (t - start) / 1e6);
    return sink == 0xff ? 0 : 0;
}
