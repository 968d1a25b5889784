/* Vectorisable transcendental kernels for the right-hand sides (src/models/common/vmath.c). */
#pragma once
#include <petscsys.h>

/* out[i] = tanh(beta * in[i]); within a few ulp of libm's tanh (tested to 1e-12 relative), the same bits
 * whatever the vector width or alignment, and several times faster than calling tanh per element */
PETSC_EXTERN void NaTanhArray(PetscInt n, PetscReal beta, const PetscScalar *in, PetscScalar *out);
/* a . b over n elements, vectorised with a fixed summation order (deterministic) */
PETSC_EXTERN PetscScalar NaDot(PetscInt n, const PetscScalar *a, const PetscScalar *b);
