/* NaCheckpoint: write, validate and read checkpoints (docs/checkpoint.md). */
#define _POSIX_C_SOURCE 200809L
#include <nastro/nastro.h>
#include <nastro/checkpoint.h>
#include "modelimpl.h"
#include "h5util.h"
#include "ckptimpl.h"
#include "naerrors.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

/* An order-independent checksum: the sum, modulo 2^64, of each element's mixed bits times an odd weight
 * 2i+1 of its global index i. Each rank sums its slab and one MPI_Allreduce adds them, so it is the same on
 * any rank count. Changing any one element, or swapping two, always changes it: the mixing is invertible
 * and odd weights are invertible modulo 2^64. One multiply-add per element keeps it far below the I/O cost. */
static inline uint64_t HashElement(uint64_t i, double v)
{
  uint64_t b;
  memcpy(&b, &v, sizeof b);
  b ^= b >> 29;
  return b * (2 * i + 1);
}

static PetscErrorCode Checksum(MPI_Comm comm, PetscInt first, PetscInt n, const PetscScalar *v, unsigned long long *sum)
{
  unsigned long long local = 0;

  PetscFunctionBegin;
  for (PetscInt k = 0; k < n; k++) local += HashElement((uint64_t)(first + k), v[k]);
  PetscCallMPI(MPI_Allreduce(&local, sum, 1, MPI_UNSIGNED_LONG_LONG, MPI_SUM, comm));
  PetscFunctionReturn(0);
}

/* the rows of the global state vector this rank owns, as [first, first + n) */
static PetscErrorCode LocalRange(Vec U, PetscInt *first, PetscInt *n)
{
  PetscInt hi;
  PetscFunctionBegin;
  PetscCall(VecGetOwnershipRange(U, first, &hi));
  *n = hi - *first;
  PetscFunctionReturn(0);
}

static PetscErrorCode WriteVector(hid_t file, const char name[], Vec U, const char desc[], unsigned long long *sum)
{
  hsize_t            dims[1];
  PetscInt           first = 0, n = 0, N;
  hid_t              dset;
  const PetscScalar *u;
  MPI_Comm           comm;

  PetscFunctionBegin;
  PetscCall(PetscObjectGetComm((PetscObject)U, &comm));
  PetscCall(VecGetSize(U, &N));
  PetscCall(LocalRange(U, &first, &n));
  dims[0] = (hsize_t)N;
  PetscCall(NaH5CreateDataset(file, name, 1, dims, PETSC_FALSE, desc, "1", &dset));
  PetscCall(VecGetArrayRead(U, &u));
  PetscCall(Checksum(comm, first, n, u, sum));
  PetscCall(NaH5WriteRows(dset, (hsize_t)first, (hsize_t)n, u));
  PetscCall(VecRestoreArrayRead(U, &u));
  PetscCall(NaH5SetAttributeInt(dset, "checksum", (long long)*sum));
  NaH5Call(H5Dclose(dset));
  PetscFunctionReturn(0);
}

static PetscErrorCode PatternsChecksum(MPI_Comm comm, NaModel model, unsigned long long *sum)
{
  const PetscScalar *xi;
  PetscMPIInt        rank;

  PetscFunctionBegin;
  *sum = 0;
  PetscCall(NaModelGetPatterns(model, &xi));
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  /* the same array is on every rank: let rank 0 contribute it */
  if (xi) PetscCall(Checksum(comm, 0, rank == 0 ? model->K * model->N : 0, xi, sum));
  PetscFunctionReturn(0);
}

static PetscErrorCode ListCheckpoints(const char dir[], char ***names, PetscInt *n);

/* the model's own inputs a checkpoint must agree with (e.g. attention's q, k, v and schedule); 0: none */
static PetscErrorCode InputsChecksum(MPI_Comm comm, NaModel model, unsigned long long *sum, const char **options)
{
  PetscInt         n;
  const PetscReal *x;
  PetscMPIInt      rank;

  PetscFunctionBegin;
  *sum     = 0;
  *options = NULL;
  if (!model->ops.inputs) PetscFunctionReturn(0);
  PetscCall(model->ops.inputs(model, &n, &x, options));
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCall(Checksum(comm, 0, rank == 0 ? n : 0, x, sum));
  PetscFunctionReturn(0);
}

PetscErrorCode NaCheckpointTestDelay(void)
{
  PetscReal delay = 0;

  PetscFunctionBegin; /* tests only: widen the window in which a kill lands inside a checkpoint write */
  PetscCall(PetscOptionsGetReal(NULL, NULL, "-checkpoint_test_delay", &delay, NULL));
  struct timespec ts = {(time_t)delay, (long)((delay - (time_t)delay) * 1e9)};
  if (delay > 0) nanosleep(&ts, NULL);
  PetscFunctionReturn(0);
}

typedef struct {
  NaModel                 model;
  Vec                     U;
  const NaCheckpointInfo *info;
} ModelCheckpoint;

/* the whole checkpoint, into the temporary file tmp */
static PetscErrorCode WriteFile(MPI_Comm comm, const char tmp[], void *ctx, hid_t *fileout)
{
  const ModelCheckpoint  *mc    = (const ModelCheckpoint *)ctx;
  NaModel                 model = mc->model;
  Vec                     U     = mc->U;
  const NaCheckpointInfo *info  = mc->info;
  hid_t                   file;
  PetscMPIInt             size;
  unsigned long long      sum, psum;
  char                   *opts;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_size(comm, &size));
  PetscCall(NaH5FileOpen(comm, tmp, PETSC_TRUE, &file));
  *fileout = file;
  PetscCheck(file >= 0, comm, PETSC_ERR_FILE_WRITE, "checkpoint %s: cannot create the file", tmp);
  PetscCall(NaH5SetAttributeInt(file, "complete", 0));
  PetscCall(NaH5SetAttributeInt(file, "format_version", NA_CHECKPOINT_FORMAT));
  PetscCall(NaH5SetAttributeString(file, "nastro_version", NaVersion()));
  PetscCall(NaH5SetAttributeString(file, "model", model->type));
  PetscCall(NaH5SetAttributeInt(file, "N", model->N));
  PetscCall(NaH5SetAttributeInt(file, "K", model->K));
  PetscCall(NaH5SetAttributeInt(file, "state_size", model->nglobal));
  PetscCall(NaH5SetAttributeInt(file, "mpi_ranks", size));
  PetscCall(PetscOptionsGetAll(NULL, &opts));
  PetscCall(NaH5SetAttributeString(file, "options", opts));
  PetscCall(PetscFree(opts));
  PetscCall(NaH5SetAttributeReal(file, "time", info->t));
  PetscCall(NaH5SetAttributeReal(file, "dt", info->dt));
  PetscCall(NaH5SetAttributeReal(file, "dt_segment", info->dt_segment));
  PetscCall(NaH5SetAttributeInt(file, "step", info->step));
  PetscCall(NaH5SetAttributeInt(file, "output_samples", info->nsamples));
  PetscCall(NaH5SetAttributeInt(file, "output_next_index", info->kout));
  PetscCall(NaH5SetAttributeReal(file, "output_interval", info->output_interval));
  PetscCall(NaH5SetAttributeInt(file, "output_checksum", (long long)info->output_checksum));
  PetscCall(NaH5SetAttributeReal(file, "next_checkpoint_time", info->tcheck));
  PetscCall(NaH5SetAttributeReal(file, "energy_initial", info->energy_initial));
  PetscCall(NaH5SetAttributeReal(file, "energy_previous_sample", info->energy_prev));
  PetscCall(NaH5SetAttributeReal(file, "max_energy_increase", info->max_energy_increase));
  PetscCall(NaH5SetAttributeString(file, "output", info->output));
  PetscCall(NaH5SetAttributeString(file, "ts_type", info->tstype));
  PetscCall(NaH5SetAttributeString(file, "description",
                                   "nastro checkpoint: /state is the global state vector in cell-id order "
                                   "(docs/checkpoint.md); complete = 1 only once fully written"));
  PetscCall(WriteVector(file, "state", U, "global state vector in cell-id order", &sum));
  PetscCall(PatternsChecksum(comm, model, &psum));
  PetscCall(NaH5SetAttributeInt(file, "patterns_checksum", (long long)psum));
  {
    const char *options;
    PetscCall(InputsChecksum(comm, model, &psum, &options));
    if (options) PetscCall(NaH5SetAttributeInt(file, "inputs_checksum", (long long)psum));
  }
  PetscCall(NaCheckpointTestDelay());
  PetscCall(NaH5SetAttributeInt(file, "complete", 1));
  NaH5Call(H5Fflush(file, H5F_SCOPE_GLOBAL));
  NaH5Call(H5Fclose(file));

  PetscFunctionReturn(0);
}

PetscErrorCode NaCheckpointWrite(MPI_Comm comm, const char dir[], PetscInt keep, NaModel model, Vec U,
                                 const NaCheckpointInfo *info)
{
  ModelCheckpoint mc = {model, U, info};

  PetscFunctionBegin;
  PetscCall(NaCheckpointPublish(comm, dir, keep, info->step, (double)model->nglobal * sizeof(PetscScalar) + 65536,
                                WriteFile, &mc));
  PetscFunctionReturn(0);
}

PetscErrorCode NaCheckpointPublish(MPI_Comm comm, const char dir[], PetscInt keep, PetscInt64 step, double bytes,
                                   NaCheckpointWriter write, void *ctx)
{
  char        path[PETSC_MAX_PATH_LEN], tmp[PETSC_MAX_PATH_LEN + 8], name[64];
  PetscMPIInt rank;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  int mkerr = 0;
  if (rank == 0 && mkdir(dir, 0755) && errno != EEXIST) mkerr = errno;
  PetscCallMPI(MPI_Bcast(&mkerr, 1, MPI_INT, 0, comm));
  PetscCheck(!mkerr, comm, PETSC_ERR_FILE_WRITE, "-checkpoint_dir %s: cannot create the directory (%s)", dir,
             strerror(mkerr));
  PetscCall(PetscSNPrintf(name, sizeof name, "ckpt-%010" PetscInt64_FMT ".h5", step));
  PetscCall(PetscSNPrintf(path, sizeof path, "%s/%s", dir, name));
  PetscCall(PetscSNPrintf(tmp, sizeof tmp, "%s.tmp", path));

  { /* refuse early on a full disk: an HDF5 write that fails half-way cannot always be unwound cleanly */
    struct statvfs     fs;
    unsigned long long need = (unsigned long long)bytes, avail = need;
    if (rank == 0 && !statvfs(dir, &fs)) avail = (unsigned long long)fs.f_bavail * fs.f_frsize;
    PetscCallMPI(MPI_Bcast(&avail, 1, MPI_UNSIGNED_LONG_LONG, 0, comm));
    PetscCheck(avail >= need, comm, PETSC_ERR_FILE_WRITE,
               "checkpoint %s could not be written (disk full?): %llu bytes free, about %llu needed; the previous "
               "checkpoint is intact",
               path, avail, need);
  }
  PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
  hid_t          file = -1;
  PetscErrorCode werr = write(comm, tmp, ctx, &file);
  PetscCall(PetscPopErrorHandler());
  if (werr) {
    if (file >= 0) H5Fclose(file); /* may itself fail on a full disk; the file is released all the same */
    char *specific = NULL;
    PetscCall(PetscErrorMessage(werr, NULL, &specific));
    if (rank == 0) unlink(tmp);
    SETERRQ(comm, PETSC_ERR_FILE_WRITE,
            "checkpoint %s could not be written (disk full?): %s; the previous checkpoint is intact", path,
            specific ? specific : "HDF5 error");
  }

  /* publish: rename, sync, point latest at it, then prune */
  PetscCallMPI(MPI_Barrier(comm));
  PetscErrorCode ierr = 0;
  if (rank == 0) {
    char  latest[PETSC_MAX_PATH_LEN], latest_tmp[PETSC_MAX_PATH_LEN + 8];
    FILE *fp;
    if (rename(tmp, path)) ierr = PETSC_ERR_FILE_WRITE;
    PetscCall(NaSyncDirectory(dir));
    PetscCall(PetscSNPrintf(latest, sizeof latest, "%s/latest", dir));
    PetscCall(PetscSNPrintf(latest_tmp, sizeof latest_tmp, "%s.tmp", latest));
    fp = fopen(latest_tmp, "w");
    if (!fp || fprintf(fp, "%s\n", name) < 0 || fflush(fp) || fsync(fileno(fp)) || fclose(fp) ||
        rename(latest_tmp, latest))
      ierr = PETSC_ERR_FILE_WRITE;
    PetscCall(NaSyncDirectory(dir));
    if (!ierr) {
      char         **names;
      PetscInt       n;
      DIR           *d = opendir(dir);
      struct dirent *e;
      while (d && (e = readdir(d))) { /* temporaries of writers that were killed */
        size_t len = strlen(e->d_name);
        if (!strncmp(e->d_name, "ckpt-", 5) && len > 4 && !strcmp(e->d_name + len - 4, ".tmp")) {
          char stale[PETSC_MAX_PATH_LEN + 300];
          PetscCall(PetscSNPrintf(stale, sizeof stale, "%s/%s", dir, e->d_name));
          unlink(stale);
        }
      }
      if (d) closedir(d);
      PetscCall(ListCheckpoints(dir, &names, &n));
      for (PetscInt k = 0; k + keep < n; k++) { /* names are sorted oldest first */
        char old[PETSC_MAX_PATH_LEN + 64];
        PetscCall(PetscSNPrintf(old, sizeof old, "%s/%s", dir, names[k]));
        if (strcmp(names[k], name)) unlink(old);
      }
      for (PetscInt k = 0; k < n; k++) PetscCall(PetscFree(names[k]));
      PetscCall(PetscFree(names));
    }
  }
  PetscCallMPI(MPI_Bcast(&ierr, 1, MPI_INT, 0, comm));
  PetscCheck(!ierr, comm, PETSC_ERR_FILE_WRITE,
             "checkpoint %s: could not publish it (rename or %s/latest failed); the previous checkpoint is intact",
             path, dir);
  PetscFunctionReturn(0);
}

static int CompareNames(const void *a, const void *b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* complete checkpoint files in dir (ckpt-*.h5, no .tmp), sorted oldest (smallest step) first */
static PetscErrorCode ListCheckpoints(const char dir[], char ***names, PetscInt *n)
{
  DIR           *d = opendir(dir);
  struct dirent *e;
  PetscInt       cap = 16;

  PetscFunctionBegin;
  *n = 0;
  PetscCall(PetscMalloc1(cap, names));
  if (!d) PetscFunctionReturn(0);
  while ((e = readdir(d))) {
    size_t len = strlen(e->d_name);
    if (strncmp(e->d_name, "ckpt-", 5) || len < 8 || strcmp(e->d_name + len - 3, ".h5")) continue;
    if (*n == cap) {
      char **more;
      PetscCall(PetscMalloc1(2 * cap, &more));
      PetscCall(PetscArraycpy(more, *names, cap));
      PetscCall(PetscFree(*names));
      *names = more;
      cap *= 2;
    }
    PetscCall(PetscStrallocpy(e->d_name, &(*names)[(*n)++]));
  }
  closedir(d);
  qsort(*names, (size_t)*n, sizeof(char *), CompareNames);
  PetscFunctionReturn(0);
}

/* validates and reads one checkpoint file; every failure is a PETSC_ERR_FILE_UNEXPECTED or _READ with a
 * message naming the file and what is wrong */
typedef struct {
  NaModel           model;
  Vec               U;
  NaCheckpointInfo *info;
} ModelRestart;

static PetscErrorCode ReadOne(MPI_Comm comm, const char path[], void *ctx)
{
  ModelRestart     *mr    = (ModelRestart *)ctx;
  NaModel           model = mr->model;
  Vec               U     = mr->U;
  NaCheckpointInfo *info  = mr->info;
  hid_t             file, dset;
  long long         complete = 0, version = 0, N = -1, K = -1, size = -1, step = 0, ns = 0, kout = 0, osum = 0, stored,
            pstored           = 0;
  char               type[64] = "";
  PetscBool          found;
  unsigned long long sum, psum;
  PetscInt           first = 0, n = 0;
  PetscScalar       *u;

  PetscFunctionBegin;
  PetscCall(NaH5FileOpen(comm, path, PETSC_FALSE, &file));
  PetscCheck(file >= 0, comm, PETSC_ERR_FILE_READ,
             "checkpoint %s: cannot be opened as HDF5 (missing, truncated or corrupted)", path);
  PetscCall(NaH5ReadAttribute(file, "complete", H5T_NATIVE_LLONG, &complete, &found));
  if (!found || complete != 1) {
    H5Fclose(file);
    SETERRQ(comm, PETSC_ERR_FILE_UNEXPECTED, "checkpoint %s: incomplete (its writer did not finish)", path);
  }
  PetscCall(NaH5ReadAttribute(file, "format_version", H5T_NATIVE_LLONG, &version, &found));
  if (version > NA_CHECKPOINT_FORMAT || version < 1) {
    H5Fclose(file);
    SETERRQ(comm, PETSC_ERR_FILE_UNEXPECTED, "checkpoint %s: format version %lld, this nastro reads version %d", path,
            version, NA_CHECKPOINT_FORMAT);
  }
  PetscCall(NaH5ReadAttributeString(file, "model", type, sizeof(type), &found));
  PetscCall(NaH5ReadAttribute(file, "N", H5T_NATIVE_LLONG, &N, &found));
  PetscCall(NaH5ReadAttribute(file, "K", H5T_NATIVE_LLONG, &K, &found));
  PetscCall(NaH5ReadAttribute(file, "state_size", H5T_NATIVE_LLONG, &size, &found));
  if (strcmp(type, model->type) || N != model->N || K != model->K) {
    H5Fclose(file);
    SETERRQ(comm, PETSC_ERR_FILE_UNEXPECTED,
            "checkpoint %s: written by model %s with N = %lld, K = %lld; this run is %s with N = %" PetscInt_FMT
            ", K = %" PetscInt_FMT,
            path, type, N, K, model->type, model->N, model->K);
  }
  if (size != model->nglobal) {
    H5Fclose(file);
    SETERRQ(comm, PETSC_ERR_FILE_UNEXPECTED,
            "checkpoint %s: holds %lld state values, this run's state has %" PetscInt_FMT
            " (a different state layout, e.g. -%sstorage)",
            path, size, model->nglobal, model->prefix);
  }
  PetscCall(NaH5ReadAttribute(file, "patterns_checksum", H5T_NATIVE_LLONG, &pstored, &found));
  PetscCall(PatternsChecksum(comm, model, &psum));
  if ((unsigned long long)pstored != psum) {
    H5Fclose(file);
    SETERRQ(comm, PETSC_ERR_FILE_UNEXPECTED,
            "checkpoint %s: its stored patterns differ from this run's (different -%sseed or -%spatterns?)", path,
            model->prefix, model->prefix);
  }
  {
    const char *options;
    PetscCall(InputsChecksum(comm, model, &psum, &options));
    pstored = 0;
    PetscCall(NaH5ReadAttribute(file, "inputs_checksum", H5T_NATIVE_LLONG, &pstored, &found));
    if (options && (!found || (unsigned long long)pstored != psum)) {
      H5Fclose(file);
      SETERRQ(comm, PETSC_ERR_FILE_UNEXPECTED,
              "checkpoint %s: written with other inputs than this run's (different %s?)", path, options);
    }
  }
  PetscCall(NaH5ReadAttribute(file, "time", H5T_NATIVE_DOUBLE, &info->t, &found));
  PetscCall(NaH5ReadAttribute(file, "dt", H5T_NATIVE_DOUBLE, &info->dt, &found));
  info->dt_segment = 0;
  PetscCall(NaH5ReadAttribute(file, "dt_segment", H5T_NATIVE_DOUBLE, &info->dt_segment, &found));
  PetscCall(NaH5ReadAttribute(file, "step", H5T_NATIVE_LLONG, &step, &found));
  PetscCall(NaH5ReadAttribute(file, "output_samples", H5T_NATIVE_LLONG, &ns, &found));
  PetscCall(NaH5ReadAttribute(file, "output_next_index", H5T_NATIVE_LLONG, &kout, &found));
  info->output_interval = 0;
  PetscCall(NaH5ReadAttribute(file, "output_interval", H5T_NATIVE_DOUBLE, &info->output_interval, &found));
  PetscCall(NaH5ReadAttribute(file, "output_checksum", H5T_NATIVE_LLONG, &osum, &info->has_output_checksum));
  info->output_checksum = (unsigned long long)osum;
  PetscCall(NaH5ReadAttribute(file, "next_checkpoint_time", H5T_NATIVE_DOUBLE, &info->tcheck, &found));
  PetscCall(NaH5ReadAttribute(file, "energy_initial", H5T_NATIVE_DOUBLE, &info->energy_initial, &found));
  PetscCall(NaH5ReadAttribute(file, "energy_previous_sample", H5T_NATIVE_DOUBLE, &info->energy_prev, &found));
  PetscCall(NaH5ReadAttribute(file, "max_energy_increase", H5T_NATIVE_DOUBLE, &info->max_energy_increase, &found));
  PetscCall(NaH5ReadAttributeString(file, "output", info->output, sizeof(info->output), &found));
  PetscCall(NaH5ReadAttributeString(file, "ts_type", info->tstype, sizeof(info->tstype), &found));
  info->step     = (PetscInt)step;
  info->nsamples = (PetscInt)ns;
  info->kout     = (PetscInt)kout;

  dset = H5Lexists(file, "state", H5P_DEFAULT) > 0 ? H5Dopen2(file, "state", H5P_DEFAULT) : -1;
  if (dset < 0) {
    H5Fclose(file);
    SETERRQ(comm, PETSC_ERR_FILE_UNEXPECTED, "checkpoint %s: no /state dataset", path);
  }
  PetscCall(NaH5ReadAttribute(dset, "checksum", H5T_NATIVE_LLONG, &stored, &found));
  PetscCall(LocalRange(U, &first, &n));
  PetscCall(VecGetArray(U, &u));
  {
    PetscBool ok;
    PetscCall(NaH5ReadRows(dset, (hsize_t)first, (hsize_t)n, u, &ok));
    int bad = !ok, anybad;
    PetscCallMPI(MPI_Allreduce(&bad, &anybad, 1, MPI_INT, MPI_MAX, comm));
    if (anybad) {
      H5Dclose(dset), H5Fclose(file);
      PetscCall(VecRestoreArray(U, &u));
      SETERRQ(comm, PETSC_ERR_FILE_UNEXPECTED, "checkpoint %s: /state cannot be read (truncated or corrupted)", path);
    }
  }
  PetscCall(Checksum(comm, first, n, u, &sum));
  PetscCall(VecRestoreArray(U, &u));
  H5Dclose(dset);
  H5Fclose(file);
  PetscCheck(found && (unsigned long long)stored == sum, comm, PETSC_ERR_FILE_UNEXPECTED,
             "checkpoint %s: /state checksum mismatch (corrupted)", path);
  PetscFunctionReturn(0);
}

PetscErrorCode NaCheckpointRead(MPI_Comm comm, const char path[], NaModel model, Vec U, NaCheckpointInfo *info)
{
  ModelRestart mr = {model, U, info};

  PetscFunctionBegin;
  PetscCall(NaCheckpointFind(comm, path, ReadOne, &mr));
  PetscFunctionReturn(0);
}

PetscErrorCode NaCheckpointFind(MPI_Comm comm, const char path[], NaCheckpointReader read, void *ctx)
{
  PetscBool isdir;
  char      skipped[4096] = "";

  PetscFunctionBegin;
  PetscCall(PetscTestDirectory(path, 'r', &isdir));
  if (!isdir) {
    PetscBool exists;
    PetscCall(PetscTestFile(path, 'r', &exists));
    PetscCheck(exists, comm, PETSC_ERR_FILE_OPEN, "-restart %s: no such checkpoint file or directory", path);
    PetscCall(read(comm, path, ctx));
    PetscFunctionReturn(0);
  }
  /* a directory: newest first, the first that validates wins */
  char      **names;
  PetscInt    n;
  PetscMPIInt rank;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCall(ListCheckpoints(path, &names, &n)); /* every rank lists the same directory */
  PetscErrorCode err = PETSC_ERR_FILE_OPEN;
  for (PetscInt k = n - 1; k >= 0 && err; k--) {
    char file[PETSC_MAX_PATH_LEN + 64];
    PetscCall(PetscSNPrintf(file, sizeof file, "%s/%s", path, names[k]));
    PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
    err = read(comm, file, ctx);
    PetscCall(PetscPopErrorHandler());
    if (err) {
      char *specific = NULL;
      PetscCall(PetscErrorMessage(err, NULL, &specific));
      PetscCall(PetscStrlcat(skipped, skipped[0] ? "; " : "", sizeof skipped));
      PetscCall(PetscStrlcat(skipped, specific ? specific : names[k], sizeof skipped));
    }
  }
  for (PetscInt k = 0; k < n; k++) PetscCall(PetscFree(names[k]));
  PetscCall(PetscFree(names));
  PetscCheck(!err, comm, PETSC_ERR_FILE_OPEN, "-restart %s: no valid checkpoint in the directory%s%s", path,
             skipped[0] ? ": " : "", skipped);
  if (skipped[0]) PetscCall(PetscPrintf(comm, "nastro: warning: skipped invalid checkpoints: %s\n", skipped));
  PetscFunctionReturn(0);
}

PetscErrorCode NaCheckpointOptionsRead(PetscOptionItems *PetscOptionsObject, MPI_Comm comm, const char interval_help[],
                                       NaCheckpointSettings *c)
{
  PetscFunctionBegin;
  PetscCall(PetscOptionsReal("-checkpoint_interval", interval_help, NULL, c->interval, &c->interval, NULL));
  PetscCall(PetscOptionsReal("-checkpoint_walltime", "wall-clock seconds between checkpoints (0: none)", NULL,
                             c->walltime, &c->walltime, NULL));
  PetscCall(PetscOptionsString("-checkpoint_dir", "checkpoint directory (default: OUTPUT without .h5, plus .ckpt)",
                               NULL, c->dir, c->dir, sizeof(c->dir), NULL));
  PetscCall(PetscOptionsInt("-checkpoint_keep", "checkpoints kept", NULL, c->keep, &c->keep, NULL));
  PetscCall(PetscOptionsString("-restart", "resume from a checkpoint file, or a directory's newest valid one", NULL,
                               c->restart, c->restart, sizeof(c->restart), NULL));
  PetscCall(PetscOptionsReal("-walltime_limit",
                             "wall-clock seconds after which the run checkpoints and exits with 75 (0: none; "
                             "SLURM_JOB_END_TIME is used when set)",
                             NULL, c->walltime_limit, &c->walltime_limit, NULL));
  {
    PetscReal delay = 0; /* tests: read at every checkpoint (NaCheckpointTestDelay); named here so that it counts
                          * as read before the unused-option check */
    PetscCall(PetscOptionsReal("-checkpoint_test_delay", "tests: seconds to sleep inside a checkpoint write", NULL,
                               delay, &delay, NULL));
  }
  PetscCall(NaCheckPath(comm, "-checkpoint_dir", c->dir));
  PetscCall(NaCheckPath(comm, "-restart", c->restart));
  PetscCall(NaCheckPositive(comm, "", "checkpoint_interval", c->interval, PETSC_FALSE));
  PetscCall(NaCheckPositive(comm, "", "checkpoint_walltime", c->walltime, PETSC_FALSE));
  PetscCall(NaCheckPositive(comm, "", "walltime_limit", c->walltime_limit, PETSC_FALSE));
  PetscCheck(c->keep >= 1, comm, PETSC_ERR_USER_INPUT, "-checkpoint_keep %" PetscInt_FMT ": must be at least 1",
             c->keep);
  PetscFunctionReturn(0);
}

PetscErrorCode NaCheckpointDefaultDir(const char output[], char dir[], size_t len)
{
  size_t n = strlen(output);

  PetscFunctionBegin;
  if (dir[0]) PetscFunctionReturn(0);
  PetscCall(PetscStrncpy(dir, output, len));
  if (n > 3 && !strcmp(output + n - 3, ".h5") && n - 3 < len) dir[n - 3] = 0;
  PetscCall(PetscStrlcat(dir, ".ckpt", len));
  PetscFunctionReturn(0);
}
