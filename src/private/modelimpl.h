/* Private interface of NaModel: the operations table a model implements. */
#pragma once
#include <nastro/model.h>
#include <hdf5.h>
#include "memory.h"

/* a time series of the model's own, [sample][width], that the recorder writes, checksums and carries over on a
 * restart like /time */
#define NA_MODEL_MAX_SERIES 4
typedef struct {
  const char *name, *description;
  PetscInt    width;  /* values per sample */
  PetscBool   matrix; /* [sample][width] even when width is 1 (else a width of 1 is [sample]) */
} NaModelSeries;

typedef struct _NaModelOps {
  PetscErrorCode (*setfromoptions)(NaModel, PetscOptionItems *);
  PetscErrorCode (*setup)(NaModel); /* validate, create the network, size the state */
  PetscErrorCode (*initialstate)(NaModel, Vec);
  PetscErrorCode (*rhs)(NaModel, PetscReal, Vec, Vec);
  PetscErrorCode (*leak)(NaModel, Vec); /* optional: diagonal D of the linear leak */
  /* optional, for IMEX: a state-dependent diagonal S(t, U) whose terms -S .* U also go to the implicit side, where
   * the stages are solved by diagonal Newton steps (a row of S may depend only on components whose own implicit part
   * is linear, so that two steps solve a stage exactly); it adds S to the entries it has (the vector holds the leak) */
  PetscErrorCode (*stiff)(NaModel, PetscReal, Vec, Vec);
  /* optional (NULL: the recorder leaves out /energy and /overlaps, or /x) */
  PetscErrorCode (*observe)(NaModel, Vec, PetscReal *, PetscReal[]);
  PetscErrorCode (*getneurons)(NaModel, Vec, PetscScalar[]);
  /* optional output hooks, all collective on the model's communicator */
  PetscErrorCode (*writestatic)(NaModel, hid_t); /* at file creation: inputs (/patterns, /cue, ...) */
  /* at every sample: one row of each of the model's own series (NaModel.series), concatenated; needed on rank 0 */
  PetscErrorCode (*sample)(NaModel, PetscReal, Vec, PetscReal[]);
  PetscErrorCode (*writeresults)(NaModel, hid_t, Vec);  /* at the end of every run: results and their root attributes */
  PetscErrorCode (*writefinal)(NaModel, hid_t, Vec);    /* with -output_final: fields under /final */
  PetscErrorCode (*summary)(NaModel, Vec, PetscViewer); /* the model's lines in the end-of-run summary */
  PetscErrorCode (*view)(NaModel, PetscViewer);
  /* optional, for inputs that jump in time: the right-hand side is smooth from t to *tend (the driver integrates
   * [t, *tend] as one solve that lands on *tend exactly, so that no step straddles a jump; every right-hand side
   * until the next call lies in that interval) */
  PetscErrorCode (*segment)(NaModel, PetscReal t, PetscReal *tend);
  /* optional: at the end of a segment, at time t, take read-outs into entries of U that the right-hand side keeps
   * constant; *changed: U was written */
  PetscErrorCode (*capture)(NaModel, PetscReal t, Vec U, PetscBool *changed);
  /* optional: n numbers, the same on every rank, that a checkpoint must have been written with (besides N, K and
   * the patterns), and the options that set them (for the error message) */
  PetscErrorCode (*inputs)(NaModel, PetscInt *n, const PetscReal **x, const char **options);
  PetscErrorCode (*destroy)(NaModel);
} NaModelOps;

struct _n_NaModel {
  MPI_Comm      comm;
  char         *type;
  char          prefix[64]; /* option prefix: "<type>_" */
  NaModelOps    ops;
  void         *data;
  NaNetwork     net;               /* created by the model's setup */
  PetscInt      N, K;              /* neurons, stored patterns */
  PetscInt      nlocal;            /* local length of the state vector */
  PetscInt      nglobal;           /* global length of the state vector */
  NaMemory     *mem;               /* patterns and cue, for associative-memory models */
  PetscReal     t_default;         /* the model's default -ts_max_time (0: 50) */
  const char   *ts_default;        /* the model's default -ts_type (NULL: rk 5dp) */
  const char   *nocheckpoint;      /* why this model (as configured) cannot be checkpointed; NULL: it can */
  PetscReal     output_default_dt; /* the model's default -output_interval (0: max_time/100) */
  PetscInt      nseries;           /* the model's own series, written by ops.sample */
  NaModelSeries series[NA_MODEL_MAX_SERIES];
  PetscBool     setupcalled;
};
