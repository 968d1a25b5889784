/* NaSim: owns the PETSc TS that integrates a model, the recorder and the progress output.
 * Options: -o FILE, -output_interval DT, -output_final, -quiet, -progress_interval SECONDS, all -ts_*, and
 * -checkpoint_interval, -checkpoint_walltime, -checkpoint_dir, -checkpoint_keep, -restart, -walltime_limit. */
#pragma once
#include <petscts.h>
#include <nastro/model.h>
#include <nastro/recorder.h>

typedef struct _n_NaSim *NaSim;

typedef struct {
  PetscReal t_final, wall;   /* simulated and wall-clock time of the run */
  PetscInt  steps, rejected; /* accepted and rejected steps */
  PetscReal energy_initial, energy_final;
  PetscReal max_energy_increase; /* largest increase between consecutive samples (<= 0: monotone) */
  PetscInt  cued, hamming;       /* cued pattern (-1: none) and Hamming distance of sign(x) to it, or to its negative */
  PetscInt  hamming_sign;        /* +1: the distance is to +xi, -1: to -xi (the nearer; the energy is even in x) */
  PetscInt  nearest;             /* pattern with the largest |overlap| at the end */
  PetscReal overlap_final;       /* overlap with the cued (or nearest) pattern at the end */
} NaSimSummary;

PETSC_EXTERN PetscErrorCode NaSimCreate(MPI_Comm comm, NaSim *sim);
PETSC_EXTERN PetscErrorCode NaSimSetModel(NaSim sim, NaModel model);
PETSC_EXTERN PetscErrorCode NaSimSetOutput(NaSim sim, const char path[]);
PETSC_EXTERN PetscErrorCode NaSimSetFromOptions(NaSim sim);
PETSC_EXTERN PetscErrorCode NaSimSetUp(NaSim sim);
PETSC_EXTERN PetscErrorCode NaSimRun(NaSim sim);
/* 0 when the run reached its end; 75 when it stopped early with a checkpoint (signal, wall-time limit,
 * -ts_max_steps): "checkpointed, resubmit me" */
PETSC_EXTERN PetscErrorCode NaSimGetExitCode(NaSim sim, int *code);
PETSC_EXTERN PetscErrorCode NaSimGetTS(NaSim sim, TS *ts);
PETSC_EXTERN PetscErrorCode NaSimGetSolution(NaSim sim, Vec *U);
PETSC_EXTERN PetscErrorCode NaSimGetSummary(NaSim sim, NaSimSummary *summary);
PETSC_EXTERN PetscErrorCode NaSimPrintSummary(NaSim sim, PetscViewer viewer);
PETSC_EXTERN PetscErrorCode NaSimDestroy(NaSim *sim);
