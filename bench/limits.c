/* limits: the machine's limits that bound a naam right-hand side (issue 3), measured on the machine itself.

     build/bench/limits [-threads T] [-mb 256] [-repeat 10]

   1. memory bandwidth: a STREAM-like triad a[i] = b[i] + q c[i] over three arrays of -mb MiB each (far
      larger than any cache), on T threads (default 1 and, if T > 1, also T), best of -repeat.
      Bytes counted as STREAM does: 3 x 8 per element (2 reads, 1 write; no write-allocate traffic).
   2. throughput of libm tanh and exp on doubles, 1 core: y[i] = f(a x[i]) over 2^20 doubles with
      a x[i] in [-5, 5] (the range beta x takes with beta = 5), best of -repeat, ns per element (for
      reference: nastro's own vectorised tanh is measured by bench/tanh_throughput).
   The floor of one RHS is computed from these and the vectorised tanh in bench/naam_bench.sh, which knows
   the storage and the rank count. Output: key=value lines, parsed by bench/naam_bench.sh. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

typedef struct {
  double *a, *b, *c;
  size_t  n;
  pthread_barrier_t *bar;
  double  t; /* elapsed of this thread's triad */
} Triad;

static void *triad_worker(void *arg)
{
  Triad        *w = (Triad *)arg;
  const double  q = 3.0;
  double       *restrict a = w->a;
  const double *restrict b = w->b, *restrict c = w->c;
  for (size_t i = 0; i < w->n; i++) { a[i] = 0; } /* first touch by the owning thread */
  pthread_barrier_wait(w->bar);
  double t0 = now();
  for (size_t i = 0; i < w->n; i++) a[i] = b[i] + q * c[i];
  pthread_barrier_wait(w->bar);
  w->t = now() - t0;
  return NULL;
}

/* aggregate triad bandwidth in bytes/s with nt threads, best of repeat */
static double triad_bw(int nt, size_t bytes_per_array, int repeat)
{
  size_t n = bytes_per_array / sizeof(double) / nt, best_set = 0;
  double best = 1e30;
  Triad *w = calloc(nt, sizeof(Triad));
  pthread_t *th = calloc(nt, sizeof(pthread_t));
  pthread_barrier_t bar;
  for (int k = 0; k < nt; k++) {
    w[k].a = malloc(n * sizeof(double));
    w[k].b = malloc(n * sizeof(double));
    w[k].c = malloc(n * sizeof(double));
    if (!w[k].a || !w[k].b || !w[k].c) { fprintf(stderr, "limits: out of memory\n"); exit(1); }
    for (size_t i = 0; i < n; i++) { w[k].b[i] = 1.0 + 1e-9 * i; w[k].c[i] = 2.0; }
    w[k].n = n;
  }
  for (int r = 0; r < repeat; r++) {
    pthread_barrier_init(&bar, NULL, nt);
    for (int k = 0; k < nt; k++) { w[k].bar = &bar; pthread_create(&th[k], NULL, triad_worker, &w[k]); }
    double tmax = 0;
    for (int k = 0; k < nt; k++) { pthread_join(th[k], NULL); if (w[k].t > tmax) tmax = w[k].t; }
    pthread_barrier_destroy(&bar);
    if (tmax < best) { best = tmax; best_set = 1; }
  }
  double check = 0;
  for (int k = 0; k < nt; k++) { check += w[k].a[n / 2]; free(w[k].a); free(w[k].b); free(w[k].c); }
  if (check == 42.4242) printf("#\n"); /* keep the stores alive */
  free(w); free(th);
  return best_set ? 3.0 * sizeof(double) * n * nt / best : 0;
}

/* ns per element of f over n doubles, best of repeat */
static double fn_cost(double (*f)(double), int repeat)
{
  const size_t n = (size_t)1 << 20;
  double *x = malloc(n * sizeof(double)), *y = malloc(n * sizeof(double)), best = 1e30;
  for (size_t i = 0; i < n; i++) x[i] = -1.0 + 2.0 * (double)((i * 2654435761u) % n) / n;
  const double beta = 5.0;
  for (int r = 0; r < repeat; r++) {
    double t0 = now();
    for (size_t i = 0; i < n; i++) y[i] = f(beta * x[i]);
    double t = now() - t0;
    if (t < best) best = t;
  }
  double s = 0;
  for (size_t i = 0; i < n; i += 4096) s += y[i];
  if (s == 42.4242) printf("#\n");
  free(x); free(y);
  return 1e9 * best / n;
}

int main(int argc, char **argv)
{
  long threads = 1, mb = 256, repeat = 10;
  for (int i = 1; i + 1 < argc; i += 2) {
    long v = strtol(argv[i + 1], NULL, 10);
    if (!strcmp(argv[i], "-threads")) threads = v;
    else if (!strcmp(argv[i], "-mb")) mb = v;
    else if (!strcmp(argv[i], "-repeat")) repeat = v;
    else { fprintf(stderr, "limits: unknown option %s\n", argv[i]); return 1; }
  }
  size_t bytes = (size_t)mb << 20;
  double bw1 = triad_bw(1, bytes, repeat), bwT = threads > 1 ? triad_bw((int)threads, bytes, repeat) : bw1;
  double c_tanh = fn_cost(tanh, repeat), c_exp = fn_cost(exp, repeat);
  printf("triad_MiB_per_array=%ld repeat=%ld\n", mb, repeat);
  printf("bw_1thread_GBs=%.3f\n", bw1 * 1e-9);
  printf("bw_%ldthreads_GBs=%.3f\n", threads, bwT * 1e-9);
  printf("libm_tanh_ns=%.3f\nlibm_exp_ns=%.3f\n", c_tanh, c_exp);
  return 0;
}
