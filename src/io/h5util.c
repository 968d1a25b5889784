/* Small HDF5 helpers used by the recorder and the models. */
#include "h5util.h"
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

PetscErrorCode NaH5FileOpen(MPI_Comm comm, const char path[], PetscBool create, hid_t *file)
{
  hid_t fapl;

  PetscFunctionBegin;
  NaH5Call(fapl = H5Pcreate(H5P_FILE_ACCESS));
  NaH5Call(H5Pset_fapl_mpio(fapl, comm, MPI_INFO_NULL));
  NaH5Call(H5Pset_fclose_degree(fapl, H5F_CLOSE_STRONG)); /* a failed write can still close everything */
  {
    /* no metadata evictions: HDF5 1.10.8's parallel cache, once it evicted and re-read an entry on some rank, gave
     * that rank a damaged root group header (seen with ~20000 chunks of a trace: tests/mpi/network_ranks.sh, the
     * net_tsodyks case). The cache then keeps all metadata it has touched: with chunks of 64 KiB (below) mostly the
     * chunk index, about 40 bytes per chunk, 0.06 % of what a run writes. */
    H5AC_cache_config_t c;
    c.version = H5AC__CURR_CACHE_CONFIG_VERSION;
    NaH5Call(H5Pget_mdc_config(fapl, &c));
    c.evictions_enabled = 0;
    c.incr_mode         = H5C_incr__off;
    c.flash_incr_mode   = H5C_flash_incr__off;
    c.decr_mode         = H5C_decr__off;
    NaH5Call(H5Pset_mdc_config(fapl, &c));
  }
  *file = create ? H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, fapl) : H5Fopen(path, H5F_ACC_RDONLY, fapl);
  NaH5Call(H5Pclose(fapl));
  PetscFunctionReturn(0);
}

PetscErrorCode NaH5CreateDataset(hid_t loc, const char name[], int rank, const hsize_t dims[], PetscBool extendible,
                                 const char description[], const char units[], hid_t *dset)
{
  hsize_t maxdims[3], chunk[3];
  hid_t   space, dcpl;

  PetscFunctionBegin;
  PetscCheck(rank >= 1 && rank <= 3, PETSC_COMM_SELF, PETSC_ERR_ARG_OUTOFRANGE, "dataset rank %d", rank);
  NaH5Call(dcpl = H5Pcreate(H5P_DATASET_CREATE));
  for (int d = 0; d < rank; d++) {
    maxdims[d] = dims[d];
    chunk[d]   = dims[d] ? dims[d] : 1;
  }
  if (extendible) {
    maxdims[0] = H5S_UNLIMITED;
    chunk[0]   = 1;
    /* chunks of 64 KiB along time (fewer, larger writes and little chunk-index metadata); a long row is one
     * chunk row, split to keep a chunk below ~1 MiB */
    hsize_t row = 1;
    for (int d = 1; d < rank; d++) row *= chunk[d];
    if (row > 131072)
      chunk[rank - 1] = PetscMax(1, 131072 / (row / chunk[rank - 1]));
    else
      chunk[0] = PetscMax(1, 8192 / row);
    NaH5Call(H5Pset_chunk(dcpl, rank, chunk));
  }
  NaH5Call(space = H5Screate_simple(rank, dims, maxdims));
  NaH5Call(*dset = H5Dcreate2(loc, name, H5T_NATIVE_DOUBLE, space, H5P_DEFAULT, dcpl, H5P_DEFAULT));
  NaH5Call(H5Sclose(space));
  NaH5Call(H5Pclose(dcpl));
  if (description) PetscCall(NaH5SetAttributeString(*dset, "description", description));
  if (units) PetscCall(NaH5SetAttributeString(*dset, "units", units));
  PetscFunctionReturn(0);
}

/* collective transfer of nelem doubles between data and the selection made in fspace (which it closes); *status is
 * H5Dread's or H5Dwrite's result, so a reader can report a damaged file in its own words */
static PetscErrorCode TransferSelection(hid_t dset, hid_t fspace, hsize_t nelem, double *data, PetscBool write,
                                        herr_t *status)
{
  hid_t  mspace, dxpl;
  double none; /* HDF5 refuses a NULL buffer even for an empty selection (a rank with nothing to write) */

  PetscFunctionBegin;
  /* an empty dataset has no storage to transfer to (every rank sees the same extent) */
  if (H5Sget_simple_extent_npoints(fspace) == 0) {
    *status = 0;
    NaH5Call(H5Sclose(fspace));
    PetscFunctionReturn(0);
  }
  if (!data) data = &none;
  if (!nelem) NaH5Call(H5Sselect_none(fspace));
  NaH5Call(mspace = H5Screate_simple(1, &nelem, NULL));
  if (!nelem) NaH5Call(H5Sselect_none(mspace));
  NaH5Call(dxpl = H5Pcreate(H5P_DATASET_XFER));
  NaH5Call(H5Pset_dxpl_mpio(dxpl, H5FD_MPIO_COLLECTIVE));
  *status = write ? H5Dwrite(dset, H5T_NATIVE_DOUBLE, mspace, fspace, dxpl, data)
                  : H5Dread(dset, H5T_NATIVE_DOUBLE, mspace, fspace, dxpl, data);
  NaH5Call(H5Pclose(dxpl));
  NaH5Call(H5Sclose(mspace));
  NaH5Call(H5Sclose(fspace));
  PetscFunctionReturn(0);
}

/* collective transfer of rows [row0, row0 + nrows) of dset (a row is the product of dims[1..]) */
static PetscErrorCode TransferRows(hid_t dset, hsize_t row0, hsize_t nrows, double *data, PetscBool write,
                                   herr_t *status)
{
  hid_t   fspace;
  hsize_t dims[3], start[3] = {0, 0, 0}, count[3], nelem = nrows;
  int     rank;

  PetscFunctionBegin;
  NaH5Call(fspace = H5Dget_space(dset));
  NaH5Call(rank = H5Sget_simple_extent_ndims(fspace));
  NaH5Call(H5Sget_simple_extent_dims(fspace, dims, NULL));
  start[0] = row0;
  count[0] = nrows;
  for (int d = 1; d < rank; d++) {
    count[d] = dims[d];
    nelem *= dims[d];
  }
  if (nelem) NaH5Call(H5Sselect_hyperslab(fspace, H5S_SELECT_SET, start, NULL, count, NULL));
  PetscCall(TransferSelection(dset, fspace, nelem, data, write, status));
  PetscFunctionReturn(0);
}

/* collective transfer of the block rows [row0, row0 + nrows) x columns [col0, col0 + ncols) of a 1-d or 2-d
 * dataset (a 1-d dataset has one column: ncols is 0 or 1) */
static PetscErrorCode TransferBlock(hid_t dset, hsize_t row0, hsize_t nrows, hsize_t col0, hsize_t ncols, double *data,
                                    PetscBool write, herr_t *status)
{
  hid_t   fspace;
  hsize_t start[2] = {row0, col0}, count[2] = {nrows, ncols}, nelem = nrows * ncols;
  int     rank;

  PetscFunctionBegin;
  NaH5Call(fspace = H5Dget_space(dset));
  NaH5Call(rank = H5Sget_simple_extent_ndims(fspace));
  PetscCheck(rank <= 2 && (rank == 2 || ncols <= 1), PETSC_COMM_SELF, PETSC_ERR_ARG_WRONG,
             "a block of %llu columns of a %d-d dataset", (unsigned long long)ncols, rank);
  if (nelem) NaH5Call(H5Sselect_hyperslab(fspace, H5S_SELECT_SET, start, NULL, count, NULL));
  PetscCall(TransferSelection(dset, fspace, nelem, data, write, status));
  PetscFunctionReturn(0);
}

PetscErrorCode NaH5WriteBlock(hid_t dset, hsize_t row0, hsize_t nrows, hsize_t col0, hsize_t ncols, const double *data)
{
  herr_t status;

  PetscFunctionBegin;
  PetscCall(TransferBlock(dset, row0, nrows, col0, ncols, (double *)data, PETSC_TRUE, &status));
  PetscCheck(status >= 0, PETSC_COMM_SELF, PETSC_ERR_LIB, "HDF5 call failed: H5Dwrite of a %llu x %llu block",
             (unsigned long long)nrows, (unsigned long long)ncols);
  PetscFunctionReturn(0);
}

PetscErrorCode NaH5ReadBlock(hid_t dset, hsize_t row0, hsize_t nrows, hsize_t col0, hsize_t ncols, double *data,
                             PetscBool *ok)
{
  herr_t status;

  PetscFunctionBegin;
  PetscCall(TransferBlock(dset, row0, nrows, col0, ncols, data, PETSC_FALSE, &status));
  *ok = status >= 0 ? PETSC_TRUE : PETSC_FALSE;
  PetscFunctionReturn(0);
}

PetscErrorCode NaH5WriteRows(hid_t dset, hsize_t row0, hsize_t nrows, const double *data)
{
  herr_t status;

  PetscFunctionBegin;
  PetscCall(TransferRows(dset, row0, nrows, (double *)data, PETSC_TRUE, &status));
  PetscCheck(status >= 0, PETSC_COMM_SELF, PETSC_ERR_LIB, "HDF5 call failed: H5Dwrite of rows %llu..%llu",
             (unsigned long long)row0, (unsigned long long)(row0 + nrows));
  PetscFunctionReturn(0);
}

PetscErrorCode NaH5ReadRows(hid_t dset, hsize_t row0, hsize_t nrows, double *data, PetscBool *ok)
{
  herr_t status;

  PetscFunctionBegin;
  PetscCall(TransferRows(dset, row0, nrows, data, PETSC_FALSE, &status));
  *ok = status >= 0 ? PETSC_TRUE : PETSC_FALSE;
  PetscFunctionReturn(0);
}

PetscErrorCode NaH5WriteArray(MPI_Comm comm, hid_t loc, const char name[], int rank, const hsize_t dims[],
                              const double *data, const char description[], const char units[])
{
  hid_t       dset;
  PetscMPIInt r;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(comm, &r));
  PetscCall(NaH5CreateDataset(loc, name, rank, dims, PETSC_FALSE, description, units, &dset));
  PetscCall(NaH5WriteRows(dset, 0, r == 0 ? dims[0] : 0, data));
  NaH5Call(H5Dclose(dset));
  PetscFunctionReturn(0);
}

static PetscErrorCode SetAttribute(hid_t obj, const char name[], hid_t type, const void *value)
{
  hid_t space, attr;

  PetscFunctionBegin;
  if (H5Aexists(obj, name) > 0) NaH5Call(H5Adelete(obj, name));
  NaH5Call(space = H5Screate(H5S_SCALAR));
  NaH5Call(attr = H5Acreate2(obj, name, type, space, H5P_DEFAULT, H5P_DEFAULT));
  NaH5Call(H5Awrite(attr, type, value));
  NaH5Call(H5Aclose(attr));
  NaH5Call(H5Sclose(space));
  PetscFunctionReturn(0);
}

PetscErrorCode NaH5SetAttributeString(hid_t obj, const char name[], const char value[])
{
  hid_t type;

  PetscFunctionBegin;
  NaH5Call(type = H5Tcopy(H5T_C_S1));
  NaH5Call(H5Tset_size(type, strlen(value) + 1));
  NaH5Call(H5Tset_strpad(type, H5T_STR_NULLTERM));
  NaH5Call(H5Tset_cset(type, H5T_CSET_UTF8));
  PetscCall(SetAttribute(obj, name, type, value));
  NaH5Call(H5Tclose(type));
  PetscFunctionReturn(0);
}

PetscErrorCode NaH5SetAttributeReal(hid_t obj, const char name[], double value)
{
  PetscFunctionBegin;
  PetscCall(SetAttribute(obj, name, H5T_NATIVE_DOUBLE, &value));
  PetscFunctionReturn(0);
}

PetscErrorCode NaH5SetAttributeInt(hid_t obj, const char name[], long long value)
{
  PetscFunctionBegin;
  PetscCall(SetAttribute(obj, name, H5T_NATIVE_LLONG, &value));
  PetscFunctionReturn(0);
}

/* reads a scalar numeric attribute, if present */
PetscErrorCode NaH5ReadAttribute(hid_t obj, const char name[], hid_t type, void *value, PetscBool *found)
{
  hid_t a;
  PetscFunctionBegin;
  *found = H5Aexists(obj, name) > 0 ? PETSC_TRUE : PETSC_FALSE;
  if (!*found) PetscFunctionReturn(0);
  NaH5Call(a = H5Aopen(obj, name, H5P_DEFAULT));
  NaH5Call(H5Aread(a, type, value));
  NaH5Call(H5Aclose(a));
  PetscFunctionReturn(0);
}

/* reads a string attribute, if present, into value[len] */
PetscErrorCode NaH5ReadAttributeString(hid_t obj, const char name[], char value[], size_t len, PetscBool *found)
{
  hid_t  a, t;
  char  *buf;
  size_t n;

  PetscFunctionBegin;
  *found = H5Aexists(obj, name) > 0 ? PETSC_TRUE : PETSC_FALSE;
  if (!*found) PetscFunctionReturn(0);
  NaH5Call(a = H5Aopen(obj, name, H5P_DEFAULT));
  NaH5Call(t = H5Aget_type(a));
  n = H5Tget_size(t);
  PetscCall(PetscCalloc1(n + 1, &buf));
  NaH5Call(H5Aread(a, t, buf));
  PetscCall(PetscStrncpy(value, buf, len));
  PetscCall(PetscFree(buf));
  NaH5Call(H5Tclose(t));
  NaH5Call(H5Aclose(a));
  PetscFunctionReturn(0);
}

PetscErrorCode NaH5CopyAttribute(hid_t from, hid_t to, const char name[])
{
  hid_t  a, type, space;
  size_t n;
  void  *buf;

  PetscFunctionBegin;
  if (H5Aexists(from, name) <= 0) PetscFunctionReturn(0);
  NaH5Call(a = H5Aopen(from, name, H5P_DEFAULT));
  NaH5Call(type = H5Aget_type(a));
  NaH5Call(space = H5Aget_space(a));
  n = H5Aget_storage_size(a);
  PetscCall(PetscMalloc(n ? n : 1, &buf));
  NaH5Call(H5Aread(a, type, buf));
  NaH5Call(H5Aclose(a));
  if (H5Aexists(to, name) > 0) NaH5Call(H5Adelete(to, name));
  NaH5Call(a = H5Acreate2(to, name, type, space, H5P_DEFAULT, H5P_DEFAULT));
  NaH5Call(H5Awrite(a, type, buf));
  NaH5Call(H5Aclose(a));
  NaH5Call(H5Sclose(space));
  NaH5Call(H5Tclose(type));
  PetscCall(PetscFree(buf));
  PetscFunctionReturn(0);
}

PetscErrorCode NaH5ReadArray(const char spec[], const char option[], int *rank, hsize_t dims[], double **data)
{
  char        path[PETSC_MAX_PATH_LEN];
  const char *colon = strrchr(spec, ':');
  hid_t       file, dset, space;
  hssize_t    n;

  PetscFunctionBegin;
  PetscCheck(colon && colon[1], PETSC_COMM_SELF, PETSC_ERR_USER_INPUT, "%s %s: expected FILE.h5:/dataset", option,
             spec);
  PetscCall(PetscStrncpy(path, spec, PetscMin((size_t)(colon - spec) + 1, sizeof(path))));
  PetscBool exists;
  PetscCall(PetscTestFile(path, 'r', &exists));
  PetscCheck(exists, PETSC_COMM_SELF, PETSC_ERR_FILE_OPEN, "%s %s: cannot read file %s", option, spec, path);
  file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
  PetscCheck(file >= 0, PETSC_COMM_SELF, PETSC_ERR_FILE_READ, "%s %s: %s is not an HDF5 file", option, spec, path);
  dset = H5Lexists(file, colon + 1, H5P_DEFAULT) > 0 ? H5Dopen2(file, colon + 1, H5P_DEFAULT) : -1;
  if (dset < 0) {
    H5Fclose(file);
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_FILE_READ, "%s %s: no dataset %s in %s", option, spec, colon + 1, path);
  }
  NaH5Call(space = H5Dget_space(dset));
  NaH5Call(*rank = H5Sget_simple_extent_ndims(space));
  PetscCheck(*rank <= 3, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT, "%s %s: dataset has %d dimensions", option, spec,
             *rank);
  NaH5Call(H5Sget_simple_extent_dims(space, dims, NULL));
  NaH5Call(n = H5Sget_simple_extent_npoints(space));
  PetscCall(PetscMalloc1(n ? n : 1, data));
  NaH5Call(H5Dread(dset, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, *data));
  NaH5Call(H5Sclose(space));
  NaH5Call(H5Dclose(dset));
  NaH5Call(H5Fclose(file));
  PetscFunctionReturn(0);
}

PetscErrorCode NaSyncDirectory(const char dir[])
{
  int fd = open(dir, O_RDONLY);

  PetscFunctionBegin;
  if (fd >= 0) {
    fsync(fd);
    close(fd);
  }
  PetscFunctionReturn(0);
}

PetscErrorCode NaSyncParentDirectory(const char path[])
{
  char        dir[PETSC_MAX_PATH_LEN] = ".";
  const char *slash                   = strrchr(path, '/');

  PetscFunctionBegin;
  if (slash == path)
    PetscCall(PetscStrncpy(dir, "/", sizeof dir));
  else if (slash)
    PetscCall(PetscStrncpy(dir, path, PetscMin((size_t)(slash - path) + 1, sizeof dir)));
  PetscCall(NaSyncDirectory(dir));
  PetscFunctionReturn(0);
}
