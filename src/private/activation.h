/* Activation functions (gradients of convex Lagrangians): tanh with gain beta, or identity. */
#pragma once
#include <petscsys.h>
#include <math.h>
#include "vmath.h"

typedef enum { NA_ACT_TANH, NA_ACT_IDENTITY } NaActivationType;
PETSC_EXTERN const char *const NaActivationTypes[];

typedef struct {
  NaActivationType type;
  PetscReal        beta;
} NaActivation;

/* log cosh(a), stable for large |a| */
static inline PetscReal NaLogCosh(PetscReal a)
{
  PetscReal b = fabs(a);
  return b + log1p(exp(-2.0 * b)) - 0.69314718055994530942; /* log 2 */
}

static inline PetscReal NaActEval(const NaActivation *f, PetscReal z)
{
  return f->type == NA_ACT_TANH ? tanh(f->beta * z) : z;
}

/* derivative of the activation */
static inline PetscReal NaActDeriv(const NaActivation *f, PetscReal z)
{
  if (f->type == NA_ACT_IDENTITY) return 1.0;
  PetscReal t = tanh(f->beta * z);
  return f->beta * (1.0 - t * t);
}

/* the Lagrangian L with L' = activation */
static inline PetscReal NaActLagrangian(const NaActivation *f, PetscReal z)
{
  return f->type == NA_ACT_TANH ? NaLogCosh(f->beta * z) / f->beta : 0.5 * z * z;
}

/* inverse of the activation; tanh values are clipped to |y| <= 1 - 1e-12 first */
static inline PetscReal NaActInverse(const NaActivation *f, PetscReal y)
{
  if (f->type == NA_ACT_IDENTITY) return y;
  const PetscReal lim = 1.0 - 1e-12;
  if (y > lim) y = lim;
  if (y < -lim) y = -lim;
  return atanh(y) / f->beta;
}

/* out[i] = f(in[i]); the branch is outside the loop so the loop stays simple */
static inline void NaActEvalArray(const NaActivation *f, PetscInt n, const PetscScalar *restrict in,
                                  PetscScalar *restrict out)
{
  if (f->type == NA_ACT_TANH)
    NaTanhArray(n, f->beta, in, out);
  else {
    for (PetscInt i = 0; i < n; i++) out[i] = in[i];
  }
}

/* out[i] = L(in[i]), the Lagrangian NaActLagrangian of every element: vectorised log cosh for tanh (relative
 * accuracy also for tiny arguments, where the scalar NaLogCosh cancels), 0.5 z^2 for the identity */
static inline void NaActLagrangianArray(const NaActivation *f, PetscInt n, const PetscScalar *restrict in,
                                        PetscScalar *restrict out)
{
  if (f->type == NA_ACT_TANH)
    NaLogCoshArray(n, f->beta, in, out);
  else {
    for (PetscInt i = 0; i < n; i++) out[i] = 0.5 * in[i] * in[i];
  }
}
