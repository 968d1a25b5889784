/* The HDF5 helpers (src/io/h5util.c), one process: what is written is read back bit for bit, blocks land where
 * they are asked to, attributes round-trip and report absence, and "FILE:/dataset" specs are read or refused. */
#include "common.h"
#include "h5util.h"
#include <stdio.h>
#include <string.h>

TestSuite(h5util, .init = test_init, .fini = test_fini);

static void tmpname(char *buf, size_t len, const char *what)
{
  snprintf(buf, len, "/tmp/nastro-test-h5util-%ld-%s.h5", (long)getpid(), what);
}

Test(h5util, rows_and_blocks_round_trip)
{
  char      path[256];
  hid_t     file, dset;
  hsize_t   dims[2] = {0, 4};
  double    rows[3][4], blk[2][2] = {{-1, -2}, {-3, -4}}, back[5][4];
  PetscBool ok;

  tmpname(path, sizeof path, "rows");
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 4; j++) rows[i][j] = 1.0 / (3 + i * 4 + j) + (i == 1 && j == 2 ? 1e-300 : 0);
  TCall(NaH5FileOpen(PETSC_COMM_WORLD, path, PETSC_TRUE, &file));
  cr_assert(file >= 0);
  TCall(NaH5CreateDataset(file, "series", 2, dims, PETSC_TRUE, "a test series", "1", &dset));
  dims[0] = 5;
  cr_assert(H5Dset_extent(dset, dims) >= 0);
  TCall(NaH5WriteRows(dset, 0, 3, &rows[0][0]));
  TCall(NaH5WriteBlock(dset, 3, 2, 1, 2, &blk[0][0])); /* rows 3-4, columns 1-2 */
  TCall(NaH5ReadRows(dset, 0, 5, &back[0][0], &ok));
  cr_assert(ok);
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 4; j++) cr_expect(memcmp(&back[i][j], &rows[i][j], sizeof(double)) == 0, "row %d col %d", i, j);
  cr_expect(back[3][1] == -1 && back[3][2] == -2 && back[4][1] == -3 && back[4][2] == -4, "the block moved");
  cr_expect(back[3][0] == 0 && back[4][3] == 0, "unwritten cells are the fill value 0 (%g, %g)", back[3][0],
            back[4][3]);
  TCall(NaH5ReadBlock(dset, 4, 1, 2, 2, &blk[0][0], &ok));
  cr_expect(ok && blk[0][0] == -4 && blk[0][1] == 0, "block read %g %g", blk[0][0], blk[0][1]);
  H5Dclose(dset);
  H5Fclose(file);
  unlink(path);
}

Test(h5util, attributes_round_trip_and_absence)
{
  char      path[256], s[64];
  hid_t     file;
  long long i = 0;
  double    r = 0;
  PetscBool found;

  tmpname(path, sizeof path, "attr");
  TCall(NaH5FileOpen(PETSC_COMM_WORLD, path, PETSC_TRUE, &file));
  TCall(NaH5SetAttributeInt(file, "n", 9007199254740993LL)); /* 2^53 + 1: not exact as a double */
  TCall(NaH5SetAttributeReal(file, "x", 0.1));
  TCall(NaH5SetAttributeString(file, "s", "astrocyte"));
  TCall(NaH5SetAttributeReal(file, "x", 0.2)); /* replaced, not duplicated */
  TCall(NaH5ReadAttribute(file, "n", H5T_NATIVE_LLONG, &i, &found));
  cr_expect(found && i == 9007199254740993LL, "int %lld", i);
  TCall(NaH5ReadAttribute(file, "x", H5T_NATIVE_DOUBLE, &r, &found));
  cr_expect(found && r == 0.2, "real %g", r);
  TCall(NaH5ReadAttributeString(file, "s", s, sizeof s, &found));
  cr_expect(found && !strcmp(s, "astrocyte"), "string '%s'", s);
  r = 7;
  TCall(NaH5ReadAttribute(file, "missing", H5T_NATIVE_DOUBLE, &r, &found));
  cr_expect(!found && r == 7, "an absent attribute is reported absent and leaves the value");
  H5Fclose(file);
  unlink(path);
}

Test(h5util, array_specs)
{
  char    path[256], spec[300];
  hid_t   file;
  hsize_t dims[3] = {2, 3};
  double  a[6] = {1, 2, 3, 4, 5, 6}, *back = NULL;
  int     rank = 0;

  tmpname(path, sizeof path, "spec");
  TCall(NaH5FileOpen(PETSC_COMM_WORLD, path, PETSC_TRUE, &file));
  TCall(NaH5WriteArray(PETSC_COMM_WORLD, file, "cue", 2, dims, a, "a test array", "1"));
  H5Fclose(file);
  snprintf(spec, sizeof spec, "%s:/cue", path);
  TCall(NaH5ReadArray(spec, "-test_cue", &rank, dims, &back));
  cr_expect(rank == 2 && dims[0] == 2 && dims[1] == 3, "rank %d dims %llu x %llu", rank, (unsigned long long)dims[0],
            (unsigned long long)dims[1]);
  for (int k = 0; k < 6; k++) cr_expect(back[k] == a[k], "element %d: %g", k, back[k]);
  PetscFree(back);
  PetscPushErrorHandler(PetscReturnErrorHandler, NULL); /* the refusals below are expected */
  snprintf(spec, sizeof spec, "%s:/nothing", path);
  cr_expect(NaH5ReadArray(spec, "-test_cue", &rank, dims, &back) != 0, "a missing dataset is refused");
  cr_expect(NaH5ReadArray("/nonexistent/file.h5:/cue", "-test_cue", &rank, dims, &back) != 0,
            "a missing file is refused");
  PetscPopErrorHandler();
  unlink(path);
}

/* an empty array (a run with no releases writes [0][7]) is written without error and reads back empty; before, the
 * collective write into a dataset without storage failed ("addr overflow") */
Test(h5util, empty_array)
{
  char    path[256];
  hid_t   file, dset;
  hsize_t dims[2] = {0, 7}, got[2];

  tmpname(path, sizeof path, "empty");
  TCall(NaH5FileOpen(PETSC_COMM_WORLD, path, PETSC_TRUE, &file));
  cr_assert(file >= 0);
  TCall(NaH5WriteArray(PETSC_COMM_WORLD, file, "none", 2, dims, NULL, "an empty array", "1"));
  cr_assert((dset = H5Dopen2(file, "none", H5P_DEFAULT)) >= 0);
  hid_t space = H5Dget_space(dset);
  cr_assert(H5Sget_simple_extent_dims(space, got, NULL) == 2 && got[0] == 0 && got[1] == 7, "shape %llu x %llu",
            (unsigned long long)got[0], (unsigned long long)got[1]);
  H5Sclose(space);
  H5Dclose(dset);
  H5Fclose(file);
  unlink(path);
}
