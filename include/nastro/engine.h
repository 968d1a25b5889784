/* NaEngine: a spiking neuron-astrocyte network run from its network file (docs/networks.md).
 *   NaEngineCreate -> NaEngineSetFromOptions -> NaEngineSetUp -> NaEngineRun -> NaEngineDestroy.
 * The network advances in slices of the smallest delay d_min (models.md 3.1): every step of the resolution each
 * population's continuous state is integrated by its own PETSc TS (options -<population>_ts_*), then thresholds,
 * resets and the inputs arriving in that step are applied; at the end of each slice the ranks exchange the
 * slice's spikes and astrocyte currents and deliver them into ring buffers indexed by arrival step.
 * Options: -network FILE, -network_set KEY=VALUE,..., -o FILE, -quiet, -progress_interval S, -rate_bin MS. */
#pragma once
#include <petscsys.h>
#include <petscviewer.h>

typedef struct _n_NaEngine *NaEngine;

PETSC_EXTERN PetscErrorCode NaEngineCreate(MPI_Comm comm, NaEngine *engine);
PETSC_EXTERN PetscErrorCode NaEngineSetFromOptions(NaEngine engine);
/* reads and validates the network file, lays the cells out over the ranks, builds the connections */
PETSC_EXTERN PetscErrorCode NaEngineSetUp(NaEngine engine);
PETSC_EXTERN PetscErrorCode NaEngineView(NaEngine engine, PetscViewer viewer);
PETSC_EXTERN PetscErrorCode NaEngineRun(NaEngine engine);
/* 0 when the run reached t_stop */
PETSC_EXTERN PetscErrorCode NaEngineGetExitCode(NaEngine engine, int *code);
/* the spikes of every population emitted so far on all ranks, and the simulated time [ms] */
PETSC_EXTERN PetscErrorCode NaEngineGetCounts(NaEngine engine, PetscInt64 *spikes, PetscReal *t);
PETSC_EXTERN PetscErrorCode NaEngineDestroy(NaEngine *engine);
