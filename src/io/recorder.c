/* NaRecorder: the run's HDF5 output, written collectively. */
#include <nastro/nastro.h>
#include "modelimpl.h"
#include "h5util.h"
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* The series, in the order of the recorder's dataset ids: the driver's four, then the model's own (MODEL + j); each is
 * [sample][column], /time and /energy one column wide. The output checksum is the sum over every value written of a
 * mix of its bits with its series and position, so it does not depend on which rank wrote which value, nor in which
 * order. */
enum { TIME, ENERGY, OVERLAPS, X, MODEL, NSERIES = MODEL + NA_MODEL_MAX_SERIES };
static const char *const series_names[4] = {"time", "energy", "overlaps", "x"};

struct _n_NaRecorder {
  MPI_Comm     comm;
  NaModel      model;
  hid_t        file, set[NSERIES]; /* the series (SeriesName), -1 where the model has none */
  hsize_t      n;                  /* samples written */
  PetscInt     rstart, nloc;
  PetscScalar *xbuf;
  PetscReal   *obuf, *mbuf; /* overlaps; the model's own series */
  uint64_t     sum; /* this rank's share of the checksum of every sample value written (NaRecorderGetChecksum) */
  /* series k is width[k] columns wide; this rank writes columns [col0[k], col0[k] + ncols[k]) of it (x: its
   * neurons; the others: all of them, on rank 0) */
  hsize_t width[NSERIES], col0[NSERIES], ncols[NSERIES];
};

static const char *SeriesName(NaRecorder r, int k)
{
  return k < MODEL ? series_names[k] : r->model->series[k - MODEL].name;
}

static inline uint64_t Mix(uint64_t z) /* splitmix64's finaliser */
{
  z += 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

/* the checksum share of block rows [row0, row0 + nrows) x columns [col0, col0 + ncols) of series k, width columns wide
 */
static uint64_t Digest(int k, hsize_t row0, hsize_t nrows, hsize_t width, hsize_t col0, hsize_t ncols, const double *v)
{
  uint64_t       sum = 0, bits;
  const uint64_t tag = k < MODEL ? (uint64_t)k : (uint64_t)k << 58; /* the driver's series as in earlier versions */

  for (hsize_t i = 0; i < nrows; i++)
    for (hsize_t j = 0; j < ncols; j++) {
      memcpy(&bits, &v[i * ncols + j], sizeof bits);
      sum += Mix(bits ^ Mix((((row0 + i) * width + col0 + j) << 2) | tag));
    }
  return sum;
}

PetscErrorCode NaRecorderCreate(MPI_Comm comm, const char path[], NaModel model, NaRecorder *rec)
{
  NaRecorder  r;
  PetscInt    N, K, rend;
  char       *opts;
  char        stamp[64];
  PetscMPIInt size, rank;
  time_t      now = time(NULL);
  hid_t       file;

  PetscFunctionBegin;
  PetscCall(NaModelGetSizes(model, &N, &K));
  PetscCall(NaH5FileOpen(comm, path, PETSC_TRUE, &file));
  PetscCheck(file >= 0, comm, PETSC_ERR_FILE_WRITE,
             "-o %s: cannot create the output file (missing directory or no permission?)", path);
  PetscCall(PetscNew(&r));
  r->comm  = comm;
  r->model = model;
  r->file  = file;
  PetscCall(NaNetworkGetOwnershipRange(model->net, &r->rstart, &rend));
  r->nloc = rend - r->rstart;
  {
    PetscInt nm = 0;
    for (PetscInt j = 0; j < model->nseries; j++) nm += model->series[j].width;
    PetscCall(PetscMalloc3(PetscMax(r->nloc, 1), &r->xbuf, PetscMax(K, 1), &r->obuf, PetscMax(nm, 1), &r->mbuf));
  }
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  for (int k = 0; k < NSERIES; k++) {
    r->width[k] = k == X          ? (hsize_t)N
                  : k == OVERLAPS ? (hsize_t)K
                  : k >= MODEL    ? (hsize_t)model->series[k - MODEL].width
                                  : 1;
    r->col0[k]  = k == X ? (hsize_t)r->rstart : 0;
    r->ncols[k] = k == X ? (hsize_t)r->nloc : rank == 0 ? r->width[k] : 0;
  }

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
  for (int k = 0; k < NSERIES; k++) r->set[k] = -1;
  PetscCall(NaH5CreateDataset(r->file, "time", 1, dims, PETSC_TRUE, "simulated time of each sample", "model time units",
                              &r->set[TIME]));
  if (model->ops.observe)
    PetscCall(NaH5CreateDataset(r->file, "energy", 1, dims, PETSC_TRUE,
                                "energy (Lyapunov function) E at each sample, docs/models.md", "1", &r->set[ENERGY]));
  if (model->ops.observe && K > 0)
    PetscCall(NaH5CreateDataset(r->file, "overlaps", 2, dims, PETSC_TRUE,
                                "pattern overlaps m_mu = xi^mu . phi(x) / N, [time][mu]", "1", &r->set[OVERLAPS]));
  dims[1] = (hsize_t)N;
  if (model->ops.getneurons)
    PetscCall(
        NaH5CreateDataset(r->file, "x", 2, dims, PETSC_TRUE, "neuron membrane states x_i, [time][i]", "1", &r->set[X]));
  for (PetscInt j = 0; j < model->nseries; j++) {
    const NaModelSeries *ms = &model->series[j];
    dims[1]                 = (hsize_t)ms->width;
    PetscCall(NaH5CreateDataset(r->file, ms->name, ms->width > 1 || ms->matrix ? 2 : 1, dims, PETSC_TRUE,
                                ms->description, "1", &r->set[MODEL + j]));
  }
  if (model->ops.writestatic) PetscCall(model->ops.writestatic(model, r->file));
  *rec = r;
  PetscFunctionReturn(0);
}

/* copies samples [0, nsamples) of every series from the file old into r, adding them to r's checksum; *why says
 * what was wrong with old ("" when nothing) */
static PetscErrorCode CopySeries(NaRecorder r, hid_t old, hsize_t nsamples, char why[], size_t len)
{
  double *buf;

  PetscFunctionBegin;
  why[0] = 0;
  for (int k = 0; k < NSERIES && !why[0]; k++) {
    hid_t         dset, space;
    hsize_t       dims[2], batch;
    const hsize_t width = r->width[k], col0 = r->col0[k], ncols = r->ncols[k];

    if (r->set[k] < 0) continue;
    if (H5Lexists(old, SeriesName(r, k), H5P_DEFAULT) <= 0 ||
        (dset = H5Dopen2(old, SeriesName(r, k), H5P_DEFAULT)) < 0) {
      PetscCall(PetscSNPrintf(why, len, "it has no /%s", SeriesName(r, k)));
      break;
    }
    NaH5Call(space = H5Dget_space(dset));
    NaH5Call(H5Sget_simple_extent_dims(space, dims, NULL));
    NaH5Call(H5Sclose(space));
    if (dims[0] < nsamples) {
      PetscCall(PetscSNPrintf(why, len, "/%s has %llu samples, the checkpoint counts %llu: not the output of this run",
                              SeriesName(r, k), (unsigned long long)dims[0], (unsigned long long)nsamples));
    } else {
      hsize_t extent[2] = {nsamples, width};
      NaH5Call(H5Dset_extent(r->set[k], extent));
      batch = PetscMax(1, ((hsize_t)1 << 20) / width); /* at most 8 MiB per rank in flight */
      PetscCall(PetscMalloc1(PetscMax(batch * ncols, 1), &buf));
      for (hsize_t row = 0; row < nsamples && !why[0]; row += batch) {
        hsize_t   m = PetscMin(batch, nsamples - row);
        PetscBool ok;
        int       bad, anybad;

        PetscCall(NaH5ReadBlock(dset, row, m, col0, ncols, buf, &ok));
        bad = !ok;
        PetscCallMPI(MPI_Allreduce(&bad, &anybad, 1, MPI_INT, MPI_MAX, r->comm));
        if (anybad) {
          PetscCall(PetscSNPrintf(why, len, "/%s cannot be read", SeriesName(r, k)));
          break;
        }
        PetscCall(NaH5WriteBlock(r->set[k], row, m, col0, ncols, buf));
        r->sum += Digest(k, row, m, width, col0, ncols, buf);
      }
      PetscCall(PetscFree(buf));
    }
    NaH5Call(H5Dclose(dset));
  }
  PetscFunctionReturn(0);
}

/* The output of a resumed run is rebuilt, never written in place: a run killed while writing can leave its HDF5
 * file's metadata inconsistent, so the first nsamples samples are copied into PATH.resume.tmp, checked against the
 * checkpoint's checksum of what the run wrote, and only then renamed over PATH. A damaged file stays as it was. */
PetscErrorCode NaRecorderOpen(MPI_Comm comm, const char path[], NaModel model, PetscInt nsamples,
                              const unsigned long long *checksum, NaRecorder *rec)
{
  NaRecorder  r;
  hid_t       old;
  char        tmp[PETSC_MAX_PATH_LEN], why[256];
  PetscMPIInt rank;
  int         err = 0;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCall(NaH5FileOpen(comm, path, PETSC_FALSE, &old));
  PetscCheck(old >= 0, comm, PETSC_ERR_FILE_OPEN,
             "-o %s: the output file of the run being resumed cannot be opened (missing, or not an HDF5 file)", path);
  PetscCall(PetscSNPrintf(tmp, sizeof tmp, "%s.resume.tmp", path));
  PetscCall(NaRecorderCreate(comm, tmp, model, &r));
  for (int k = 0; k < 3; k++) /* the original run's, not this segment's */
    PetscCall(NaH5CopyAttribute(old, r->file, (const char *[]){"options", "start_time", "nastro_version"}[k]));
  PetscCall(CopySeries(r, old, (hsize_t)nsamples, why, sizeof why));
  NaH5Call(H5Fclose(old));
  if (!why[0] && checksum) {
    unsigned long long sum;
    PetscCall(NaRecorderGetChecksum(r, &sum));
    if (sum != *checksum)
      PetscCall(PetscSNPrintf(why, sizeof why,
                              "its first %" PetscInt_FMT " samples differ from those the run wrote (checksum "
                              "%016llx, the checkpoint's %016llx)",
                              nsamples, sum, *checksum));
  }
  r->n = (hsize_t)nsamples;
  if (!why[0]) {
    PetscCall(NaRecorderFlush(r));
    if (rank == 0 && rename(tmp, path)) err = errno;
    PetscCallMPI(MPI_Bcast(&err, 1, MPI_INT, 0, comm));
    if (err) PetscCall(PetscSNPrintf(why, sizeof why, "cannot replace it (rename: %s)", strerror(err)));
  }
  if (why[0]) {
    PetscCall(NaRecorderDestroy(&r));
    if (rank == 0) unlink(tmp);
    SETERRQ(comm, PETSC_ERR_FILE_UNEXPECTED,
            "-o %s: cannot continue the output of the run being resumed: %s; the file is left as it was", path, why);
  }
  if (rank == 0) PetscCall(NaSyncParentDirectory(path));
  *rec = r;
  PetscFunctionReturn(0);
}

PetscErrorCode NaRecorderGetChecksum(NaRecorder r, unsigned long long *sum)
{
  uint64_t all;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Allreduce(&r->sum, &all, 1, MPI_UINT64_T, MPI_SUM, r->comm));
  *sum = (unsigned long long)all;
  PetscFunctionReturn(0);
}

/* appends one row to series k: this rank's columns of it, v */
static PetscErrorCode AppendRow(NaRecorder r, int k, const double *v)
{
  hsize_t dims[2] = {r->n + 1, r->width[k]}; /* a 1-d series reads dims[0] only */

  PetscFunctionBegin;
  NaH5Call(H5Dset_extent(r->set[k], dims));
  PetscCall(NaH5WriteBlock(r->set[k], r->n, 1, r->col0[k], r->ncols[k], v));
  r->sum += Digest(k, r->n, 1, r->width[k], r->col0[k], r->ncols[k], v);
  PetscFunctionReturn(0);
}

PetscErrorCode NaRecorderAppend(NaRecorder r, PetscReal t, Vec U)
{
  PetscReal E;
  NaModel   model = r->model;

  PetscFunctionBegin;
  PetscCall(AppendRow(r, TIME, &t));
  if (r->set[ENERGY] >= 0 || r->set[OVERLAPS] >= 0) PetscCall(NaModelObserve(model, U, &E, r->obuf));
  if (r->set[ENERGY] >= 0) PetscCall(AppendRow(r, ENERGY, &E));
  if (r->set[OVERLAPS] >= 0) PetscCall(AppendRow(r, OVERLAPS, r->obuf));
  if (r->set[X] >= 0) {
    PetscCall(NaModelGetNeurons(model, U, r->xbuf));
    PetscCall(AppendRow(r, X, r->xbuf));
  }
  if (model->nseries) {
    PetscReal *v = r->mbuf;
    PetscCall(model->ops.sample(model, t, U, r->mbuf));
    for (PetscInt j = 0; j < model->nseries; v += model->series[j].width, j++) PetscCall(AppendRow(r, MODEL + j, v));
  }
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
  PetscFunctionBegin;
  for (int k = 0; k < NSERIES; k++)
    if (r->set[k] >= 0) NaH5Call(H5Dclose(r->set[k]));
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
  PetscCall(PetscFree3((*r)->xbuf, (*r)->obuf, (*r)->mbuf));
  PetscCall(PetscFree(*r));
  PetscFunctionReturn(0);
}
