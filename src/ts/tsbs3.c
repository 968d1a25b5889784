/* TSBS3LS: a low-storage, adaptive, explicit Runge-Kutta stepper for states too large for TSRK's work vectors.
 *
 * Bogacki-Shampine 3(2), c = (0, 1/2, 3/4, 1), first same as last:
 *   k1 = f(t0, U0)  k2 = f(t0 + h/2, U0 + h/2 k1)  k3 = f(t0 + 3h/4, U0 + 3h/4 k2)
 *   U1 = U0 + h (2/9 k1 + 1/3 k2 + 4/9 k3)         k4 = f(t0 + h, U1) (the next step's k1)
 *   err = U1 - Uhat = h (-5/72 k1 + 1/12 k2 + 1/9 k3 - 1/8 k4) = (U1 - U0)/4 - h/8 (k1 + k4)
 * The last form follows from U1 - U0 = h (2/9 k1 + 1/3 k2 + 4/9 k3): k2 and k3 drop out, so the error needs
 * neither a register nor k2, k3, only what is left at the end of the step. Its rounding, about eps |U1 - U0|
 * + eps h |k|, is below 1e-4 of the smallest useful tolerance (rtol 1e-12) relative to |U|.
 *
 * Registers (state-sized): U = ts->vec_sol (accumulates U1 in place), U0 (the step's start), Y (stage input),
 * F (right-hand side output) and K1 (k1): 5 vectors in all. Each stage updates the registers in one loop over
 * the arrays. On acceptance F holds k4 = f(t1, U1), computed at the accepted U1 and t1 themselves, which is
 * bit for bit what a fresh start from (t1, U1) computes; the next step takes it as its k1 by swapping the K1
 * and F handles, so that between steps K1, F, U0 and U still describe the step for interpolation (cubic
 * Hermite). The reuse is skipped (k1 recomputed) after TSRestartStep(), a rollback, a change of time or of
 * ts->vec_sol (its object state, i.e. any write to it), so restarts are exact.
 *
 * Step control: norm = max_i |err_i| / (atol + rtol max(|U0_i|, |U1_i|)) over all ranks with the TS scalar
 * tolerances; accept if norm <= 1; h_next = h min(fac_max, max(fac_min, safety norm^(-1/3))), fac_max = 1
 * after a rejection, clipped to the TSAdapt's dt_min, dt_max. A non-finite norm is a rejection with fac_min.
 * With TS_EXACTFINALTIME_MATCHSTEP the step is clipped to end exactly at max_time (and halved when less than
 * two steps remain, like TSAdaptChoose() does, so the last step is not tiny). -ts_adapt_type none gives
 * fixed steps of ts->time_step (no error estimate computed). */
#include <petsc/private/tsimpl.h>
#include "tsbs3.h"
#include "naerrors.h"

typedef struct {
  Vec              U0, Y, F, K1;
  PetscReal        safety, fac_min, fac_max;
  PetscBool        fsal;   /* F holds f(t1, U) of the last accepted step */
  Vec              fsal_u; /* ... for this ts->vec_sol */
  PetscObjectState fsal_state;
  PetscReal        fsal_t;
  PetscBool        interp; /* U0, K1 (k1), U, F (k4) describe the step [t0, t0 + h] */
  PetscReal        t0, h;
} TS_BS3;

static PetscErrorCode Stage1(TS ts, Vec U, PetscBool first, PetscReal h)
{
  TS_BS3 *bs = (TS_BS3 *)ts->data;
  PetscScalar *restrict u, *restrict u0, *restrict y;
  const PetscScalar *restrict k1;
  PetscInt        n;
  const PetscReal a = 0.5 * h, b = 2.0 * h / 9.0;

  PetscFunctionBegin;
  PetscCall(VecGetLocalSize(U, &n));
  PetscCall(VecGetArray(U, (PetscScalar **)&u));
  PetscCall(VecGetArray(bs->U0, (PetscScalar **)&u0));
  PetscCall(VecGetArrayWrite(bs->Y, (PetscScalar **)&y));
  PetscCall(VecGetArrayRead(bs->K1, (const PetscScalar **)&k1));
  if (first) /* U0 = U; Y = U0 + h/2 k1; U = U0 + 2h/9 k1 */
    for (PetscInt i = 0; i < n; i++) {
      const PetscScalar v = u[i];
      u0[i]               = v;
      y[i]                = v + a * k1[i];
      u[i]                = v + b * k1[i];
    }
  else /* a retry: U0 holds the start */
    for (PetscInt i = 0; i < n; i++) {
      const PetscScalar v = u0[i];
      y[i]                = v + a * k1[i];
      u[i]                = v + b * k1[i];
    }
  PetscCall(VecRestoreArrayRead(bs->K1, (const PetscScalar **)&k1));
  PetscCall(VecRestoreArrayWrite(bs->Y, (PetscScalar **)&y));
  PetscCall(VecRestoreArray(bs->U0, (PetscScalar **)&u0));
  PetscCall(VecRestoreArray(U, (PetscScalar **)&u));
  PetscCall(PetscLogFlops(4.0 * n));
  PetscFunctionReturn(0);
}

/* F = k2: Y = U0 + 3h/4 k2; U += h/3 k2 */
static PetscErrorCode Stage2(TS ts, Vec U, PetscReal h)
{
  TS_BS3 *bs = (TS_BS3 *)ts->data;
  PetscScalar *restrict u, *restrict y;
  const PetscScalar *restrict u0, *restrict k2;
  PetscInt        n;
  const PetscReal a = 0.75 * h, b = h / 3.0;

  PetscFunctionBegin;
  PetscCall(VecGetLocalSize(U, &n));
  PetscCall(VecGetArray(U, (PetscScalar **)&u));
  PetscCall(VecGetArrayWrite(bs->Y, (PetscScalar **)&y));
  PetscCall(VecGetArrayRead(bs->U0, (const PetscScalar **)&u0));
  PetscCall(VecGetArrayRead(bs->F, (const PetscScalar **)&k2));
  for (PetscInt i = 0; i < n; i++) {
    const PetscScalar k = k2[i];
    y[i]                = u0[i] + a * k;
    u[i] += b * k;
  }
  PetscCall(VecRestoreArrayRead(bs->F, (const PetscScalar **)&k2));
  PetscCall(VecRestoreArrayRead(bs->U0, (const PetscScalar **)&u0));
  PetscCall(VecRestoreArrayWrite(bs->Y, (PetscScalar **)&y));
  PetscCall(VecRestoreArray(U, (PetscScalar **)&u));
  PetscCall(PetscLogFlops(4.0 * n));
  PetscFunctionReturn(0);
}

/* F = k3: U += 4h/9 k3 */
static PetscErrorCode Stage3(TS ts, Vec U, PetscReal h)
{
  TS_BS3 *bs = (TS_BS3 *)ts->data;
  PetscScalar *restrict u;
  const PetscScalar *restrict k3;
  PetscInt        n;
  const PetscReal b = 4.0 * h / 9.0;

  PetscFunctionBegin;
  PetscCall(VecGetLocalSize(U, &n));
  PetscCall(VecGetArray(U, (PetscScalar **)&u));
  PetscCall(VecGetArrayRead(bs->F, (const PetscScalar **)&k3));
  for (PetscInt i = 0; i < n; i++) u[i] += b * k3[i];
  PetscCall(VecRestoreArrayRead(bs->F, (const PetscScalar **)&k3));
  PetscCall(VecRestoreArray(U, (PetscScalar **)&u));
  PetscCall(PetscLogFlops(2.0 * n));
  PetscFunctionReturn(0);
}

/* F = k4: the weighted max-norm of err = (U1 - U0)/4 - h/8 (k1 + k4) over all ranks; +inf if not finite */
static PetscErrorCode ErrorNorm(TS ts, Vec U, PetscReal h, PetscReal atol, PetscReal rtol, PetscReal *norm)
{
  TS_BS3 *bs = (TS_BS3 *)ts->data;
  const PetscScalar *restrict u, *restrict u0, *restrict k1, *restrict k4;
  PetscInt        n;
  PetscReal       loc = 0, r = 0;
  const PetscReal c = 0.125 * h;

  PetscFunctionBegin;
  PetscCall(VecGetLocalSize(U, &n));
  PetscCall(VecGetArrayRead(U, (const PetscScalar **)&u));
  PetscCall(VecGetArrayRead(bs->U0, (const PetscScalar **)&u0));
  PetscCall(VecGetArrayRead(bs->K1, (const PetscScalar **)&k1));
  PetscCall(VecGetArrayRead(bs->F, (const PetscScalar **)&k4));
  for (PetscInt i = 0; i < n; i++) {
    const PetscReal e = PetscAbsScalar(0.25 * (u[i] - u0[i]) - c * (k1[i] + k4[i]));
    const PetscReal s = atol + rtol * PetscMax(PetscAbsScalar(u0[i]), PetscAbsScalar(u[i]));
    const PetscReal q = e / s;
    loc               = q > loc ? q : loc; /* NaN does not enter here: caught below */
    r += q;                                /* NaN or Inf in any q makes the sum non-finite */
  }
  PetscCall(VecRestoreArrayRead(bs->F, (const PetscScalar **)&k4));
  PetscCall(VecRestoreArrayRead(bs->K1, (const PetscScalar **)&k1));
  PetscCall(VecRestoreArrayRead(bs->U0, (const PetscScalar **)&u0));
  PetscCall(VecRestoreArrayRead(U, (const PetscScalar **)&u));
  PetscCall(PetscLogFlops(11.0 * n));
  if (PetscIsInfOrNanReal(r)) loc = PETSC_INFINITY;
  PetscCall(MPIU_Allreduce(&loc, norm, 1, MPIU_REAL, MPIU_MAX, PetscObjectComm((PetscObject)ts)));
  PetscFunctionReturn(0);
}

static PetscErrorCode TSStep_BS3(TS ts)
{
  TS_BS3          *bs = (TS_BS3 *)ts->data;
  Vec              U  = ts->vec_sol, T;
  TSAdapt          adapt;
  PetscBool        fixed, first = PETSC_TRUE, reuse;
  PetscInt         rejections = 0;
  PetscReal        t0 = ts->ptime, hnom = ts->time_step, fac_max = bs->fac_max, atol, rtol;
  PetscReal        dt_min = 0, dt_max = PETSC_MAX_REAL;
  PetscObjectState state;

  PetscFunctionBegin;
  PetscCheck(!ts->vatol && !ts->vrtol, PetscObjectComm((PetscObject)ts), PETSC_ERR_SUP,
             "TS %s supports scalar tolerances only (TSSetTolerances() without vectors)", TSBS3LS);
  NaCheck(hnom > 0, PetscObjectComm((PetscObject)ts), PETSC_ERR_ARG_OUTOFRANGE,
          "TS %s: the time step %g must be positive", TSBS3LS, (double)hnom);
  PetscCall(TSGetTolerances(ts, &atol, NULL, &rtol, NULL));
  PetscCall(TSGetAdapt(ts, &adapt));
  PetscCall(PetscObjectTypeCompare((PetscObject)adapt, TSADAPTNONE, &fixed));
  if (!fixed) {
    dt_min = adapt->dt_min;
    dt_max = adapt->dt_max;
  }

  /* k1: the last step's k4 if nothing has changed since, else f(t0, U0) */
  PetscCall(PetscObjectStateGet((PetscObject)U, &state));
  reuse = (PetscBool)(bs->fsal && !ts->steprestart && !ts->steprollback && bs->fsal_u == U && bs->fsal_state == state &&
                      bs->fsal_t == t0);
  bs->fsal   = PETSC_FALSE;
  bs->interp = PETSC_FALSE;
  if (reuse) {
    T      = bs->K1;
    bs->K1 = bs->F;
    bs->F  = T;
  } else
    PetscCall(TSComputeRHSFunction(ts, t0, U, bs->K1));

  while (!ts->reason) {
    PetscReal h = hnom, t1, norm = 0, fac, hnext;
    PetscBool accept = PETSC_TRUE;

    if (ts->exact_final_time == TS_EXACTFINALTIME_MATCHSTEP && ts->max_time > t0) {
      const PetscReal r = ts->max_time - t0;
      /* within 1% of the end (e.g. the round-off of fixed steps summing to max_time): stretch to it */
      if (h >= 0.99 * r)
        h = r;
      else if (!fixed && 2 * h > r)
        h = 0.5 * r; /* two even steps rather than a tiny last one */
    }
    t1 = (ts->exact_final_time == TS_EXACTFINALTIME_MATCHSTEP && h == ts->max_time - t0) ? ts->max_time : t0 + h;

    PetscCall(Stage1(ts, U, first, h));
    first = PETSC_FALSE;
    PetscCall(TSComputeRHSFunction(ts, t0 + 0.5 * h, bs->Y, bs->F));
    PetscCall(Stage2(ts, U, h));
    PetscCall(TSComputeRHSFunction(ts, t0 + 0.75 * h, bs->Y, bs->F));
    PetscCall(Stage3(ts, U, h));
    PetscCall(TSComputeRHSFunction(ts, t1, U, bs->F));

    if (fixed)
      hnext = hnom;
    else {
      PetscCall(ErrorNorm(ts, U, h, atol, rtol, &norm));
      accept = (PetscBool)(norm <= 1);
      if (PetscIsInfOrNanReal(norm))
        fac = bs->fac_min;
      else if (norm > 0)
        fac = PetscMin(fac_max, PetscMax(bs->fac_min, bs->safety * PetscPowReal(norm, -1.0 / 3)));
      else
        fac = fac_max;
      hnext = PetscMin(dt_max, PetscMax(dt_min, h * fac));
    }
    if (accept) {
      ts->ptime     = t1;
      ts->time_step = hnext;
      bs->t0        = t0;
      bs->h         = t1 - t0;
      bs->interp    = PETSC_TRUE;
      bs->fsal      = PETSC_TRUE;
      bs->fsal_u    = U;
      bs->fsal_t    = t1;
      PetscCall(PetscObjectStateGet((PetscObject)U, &bs->fsal_state));
      break;
    }
    PetscCall(PetscInfo(ts, "step %" PetscInt_FMT " t=%g h=%g rejected: error norm %g, retry with h=%g\n", ts->steps,
                        (double)t0, (double)h, (double)norm, (double)hnext));
    ts->reject++;
    ts->time_step = hnom = hnext;
    fac_max              = 1;
    if (ts->max_reject >= 0 && ++rejections > ts->max_reject) {
      ts->reason = TS_DIVERGED_STEP_REJECTED;
      PetscCall(VecCopy(bs->U0, U)); /* back at the start of the step */
      PetscCall(PetscInfo(ts, "step %" PetscInt_FMT ": %" PetscInt_FMT " rejections, more than allowed\n", ts->steps,
                          rejections));
    }
  }
  PetscFunctionReturn(0);
}

/* cubic Hermite on [t0, t0 + h] from U0, U1, k1 and k4: third order, continuous with its derivative */
static PetscErrorCode TSInterpolate_BS3(TS ts, PetscReal t, Vec X)
{
  TS_BS3            *bs = (TS_BS3 *)ts->data;
  const PetscScalar *u0, *u1, *k1, *k4;
  PetscScalar       *x;
  PetscInt           n;
  PetscReal          s, s2, s3, a0, a1, b0, b1;

  PetscFunctionBegin;
  PetscCheck(bs->interp, PetscObjectComm((PetscObject)ts), PETSC_ERR_ORDER, "TS %s: no completed step to interpolate",
             TSBS3LS);
  s  = (t - bs->t0) / bs->h;
  s2 = s * s;
  s3 = s2 * s;
  a0 = 2 * s3 - 3 * s2 + 1;                       /* U0 */
  a1 = 3 * s2 - 2 * s3;                           /* U1 */
  b0 = bs->h * (s3 - 2 * s2 + s);                 /* k1 */
  b1 = bs->h * (s3 - s2);                         /* k4 */
  if (X == ts->vec_sol) bs->interp = PETSC_FALSE; /* U1 is overwritten (and the FSAL stage dropped by its state) */
  PetscCall(VecGetLocalSize(X, &n));
  PetscCall(VecGetArrayRead(bs->U0, &u0));
  PetscCall(VecGetArrayRead(bs->K1, &k1));
  PetscCall(VecGetArrayRead(bs->F, &k4));
  if (X == ts->vec_sol) {
    PetscCall(VecGetArray(X, &x));
    for (PetscInt i = 0; i < n; i++) x[i] = a0 * u0[i] + a1 * x[i] + b0 * k1[i] + b1 * k4[i];
  } else {
    PetscCall(VecGetArrayRead(ts->vec_sol, &u1));
    PetscCall(VecGetArrayWrite(X, &x));
    for (PetscInt i = 0; i < n; i++) x[i] = a0 * u0[i] + a1 * u1[i] + b0 * k1[i] + b1 * k4[i];
    PetscCall(VecRestoreArrayRead(ts->vec_sol, &u1));
  }
  PetscCall(VecRestoreArrayRead(bs->F, &k4));
  PetscCall(VecRestoreArrayRead(bs->K1, &k1));
  PetscCall(VecRestoreArrayRead(bs->U0, &u0));
  if (X == ts->vec_sol)
    PetscCall(VecRestoreArray(X, &x));
  else
    PetscCall(VecRestoreArrayWrite(X, &x));
  PetscCall(PetscLogFlops(7.0 * n));
  PetscFunctionReturn(0);
}

/* order 3: the solution; order 2: the embedded one, Uhat = U1 - err = (3 U1 + U0)/4 + h/8 (k1 + k4) */
static PetscErrorCode TSEvaluateStep_BS3(TS ts, PetscInt order, Vec X, PetscBool *done)
{
  TS_BS3 *bs = (TS_BS3 *)ts->data;

  PetscFunctionBegin;
  if (order == 3) {
    if (X != ts->vec_sol) PetscCall(VecCopy(ts->vec_sol, X));
    if (done) *done = PETSC_TRUE;
    PetscFunctionReturn(0);
  }
  if (order == 2 && bs->interp && X != ts->vec_sol) {
    PetscCall(VecAXPBYPCZ(X, 0.75, 0.25, 0.0, ts->vec_sol, bs->U0));
    PetscCall(VecAXPBYPCZ(X, 0.125 * bs->h, 0.125 * bs->h, 1.0, bs->K1, bs->F));
    if (done) *done = PETSC_TRUE;
    PetscFunctionReturn(0);
  }
  PetscCheck(done, PetscObjectComm((PetscObject)ts), PETSC_ERR_SUP, "TS %s: no solution of order %" PetscInt_FMT,
             TSBS3LS, order);
  *done = PETSC_FALSE;
  PetscFunctionReturn(0);
}

static PetscErrorCode TSRollBack_BS3(TS ts)
{
  TS_BS3 *bs = (TS_BS3 *)ts->data;

  PetscFunctionBegin;
  PetscCall(VecCopy(bs->U0, ts->vec_sol));
  bs->fsal   = PETSC_FALSE;
  bs->interp = PETSC_FALSE;
  PetscFunctionReturn(0);
}

static PetscErrorCode TSSetUp_BS3(TS ts)
{
  TS_BS3 *bs = (TS_BS3 *)ts->data;

  PetscFunctionBegin;
  if (!bs->U0) PetscCall(VecDuplicate(ts->vec_sol, &bs->U0));
  if (!bs->Y) PetscCall(VecDuplicate(ts->vec_sol, &bs->Y));
  if (!bs->F) PetscCall(VecDuplicate(ts->vec_sol, &bs->F));
  if (!bs->K1) PetscCall(VecDuplicate(ts->vec_sol, &bs->K1));
  bs->fsal   = PETSC_FALSE;
  bs->interp = PETSC_FALSE;
  PetscFunctionReturn(0);
}

static PetscErrorCode TSReset_BS3(TS ts)
{
  TS_BS3 *bs = (TS_BS3 *)ts->data;

  PetscFunctionBegin;
  PetscCall(VecDestroy(&bs->U0));
  PetscCall(VecDestroy(&bs->Y));
  PetscCall(VecDestroy(&bs->F));
  PetscCall(VecDestroy(&bs->K1));
  bs->fsal   = PETSC_FALSE;
  bs->fsal_u = NULL;
  bs->interp = PETSC_FALSE;
  PetscFunctionReturn(0);
}

static PetscErrorCode TSDestroy_BS3(TS ts)
{
  PetscFunctionBegin;
  PetscCall(TSReset_BS3(ts));
  PetscCall(PetscFree(ts->data));
  PetscFunctionReturn(0);
}

static PetscErrorCode TSSetFromOptions_BS3(TS ts, PetscOptionItems *PetscOptionsObject)
{
  TS_BS3 *bs = (TS_BS3 *)ts->data;

  PetscFunctionBegin;
  PetscOptionsHeadBegin(PetscOptionsObject, "Low-storage Bogacki-Shampine 3(2) options");
  PetscCall(PetscOptionsReal("-ts_bs3ls_safety", "Safety factor of the step-size choice", NULL, bs->safety, &bs->safety,
                             NULL));
  PetscCall(PetscOptionsReal("-ts_bs3ls_fac_min", "Smallest factor of step-size change", NULL, bs->fac_min,
                             &bs->fac_min, NULL));
  PetscCall(PetscOptionsReal("-ts_bs3ls_fac_max", "Largest factor of step-size change", NULL, bs->fac_max, &bs->fac_max,
                             NULL));
  PetscOptionsHeadEnd();
  PetscCheck(bs->safety > 0 && bs->fac_min > 0 && bs->fac_min <= 1 && bs->fac_max >= 1,
             PetscObjectComm((PetscObject)ts), PETSC_ERR_ARG_OUTOFRANGE,
             "TS %s: need -ts_bs3ls_safety > 0, 0 < -ts_bs3ls_fac_min <= 1 <= -ts_bs3ls_fac_max", TSBS3LS);
  PetscFunctionReturn(0);
}

static PetscErrorCode TSView_BS3(TS ts, PetscViewer viewer)
{
  TS_BS3   *bs = (TS_BS3 *)ts->data;
  PetscBool iascii, fixed = PETSC_FALSE;

  PetscFunctionBegin;
  PetscCall(PetscObjectTypeCompare((PetscObject)viewer, PETSCVIEWERASCII, &iascii));
  if (!iascii) PetscFunctionReturn(0);
  if (ts->adapt) PetscCall(PetscObjectTypeCompare((PetscObject)ts->adapt, TSADAPTNONE, &fixed));
  PetscCall(PetscViewerASCIIPrintf(viewer, "  Bogacki-Shampine 3(2), FSAL, 5 work vectors (low storage)\n"));
  if (fixed)
    PetscCall(PetscViewerASCIIPrintf(viewer, "  fixed steps (TSAdapt none)\n"));
  else
    PetscCall(NaViewerPrintf(viewer, "  step control: max-norm error, safety %g, factor in [%g, %g]\n",
                             (double)bs->safety, (double)bs->fac_min, (double)bs->fac_max));
  PetscFunctionReturn(0);
}

PetscErrorCode NaTSBS3LSGetScratch(TS ts, Vec *Y)
{
  PetscBool is;

  PetscFunctionBegin;
  PetscCall(PetscObjectTypeCompare((PetscObject)ts, TSBS3LS, &is));
  PetscCheck(is, PetscObjectComm((PetscObject)ts), PETSC_ERR_ARG_WRONG, "TS is not of type %s", TSBS3LS);
  PetscCall(TSSetUp(ts));
  *Y = ((TS_BS3 *)ts->data)->Y;
  PetscFunctionReturn(0);
}

static PetscErrorCode TSCreate_BS3(TS ts)
{
  TS_BS3 *bs;

  PetscFunctionBegin;
  ts->ops->reset          = TSReset_BS3;
  ts->ops->destroy        = TSDestroy_BS3;
  ts->ops->view           = TSView_BS3;
  ts->ops->setup          = TSSetUp_BS3;
  ts->ops->setfromoptions = TSSetFromOptions_BS3;
  ts->ops->step           = TSStep_BS3;
  ts->ops->interpolate    = TSInterpolate_BS3;
  ts->ops->evaluatestep   = TSEvaluateStep_BS3;
  ts->ops->rollback       = TSRollBack_BS3;
  /* the stepper controls its own steps; the TSAdapt only says "none" (fixed steps) and gives dt_min, dt_max */
  ts->default_adapt_type = TSADAPTBASIC;
  PetscCall(PetscNew(&bs));
  bs->safety  = 0.9;
  bs->fac_min = 0.2;
  bs->fac_max = 5.0;
  ts->data    = (void *)bs;
  PetscFunctionReturn(0);
}

PetscErrorCode NaTSRegisterBS3(void)
{
  PetscFunctionBegin;
  /* PetscFunctionListAdd() replaces an entry of the same name, so registering again is harmless */
  PetscCall(TSRegister(TSBS3LS, TSCreate_BS3));
  PetscFunctionReturn(0);
}
