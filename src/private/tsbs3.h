/* A low-storage adaptive explicit stepper registered as a PETSc TS type (src/ts/tsbs3.c). */
#pragma once
#include <petscts.h>

/* Bogacki-Shampine 3(2) with first-same-as-last, 5 state-sized vectors in all (ts->vec_sol included), step
 * control by the max-norm of the embedded error; -ts_adapt_type none gives fixed steps of -ts_dt */
#define TSBS3LS "bs3ls"

/* registers TSBS3LS with TSRegister(); idempotent, call after PetscInitialize() */
PETSC_EXTERN PetscErrorCode NaTSRegisterBS3(void);

/* the stepper's stage-input register, free between steps: a caller may use it as the target of TSInterpolate()
 * (TSInterpolate does not read it), saving a state-sized vector; the next step overwrites it. Errors if ts is
 * not a set-up TSBS3LS. */
PETSC_EXTERN PetscErrorCode NaTSBS3LSGetScratch(TS ts, Vec *Y);
