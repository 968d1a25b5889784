/* Shared helpers of the serial unit tests: each Criterion test runs in its own process and starts PETSc. */
#pragma once
#define _POSIX_C_SOURCE 200809L
#include <unistd.h>
#include <criterion/criterion.h>
#include <nastro/nastro.h>
#include "modelimpl.h"

/* A PetscCall for test bodies: a failed call fails the test with its code. */
#define TCall(...)                                                                                                     \
  do {                                                                                                                 \
    PetscErrorCode e_ = (__VA_ARGS__);                                                                                 \
    cr_assert(e_ == 0, "%s returned PETSc error %d", #__VA_ARGS__, (int)e_);                                           \
  } while (0)

static inline void test_init(void)
{
  cr_assert(PetscInitializeNoArguments() == 0);
  cr_assert(NaInitialize() == 0);
}

static inline void test_fini(void)
{
  PetscFinalize();
}

/* a set-up model of the given type from an options string (options of earlier models are cleared) */
static inline NaModel make_model(const char *type, const char *opts)
{
  NaModel m;
  TCall(PetscOptionsClear(NULL));
  TCall(PetscOptionsInsertString(NULL, opts));
  TCall(NaModelCreate(PETSC_COMM_WORLD, &m));
  TCall(NaModelSetType(m, type));
  TCall(NaModelSetFromOptions(m));
  TCall(NaModelSetUp(m));
  return m;
}

/* fills U with reproducible values in [lo, hi) */
static inline void fill_random(Vec U, unsigned seed, double lo, double hi)
{
  PetscScalar       *u;
  PetscInt           n;
  unsigned long long s = 0x9E3779B97F4A7C15ULL * (seed + 1);
  TCall(VecGetLocalSize(U, &n));
  TCall(VecGetArray(U, &u));
  for (PetscInt i = 0; i < n; i++) {
    s ^= s << 13, s ^= s >> 7, s ^= s << 17;
    u[i] = lo + (hi - lo) * (double)(s >> 11) * 0x1.0p-53;
  }
  TCall(VecRestoreArray(U, &u));
}

static inline double max_abs(Vec U)
{
  PetscReal n;
  TCall(VecNorm(U, NORM_INFINITY, &n));
  return n;
}

/* max |A - B| / max |A| */
static inline double rel_diff(Vec A, Vec B)
{
  Vec D;
  TCall(VecDuplicate(A, &D));
  TCall(VecWAXPY(D, -1.0, B, A));
  double r = max_abs(D) / max_abs(A);
  TCall(VecDestroy(&D));
  return r;
}

/* runs a simulation in-process (output to a scratch file, removed after); optionally keeps the final state
 * and the model */
static inline NaSimSummary run_sim(const char *type, const char *opts, Vec *Uout, NaModel *mout)
{
  NaModel      m;
  NaSim        sim;
  NaSimSummary s;
  char         all[1024], path[64];
  snprintf(path, sizeof path, "/tmp/nastro-unit-%d.h5", (int)getpid());
  snprintf(all, sizeof all, "%s -quiet -o %s", opts, path);
  m = make_model(type, all);
  TCall(NaSimCreate(PETSC_COMM_WORLD, &sim));
  TCall(NaSimSetModel(sim, m));
  TCall(NaSimSetFromOptions(sim));
  TCall(NaSimRun(sim));
  TCall(NaSimGetSummary(sim, &s));
  if (Uout) {
    Vec U;
    TCall(NaSimGetSolution(sim, &U));
    TCall(VecDuplicate(U, Uout));
    TCall(VecCopy(U, *Uout));
  }
  TCall(NaSimDestroy(&sim));
  if (mout)
    *mout = m;
  else
    NaModelDestroy(&m);
  unlink(path);
  return s;
}
