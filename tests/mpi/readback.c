/* Multi-rank test (run under mpiexec, judged by exit status): a run's HDF5 output, read back with the HDF5
 * C API, holds exactly what was computed: the final state, the last energy and overlaps, time, patterns,
 * cue, and complete = 1. */
#include <nastro/nastro.h>
#include "modelimpl.h"
#include <hdf5.h>
#include <math.h>

static int failures = 0;
#define EXPECT(cond, ...)                                                                                              \
  do {                                                                                                                 \
    if (!(cond)) {                                                                                                     \
      fprintf(stderr, "readback: FAIL: " __VA_ARGS__);                                                                 \
      fprintf(stderr, "\n");                                                                                           \
      failures++;                                                                                                      \
    }                                                                                                                  \
  } while (0)

static double *read_all(hid_t f, const char *name, hsize_t *n)
{
  hid_t   d = H5Dopen2(f, name, H5P_DEFAULT), s;
  double *buf;
  if (d < 0) return NULL;
  s   = H5Dget_space(d);
  *n  = (hsize_t)H5Sget_simple_extent_npoints(s);
  buf = malloc(*n * sizeof(double));
  H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf);
  H5Sclose(s);
  H5Dclose(d);
  return buf;
}
/* global offset of neuron row i: dam holds x only; naam rows are [x_i, s_i., p_i.], in symmetric storage only
 * the columns j >= i */
static PetscInt RowOffset(PetscInt N, PetscBool sym, PetscBool fields, PetscInt i)
{
  if (!fields) return i;
  return sym ? i + 2 * (i * N - i * (i - 1) / 2) : i * (1 + 2 * N);
}

/* s (fld 0) or p (fld 1) at (i, j) of a global naam state */
static PetscScalar Entry(const PetscScalar *u, PetscInt N, PetscBool sym, int fld, PetscInt i, PetscInt j)
{
  if (sym && j < i) {
    PetscInt t = i;
    i = j, j = t;
  }
  const PetscInt j0 = sym ? i : 0, L = N - j0;
  return u[RowOffset(N, sym, PETSC_TRUE, i) + 1 + fld * L + (j - j0)];
}

static PetscErrorCode Check(const char *type, const char *opts, const char *path)
{
  NaModel            model;
  NaSim              sim;
  Vec                U, U0;
  VecScatter         sc;
  PetscMPIInt        rank;
  PetscInt           N, K;
  PetscReal          E, *ov;
  NaSimSummary       sum;
  const PetscScalar *xi, *u;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(PETSC_COMM_WORLD, &rank));
  PetscCall(PetscOptionsClear(NULL));
  PetscCall(PetscOptionsInsertString(NULL, opts));
  PetscCall(NaModelCreate(PETSC_COMM_WORLD, &model));
  PetscCall(NaModelSetType(model, type));
  PetscCall(NaModelSetFromOptions(model));
  PetscCall(NaSimCreate(PETSC_COMM_WORLD, &sim));
  PetscCall(NaSimSetModel(sim, model));
  PetscCall(NaSimSetOutput(sim, path));
  PetscCall(NaSimSetFromOptions(sim));
  PetscCall(NaSimRun(sim));
  PetscCall(NaSimGetSolution(sim, &U));
  PetscCall(NaSimGetSummary(sim, &sum));
  PetscCall(NaModelGetSizes(model, &N, &K));
  PetscCall(PetscMalloc1(K, &ov));
  PetscCall(NaModelObserve(model, U, &E, ov));
  PetscCall(NaModelGetPatterns(model, &xi));
  PetscCall(VecScatterCreateToZero(U, &sc, &U0));
  PetscCall(VecScatterBegin(sc, U, U0, INSERT_VALUES, SCATTER_FORWARD));
  PetscCall(VecScatterEnd(sc, U, U0, INSERT_VALUES, SCATTER_FORWARD));
  if (rank == 0) {
    hid_t     f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT), a;
    hsize_t   n, nt;
    PetscBool sym    = model->nglobal == N + N * (N + 1) ? PETSC_TRUE : PETSC_FALSE; /* naam's upper-triangle storage */
    PetscBool fields = model->nglobal > N ? PETSC_TRUE : PETSC_FALSE;
    long long complete = -1;
    double   *x, *t, *en, *o, *p, *cue;
    EXPECT(f >= 0, "%s: cannot open %s", type, path);
    a = H5Aopen(f, "complete", H5P_DEFAULT);
    H5Aread(a, H5T_NATIVE_LLONG, &complete);
    H5Aclose(a);
    EXPECT(complete == 1, "%s: complete = %lld", type, complete);
    PetscCall(VecGetArrayRead(U0, &u));
    x = read_all(f, "/final/x", &n);
    EXPECT(x && n == (hsize_t)N, "%s: /final/x missing or wrong size", type);
    for (PetscInt i = 0; x && i < N; i++)
      EXPECT(x[i] == u[RowOffset(N, sym, fields, i)], "%s: /final/x[%d] %.17g != %.17g", type, (int)i, x[i],
             u[RowOffset(N, sym, fields, i)]);
    if (fields) {
      const char *names[2] = {"/final/s", "/final/p"};
      for (int fld = 0; fld < 2; fld++) {
        double *m = read_all(f, names[fld], &n);
        EXPECT(m && n == (hsize_t)(N * N), "%s: %s missing", type, names[fld]);
        for (PetscInt i = 0; m && i < N; i++)
          for (PetscInt j = 0; j < N; j++)
            EXPECT(m[i * N + j] == Entry(u, N, sym, fld, i, j), "%s: %s[%d][%d] differs", type, names[fld], (int)i,
                   (int)j);
        free(m);
      }
    }
    PetscCall(VecRestoreArrayRead(U0, &u));
    t  = read_all(f, "/time", &nt);
    en = read_all(f, "/energy", &n);
    EXPECT(t && en && n == nt && nt >= 2, "%s: /time and /energy missing or of different lengths", type);
    EXPECT(t[nt - 1] == sum.t_final, "%s: last /time %.17g != %.17g", type, t[nt - 1], sum.t_final);
    EXPECT(en[nt - 1] == E, "%s: last /energy %.17g != recomputed %.17g", type, en[nt - 1], E);
    o = read_all(f, "/overlaps", &n);
    EXPECT(o && n == nt * (hsize_t)K, "%s: /overlaps has %llu values", type, (unsigned long long)n);
    for (PetscInt mu = 0; o && mu < K; mu++)
      EXPECT(o[(nt - 1) * K + mu] == ov[mu], "%s: last /overlaps[%d] differs", type, (int)mu);
    p = read_all(f, "/patterns", &n);
    EXPECT(p && n == (hsize_t)(K * N), "%s: /patterns missing", type);
    for (PetscInt k = 0; p && k < K * N; k++) EXPECT(p[k] == xi[k], "%s: /patterns differs at %d", type, (int)k);
    cue = read_all(f, "/cue", &n);
    EXPECT(cue && n == (hsize_t)N, "%s: /cue missing", type);
    x = read_all(f, "/x", &n);
    EXPECT(x && n == nt * (hsize_t)N, "%s: /x has %llu values", type, (unsigned long long)n);
    for (PetscInt i = 0; x && cue && i < N; i++) EXPECT(x[i] == cue[i], "%s: /x[0] is not the cue at %d", type, (int)i);
    free(x), free(t), free(en), free(o), free(p), free(cue);
    H5Fclose(f);
  }
  PetscCall(VecScatterDestroy(&sc));
  PetscCall(VecDestroy(&U0));
  PetscCall(PetscFree(ov));
  PetscCall(NaSimDestroy(&sim));
  PetscCall(NaModelDestroy(&model));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  char        dir[PETSC_MAX_PATH_LEN] = "/tmp", path[PETSC_MAX_PATH_LEN + 32];
  PetscMPIInt rank;

  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  PetscCall(NaInitialize());
  PetscCall(PetscOptionsGetString(NULL, NULL, "-dir", dir, sizeof dir, NULL));
  PetscCallMPI(MPI_Comm_rank(PETSC_COMM_WORLD, &rank));
  PetscCall(PetscSNPrintf(path, sizeof path, "%s/readback-naam.h5", dir));
  PetscCall(Check("naam", "-naam_N 21 -naam_K 3 -ts_max_time 4 -output_final -quiet", path));
  PetscCall(PetscSNPrintf(path, sizeof path, "%s/readback-naam-full.h5", dir));
  PetscCall(Check("naam", "-naam_N 21 -naam_K 3 -ts_max_time 4 -output_final -quiet -naam_storage full", path));
  PetscCall(PetscSNPrintf(path, sizeof path, "%s/readback-dam.h5", dir));
  PetscCall(Check("dam", "-dam_N 33 -dam_K 4 -ts_max_time 4 -output_final -quiet", path));
  PetscCallMPI(MPI_Bcast(&failures, 1, MPI_INT, 0, PETSC_COMM_WORLD));
  if (rank == 0) printf("readback: %s\n", failures ? "FAILED" : "all datasets equal what was computed");
  PetscCall(PetscFinalize());
  return failures ? 1 : 0;
}
