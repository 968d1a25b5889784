/* NaRecorder: one self-describing HDF5 file per run, written collectively with parallel HDF5.
 * The root attribute "complete" is 0 until NaRecorderFinish writes 1, after everything else. */
#pragma once
#include <nastro/model.h>

typedef struct _n_NaRecorder *NaRecorder;

/* creates (truncates) path; fails with a message naming path when it cannot be written */
PETSC_EXTERN PetscErrorCode NaRecorderCreate(MPI_Comm comm, const char path[], NaModel model, NaRecorder *rec);
/* continues the output of a run being resumed: its first nsamples samples, checked against checksum (the
 * checkpoint's NaRecorderGetChecksum; NULL: not checked), in a rebuilt file that replaces path; complete = 0.
 * A file that cannot be read or does not match gives an error and is left as it was. */
PETSC_EXTERN PetscErrorCode NaRecorderOpen(MPI_Comm comm, const char path[], NaModel model, PetscInt nsamples,
                                           const unsigned long long *checksum, NaRecorder *rec);
/* a checksum of every sample value written so far (all series), independent of the rank count; collective */
PETSC_EXTERN PetscErrorCode NaRecorderGetChecksum(NaRecorder rec, unsigned long long *sum);
/* one sample of /time, /energy, /overlaps, /x (those the model has) and the model's own series */
PETSC_EXTERN PetscErrorCode NaRecorderAppend(NaRecorder rec, PetscReal t, Vec U);
/* the model's end-of-run results (model-specific datasets and attributes) */
PETSC_EXTERN PetscErrorCode NaRecorderWriteResults(NaRecorder rec, Vec U);
/* the final state under /final (model-specific fields) */
PETSC_EXTERN PetscErrorCode NaRecorderWriteFinal(NaRecorder rec, Vec U);
/* the group /timing: for each name its max and min over ranks, and the run's counters */
PETSC_EXTERN PetscErrorCode NaRecorderWriteTiming(NaRecorder rec, PetscInt n, const char *names[],
                                                  const PetscLogDouble vmax[], const PetscLogDouble vmin[],
                                                  PetscInt steps, PetscInt nrhs, PetscLogDouble bytes_per_step,
                                                  PetscMPIInt ranks, PetscInt N);
PETSC_EXTERN PetscErrorCode NaRecorderSetAttribute(NaRecorder rec, const char name[], PetscReal value);
/* writes complete = 1, flushes and closes */
PETSC_EXTERN PetscErrorCode NaRecorderFinish(NaRecorder rec);
/* closes without marking complete (NULL-safe) */
PETSC_EXTERN PetscErrorCode NaRecorderDestroy(NaRecorder *rec);
PETSC_EXTERN PetscErrorCode NaRecorderGetNumSamples(NaRecorder rec, PetscInt *n);
/* everything written so far reaches the disk (MPI_File_sync) */
PETSC_EXTERN PetscErrorCode NaRecorderFlush(NaRecorder rec);
