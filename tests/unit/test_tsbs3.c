/* TSBS3LS, the low-storage Bogacki-Shampine 3(2) stepper: order, step control, dense output, exact restarts,
 * rejections, its storage, and a comparison with PETSc's TSRK 3bs. */
#include "common.h"
#include <malloc.h>
#include <string.h>
#include "tsbs3.h"

TestSuite(tsbs3, .init = test_init, .fini = test_fini);

/* ---- problems with known solutions ---- */

/* u' = A u, A = [-a -w; w -a]: a decaying rotation */
static const double LA = 0.5, LW = 2.0;

static PetscErrorCode LinearRHS(TS ts, PetscReal t, Vec U, Vec F, void *ctx)
{
  const PetscScalar *u;
  PetscScalar       *f;
  (void)ts, (void)t, (void)ctx;
  PetscFunctionBeginUser;
  PetscCall(VecGetArrayRead(U, &u));
  PetscCall(VecGetArrayWrite(F, &f));
  f[0] = -LA * u[0] - LW * u[1];
  f[1] = LW * u[0] - LA * u[1];
  PetscCall(VecRestoreArrayWrite(F, &f));
  PetscCall(VecRestoreArrayRead(U, &u));
  PetscFunctionReturn(0);
}

static void linear_exact(double t, double *u) /* from u(0) = (1, 0) */
{
  u[0] = exp(-LA * t) * cos(LW * t);
  u[1] = exp(-LA * t) * sin(LW * t);
}

/* u_i' = r_i u_i (1 - u_i), u_i(0) = q_i */
#define NLOG 3
static const double LR[NLOG] = {1.0, 3.0, 0.5}, LQ[NLOG] = {0.1, 0.01, 0.6};

static PetscErrorCode LogisticRHS(TS ts, PetscReal t, Vec U, Vec F, void *ctx)
{
  const PetscScalar *u;
  PetscScalar       *f;
  (void)ts, (void)t, (void)ctx;
  PetscFunctionBeginUser;
  PetscCall(VecGetArrayRead(U, &u));
  PetscCall(VecGetArrayWrite(F, &f));
  for (int i = 0; i < NLOG; i++) f[i] = LR[i] * u[i] * (1 - u[i]);
  PetscCall(VecRestoreArrayWrite(F, &f));
  PetscCall(VecRestoreArrayRead(U, &u));
  PetscFunctionReturn(0);
}

static void logistic_exact(double t, double *u)
{
  for (int i = 0; i < NLOG; i++) u[i] = 1.0 / (1.0 + (1.0 / LQ[i] - 1.0) * exp(-LR[i] * t));
}

/* Van der Pol, mu = 1 */
static PetscErrorCode VdPRHS(TS ts, PetscReal t, Vec U, Vec F, void *ctx)
{
  const PetscScalar *u;
  PetscScalar       *f;
  (void)ts, (void)t, (void)ctx;
  PetscFunctionBeginUser;
  PetscCall(VecGetArrayRead(U, &u));
  PetscCall(VecGetArrayWrite(F, &f));
  f[0] = u[1];
  f[1] = (1 - u[0] * u[0]) * u[1] - u[0];
  PetscCall(VecRestoreArrayWrite(F, &f));
  PetscCall(VecRestoreArrayRead(U, &u));
  PetscFunctionReturn(0);
}

/* u' = -u^3, u(0) = 1: u = 1/sqrt(1 + 2t); NaN beyond |u| > 100, as a blown-up step would give */
static PetscErrorCode CubicRHS(TS ts, PetscReal t, Vec U, Vec F, void *ctx)
{
  const PetscScalar *u;
  PetscScalar       *f;
  (void)ts, (void)t, (void)ctx;
  PetscFunctionBeginUser;
  PetscCall(VecGetArrayRead(U, &u));
  PetscCall(VecGetArrayWrite(F, &f));
  f[0] = fabs(u[0]) > 100 ? NAN : -u[0] * u[0] * u[0];
  PetscCall(VecRestoreArrayWrite(F, &f));
  PetscCall(VecRestoreArrayRead(U, &u));
  PetscFunctionReturn(0);
}

/* ---- helpers ---- */

static Vec make_vec(PetscInt n, const double *u0)
{
  Vec          U;
  PetscScalar *u;
  TCall(VecCreateSeq(PETSC_COMM_SELF, n, &U));
  TCall(VecGetArrayWrite(U, &u));
  for (PetscInt i = 0; i < n; i++) u[i] = u0[i];
  TCall(VecRestoreArrayWrite(U, &u));
  return U;
}

/* a TS of the given type (bs3ls when NULL) to max_time T, MATCHSTEP, scalar tolerances tol; fixed steps of dt
 * when fixed */
static TS make_ts(const char *type, TSRHSFunction rhs, double T, double dt, double tol, PetscBool fixed)
{
  TS      ts;
  TSAdapt adapt;
  TCall(NaTSRegisterBS3());
  TCall(TSCreate(PETSC_COMM_SELF, &ts));
  TCall(TSSetProblemType(ts, TS_NONLINEAR));
  TCall(TSSetType(ts, type ? type : TSBS3LS));
  TCall(TSSetRHSFunction(ts, NULL, rhs, NULL));
  TCall(TSSetMaxTime(ts, T));
  TCall(TSSetMaxSteps(ts, PETSC_MAX_INT));
  TCall(TSSetTimeStep(ts, dt));
  TCall(TSSetExactFinalTime(ts, TS_EXACTFINALTIME_MATCHSTEP));
  TCall(TSSetTolerances(ts, tol, NULL, tol, NULL));
  if (fixed) {
    TCall(TSGetAdapt(ts, &adapt));
    TCall(TSAdaptSetType(adapt, TSADAPTNONE));
  }
  return ts;
}

static double err_vs(Vec U, const double *ref)
{
  const PetscScalar *u;
  PetscInt           n;
  double             e = 0;
  TCall(VecGetLocalSize(U, &n));
  TCall(VecGetArrayRead(U, &u));
  for (PetscInt i = 0; i < n; i++) e = fmax(e, fabs(u[i] - ref[i]));
  TCall(VecRestoreArrayRead(U, &u));
  return e;
}

static int same_bits(Vec A, Vec B)
{
  const PetscScalar *a, *b;
  PetscInt           n;
  int                same;
  TCall(VecGetLocalSize(A, &n));
  TCall(VecGetArrayRead(A, &a));
  TCall(VecGetArrayRead(B, &b));
  same = memcmp(a, b, n * sizeof(PetscScalar)) == 0;
  TCall(VecRestoreArrayRead(B, &b));
  TCall(VecRestoreArrayRead(A, &a));
  return same;
}

/* ---- tests ---- */

Test(tsbs3, registered_and_viewed)
{
  TS          ts;
  TSType      type;
  PetscViewer v;
  char        path[64], buf[4096];
  FILE       *f;
  size_t      len;
  Vec         U = make_vec(2, (double[]){1, 0});
  TCall(NaTSRegisterBS3());
  TCall(NaTSRegisterBS3()); /* idempotent */
  TCall(PetscOptionsClear(NULL));
  TCall(PetscOptionsInsertString(NULL, "-ts_type bs3ls -ts_bs3ls_safety 0.8"));
  TCall(TSCreate(PETSC_COMM_SELF, &ts));
  TCall(TSSetRHSFunction(ts, NULL, LinearRHS, NULL));
  TCall(TSSetFromOptions(ts));
  TCall(TSGetType(ts, &type));
  cr_expect_str_eq(type, TSBS3LS);
  TCall(TSSetSolution(ts, U));
  TCall(TSSetUp(ts));
  snprintf(path, sizeof path, "/tmp/nastro-tsbs3-view-%d.txt", (int)getpid());
  TCall(PetscViewerASCIIOpen(PETSC_COMM_SELF, path, &v));
  TCall(TSView(ts, v));
  TCall(PetscViewerDestroy(&v));
  f        = fopen(path, "r");
  len      = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
  buf[len] = 0;
  if (f) fclose(f);
  unlink(path);
  cr_expect(strstr(buf, "5 work vectors (low storage)") != NULL, "view: %s", buf);
  cr_expect(strstr(buf, "safety 0.8") != NULL, "view: %s", buf);
  TCall(PetscOptionsClear(NULL));
  TCall(TSDestroy(&ts));
  TCall(VecDestroy(&U));
}

/* (a) the global error of fixed steps falls as h^3 */
Test(tsbs3, third_order_fixed_steps)
{
  const double T = 2.0;
  double       err[5], ref[2];
  linear_exact(T, ref);
  for (int k = 0; k < 5; k++) {
    PetscInt  n = 20 << k, steps;
    PetscReal t;
    Vec       U  = make_vec(2, (double[]){1, 0});
    TS        ts = make_ts(NULL, LinearRHS, T, T / n, 1e-6, PETSC_TRUE);
    TCall(TSSolve(ts, U));
    TCall(TSGetSolveTime(ts, &t));
    TCall(TSGetStepNumber(ts, &steps));
    cr_expect_eq(t, T, "final time %.17g", t);
    cr_expect_eq(steps, n, "%d steps, expected %d", (int)steps, (int)n);
    err[k] = err_vs(U, ref);
    TCall(TSDestroy(&ts));
    TCall(VecDestroy(&U));
  }
  for (int k = 0; k < 4; k++) {
    double p = log2(err[k] / err[k + 1]);
    cr_log_info("n = %d: error %.3e, observed order %.3f", 20 << k, err[k], p);
    cr_expect(p > 2.8 && p < 3.2, "observed order %g between n = %d and %d", p, 20 << k, 40 << k);
  }
}

/* (b) adaptive steps reach max_time exactly with an error near the tolerance, fewer steps when looser */
Test(tsbs3, adaptive_logistic)
{
  const double T = 10.0, tols[3] = {1e-6, 1e-9, 1e-12};
  PetscInt     nsteps[3];
  double       ref[NLOG];
  logistic_exact(T, ref);
  for (int k = 0; k < 3; k++) {
    PetscReal t;
    PetscInt  rej;
    Vec       U  = make_vec(NLOG, LQ);
    TS        ts = make_ts(NULL, LogisticRHS, T, 0.01, tols[k], PETSC_FALSE);
    TCall(TSSolve(ts, U));
    TCall(TSGetSolveTime(ts, &t));
    TCall(TSGetStepNumber(ts, &nsteps[k]));
    TCall(TSGetStepRejections(ts, &rej));
    double e = err_vs(U, ref);
    cr_log_info("tol %g: %d steps, %d rejected, error %.3e", tols[k], (int)nsteps[k], (int)rej, e);
    cr_expect_eq(t, T, "final time %.17g", t);
    cr_expect_lt(e, 10 * tols[k], "tol %g: error %g", tols[k], e);
    TCall(TSDestroy(&ts));
    TCall(VecDestroy(&U));
  }
  cr_expect_lt(nsteps[0], nsteps[1]);
  /* the third-order controller: 1000x tighter needs about 10x the steps */
  cr_expect(nsteps[1] > 5 * nsteps[0] && nsteps[1] < 20 * nsteps[0], "steps %d, %d", (int)nsteps[0], (int)nsteps[1]);
}

/* (c) dense output inside each step, as the driver samples it from a post-step hook: the interpolant adds
 * less than the tolerance to the global error of its end points (which, on the logistic's growth, reaches
 * tens of tolerances before it decays) */
static double interp_err, interp_excess, interp_tol, end_err_prev;
static int    interp_n, interp_ends_exact = 1, interp_scratch_same = 1;

static PetscErrorCode InterpCheck(TS ts)
{
  PetscReal t1, t0;
  Vec       X, U;
  double    ref[NLOG], end_err;

  PetscFunctionBeginUser;
  PetscCall(TSGetTime(ts, &t1));
  PetscCall(TSGetPrevTime(ts, &t0));
  PetscCall(TSGetSolution(ts, &U));
  PetscCall(TSRestartStep(ts)); /* as the driver does for TSRK: must not disturb the dense output */
  logistic_exact(t1, ref);
  end_err = err_vs(U, ref);
  PetscCall(VecDuplicate(U, &X));
  for (int j = 1; j < 8; j++) {
    PetscReal t = t0 + (t1 - t0) * j / 8.0;
    PetscCall(TSInterpolate(ts, t, X));
    logistic_exact(t, ref);
    double e      = err_vs(X, ref);
    interp_err    = fmax(interp_err, e);
    interp_excess = fmax(interp_excess, e - fmax(end_err_prev, end_err));
    interp_n++;
  }
  end_err_prev = end_err;
  PetscCall(TSInterpolate(ts, t1, X)); /* the end points are reproduced exactly */
  if (!same_bits(X, U)) interp_ends_exact = 0;
  { /* the driver interpolates into the stepper's free stage register: the same values, and (checked after the
       run) the same trajectory */
    Vec Y;
    PetscCall(NaTSBS3LSGetScratch(ts, &Y));
    PetscCall(TSInterpolate(ts, 0.5 * (t0 + t1), Y));
    PetscCall(TSInterpolate(ts, 0.5 * (t0 + t1), X));
    if (!same_bits(X, Y)) interp_scratch_same = 0;
  }
  PetscCall(VecDestroy(&X));
  PetscFunctionReturn(0);
}

Test(tsbs3, interpolation)
{
  const double tols[2] = {1e-6, 1e-9};
  for (int k = 0; k < 2; k++) {
    Vec U         = make_vec(NLOG, LQ);
    TS  ts        = make_ts(NULL, LogisticRHS, 10.0, 0.01, tols[k], PETSC_FALSE);
    interp_err    = 0;
    interp_excess = 0;
    end_err_prev  = 0;
    interp_n      = 0;
    interp_tol    = tols[k];
    TCall(TSSetPostStep(ts, InterpCheck));
    TCall(TSSolve(ts, U));
    cr_log_info("tol %g: %d interpolated points, max error %.3g tol, at most %.3g tol above the end points'", tols[k],
                interp_n, interp_err / tols[k], interp_excess / tols[k]);
    cr_expect_gt(interp_n, 50);
    cr_expect_lt(interp_excess, tols[k], "tol %g: interpolation adds %g tol", tols[k], interp_excess / tols[k]);
    cr_expect_lt(interp_err, 100 * tols[k], "tol %g: interpolation error %g tol", tols[k], interp_err / tols[k]);
    cr_expect(interp_ends_exact, "TSInterpolate at t1 differs from the solution");
    cr_expect(interp_scratch_same, "TSInterpolate into the scratch register differs");
    { /* interpolating into the scratch register between steps leaves the trajectory bitwise unchanged */
      Vec U2  = make_vec(NLOG, LQ);
      TS  ts2 = make_ts(NULL, LogisticRHS, 10.0, 0.01, tols[k], PETSC_FALSE);
      TCall(TSSolve(ts2, U2));
      cr_expect(same_bits(U, U2), "tol %g: sampling changed the trajectory", tols[k]);
      TCall(TSDestroy(&ts2));
      TCall(VecDestroy(&U2));
    }
    TCall(TSDestroy(&ts));
    TCall(VecDestroy(&U));
  }
}

/* Hermite interpolation is third order: its error on a fixed-step linear run falls as h^3 as well */
static double         lin_interp_err;
static PetscErrorCode LinInterpCheck(TS ts)
{
  PetscReal t1, t0;
  Vec       X, U;
  double    ref[2];

  PetscFunctionBeginUser;
  PetscCall(TSGetTime(ts, &t1));
  PetscCall(TSGetPrevTime(ts, &t0));
  PetscCall(TSGetSolution(ts, &U));
  PetscCall(VecDuplicate(U, &X));
  PetscCall(TSInterpolate(ts, t0 + 0.37 * (t1 - t0), X));
  linear_exact(t0 + 0.37 * (t1 - t0), ref);
  lin_interp_err = fmax(lin_interp_err, err_vs(X, ref));
  PetscCall(VecDestroy(&X));
  PetscFunctionReturn(0);
}

Test(tsbs3, interpolation_order)
{
  double e[3];
  for (int k = 0; k < 3; k++) {
    Vec U          = make_vec(2, (double[]){1, 0});
    TS  ts         = make_ts(NULL, LinearRHS, 2.0, 2.0 / (40 << k), 1e-6, PETSC_TRUE);
    lin_interp_err = 0;
    TCall(TSSetPostStep(ts, LinInterpCheck));
    TCall(TSSolve(ts, U));
    e[k] = lin_interp_err;
    TCall(TSDestroy(&ts));
    TCall(VecDestroy(&U));
  }
  for (int k = 0; k < 2; k++) {
    double p = log2(e[k] / e[k + 1]);
    cr_log_info("dense output, n = %d: error %.3e, order %.3f", 40 << k, e[k], p);
    cr_expect(p > 2.8 && p < 3.3, "dense output order %g", p);
  }
}

/* (d) a run resumed from (U, t, dt) after 20 steps, or restarted every step, equals the uninterrupted one */
static PetscErrorCode RestartEveryStep(TS ts)
{
  PetscFunctionBeginUser;
  PetscCall(TSRestartStep(ts));
  PetscFunctionReturn(0);
}

Test(tsbs3, bitwise_restart)
{
  const double u0[2] = {2.0, 0.0};
  Vec          A = make_vec(2, u0), B = make_vec(2, u0), C = make_vec(2, u0);
  PetscReal    ta, tb, tc, dta, dtb, dtc;
  PetscInt     rej;
  TS           ts;

  ts = make_ts(NULL, VdPRHS, 1e3, 0.05, 1e-7, PETSC_FALSE); /* uninterrupted: 40 steps */
  TCall(TSSetMaxSteps(ts, 40));
  TCall(TSSolve(ts, A));
  TCall(TSGetTime(ts, &ta));
  TCall(TSGetTimeStep(ts, &dta));
  TCall(TSGetStepRejections(ts, &rej));
  TCall(TSDestroy(&ts));

  ts = make_ts(NULL, VdPRHS, 1e3, 0.05, 1e-7, PETSC_FALSE); /* 20 steps, then a new TS for the other 20 */
  TCall(TSSetMaxSteps(ts, 20));
  TCall(TSSolve(ts, B));
  TCall(TSGetTime(ts, &tb));
  TCall(TSGetTimeStep(ts, &dtb));
  TCall(TSDestroy(&ts));
  ts = make_ts(NULL, VdPRHS, 1e3, dtb, 1e-7, PETSC_FALSE);
  TCall(TSSetTime(ts, tb));
  TCall(TSSetMaxSteps(ts, 20));
  TCall(TSSolve(ts, B));
  TCall(TSGetTime(ts, &tb));
  TCall(TSGetTimeStep(ts, &dtb));
  TCall(TSDestroy(&ts));

  ts = make_ts(NULL, VdPRHS, 1e3, 0.05, 1e-7, PETSC_FALSE); /* TSRestartStep after every step */
  TCall(TSSetMaxSteps(ts, 40));
  TCall(TSSetPostStep(ts, RestartEveryStep));
  TCall(TSSolve(ts, C));
  TCall(TSGetTime(ts, &tc));
  TCall(TSGetTimeStep(ts, &dtc));
  TCall(TSDestroy(&ts));

  cr_log_info("40 steps to t = %.6g (%d rejected), next dt %.4g", ta, (int)rej, dta);
  cr_expect(ta > 0.2, "the steps vary over a nontrivial interval: t = %g", ta);
  cr_expect(same_bits(A, B), "resumed run differs");
  cr_expect(ta == tb && dta == dtb, "resumed: t %.17g vs %.17g, dt %.17g vs %.17g", ta, tb, dta, dtb);
  cr_expect(same_bits(A, C), "run restarted every step differs");
  cr_expect(ta == tc && dta == dtc, "restarted: t %.17g vs %.17g", ta, tc);
  TCall(VecDestroy(&A));
  TCall(VecDestroy(&B));
  TCall(VecDestroy(&C));
}

/* (e) rejections: a far too large first step, and NaN stages, are retried smaller; too many fail the step */
Test(tsbs3, rejections)
{
  double    ref[NLOG], e;
  PetscInt  rej, steps;
  PetscReal t;
  Vec       U  = make_vec(NLOG, LQ);
  TS        ts = make_ts(NULL, LogisticRHS, 10.0, 5.0, 1e-8, PETSC_FALSE);
  TCall(TSSolve(ts, U));
  TCall(TSGetStepRejections(ts, &rej));
  TCall(TSGetStepNumber(ts, &steps));
  TCall(TSGetSolveTime(ts, &t));
  logistic_exact(10.0, ref);
  e = err_vs(U, ref);
  cr_log_info("logistic from dt = 5: %d steps, %d rejected, error %.3e", (int)steps, (int)rej, e);
  cr_expect_geq(rej, 3);
  cr_expect_eq(t, 10.0);
  cr_expect_lt(e, 1e-7);
  TCall(TSDestroy(&ts));
  TCall(VecDestroy(&U));

  /* NaN from the right-hand side: a rejection with the smallest factor, not a failure */
  U  = make_vec(1, (double[]){1.0});
  ts = make_ts(NULL, CubicRHS, 4.0, 10.0, 1e-8, PETSC_FALSE);
  TCall(TSSolve(ts, U));
  TCall(TSGetStepRejections(ts, &rej));
  TCall(TSGetSolveTime(ts, &t));
  e = err_vs(U, (double[]){1.0 / 3.0});
  cr_log_info("u' = -u^3 from dt = 10 (NaN stages): %d rejected, error %.3e", (int)rej, e);
  cr_expect_geq(rej, 1);
  cr_expect_eq(t, 4.0);
  cr_expect_lt(e, 1e-7);
  TCall(TSDestroy(&ts));

  /* more rejections than allowed: the step fails and leaves the state and time at the start */
  TSConvergedReason reason;
  TCall(VecSet(U, 1.0));
  ts = make_ts(NULL, CubicRHS, 4.0, 10.0, 1e-8, PETSC_FALSE);
  TCall(TSSetMaxStepRejections(ts, 2));
  TCall(TSSetErrorIfStepFails(ts, PETSC_FALSE));
  TCall(TSSolve(ts, U));
  TCall(TSGetConvergedReason(ts, &reason));
  TCall(TSGetSolveTime(ts, &t));
  TCall(TSGetStepRejections(ts, &rej));
  cr_expect_eq(reason, TS_DIVERGED_STEP_REJECTED, "reason %s", TSConvergedReasons[reason]);
  cr_expect_eq(rej, 3);
  cr_expect_eq(t, 0.0);
  cr_expect_eq(err_vs(U, (double[]){1.0}), 0.0);
  TCall(TSDestroy(&ts));
  TCall(VecDestroy(&U));
}

/* (f) against PETSc's TSRK 3bs (same method, TSAdapt basic with its 2-norm) at the same tolerance */
Test(tsbs3, versus_tsrk_3bs)
{
  const double T = 10.0, u0[2] = {2.0, 0.0};
  double       ref[2];
  Vec          R = make_vec(2, u0);
  TS           ts;

  ts = make_ts(TSRK, VdPRHS, T, 0.01, 1e-13, PETSC_FALSE); /* reference: 5dp at 1e-13 */
  TCall(TSRKSetType(ts, TSRK5DP));
  TCall(TSSolve(ts, R));
  TCall(TSDestroy(&ts));
  {
    const PetscScalar *r;
    TCall(VecGetArrayRead(R, &r));
    ref[0] = r[0], ref[1] = r[1];
    TCall(VecRestoreArrayRead(R, &r));
  }
  for (double tol = 1e-5; tol > 1e-10; tol *= 1e-2) {
    double   e[2];
    PetscInt steps[2], rej[2];
    for (int k = 0; k < 2; k++) {
      Vec U = make_vec(2, u0);
      ts    = make_ts(k ? TSRK : NULL, VdPRHS, T, 0.01, tol, PETSC_FALSE);
      if (k) TCall(TSRKSetType(ts, TSRK3BS));
      TCall(TSSolve(ts, U));
      TCall(TSGetStepNumber(ts, &steps[k]));
      TCall(TSGetStepRejections(ts, &rej[k]));
      e[k] = err_vs(U, ref);
      TCall(TSDestroy(&ts));
      TCall(VecDestroy(&U));
    }
    cr_log_info(
        "Van der Pol, tol %g: bs3ls %d steps (%d rejected) error %.3e; rk 3bs %d steps (%d rejected) error %.3e", tol,
        (int)steps[0], (int)rej[0], e[0], (int)steps[1], (int)rej[1], e[1]);
    cr_expect_lt(e[0], 30 * tol, "bs3ls error %g at tol %g", e[0], tol);
    cr_expect(steps[0] < 2 * steps[1] && steps[1] < 2 * steps[0], "steps %d vs %d", (int)steps[0], (int)steps[1]);
  }
  TCall(VecDestroy(&R));
}

/* bytes allocated by malloc and in use: the arenas' and the mapped large blocks' */
static size_t heap_in_use(void)
{
  struct mallinfo2 mi = mallinfo2();
  return mi.uordblks + mi.hblkhd;
}

/* storage: the stepper allocates 4 vectors besides the solution (TSRK 5dp: 16 or more) */
static double vecs_allocated(const char *type, const char *rktype, PetscInt n)
{
  size_t m0, m1;
  Vec    U;
  TS     ts;
  TCall(VecCreateSeq(PETSC_COMM_SELF, n, &U));
  TCall(VecSet(U, 1.0));
  m0 = heap_in_use();
  ts = make_ts(type, LinearRHS, 1.0, 0.01, 1e-6, PETSC_FALSE);
  if (rktype) TCall(TSRKSetType(ts, rktype));
  TCall(TSSetSolution(ts, U));
  TCall(TSSetMaxSteps(ts, 2));
  TCall(TSSolve(ts, U));
  m1 = heap_in_use();
  TCall(TSDestroy(&ts));
  TCall(VecDestroy(&U));
  return ((double)m1 - (double)m0) / (n * sizeof(PetscScalar));
}

Test(tsbs3, storage)
{
  const PetscInt n   = 1000000;
  double         bs3 = vecs_allocated(NULL, NULL, n), rk3 = vecs_allocated(TSRK, TSRK3BS, n),
         rk5 = vecs_allocated(TSRK, TSRK5DP, n);
  cr_log_info("state-sized vectors allocated by the stepper besides the solution: bs3ls %.2f, rk 3bs %.2f, rk 5dp %.2f",
              bs3, rk3, rk5);
  cr_expect(bs3 > 3.9 && bs3 < 4.5, "bs3ls allocates %.2f vectors besides the solution", bs3);
  /* the point of the stepper: fewer vectors than PETSc's own Bogacki-Shampine (measured 4.06 against 9.00) */
  cr_expect(rk3 > bs3 + 4, "rk 3bs allocates %.2f vectors, bs3ls %.2f: not the saving the stepper exists for", rk3, bs3);
  cr_expect_gt(rk5, 10);
}
