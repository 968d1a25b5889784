/* Vectorisable transcendental kernels: exp, tanh, log cosh and a deterministic dot product.
 *
 * tanh and log cosh share one expm1 for y in [0, 40]: y = k ln2 + r (Cody-Waite, |r| <= ln2/2, 0 <= k <= 58),
 * expm1(r) = r + r^2 Q(r) with Q a degree-9 polynomial fitted at Chebyshev nodes (relative error of expm1(r)
 * 4e-17, evaluated by Estrin's scheme for a short dependency chain), and
 *   expm1(y) = 2^k expm1(r) + (2^k - 1)        (2^k built in the exponent bits; 2^k - 1 exact for k <= 52).
 * Then
 *   tanh |x|     = em / (em + 2),   em = expm1(2|x|), 2|x| clamped to 40 (tanh = 1 to double precision);
 *   log cosh |x| = log1p(c),        c = cosh|x| - 1 = e^2 / (2 (1 + e)), e = expm1(|x|), |x| <= 40,
 *                  and |x| - log 2 above 40 (log1p(exp(-2|x|)) < 1e-34 there);
 * log1p(c) is fdlibm's log reduction applied to u = 1 + c, with the rounding error of 1 + c (exact by
 * Fast2Sum) folded back into the reduced argument, so tiny c (c ~ x^2/2) keeps its relative accuracy.
 * One formula for every |x|: no branch, no select between series, relative error a few ulp (tested to 1e-12).
 * exp x = 2^k (1 + expm1(r)) with the same reduction and polynomial, for x in [-708, 709.7] (k from -1022 to
 * 1023: normal results); below, 0 (exp underflows to a subnormal there: flushed), above, inf; NaN stays NaN.
 *
 * Determinism: every multiply-add of the kernels is an explicit fma(), and contraction of the remaining
 * expressions is switched off, so every element goes through the same correctly rounded IEEE operations in
 * every clone and at every vector width: the x86-64-v4 clone (AVX-512, 8 doubles a vector: twice the
 * x86-64-v3 clone's throughput where the CPU has full-width AVX-512 units, e.g. AMD Zen 4/5 and Intel
 * server cores) and the x86-64-v3 clone (AVX2 + FMA) execute vfmadd, the default clone calls libm's fma
 * (correctly rounded: the same bits; slow only on x86 CPUs without FMA, pre-2013).
 * NaTanhArrayBaseline and NaLogCoshArrayBaseline are the same kernels compiled for the baseline target, i.e.
 * what the default clone runs, so the tests can compare the two paths bit for bit. */
#include "vmath.h"
/* Selecting between computed values is only vectorised when the compiler may assume floating-point operations
 * do not trap (nastro enables no FP traps; this changes no result bit); no contraction of a*b+c into an FMA
 * that only some clones would do. */
#pragma GCC optimize("no-trapping-math", "fp-contract=off")
#include <math.h>
#include <string.h>

#define NA_ALWAYS_INLINE static inline __attribute__((always_inline))
#define NA_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))

static const double Ln2Hi = 6.93147180369123816490e-01, Ln2Lo = 1.90821492927058770002e-10; /* Ln2Hi * k exact */

NA_ALWAYS_INLINE double AsDouble(int64_t b)
{
  double d;
  memcpy(&d, &b, sizeof d);
  return d;
}

NA_ALWAYS_INLINE int64_t AsBits(double d)
{
  int64_t b;
  memcpy(&b, &d, sizeof b);
  return b;
}

/* expm1(y) for y in [0, 40] (NaN gives NaN), relative error a few ulp */
NA_ALWAYS_INLINE double Expm1Kernel(double y)
{
  const double log2e = 1.4426950408889634074, shifter = 0x1.8p52;
  /* Q(r) ~ (expm1(r) - r) / r^2 on |r| <= ln2/2 (interpolated at 10 Chebyshev nodes, coefficients rounded) */
  const double q0 = 0.5000000000000001, q1 = 0.16666666666666669, q2 = 0.041666666666624164, q3 = 0.008333333333330065,
               q4 = 0.0013888888917196719, q5 = 0.00019841269863040545, q6 = 2.4801521322368692e-05,
               q7 = 2.7557268480310024e-06, q8 = 2.7620075879983367e-07, q9 = 2.5100375832561234e-08;
  const double t  = fma(y, log2e, shifter); /* round(y / ln2) in the low mantissa bits */
  const double k  = t - shifter;
  const double r  = fma(-k, Ln2Lo, fma(-k, Ln2Hi, y));
  const double r2 = r * r, r4 = r2 * r2;
  const double a0 = fma(q1, r, q0), a1 = fma(q3, r, q2), a2 = fma(q5, r, q4), a3 = fma(q7, r, q6), a4 = fma(q9, r, q8);
  const double q = fma(fma(a4, r4, fma(a3, r2, a2)), r4, fma(a1, r2, a0));
  const double p = fma(r2, q, r);                                                       /* expm1(r) */
  const double s = AsDouble((AsBits(t) - AsBits(shifter) + 1023) * ((int64_t)1 << 52)); /* 2^k */
  return fma(s, p, s - 1.0);
}

/* exp(x) on [-708, 709.7]: 2^k e^r = 2^k + 2^k expm1(r), |r| <= ln2/2 (as Expm1Kernel, which it shares the
 * polynomial with); outside, 0 or inf; NaN gives NaN (every select below is false for NaN) */
NA_ALWAYS_INLINE double ExpKernel(double x)
{
  const double log2e = 1.4426950408889634074, shifter = 0x1.8p52;
  const double q0 = 0.5000000000000001, q1 = 0.16666666666666669, q2 = 0.041666666666624164, q3 = 0.008333333333330065,
               q4 = 0.0013888888917196719, q5 = 0.00019841269863040545, q6 = 2.4801521322368692e-05,
               q7 = 2.7557268480310024e-06, q8 = 2.7620075879983367e-07, q9 = 2.5100375832561234e-08;
  const double y  = x < -708.0 ? -708.0 : x > 709.7 ? 709.7 : x; /* NaN passes */
  const double t  = fma(y, log2e, shifter);
  const double k  = t - shifter;
  const double r  = fma(-k, Ln2Lo, fma(-k, Ln2Hi, y));
  const double r2 = r * r, r4 = r2 * r2;
  const double a0 = fma(q1, r, q0), a1 = fma(q3, r, q2), a2 = fma(q5, r, q4), a3 = fma(q7, r, q6), a4 = fma(q9, r, q8);
  const double q = fma(fma(a4, r4, fma(a3, r2, a2)), r4, fma(a1, r2, a0));
  const double p = fma(r2, q, r);
  const double s = AsDouble((AsBits(t) - AsBits(shifter) + 1023) * ((int64_t)1 << 52));
  const double v = fma(s, p, s);
  return x < -708.0 ? 0.0 : x > 709.7 ? INFINITY : v;
}

NA_ALWAYS_INLINE void ExpKernelArray(PetscInt n, const PetscScalar *in, PetscScalar *out) /* in may be out */
{
  for (PetscInt i = 0; i < n; i++) out[i] = ExpKernel(in[i]);
}

NA_CLONES void NaExpArray(PetscInt n, const PetscScalar *in, PetscScalar *out)
{
  ExpKernelArray(n, in, out);
}

void NaExpArrayBaseline(PetscInt n, const PetscScalar *in, PetscScalar *out)
{
  ExpKernelArray(n, in, out);
}

NA_ALWAYS_INLINE void TanhKernel(PetscInt n, PetscReal beta, const PetscScalar *restrict in, PetscScalar *restrict out)
{
  for (PetscInt i = 0; i < n; i++) {
    const double x  = beta * in[i];
    const double y  = 2 * fabs(x);
    const double em = Expm1Kernel(y > 40 ? 40 : y); /* written so that NaN stays NaN */
    out[i]          = copysign(em / (em + 2.0), x);
  }
}

NA_ALWAYS_INLINE void LogCoshKernel(PetscInt n, PetscReal beta, const PetscScalar *restrict in,
                                    PetscScalar *restrict out)
{
  /* fdlibm's log: log1p(f) = f - (f^2/2 - s (f^2/2 + R(s^2))), s = f / (2 + f), |s| <= 0.1716, error < 2^-58.45 */
  const double lg1 = 6.666666666666735130e-01, lg2 = 3.999999999940941908e-01, lg3 = 2.857142874366239149e-01,
               lg4 = 2.222219843214978396e-01, lg5 = 1.818357216161805012e-01, lg6 = 1.531383769920937332e-01,
               lg7         = 1.479819860511658591e-01;
  const int64_t   sqrthalf = 0x3fe6a09e667f3bcdLL, one = 0x3ff0000000000000LL, mant = 0x000fffffffffffffLL;
  const PetscReal inv_beta = 1.0 / beta;

  for (PetscInt i = 0; i < n; i++) {
    const double a = fabs(beta * in[i]);
    const double e = Expm1Kernel(a > 40 ? 40 : a);
    const double c = 0.5 * e * (e / (1.0 + e)); /* cosh a - 1 */
    /* u + err = 1 + c exactly (Fast2Sum with the larger operand first) */
    const double u   = 1.0 + c;
    const double err = (c < 1.0 ? c : 1.0) - (u - (c < 1.0 ? 1.0 : c));
    /* u = 2^m fm, fm in [sqrt(1/2), sqrt(2)); f = fm - 1 (exact) + err / 2^m */
    const uint64_t hx = (uint64_t)AsBits(u) + (uint64_t)(one - sqrthalf); /* u >= 1: no sign bit */
    const int64_t  m  = (int64_t)(hx >> 52) - 1023;                       /* 0 <= m <= 57 */
    const double   f =
        fma(err, AsDouble((1023 - m) * ((int64_t)1 << 52)), AsDouble((int64_t)(hx & mant) + sqrthalf) - 1.0);
    const double s = f / (2.0 + f);
    const double z = s * s, w = z * z;
    const double R    = fma(z, fma(w, fma(w, fma(w, lg7, lg5), lg3), lg1), w * fma(w, fma(w, lg6, lg4), lg2));
    const double hfsq = 0.5 * f * f, dm = AsDouble(m + AsBits(0x1.8p52)) - 0x1.8p52; /* (double)m without cvtqq2pd */
    const double l = fma(dm, Ln2Hi, -((hfsq - fma(s, hfsq + R, dm * Ln2Lo)) - f));   /* log1p(c) */
    out[i]         = (a > 40 ? a - 0.69314718055994530942 : l) * inv_beta;
  }
}

NA_CLONES void NaTanhArray(PetscInt n, PetscReal beta, const PetscScalar *restrict in, PetscScalar *restrict out)
{
  TanhKernel(n, beta, in, out);
}

void NaTanhArrayBaseline(PetscInt n, PetscReal beta, const PetscScalar *restrict in, PetscScalar *restrict out)
{
  TanhKernel(n, beta, in, out);
}

NA_CLONES void NaLogCoshArray(PetscInt n, PetscReal beta, const PetscScalar *restrict in, PetscScalar *restrict out)
{
  LogCoshKernel(n, beta, in, out);
}

void NaLogCoshArrayBaseline(PetscInt n, PetscReal beta, const PetscScalar *restrict in, PetscScalar *restrict out)
{
  LogCoshKernel(n, beta, in, out);
}

/* a . b with eight interleaved partial sums combined in a fixed tree: vectorised, and the same bits for the
 * same inputs on any machine, vector width or rank count */
__attribute__((target_clones("avx2", "default"))) PetscScalar NaDot(PetscInt n, const PetscScalar *restrict a,
                                                                    const PetscScalar *restrict b)
{
  double   acc[8] = {0, 0, 0, 0, 0, 0, 0, 0}, tail = 0;
  PetscInt j = 0;

  for (; j + 8 <= n; j += 8)
    for (int l = 0; l < 8; l++) acc[l] += a[j + l] * b[j + l];
  for (; j < n; j++) tail += a[j] * b[j];
  return ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7])) + tail;
}
