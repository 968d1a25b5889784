/* Private interface of NaModel: the operations table a model implements. */
#pragma once
#include <nastro/model.h>
#include <hdf5.h>
#include "memory.h"

typedef struct _NaModelOps {
  PetscErrorCode (*setfromoptions)(NaModel, PetscOptionItems *);
  PetscErrorCode (*setup)(NaModel);              /* validate, create the network, size the state */
  PetscErrorCode (*initialstate)(NaModel, Vec);
  PetscErrorCode (*rhs)(NaModel, PetscReal, Vec, Vec);
  PetscErrorCode (*leak)(NaModel, Vec);          /* optional: diagonal D of the linear leak */
  PetscErrorCode (*observe)(NaModel, Vec, PetscReal *, PetscReal[]);
  PetscErrorCode (*getneurons)(NaModel, Vec, PetscScalar[]);
  PetscErrorCode (*writestatic)(NaModel, hid_t);  /* collective: /patterns, /cue, ... */
  PetscErrorCode (*writefinal)(NaModel, hid_t, Vec); /* collective: fields under the given group */
  PetscErrorCode (*view)(NaModel, PetscViewer);
  PetscErrorCode (*destroy)(NaModel);
} NaModelOps;

struct _n_NaModel {
  MPI_Comm   comm;
  char      *type;
  char       prefix[64]; /* option prefix: "<type>_" */
  NaModelOps ops;
  void      *data;
  NaNetwork  net;       /* created by the model's setup */
  PetscInt   N, K;      /* neurons, stored patterns */
  PetscInt   nlocal;    /* local length of the state vector */
  PetscInt   nglobal;   /* global length of the state vector */
  NaMemory  *mem;       /* patterns and cue, for associative-memory models */
  PetscBool  setupcalled;
};
