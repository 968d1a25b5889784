/* Private interface of NaModel: the operations table a model implements. */
#pragma once
#include <nastro/model.h>
#include <hdf5.h>
#include "memory.h"

typedef struct _NaModelOps {
  PetscErrorCode (*setfromoptions)(NaModel, PetscOptionItems *);
  PetscErrorCode (*setup)(NaModel); /* validate, create the network, size the state */
  PetscErrorCode (*initialstate)(NaModel, Vec);
  PetscErrorCode (*rhs)(NaModel, PetscReal, Vec, Vec);
  PetscErrorCode (*leak)(NaModel, Vec); /* optional: diagonal D of the linear leak */
  /* optional (NULL: the recorder leaves out /energy and /overlaps, or /x) */
  PetscErrorCode (*observe)(NaModel, Vec, PetscReal *, PetscReal[]);
  PetscErrorCode (*getneurons)(NaModel, Vec, PetscScalar[]);
  /* optional output hooks, all collective on the model's communicator */
  PetscErrorCode (*writestatic)(NaModel, hid_t); /* at file creation: inputs (/patterns, /cue, ...) */
  PetscErrorCode (*record)(NaModel, hid_t, hsize_t, PetscReal,
                           Vec);                        /* at every sample (index, time): the model's own time series */
  PetscErrorCode (*writeresults)(NaModel, hid_t, Vec);  /* at the end of every run: results and their root attributes */
  PetscErrorCode (*writefinal)(NaModel, hid_t, Vec);    /* with -output_final: fields under /final */
  PetscErrorCode (*summary)(NaModel, Vec, PetscViewer); /* the model's lines in the end-of-run summary */
  PetscErrorCode (*view)(NaModel, PetscViewer);
  PetscErrorCode (*destroy)(NaModel);
} NaModelOps;

struct _n_NaModel {
  MPI_Comm    comm;
  char       *type;
  char        prefix[64]; /* option prefix: "<type>_" */
  NaModelOps  ops;
  void       *data;
  NaNetwork   net;               /* created by the model's setup */
  PetscInt    N, K;              /* neurons, stored patterns */
  PetscInt    nlocal;            /* local length of the state vector */
  PetscInt    nglobal;           /* global length of the state vector */
  NaMemory   *mem;               /* patterns and cue, for associative-memory models */
  PetscReal   t_default;         /* the model's default -ts_max_time (0: 50) */
  const char *ts_default;        /* the model's default -ts_type (NULL: rk 5dp) */
  const char *nocheckpoint;      /* why this model (as configured) cannot be checkpointed; NULL: it can */
  PetscReal   output_default_dt; /* the model's default -output_interval (0: max_time/100) */
  PetscBool   setupcalled;
};
