/* Vectorisable transcendental kernels for the right-hand sides and energies (src/models/common/vmath.c). */
#pragma once
#include <petscsys.h>

/* out[i] = exp(in[i]); within 2 ulp of libm's exp for results of normal size (tested), 0 below exp(-708)
 * (subnormal results flushed), inf above exp(709.7); the same bits on every path, vectorised; in may be out */
PETSC_EXTERN void NaExpArray(PetscInt n, const PetscScalar *in, PetscScalar *out);
PETSC_EXTERN void NaExpArrayBaseline(PetscInt n, const PetscScalar *in, PetscScalar *out);
/* out[i] = tanh(beta * in[i]); within a few ulp of libm's tanh (tested to 1e-12 relative), the same bits
 * whatever the vector width, alignment or CPU (x86-64-v4, x86-64-v3 or default clone), several times faster
 * than libm */
PETSC_EXTERN void NaTanhArray(PetscInt n, PetscReal beta, const PetscScalar *in, PetscScalar *out);
/* out[i] = log(cosh(beta * in[i])) / beta, the Lagrangian of tanh(beta z): relative accuracy for every
 * magnitude (x^2/2 for tiny x, |x| - log 2 for large), the same bits on every path like NaTanhArray */
PETSC_EXTERN void NaLogCoshArray(PetscInt n, PetscReal beta, const PetscScalar *in, PetscScalar *out);
/* the same two kernels compiled for baseline x86-64, which is what the default clone runs: for tests that
 * check the clones agree bit for bit */
PETSC_EXTERN void NaTanhArrayBaseline(PetscInt n, PetscReal beta, const PetscScalar *in, PetscScalar *out);
PETSC_EXTERN void NaLogCoshArrayBaseline(PetscInt n, PetscReal beta, const PetscScalar *in, PetscScalar *out);
/* a . b over n elements, vectorised with a fixed summation order (deterministic) */
PETSC_EXTERN PetscScalar NaDot(PetscInt n, const PetscScalar *a, const PetscScalar *b);
