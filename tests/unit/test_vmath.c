/* The vectorised tanh against libm on the ranges the models use (issue 3: within 1e-12 relative). */
#include "common.h"
#include "vmath.h"

TestSuite(vmath, .init = test_init, .fini = test_fini);

static double max_rel_err(const double *x, PetscInt n, double beta)
{
  double *y = malloc(n * sizeof(double)), worst = 0;
  NaTanhArray(n, beta, x, y);
  for (PetscInt i = 0; i < n; i++) {
    double ref = tanh(beta * x[i]), err = fabs(y[i] - ref) / (fabs(ref) > 0 ? fabs(ref) : 1);
    if (!(err <= worst)) worst = err; /* NaN counts as worst */
  }
  free(y);
  return worst;
}

Test(vmath, tanh_matches_libm)
{
  const PetscInt n = 2000003;
  double        *x = malloc(n * sizeof(double));
  for (PetscInt i = 0; i < n; i++) x[i] = -50.0 + 100.0 * i / (n - 1); /* covers both branches and saturation */
  double e1 = max_rel_err(x, n, 1.0);
  cr_expect_lt(e1, 1e-12, "max relative error on [-50, 50]: %g", e1);
  cr_log_info("vectorised tanh: max relative error %.3g on [-50, 50]", e1);
  for (PetscInt i = 0; i < n; i++) x[i] = 1e-300 * pow(10.0, 0.000299 * i) * (i % 2 ? -1 : 1); /* tiny to ~1e298 */
  double e2 = max_rel_err(x, n, 5.0);
  cr_expect_lt(e2, 1e-12, "max relative error over magnitudes 1e-300..1e300: %g", e2);
  x[0] = 0.0;
  x[1] = -0.0;
  double y[2];
  NaTanhArray(2, 5.0, x, y);
  cr_expect(y[0] == 0.0 && y[1] == 0.0, "tanh(+-0) = %g, %g", y[0], y[1]);
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
}
