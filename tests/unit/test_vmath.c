/* The vectorised tanh and log cosh against libm and long double on the ranges the models use (issue 3: within
 * 1e-12 relative), and the same bits on every code path. */
#include "common.h"
#include <float.h>
#include "activation.h"

TestSuite(vmath, .init = test_init, .fini = test_fini);

/* relative error, NaN counting as infinite; below DBL_MIN the error is measured against DBL_MIN (subnormal
 * results cannot carry relative accuracy) */
static double rel_err(double v, long double ref)
{
  if ((long double)v == ref) return 0; /* also infinities (the magnitude sweep overflows to +-inf at its end) */
  double e = (double)(fabsl((long double)v - ref) / fmaxl(fabsl(ref), DBL_MIN));
  return e == e ? e : INFINITY;
}

static double max_rel_err_tanh(const double *x, PetscInt n, double beta)
{
  double *y = malloc(n * sizeof(double)), worst = 0;
  NaTanhArray(n, beta, x, y);
  for (PetscInt i = 0; i < n; i++) worst = fmax(worst, rel_err(y[i], tanh(beta * x[i])));
  free(y);
  return worst;
}

/* log cosh(a) in long double without cancellation: log1p(2 sinh^2(a/2)), and a - log 2 + log1p(e^-2a) for large a */
static long double logcosh_ref(long double a)
{
  a = fabsl(a);
  if (a > 20) return a - logl(2.0L) + log1pl(expl(-2 * a));
  long double s = sinhl(a / 2);
  return log1pl(2 * s * s);
}

static double max_rel_err_logcosh(const double *x, PetscInt n, double beta)
{
  double *y = malloc(n * sizeof(double)), worst = 0;
  NaLogCoshArray(n, beta, x, y);
  for (PetscInt i = 0; i < n; i++) worst = fmax(worst, rel_err(y[i], logcosh_ref((long double)beta * x[i]) / beta));
  free(y);
  return worst;
}

/* the sample sets: a dense sweep with saturation, magnitudes 1e-300..1e308 and +-inf of both signs, a fine sweep of
 * [0, 1] and the neighbourhoods of every switch of the reduction y = k ln2 + r (|x| = (k + 1/2) ln2 / 2 for
 * tanh, (k + 1/2) ln2 for log cosh) and of the clamp */
static PetscInt fill(int set, double *x, PetscInt n)
{
  switch (set) {
  case 0:
    for (PetscInt i = 0; i < n; i++) x[i] = -50.0 + 100.0 * i / (n - 1);
    return n;
  case 1:
    for (PetscInt i = 0; i < n; i++) x[i] = 1e-300 * pow(10.0, 0.000299 * i) * (i % 2 ? -1 : 1);
    return n;
  case 2:
    for (PetscInt i = 0; i < n; i++) x[i] = (double)i / n;
    return n;
  default: {
    PetscInt m = 0;
    for (int k = 0; k < 120 && m + 4002 <= n; k++) {
      double c = (k + 0.5) * 0.69314718055994530942 / (set == 3 ? 2 : 1);
      if (k == 119) c = set == 3 ? 20 : 40; /* the clamp */
      for (int j = -2000; j <= 2000; j++) x[m++] = c + j * 1e-12 * c;
    }
    return m;
  }
  }
}

Test(vmath, tanh_matches_libm)
{
  const PetscInt n      = 2000003;
  double        *x      = malloc(n * sizeof(double));
  const char    *what[] = {"[-50, 50]", "magnitudes 1e-300..inf (beta 5)", "[0, 1]", "reduction switches"};
  for (int set = 0; set < 4; set++) {
    PetscInt m = fill(set, x, n);
    double   e = max_rel_err_tanh(x, m, set == 1 ? 5.0 : 1.0);
    cr_expect_lt(e, 1e-12, "tanh: max relative error on %s: %g", what[set], e);
    cr_log_info("vectorised tanh: max relative error %.3g on %s", e, what[set]);
  }
  x[0] = 0.0, x[1] = -0.0, x[2] = INFINITY, x[3] = -INFINITY, x[4] = NAN, x[5] = 1e300;
  double y[6];
  NaTanhArray(6, 5.0, x, y);
  cr_expect(y[0] == 0.0 && !signbit(y[0]) && y[1] == 0.0 && signbit(y[1]), "tanh(+-0) = %g, %g", y[0], y[1]);
  cr_expect(y[2] == 1.0 && y[3] == -1.0 && y[5] == 1.0, "tanh(+-inf) = %g, %g, tanh(5e300) = %g", y[2], y[3], y[5]);
  cr_expect(isnan(y[4]), "tanh(NaN) = %g", y[4]);
  free(x);
}

/* the same bits whatever the offset of the array (vector peeling) */
Test(vmath, tanh_independent_of_alignment)
{
  double in[67], a[67], b[67];
  for (int i = 0; i < 67; i++) in[i] = 0.37 * (i - 33);
  NaTanhArray(67, 1.3, in, a);
  for (int off = 1; off < 5; off++) {
    NaTanhArray(67 - off, 1.3, in + off, b);
    for (int i = 0; i < 67 - off; i++) cr_expect(a[i + off] == b[i], "offset %d element %d", off, i);
  }
  NaLogCoshArray(67, 1.3, in, a);
  for (int off = 1; off < 5; off++) {
    NaLogCoshArray(67 - off, 1.3, in + off, b);
    for (int i = 0; i < 67 - off; i++) cr_expect(a[i + off] == b[i], "log cosh: offset %d element %d", off, i);
  }
}

/* The dispatched clone (x86-64-v3 with FMA where the CPU has it) and the baseline build (what the default clone
 * runs: scalar, libm fma) give the same bits. */
Test(vmath, clones_agree_bitwise)
{
  if (!(__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")))
    cr_skip_test("this CPU has no AVX2+FMA: the dispatched clone is the baseline, and comparing it with itself would "
                 "prove nothing");
  const PetscInt n = 2000003;
  double        *x = malloc(n * sizeof(double)), *a = malloc(n * sizeof(double)), *b = malloc(n * sizeof(double));
  for (int set = 0; set < 5; set++) {
    PetscInt m    = fill(set, x, n);
    double   beta = set == 1 ? 5.0 : 1.0;
    PetscInt bad  = 0;
    NaTanhArray(m, beta, x, a);
    NaTanhArrayBaseline(m, beta, x, b);
    for (PetscInt i = 0; i < m; i++) bad += memcmp(&a[i], &b[i], sizeof(double)) != 0;
    cr_expect(bad == 0, "tanh: %ld of %ld elements differ between the clone and the baseline (set %d)", (long)bad,
              (long)m, set);
    bad = 0;
    NaLogCoshArray(m, beta, x, a);
    NaLogCoshArrayBaseline(m, beta, x, b);
    for (PetscInt i = 0; i < m; i++) bad += memcmp(&a[i], &b[i], sizeof(double)) != 0;
    cr_expect(bad == 0, "log cosh: %ld of %ld elements differ between the clone and the baseline (set %d)", (long)bad,
              (long)m, set);
  }
  cr_log_info("clone in use: %s",
              __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") ? "x86-64-v3 (AVX2+FMA)" : "default");
  free(x), free(a), free(b);
}

Test(vmath, logcosh_matches_long_double)
{
  const PetscInt n      = 2000003;
  double        *x      = malloc(n * sizeof(double));
  const char    *what[] = {"[-50, 50]", "magnitudes 1e-300..inf (beta 5)", "[0, 1]", "", "reduction switches"};
  for (int set = 0; set < 5; set++) {
    if (set == 3) continue;
    PetscInt m = fill(set, x, n);
    double   e = max_rel_err_logcosh(x, m, set == 1 ? 5.0 : 1.0);
    cr_expect_lt(e, 1e-12, "log cosh: max relative error on %s: %g", what[set], e);
    cr_log_info("vectorised log cosh: max relative error %.3g on %s", e, what[set]);
  }
  /* tiny arguments: log cosh x = x^2/2 (1 - x^2/6 + ...) to full relative accuracy */
  double t[4] = {1e-150, -3e-100, 1e-20, 2e-8}, y[4];
  NaLogCoshArray(4, 1.0, t, y);
  for (int i = 0; i < 4; i++)
    cr_expect(rel_err(y[i], 0.5L * t[i] * t[i] * (1 - t[i] * (long double)t[i] / 6)) < 1e-15, "log cosh(%g) = %g", t[i],
              y[i]);
  x[0] = 0.0, x[1] = INFINITY, x[2] = -INFINITY, x[3] = NAN, x[4] = -1e300;
  NaLogCoshArray(5, 2.0, x, x + 5);
  cr_expect(x[5] == 0.0 && x[6] == INFINITY && x[7] == INFINITY && isnan(x[8]),
            "log cosh(0, inf, -inf, NaN) = %g %g %g %g", x[5], x[6], x[7], x[8]);
  cr_expect(x[9] == 1e300 - 0.69314718055994530942 / 2, "log cosh(-2e300)/2 = %g", x[9]);
  free(x);
}

/* NaActLagrangianArray against the scalar NaActLagrangian: identical for the identity, and for tanh within the
 * scalar's own error (NaLogCosh computes |x| + log1p(e^-2|x|) - log 2, which cancels for small |x|: an absolute
 * error of a few 1e-16 / beta) */
Test(vmath, lagrangian_array_matches_scalar)
{
  const PetscInt n = 100003;
  double        *z = malloc(n * sizeof(double)), *v = malloc(n * sizeof(double)), worst = 0;
  for (PetscInt i = 0; i < n; i++) z[i] = -12.0 + 24.0 * i / (n - 1);
  const double betas[3] = {0.5, 1.0, 5.0};
  for (int b = 0; b < 3; b++) {
    NaActivation f = {NA_ACT_TANH, betas[b]};
    NaActLagrangianArray(&f, n, z, v);
    for (PetscInt i = 0; i < n; i++) {
      double s = NaActLagrangian(&f, z[i]), e = fabs(v[i] - s) / fmax(fabs(s), 1.0);
      cr_expect(e <= 1e-14 / f.beta, "beta %g z %.17g: array %.17g scalar %.17g", f.beta, z[i], v[i], s);
      worst = fmax(worst, e);
    }
  }
  cr_log_info("log cosh array vs scalar NaActLagrangian: max error %.3g (relative, absolute below 1)", worst);
  NaActivation id = {NA_ACT_IDENTITY, 1.0};
  NaActLagrangianArray(&id, n, z, v);
  for (PetscInt i = 0; i < n; i++) cr_expect(v[i] == NaActLagrangian(&id, z[i]), "identity: z %g", z[i]);
  free(z), free(v);
}

/* exp (the AdEx right-hand side's): within 2 ulp of long double expl over the range of normal results, 0 below
 * -708 and inf above 709.7, NaN kept, and the same bits in the clone and the baseline build */
Test(vmath, exp_matches_long_double)
{
  const PetscInt n = 1000001;
  double        *x = malloc(n * sizeof(double)), *a = malloc(n * sizeof(double)), *b = malloc(n * sizeof(double));
  double         worst = 0;
  PetscInt       bad   = 0;

  for (PetscInt i = 0; i < n; i++) x[i] = -708.0 + (708.0 + 709.7) * i / (n - 1);
  x[n / 2] = -25.2, x[n / 3] = 0.0, x[n / 4] = 1e-300; /* a typical AdEx argument, exact 1, a tiny one */
  NaExpArray(n, x, a);
  NaExpArrayBaseline(n, x, b);
  for (PetscInt i = 0; i < n; i++) {
    const long double ref = expl((long double)x[i]);
    const double      ulp = nextafter((double)ref, INFINITY) - (double)ref;
    const double      e   = (double)(fabsl((long double)a[i] - ref) / ulp);
    if (e > worst) worst = e;
    bad += memcmp(&a[i], &b[i], sizeof(double)) != 0;
  }
  cr_log_info("exp: worst error %.3g ulp", worst);
  cr_expect(worst <= 2.0, "exp: %g ulp from expl", worst);
  cr_expect(bad == 0, "exp: %ld elements differ between the clone and the baseline", (long)bad);
  cr_expect(a[n / 3] == 1.0, "exp(0) = %.17g", a[n / 3]);
  double edge[6] = {-709.0, -INFINITY, 710.0, INFINITY, NAN, -0.0}, out[6];
  NaExpArray(6, edge, out);
  cr_expect(out[0] == 0 && out[1] == 0, "exp(-709), exp(-inf): %g %g", out[0], out[1]);
  cr_expect(isinf(out[2]) && out[2] > 0 && isinf(out[3]) && out[3] > 0, "exp(710), exp(inf): %g %g", out[2], out[3]);
  cr_expect(isnan(out[4]), "exp(NaN): %g", out[4]);
  cr_expect(out[5] == 1.0, "exp(-0): %g", out[5]);
  free(x), free(a), free(b);
}
