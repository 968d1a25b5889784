/* The recorder (src/io/recorder.c), one process: samples of every series are written where they belong, the file
 * is marked complete only by NaRecorderFinish, and a resume copies the first samples when the checksum matches and
 * refuses, leaving the file as it was, when it does not. The model's own series (attention's /calcium_trace) are
 * carried over too. */
#include "common.h"
#include <hdf5.h>
#include <stdio.h>
#include <string.h>

TestSuite(recorder, .init = test_init, .fini = test_fini);

static long long complete_of(const char *path)
{
  long long c = -1;
  hid_t     f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT), a;
  if (f < 0) return -2;
  if ((a = H5Aopen(f, "complete", H5P_DEFAULT)) >= 0) H5Aread(a, H5T_NATIVE_LLONG, &c), H5Aclose(a);
  H5Fclose(f);
  return c;
}

static hsize_t rows_of(const char *path, const char *name, double *first)
{
  hsize_t dims[2] = {0, 0};
  hid_t   f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT), d = H5Dopen2(f, name, H5P_DEFAULT), s = H5Dget_space(d);
  H5Sget_simple_extent_dims(s, dims, NULL);
  if (first && dims[0] > 0) {
    double *all = malloc(sizeof(double) * dims[0] * (dims[1] ? dims[1] : 1));
    H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, all);
    *first = all[dims[0] - 1];
    free(all);
  }
  H5Sclose(s), H5Dclose(d), H5Fclose(f);
  return dims[0];
}

static void run(const char *type, const char *opts, const char *series)
{
  char               path[256];
  NaModel            m = make_model(type, opts);
  NaRecorder         rec;
  Vec                U;
  unsigned long long two, again;
  double             last;

  snprintf(path, sizeof path, "/tmp/nastro-test-recorder-%ld-%s.h5", (long)getpid(), type);
  TCall(NaModelCreateVector(m, &U));
  TCall(NaModelInitialState(m, U));
  TCall(NaRecorderCreate(PETSC_COMM_WORLD, path, m, &rec));
  TCall(NaRecorderAppend(rec, 0.0, U));
  TCall(NaRecorderAppend(rec, 0.5, U));
  TCall(NaRecorderGetChecksum(rec, &two));
  TCall(VecScale(U, 0.5));
  TCall(NaRecorderAppend(rec, 1.0, U));
  TCall(NaRecorderDestroy(&rec)); /* closed without Finish: not complete */
  cr_expect(complete_of(path) == 0, "%s: a file closed without Finish says complete = %lld", type, complete_of(path));
  cr_expect(rows_of(path, "time", &last) == 3 && last == 1.0, "%s: /time has 3 samples ending at 1", type);
  cr_expect(rows_of(path, series, NULL) == 3, "%s: /%s has 3 samples", type, series);

  /* resume after 2 samples with their checksum: 2 rows, then appending gives the same checksum as before */
  TCall(NaRecorderOpen(PETSC_COMM_WORLD, path, m, 2, &two, &rec));
  TCall(NaRecorderGetChecksum(rec, &again));
  cr_expect(again == two, "%s: the copied samples' checksum %llx differs from the writer's %llx", type, again, two);
  TCall(NaRecorderFinish(rec));
  TCall(NaRecorderDestroy(&rec));
  cr_expect(rows_of(path, "time", &last) == 2 && last == 0.5, "%s: the resumed /time holds the first 2 samples", type);
  cr_expect(rows_of(path, series, NULL) == 2, "%s: the resumed /%s holds the first 2 samples", type, series);
  cr_expect(complete_of(path) == 1, "%s: Finish marks complete", type);

  /* a checksum that does not match is refused and the file is left as it was */
  unsigned long long wrong = two ^ 1;
  PetscPushErrorHandler(PetscReturnErrorHandler, NULL);
  cr_expect(NaRecorderOpen(PETSC_COMM_WORLD, path, m, 2, &wrong, &rec) != 0, "%s: a wrong checksum is accepted", type);
  PetscPopErrorHandler();
  cr_expect(complete_of(path) == 1 && rows_of(path, "time", NULL) == 2, "%s: the refused file was changed", type);
  unlink(path);
  VecDestroy(&U);
  NaModelDestroy(&m);
}

Test(recorder, samples_complete_and_resume_dam)
{
  run("dam", "-dam_N 20 -dam_K 2", "x");
}

Test(recorder, model_series_carried_over_attention)
{
  run("attention", "-attention_m 20 -attention_L 3 -attention_d_head 4 -attention_dv 2", "calcium_trace");
}
