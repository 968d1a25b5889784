/* Small HDF5 helpers. Every raw HDF5 call goes through NaH5Call, which turns a negative id or status into
 * a PETSc error. All helpers that create objects are collective on the file's communicator. */
#pragma once
#include <petscsys.h>
#include <hdf5.h>

#define NaH5Call(...)                                                                                                  \
  do {                                                                                                                 \
    if ((__VA_ARGS__) < 0) SETERRQ(PETSC_COMM_SELF, PETSC_ERR_LIB, "HDF5 call failed: %s", #__VA_ARGS__);              \
  } while (0)

/* the file at path opened read-only, or with create created (truncated), collectively with MPI-IO on comm;
 * *file is negative when that fails, for the caller to report in its own words */
PETSC_EXTERN PetscErrorCode NaH5FileOpen(MPI_Comm comm, const char path[], PetscBool create, hid_t *file);
/* creates a dataset of doubles with the given dims (rank <= 3); maxdims0 = H5S_UNLIMITED makes dim 0 extendible
 * (chunked); returns the dataset id */
PETSC_EXTERN PetscErrorCode NaH5CreateDataset(hid_t loc, const char name[], int rank, const hsize_t dims[],
                                              PetscBool extendible, const char description[], const char units[],
                                              hid_t *dset);
/* collective write of rows [row0, row0+nrows) of a dataset whose row length is the product of dims[1..] */
PETSC_EXTERN PetscErrorCode NaH5WriteRows(hid_t dset, hsize_t row0, hsize_t nrows, const double *data);
/* collective write of the block rows [row0, row0+nrows) x columns [col0, col0+ncols) of a 2-d dataset, or of
 * rows [row0, row0+nrows) of a 1-d one (col0 = 0, ncols = 1, or 0 for a rank taking no part) */
PETSC_EXTERN PetscErrorCode NaH5WriteBlock(hid_t dset, hsize_t row0, hsize_t nrows, hsize_t col0, hsize_t ncols,
                                           const double *data);
/* the collective read of a block; *ok is false when HDF5 could not read it (a damaged file) */
PETSC_EXTERN PetscErrorCode NaH5ReadBlock(hid_t dset, hsize_t row0, hsize_t nrows, hsize_t col0, hsize_t ncols,
                                          double *data, PetscBool *ok);
/* the collective read of the same; *ok is false when HDF5 could not read them (a damaged file) */
PETSC_EXTERN PetscErrorCode NaH5ReadRows(hid_t dset, hsize_t row0, hsize_t nrows, double *data, PetscBool *ok);
/* a whole small array written by rank 0 (others take part in the collective call with an empty selection) */
PETSC_EXTERN PetscErrorCode NaH5WriteArray(MPI_Comm comm, hid_t loc, const char name[], int rank, const hsize_t dims[],
                                           const double *data, const char description[], const char units[]);
PETSC_EXTERN PetscErrorCode NaH5SetAttributeString(hid_t obj, const char name[], const char value[]);
PETSC_EXTERN PetscErrorCode NaH5SetAttributeReal(hid_t obj, const char name[], double value);
PETSC_EXTERN PetscErrorCode NaH5SetAttributeInt(hid_t obj, const char name[], long long value);
/* a scalar attribute read as type, and a string attribute into value[len]; *found false when absent */
PETSC_EXTERN PetscErrorCode NaH5ReadAttribute(hid_t obj, const char name[], hid_t type, void *value, PetscBool *found);
PETSC_EXTERN PetscErrorCode NaH5ReadAttributeString(hid_t obj, const char name[], char value[], size_t len,
                                                    PetscBool *found);
/* copies attribute name (any fixed-size type) from one object to another, replacing it there; nothing if absent */
PETSC_EXTERN PetscErrorCode NaH5CopyAttribute(hid_t from, hid_t to, const char name[]);
/* reads "FILE.h5:/dataset" (independently on every rank) into a new array; dims and rank returned */
PETSC_EXTERN PetscErrorCode NaH5ReadArray(const char spec[], const char option[], int *rank, hsize_t dims[],
                                          double **data);
/* fsync of a directory (after a rename in it: the new name survives a crash); errors are ignored */
PETSC_EXTERN PetscErrorCode NaSyncDirectory(const char dir[]);
/* the same for the directory holding path */
PETSC_EXTERN PetscErrorCode NaSyncParentDirectory(const char path[]);
