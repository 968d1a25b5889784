/* nastro: distributed simulator of neuron-astrocyte networks on PETSc TS and parallel HDF5. */
#pragma once
#include <nastro/network.h>
#include <nastro/model.h>
#include <nastro/recorder.h>
#include <nastro/sim.h>
#include <nastro/checkpoint.h>
#include <nastro/engine.h>

/* Installs nastro's one-line error handler, registers the built-in models. Call after PetscInitialize(). */
PETSC_EXTERN PetscErrorCode NaInitialize(void);
/* Version string "X.Y.Z (git REV)". */
PETSC_EXTERN const char *NaVersion(void);
