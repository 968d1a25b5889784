/* NaRecorder: the run's HDF5 output, written collectively. */
#include <nastro/nastro.h>
#include "modelimpl.h"
#include "h5util.h"
#include <time.h>

struct _n_NaRecorder {
  MPI_Comm     comm;
  NaModel      model;
  hid_t        file, time, energy, overlaps, x;
  hsize_t      n; /* samples written */
  PetscInt     rstart, nloc;
  PetscScalar *xbuf;
  PetscReal   *obuf;
};

/* a recorder with its buffers and the file opened collectively (created, or reopened for writing);
 * *rec is NULL when the file cannot be opened, for the caller to report in its own words */
static PetscErrorCode Start(MPI_Comm comm, const char path[], NaModel model, PetscBool create, NaRecorder *rec)
{
  NaRecorder r;
  hid_t      fapl;
  PetscInt   K, rend;

  PetscFunctionBegin;
  PetscCall(PetscNew(&r));
  r->comm  = comm;
  r->model = model;
  PetscCall(NaModelGetSizes(model, NULL, &K));
  PetscCall(NaNetworkGetOwnershipRange(model->net, &r->rstart, &rend));
  r->nloc = rend - r->rstart;
  PetscCall(PetscMalloc2(PetscMax(r->nloc, 1), &r->xbuf, PetscMax(K, 1), &r->obuf));
  NaH5Call(fapl = H5Pcreate(H5P_FILE_ACCESS));
  NaH5Call(H5Pset_fapl_mpio(fapl, comm, MPI_INFO_NULL));
  r->file = create ? H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, fapl) : H5Fopen(path, H5F_ACC_RDWR, fapl);
  NaH5Call(H5Pclose(fapl));
  if (r->file < 0) {
    PetscCall(PetscFree2(r->xbuf, r->obuf));
    PetscCall(PetscFree(r));
  }
  *rec = r;
  PetscFunctionReturn(0);
}

PetscErrorCode NaRecorderCreate(MPI_Comm comm, const char path[], NaModel model, NaRecorder *rec)
{
  NaRecorder  r;
  PetscInt    N, K;
  char       *opts;
  char        stamp[64];
  PetscMPIInt size;
  time_t      now = time(NULL);

  PetscFunctionBegin;
  PetscCall(NaModelGetSizes(model, &N, &K));
  PetscCall(Start(comm, path, model, PETSC_TRUE, &r));
  if (!r)
    SETERRQ(comm, PETSC_ERR_FILE_WRITE, "-o %s: cannot create the output file (missing directory or no permission?)",
            path);

  /* root attributes: what produced this file */
  PetscCall(NaH5SetAttributeInt(r->file, "complete", 0));
  PetscCall(NaH5SetAttributeString(r->file, "nastro_version", NaVersion()));
  PetscCall(NaH5SetAttributeString(r->file, "model", model->type));
  PetscCall(PetscOptionsGetAll(NULL, &opts));
  PetscCall(NaH5SetAttributeString(r->file, "options", opts));
  PetscCall(PetscFree(opts));
  PetscCallMPI(MPI_Comm_size(comm, &size));
  PetscCall(NaH5SetAttributeInt(r->file, "mpi_ranks", size));
  PetscCallMPI(MPI_Bcast(&now, sizeof(now), MPI_BYTE, 0, comm));
  strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
  PetscCall(NaH5SetAttributeString(r->file, "start_time", stamp));
  PetscCall(NaH5SetAttributeInt(r->file, "N", N));
  PetscCall(NaH5SetAttributeInt(r->file, "K", K));
  PetscCall(NaH5SetAttributeString(
      r->file, "description",
      "nastro run: time series of a neuron-astrocyte network simulation. Time is in units of the model's time "
      "constants (dimensionless). Root attribute complete = 1 only if the run finished."));

  hsize_t dims[2] = {0, (hsize_t)K};
  r->energy = r->overlaps = r->x = -1;
  PetscCall(NaH5CreateDataset(r->file, "time", 1, dims, PETSC_TRUE, "simulated time of each sample", "model time units",
                              &r->time));
  if (model->ops.observe)
    PetscCall(NaH5CreateDataset(r->file, "energy", 1, dims, PETSC_TRUE,
                                "energy (Lyapunov function) E at each sample, docs/models.md", "1", &r->energy));
  if (model->ops.observe && K > 0)
    PetscCall(NaH5CreateDataset(r->file, "overlaps", 2, dims, PETSC_TRUE,
                                "pattern overlaps m_mu = xi^mu . phi(x) / N, [time][mu]", "1", &r->overlaps));
  dims[1] = (hsize_t)N;
  if (model->ops.getneurons)
    PetscCall(
        NaH5CreateDataset(r->file, "x", 2, dims, PETSC_TRUE, "neuron membrane states x_i, [time][i]", "1", &r->x));
  if (model->ops.writestatic) PetscCall(model->ops.writestatic(model, r->file));
  *rec = r;
  PetscFunctionReturn(0);
}

PetscErrorCode NaRecorderOpen(MPI_Comm comm, const char path[], NaModel model, PetscInt nsamples, NaRecorder *rec)
{
  NaRecorder r;

  PetscFunctionBegin;
  PetscCall(Start(comm, path, model, PETSC_FALSE, &r));
  if (!r)
    SETERRQ(comm, PETSC_ERR_FILE_OPEN, "-o %s: the output file of the run being resumed cannot be opened for writing",
            path);
  PetscCall(NaH5SetAttributeInt(r->file, "complete", 0));
  if (H5Lexists(r->file, "final", H5P_DEFAULT) > 0)
    NaH5Call(H5Ldelete(r->file, "final", H5P_DEFAULT)); /* from a later end */
  const char *names[4] = {"time", "energy", "overlaps", "x"};
  hid_t      *sets[4]  = {&r->time, &r->energy, &r->overlaps, &r->x};
  for (int k = 0; k < 4; k++) {
    *sets[k] = H5Lexists(r->file, names[k], H5P_DEFAULT) > 0 ? H5Dopen2(r->file, names[k], H5P_DEFAULT) : -1;
    if (*sets[k] < 0) continue;
    hid_t   space;
    hsize_t dims[2];
    NaH5Call(space = H5Dget_space(*sets[k]));
    NaH5Call(H5Sget_simple_extent_dims(space, dims, NULL));
    NaH5Call(H5Sclose(space));
    PetscCheck(dims[0] >= (hsize_t)nsamples, comm, PETSC_ERR_FILE_UNEXPECTED,
               "-o %s: /%s has %llu samples, the checkpoint expects at least %" PetscInt_FMT
               ": not the output of this run",
               path, names[k], (unsigned long long)dims[0], nsamples);
    dims[0] = (hsize_t)nsamples; /* drop samples written after the checkpoint: no gap, no duplicate */
    NaH5Call(H5Dset_extent(*sets[k], dims));
  }
  PetscCheck(r->time >= 0, comm, PETSC_ERR_FILE_UNEXPECTED, "-o %s: no /time dataset: not a nastro output file", path);
  r->n = (hsize_t)nsamples;
  NaH5Call(H5Fflush(r->file, H5F_SCOPE_GLOBAL));
  *rec = r;
  PetscFunctionReturn(0);
}

static PetscErrorCode Extend(hid_t dset, hsize_t n)
{
  hid_t   space;
  hsize_t dims[2];
  int     rank;

  PetscFunctionBegin;
  NaH5Call(space = H5Dget_space(dset));
  NaH5Call(rank = H5Sget_simple_extent_ndims(space));
  NaH5Call(H5Sget_simple_extent_dims(space, dims, NULL));
  NaH5Call(H5Sclose(space));
  dims[0] = n;
  (void)rank;
  NaH5Call(H5Dset_extent(dset, dims));
  PetscFunctionReturn(0);
}

PetscErrorCode NaRecorderAppend(NaRecorder r, PetscReal t, Vec U)
{
  PetscReal   E;
  PetscMPIInt rank;
  NaModel     model = r->model;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(r->comm, &rank));
  PetscCall(Extend(r->time, r->n + 1));
  PetscCall(NaH5WriteRows(r->time, r->n, rank == 0, &t));
  if (r->energy >= 0) {
    PetscCall(NaModelObserve(model, U, &E, r->obuf));
    PetscCall(Extend(r->energy, r->n + 1));
    PetscCall(NaH5WriteRows(r->energy, r->n, rank == 0, &E));
  }
  if (r->overlaps >= 0) {
    PetscCall(Extend(r->overlaps, r->n + 1));
    PetscCall(NaH5WriteRows(r->overlaps, r->n, rank == 0, r->obuf));
  }
  if (r->x >= 0) { /* x[n][rstart..rend): a hyperslab of one row */
    hid_t   fspace, mspace, dxpl;
    hsize_t start[2] = {r->n, (hsize_t)r->rstart}, count[2] = {1, (hsize_t)r->nloc}, m = (hsize_t)r->nloc;
    PetscCall(NaModelGetNeurons(model, U, r->xbuf));
    PetscCall(Extend(r->x, r->n + 1));
    NaH5Call(fspace = H5Dget_space(r->x));
    NaH5Call(H5Sselect_hyperslab(fspace, H5S_SELECT_SET, start, NULL, count, NULL));
    NaH5Call(mspace = H5Screate_simple(1, &m, NULL));
    NaH5Call(dxpl = H5Pcreate(H5P_DATASET_XFER));
    NaH5Call(H5Pset_dxpl_mpio(dxpl, H5FD_MPIO_COLLECTIVE));
    NaH5Call(H5Dwrite(r->x, H5T_NATIVE_DOUBLE, mspace, fspace, dxpl, r->xbuf));
    NaH5Call(H5Pclose(dxpl));
    NaH5Call(H5Sclose(mspace));
    NaH5Call(H5Sclose(fspace));
  }
  if (model->ops.record) PetscCall(model->ops.record(model, r->file, r->n, t, U));
  r->n++;
  PetscFunctionReturn(0);
}

PetscErrorCode NaRecorderFlush(NaRecorder r)
{
  PetscFunctionBegin;
  NaH5Call(H5Fflush(r->file, H5F_SCOPE_GLOBAL));
  PetscFunctionReturn(0);
}

PetscErrorCode NaRecorderGetNumSamples(NaRecorder r, PetscInt *n)
{
  PetscFunctionBegin;
  *n = (PetscInt)r->n;
  PetscFunctionReturn(0);
}

PetscErrorCode NaRecorderWriteResults(NaRecorder r, Vec U)
{
  PetscFunctionBegin;
  if (r->model->ops.writeresults) PetscCall(r->model->ops.writeresults(r->model, r->file, U));
  PetscFunctionReturn(0);
}

PetscErrorCode NaRecorderWriteFinal(NaRecorder r, Vec U)
{
  hid_t group;

  PetscFunctionBegin;
  if (!r->model->ops.writefinal) PetscFunctionReturn(0);
  NaH5Call(group = H5Gcreate2(r->file, "final", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
  PetscCall(NaH5SetAttributeString(group, "description", "the state at the end of the run"));
  PetscCall(r->model->ops.writefinal(r->model, group, U));
  NaH5Call(H5Gclose(group));
  PetscFunctionReturn(0);
}

PetscErrorCode NaRecorderWriteTiming(NaRecorder r, PetscInt n, const char *names[], const PetscLogDouble vmax[],
                                     const PetscLogDouble vmin[], PetscInt steps, PetscInt nrhs,
                                     PetscLogDouble bytes_per_step, PetscMPIInt ranks, PetscInt N)
{
  hid_t group;
  char  name[64];

  PetscFunctionBegin;
  if (H5Lexists(r->file, "timing", H5P_DEFAULT) > 0)
    NaH5Call(H5Ldelete(r->file, "timing", H5P_DEFAULT)); /* from an earlier segment */
  NaH5Call(group = H5Gcreate2(r->file, "timing", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
  PetscCall(
      NaH5SetAttributeString(group, "description",
                             "wall-clock breakdown of this run segment in seconds, max and min over ranks: setup, "
                             "rhs_compute (right-hand side minus its row gather), communication (the row gathers), "
                             "ts_overhead (the rest of the time stepping), output, checkpoint; comm_bytes_per_step: "
                             "bytes received by all ranks through the row gathers per accepted step"));
  for (PetscInt k = 0; k < n; k++) {
    PetscCall(PetscSNPrintf(name, sizeof name, "%s_max", names[k]));
    PetscCall(NaH5SetAttributeReal(group, name, vmax[k]));
    PetscCall(PetscSNPrintf(name, sizeof name, "%s_min", names[k]));
    PetscCall(NaH5SetAttributeReal(group, name, vmin[k]));
  }
  PetscCall(NaH5SetAttributeInt(group, "steps", steps));
  PetscCall(NaH5SetAttributeInt(group, "rhs_evaluations", nrhs));
  PetscCall(NaH5SetAttributeReal(group, "comm_bytes_per_step", bytes_per_step));
  PetscCall(NaH5SetAttributeInt(group, "ranks", ranks));
  PetscCall(NaH5SetAttributeInt(group, "N", N));
  NaH5Call(H5Gclose(group));
  PetscFunctionReturn(0);
}

PetscErrorCode NaRecorderSetAttribute(NaRecorder r, const char name[], PetscReal value)
{
  PetscFunctionBegin;
  PetscCall(NaH5SetAttributeReal(r->file, name, value));
  PetscFunctionReturn(0);
}

static PetscErrorCode Close(NaRecorder r)
{
  hid_t sets[4] = {r->time, r->energy, r->overlaps, r->x};

  PetscFunctionBegin;
  for (int k = 0; k < 4; k++)
    if (sets[k] >= 0) NaH5Call(H5Dclose(sets[k]));
  NaH5Call(H5Fflush(r->file, H5F_SCOPE_GLOBAL));
  NaH5Call(H5Fclose(r->file));
  r->file = -1;
  PetscFunctionReturn(0);
}

PetscErrorCode NaRecorderFinish(NaRecorder r)
{
  PetscFunctionBegin;
  /* everything else is on disk before the file claims to be complete */
  NaH5Call(H5Fflush(r->file, H5F_SCOPE_GLOBAL));
  PetscCall(NaH5SetAttributeInt(r->file, "complete", 1));
  PetscCall(Close(r));
  PetscFunctionReturn(0);
}

PetscErrorCode NaRecorderDestroy(NaRecorder *r)
{
  PetscFunctionBegin;
  if (!*r) PetscFunctionReturn(0);
  if ((*r)->file >= 0) PetscCall(Close(*r));
  PetscCall(PetscFree2((*r)->xbuf, (*r)->obuf));
  PetscCall(PetscFree(*r));
  PetscFunctionReturn(0);
}
