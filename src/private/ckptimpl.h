/* The checkpoint protocol shared by the whole-state models and spiking networks (src/io/checkpoint.c,
 * docs/checkpoint.md): how a checkpoint file is published crash-safely, and how -restart finds one. What goes
 * into the file is the caller's. */
#pragma once
#include <petscsys.h>
#include <hdf5.h>

/* writes the whole checkpoint into the new file tmp (complete = 1 last), leaves it open in *file */
typedef PetscErrorCode (*NaCheckpointWriter)(MPI_Comm comm, const char tmp[], void *ctx, hid_t *file);
/* validates and reads the checkpoint at path; a failure is an error naming path and what is wrong */
typedef PetscErrorCode (*NaCheckpointReader)(MPI_Comm comm, const char path[], void *ctx);

/* DIR/ckpt-STEP.h5 written through write (into DIR/ckpt-STEP.h5.tmp: refused before writing when the disk has
 * less than bytes free), synced, renamed, DIR/latest pointed at it, then all but the newest keep removed;
 * collective. A failure leaves the previous checkpoint intact. */
PETSC_INTERN PetscErrorCode NaCheckpointPublish(MPI_Comm comm, const char dir[], PetscInt keep, PetscInt64 step,
                                                double bytes, NaCheckpointWriter write, void *ctx);
/* path is a checkpoint file, or a directory whose newest checkpoint that read accepts is taken (naming the
 * skipped ones in a warning); collective */
PETSC_INTERN PetscErrorCode NaCheckpointFind(MPI_Comm comm, const char path[], NaCheckpointReader read, void *ctx);
/* -checkpoint_test_delay S (tests): sleep S seconds inside a checkpoint write */
PETSC_INTERN PetscErrorCode NaCheckpointTestDelay(void);

/* the checkpoint options every driver reads: -checkpoint_interval (its unit in interval_help), -checkpoint_walltime,
 * -checkpoint_dir, -checkpoint_keep, -restart, -walltime_limit; read inside the caller's PetscOptionsBegin/End
 * and validated (one error line naming option and value) */
typedef struct {
  char      dir[PETSC_MAX_PATH_LEN], restart[PETSC_MAX_PATH_LEN];
  PetscReal interval, walltime, walltime_limit;
  PetscInt  keep;
} NaCheckpointSettings;
PETSC_INTERN PetscErrorCode NaCheckpointOptionsRead(PetscOptionItems *PetscOptionsObject, MPI_Comm comm,
                                                    const char interval_help[], NaCheckpointSettings *c);
/* dir, when empty, becomes OUTPUT without .h5, plus .ckpt */
PETSC_INTERN PetscErrorCode NaCheckpointDefaultDir(const char output[], char dir[], size_t len);
