/* NaCheckpoint: crash-safe checkpoints of a run in parallel HDF5, laid out independently of the rank count.
 *
 * A checkpoint is written to DIR/ckpt-STEP.h5.tmp, flushed, closed, renamed to DIR/ckpt-STEP.h5 and the
 * directory synced; then DIR/latest (the file name) is replaced the same way, and only then are checkpoints
 * beyond the newest `keep` removed. A good checkpoint is never removed before its successor is complete. */
#pragma once
#include <nastro/model.h>

#define NA_CHECKPOINT_FORMAT 1

/* everything besides the state that a run needs to continue as if never stopped */
typedef struct {
  PetscReal          t, dt;               /* time and the step size the stepper will try next */
  PetscReal          output_interval;     /* simulated time between samples (0: not recorded) */
  PetscReal          dt_segment;          /* the step size at the start of a model's current segment (0: none) */
  PetscInt           step;                /* accepted steps so far */
  PetscInt           nsamples;            /* samples in the output file (time series rows) */
  unsigned long long output_checksum;     /* NaRecorderGetChecksum of those samples */
  PetscBool          has_output_checksum; /* false for checkpoints written before it was stored */
  PetscInt           kout;                /* index of the next output time */
  PetscReal          tcheck;              /* next checkpoint time (-checkpoint_interval) */
  PetscReal          energy_initial, energy_prev, max_energy_increase;
  char               output[PETSC_MAX_PATH_LEN];
  char               tstype[64];
} NaCheckpointInfo;

/* writes a checkpoint of (model, U, info) into dir, keeping the newest `keep`; collective */
PETSC_EXTERN PetscErrorCode NaCheckpointWrite(MPI_Comm comm, const char dir[], PetscInt keep, NaModel model, Vec U,
                                              const NaCheckpointInfo *info);
/* reads the checkpoint at path (a file, or a directory: its newest checkpoint that validates, naming the
 * skipped ones in a warning) into U and info, after validating completeness, format version, model, sizes,
 * patterns and checksums; collective */
PETSC_EXTERN PetscErrorCode NaCheckpointRead(MPI_Comm comm, const char path[], NaModel model, Vec U,
                                             NaCheckpointInfo *info);
