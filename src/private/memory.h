/* NaMemory: the stored patterns and the cue shared by the associative-memory models (naam, dam):
 * options N, K, seed, patterns, cue, cue_pattern, cue_flip, read and validated under the model's prefix. */
#pragma once
#include <petscsys.h>
#include <petscviewer.h>
#include <hdf5.h>

typedef struct {
  const char  *prefix; /* option prefix, e.g. "naam_" */
  PetscInt     N, K;
  int64_t      seed; /* every bit counts (-2^63 .. 2^63 - 1; as uint64_t for the generator) */
  char         patterns_spec[PETSC_MAX_PATH_LEN]; /* FILE.h5:/dataset or empty (random from seed) */
  char         cue_spec[PETSC_MAX_PATH_LEN];      /* FILE.h5:/dataset, "random", or empty (cue_pattern) */
  PetscInt     cue_pattern;
  PetscReal    cue_flip;
  PetscInt     cue_draw; /* with cue_draw_set: the cue is this draw of NaMemoryDrawCue */
  PetscBool    cue_draw_set;
  PetscScalar *xi;   /* [K][N], +-1 */
  PetscScalar *cue;  /* [N] */
  PetscInt     cued; /* index of the cued pattern, -1 for a random or file cue */
} NaMemory;

PETSC_EXTERN PetscErrorCode NaMemorySetFromOptions(NaMemory *mem, const char prefix[],
                                                   PetscOptionItems *PetscOptionsObject);
/* validates sizes against nranks, builds or reads patterns and cue; collective, same result on every rank */
PETSC_EXTERN PetscErrorCode NaMemorySetUp(NaMemory *mem, MPI_Comm comm);
/* cue draw c of a batch (models.md 1.6, -dam_cues): a pattern *mu drawn uniformly and cue_flip of its signs
 * flipped, from a random stream of its own keyed by (seed, c), so a draw does not depend on the batch or ranks */
PETSC_EXTERN PetscErrorCode NaMemoryDrawCue(const NaMemory *mem, PetscInt c, PetscScalar cue[], PetscInt *mu);
PETSC_EXTERN PetscErrorCode NaMemoryWrite(NaMemory *mem, MPI_Comm comm, hid_t file);
PETSC_EXTERN PetscErrorCode NaMemoryView(NaMemory *mem, PetscViewer viewer);
PETSC_EXTERN PetscErrorCode NaMemoryDestroy(NaMemory *mem);
