/* A Runge-Kutta stage update fused into a right-hand side (src/ts/tsbs3.c, the naam model).
 *
 * The stage updates of an explicit stepper stream whole state vectors, while the right-hand side of a large
 * model is bound by its arithmetic. Handed a NaStageOp, a right-hand side applies it to each stretch of its
 * output as soon as it has computed it, so the stage update runs inside the right-hand side's own pass. The
 * operations are the stepper's own element formulas: the results are bit for bit those of separate loops. */
#pragma once
#include <petscsys.h>

typedef enum {
  NA_STAGE_NONE,  /* the plain right-hand side */
  NA_STAGE_Y_U,   /* y = u0 + a k; u += b k */
  NA_STAGE_U,     /* u += b k */
  NA_STAGE_ERROR, /* max of |(u - u0)/4 - c (k1 + k)| / (atol + rtol max(|u0|, |u|)) */
} NaStageKind;

typedef struct {
  NaStageKind        kind;
  PetscReal          a, b, c, atol, rtol;
  PetscScalar       *y, *u; /* local arrays of the stepper's registers */
  const PetscScalar *u0, *k1;
  PetscReal max, sum; /* NA_STAGE_ERROR: the largest ratio so far; a sum that is not finite if a ratio was not */
} NaStageOp;

/* applies op to the local elements i0 .. i0 + n - 1, whose right-hand side values are k[0 .. n-1]; the caller must
 * not read its input at these elements afterwards (with NA_STAGE_Y_U the input may be y itself) */
static inline void NaStageApply(NaStageOp *op, PetscInt i0, PetscInt n, const PetscScalar *restrict k)
{
  switch (op->kind) {
  case NA_STAGE_NONE:
    break;
  case NA_STAGE_Y_U: {
    PetscScalar *restrict y = op->y + i0, *restrict u = op->u + i0;
    const PetscScalar *restrict u0 = op->u0 + i0;
    for (PetscInt i = 0; i < n; i++) {
      y[i] = u0[i] + op->a * k[i];
      u[i] += op->b * k[i];
    }
  } break;
  case NA_STAGE_U: {
    PetscScalar *restrict u = op->u + i0;
    for (PetscInt i = 0; i < n; i++) u[i] += op->b * k[i];
  } break;
  case NA_STAGE_ERROR: {
    const PetscScalar *restrict u = op->u + i0, *restrict u0 = op->u0 + i0, *restrict k1 = op->k1 + i0;
    PetscReal m = op->max, r = op->sum;
    for (PetscInt i = 0; i < n; i++) {
      const PetscReal e = PetscAbsScalar(0.25 * (u[i] - u0[i]) - op->c * (k1[i] + k[i]));
      const PetscReal s = op->atol + op->rtol * PetscMax(PetscAbsScalar(u0[i]), PetscAbsScalar(u[i]));
      const PetscReal q = e / s;
      m                 = q > m ? q : m;
      r += q;
    }
    op->max = m;
    op->sum = r;
  } break;
  }
}
