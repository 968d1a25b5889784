/* Throughput of nastro's vectorised kernels, ns per element on one core, best of R passes, all measured side by
 * side in one run:
 *   tanh:     NaTanhArray against the reference (NaTanhArray as it was before the expm1 rewrite, kept below)
 *             and against libm's tanh per element;
 *   log cosh: NaLogCoshArray against the scalar NaActLagrangian (libm exp + log1p per element).
 * Two sizes: 2^20 doubles in [-3, 3] (beta = 5; 16 MiB of traffic per pass, partly memory-bound) and 4096
 * doubles (in cache) repeated 256 times.
 *   build/bench/tanh_throughput [passes, default 20] */
#define _POSIX_C_SOURCE 200809L
#include "activation.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Reference: NaTanhArray before the expm1 rewrite (degree-27 Taylor series for |x| < 0.4 and 1 - 2/(exp(2|x|)+1)
 * with a degree-13 exp polynomial, both computed and one selected), compiled as it was. */
#pragma GCC         push_options
#pragma GCC         optimize("no-trapping-math")
static const double RefTanhTaylor[14] = {
    1.00000000000000000e+00, -3.33333333333333315e-01, 1.33333333333333331e-01, -5.39682539682539708e-02,
    2.18694885361552030e-02, -8.86323552990219733e-03, 3.59212803657248114e-03, -1.45583438705131833e-03,
    5.90027440945585947e-04, -2.39129114243552478e-04, 9.69153795692945095e-05, -3.92783238833168327e-05,
    1.59189050693289637e-05, -6.45168921565543065e-06,
};

__attribute__((target_clones("avx2", "default"), noinline)) static void
RefTanhArray(PetscInt n, PetscReal beta, const PetscScalar *restrict in, PetscScalar *restrict out)
{
  const double log2e = 1.4426950408889634074, ln2_hi = 6.93147180369123816490e-01, ln2_lo = 1.90821492927058770002e-10;
  const double shifter = 0x1.8p52;
  int64_t      shifter_bits;
  memcpy(&shifter_bits, &shifter, sizeof shifter_bits);

  for (PetscInt i = 0; i < n; i++) {
    const double  x  = beta * in[i];
    const double  ax = fabs(x);
    const double  z  = ax * ax;
    const double *c  = RefTanhTaylor;
    double        p = ((((((c[13] * z + c[12]) * z + c[11]) * z + c[10]) * z + c[9]) * z + c[8]) * z + c[7]) * z + c[6];
    p               = (((((p * z + c[5]) * z + c[4]) * z + c[3]) * z + c[2]) * z + c[1]) * z + c[0];
    const double small = ax * p;
    const double y     = 2 * ax < 40 ? 2 * ax : 40;
    const double t     = y * log2e + shifter;
    const double nd    = t - shifter;
    const double r     = (y - nd * ln2_hi) - nd * ln2_lo;
    double       e     = 1.0 / 6227020800.0;
    e                  = e * r + 1.0 / 479001600.0;
    e                  = e * r + 1.0 / 39916800.0;
    e                  = e * r + 1.0 / 3628800.0;
    e                  = e * r + 1.0 / 362880.0;
    e                  = e * r + 1.0 / 40320.0;
    e                  = e * r + 1.0 / 5040.0;
    e                  = e * r + 1.0 / 720.0;
    e                  = e * r + 1.0 / 120.0;
    e                  = e * r + 1.0 / 24.0;
    e                  = e * r + 1.0 / 6.0;
    e                  = e * r + 0.5;
    e                  = e * r + 1.0;
    e                  = e * r + 1.0;
    int64_t tb;
    memcpy(&tb, &t, sizeof tb);
    const int64_t sb = (tb - shifter_bits + 1023) << 52;
    double        scale;
    memcpy(&scale, &sb, sizeof scale);
    const double large = 1.0 - 2.0 / (e * scale + 1.0);
    out[i]             = copysign(ax < 0.4 ? small : large, x);
  }
}
#pragma GCC pop_options

static double Now(void)
{
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + 1e-9 * t.tv_nsec;
}

enum { K_REF, K_NEW, K_LIBM, K_LC_VEC, K_LC_SCALAR, K_COUNT };

static void Run(int k, PetscInt n, const double *x, double *y)
{
  const NaActivation act = {NA_ACT_TANH, 5.0};
  switch (k) {
  case K_REF:
    RefTanhArray(n, 5.0, x, y);
    break;
  case K_NEW:
    NaTanhArray(n, 5.0, x, y);
    break;
  case K_LIBM:
    for (PetscInt i = 0; i < n; i++) y[i] = tanh(5.0 * x[i]);
    break;
  case K_LC_VEC:
    NaActLagrangianArray(&act, n, x, y);
    break;
  case K_LC_SCALAR:
    for (PetscInt i = 0; i < n; i++) y[i] = NaActLagrangian(&act, x[i]);
    break;
  }
}

int main(int argc, char **argv)
{
  const int      passes   = argc > 1 ? atoi(argv[1]) : 20;
  const PetscInt sizes[2] = {1 << 20, 4096};
  double         sink     = 0;

  for (int sz = 0; sz < 2; sz++) {
    const PetscInt n = sizes[sz], inner = (1 << 20) / n;
    double        *x = malloc(n * sizeof(double)), *y = malloc(n * sizeof(double)), best[K_COUNT];
    for (PetscInt i = 0; i < n; i++) x[i] = -3 + 6.0 * i / n;
    for (int k = 0; k < K_COUNT; k++) best[k] = 1e30;
    for (int r = 0; r < passes; r++) /* kernels interleaved within each pass: the same machine state for all */
      for (int k = 0; k < K_COUNT; k++) {
        double t0 = Now();
        for (PetscInt j = 0; j < inner; j++) Run(k, n, x, y);
        best[k] = fmin(best[k], (Now() - t0) / ((double)inner * n));
        sink += y[r % n];
      }
    printf("n=%-7ld tanh_ns: reference=%.3f new=%.3f libm=%.3f  new_vs_reference=%.2fx new_vs_libm=%.2fx | "
           "logcosh_ns: scalar=%.3f vector=%.3f vector_vs_scalar=%.2fx\n",
           (long)n, 1e9 * best[K_REF], 1e9 * best[K_NEW], 1e9 * best[K_LIBM], best[K_REF] / best[K_NEW],
           best[K_LIBM] / best[K_NEW], 1e9 * best[K_LC_SCALAR], 1e9 * best[K_LC_VEC],
           best[K_LC_SCALAR] / best[K_LC_VEC]);
    free(x), free(y);
  }
  printf("(checksum %g, best of %d passes)\n", sink, passes);
  return 0;
}
