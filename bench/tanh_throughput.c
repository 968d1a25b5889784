/* Throughput of nastro's vectorised tanh (NaTanhArray) against libm's tanh, ns per element on one core,
 * best of 20 passes over 2^20 doubles in [-3, 3] (beta = 5). Not a test: prints one line.
 *   build/bench/tanh_throughput */
#define _POSIX_C_SOURCE 200809L
#include "vmath.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double Now(void)
{
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + 1e-9 * t.tv_nsec;
}

int main(void)
{
  const long n = 1L << 20;
  double    *x = malloc(n * sizeof(double)), *y = malloc(n * sizeof(double)), vec = 1e30, lib = 1e30, sink = 0;
  for (long i = 0; i < n; i++) x[i] = -3 + 6.0 * i / n;
  for (int r = 0; r < 20; r++) {
    double t0 = Now();
    NaTanhArray(n, 5.0, x, y);
    double t1 = Now();
    sink += y[r];
    for (long i = 0; i < n; i++) y[i] = tanh(5.0 * x[i]);
    double t2 = Now();
    sink += y[r];
    vec = fmin(vec, t1 - t0);
    lib = fmin(lib, t2 - t1);
  }
  printf("tanh_vectorised_ns=%.3f tanh_libm_ns=%.3f speedup=%.2f (checksum %g)\n", 1e9 * vec / n, 1e9 * lib / n, lib / vec, sink);
  free(x), free(y);
  return 0;
}
