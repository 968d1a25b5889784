/* The checkpoint writer and reader (src/io/checkpoint.c), one process: a written checkpoint reads back the state
 * bit for bit with every field of NaCheckpointInfo, keeps only the newest `keep`, and a corrupted, other-model or
 * other-size checkpoint is refused. */
#include "common.h"
#include <nastro/checkpoint.h>
#include <hdf5.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

TestSuite(checkpointio, .init = test_init, .fini = test_fini);

static void write_one(NaModel m, Vec U, const char *dir, PetscInt step, NaCheckpointInfo *info)
{
  memset(info, 0, sizeof *info);
  info->t = 0.125 * step, info->dt = 1.0 / 3, info->step = step, info->kout = 7, info->tcheck = 2.5;
  info->output_interval = 0.3, info->dt_segment = 0.01, info->energy_initial = -1.5, info->energy_prev = -2.25;
  info->max_energy_increase = 1e-13, info->nsamples = 0;
  snprintf(info->output, sizeof info->output, "%s/out.h5", dir);
  snprintf(info->tstype, sizeof info->tstype, "bs3ls");
  TCall(NaCheckpointWrite(PETSC_COMM_WORLD, dir, 2, m, U, info));
}

Test(checkpointio, round_trip_and_keep)
{
  char               dir[256], cmd[700];
  NaModel            m = make_model("dam", "-dam_N 30 -dam_K 3");
  Vec                U, V;
  NaCheckpointInfo   w, r;
  const PetscScalar *u, *v;
  PetscInt           n;

  snprintf(dir, sizeof dir, "/tmp/nastro-test-ckpt-%ld", (long)getpid());
  TCall(NaModelCreateVector(m, &U));
  TCall(VecDuplicate(U, &V));
  TCall(VecGetLocalSize(U, &n));
  PetscScalar *x;
  TCall(VecGetArray(U, &x));
  for (PetscInt i = 0; i < n; i++) x[i] = sin(1.0 + i) * 1e3 + (i == 3 ? 5e-324 : 0);
  TCall(VecRestoreArray(U, &x));
  for (PetscInt s = 10; s <= 40; s += 10) write_one(m, U, dir, s, &w);
  memset(&r, 0, sizeof r);
  TCall(NaCheckpointRead(PETSC_COMM_WORLD, dir, m, V, &r));
  TCall(VecGetArrayRead(U, &u));
  TCall(VecGetArrayRead(V, &v));
  for (PetscInt i = 0; i < n; i++) cr_expect(memcmp(&u[i], &v[i], sizeof(double)) == 0, "state %d differs", (int)i);
  TCall(VecRestoreArrayRead(V, &v));
  TCall(VecRestoreArrayRead(U, &u));
  cr_expect(r.step == 40 && r.t == 5.0 && r.dt == 1.0 / 3 && r.kout == 7 && r.tcheck == 2.5, "step %d t %g dt %g",
            (int)r.step, r.t, r.dt);
  cr_expect(r.output_interval == 0.3 && r.dt_segment == 0.01 && r.energy_initial == -1.5 && r.energy_prev == -2.25 &&
                r.max_energy_increase == 1e-13,
            "driver fields");
  cr_expect(!strcmp(r.output, w.output) && !strcmp(r.tstype, "bs3ls"), "output '%s', ts '%s'", r.output, r.tstype);
  snprintf(cmd, sizeof cmd, "test $(ls %s/ckpt-*.h5 | wc -l) -eq 2 && test -f %s/ckpt-0000000040.h5", dir, dir);
  cr_expect(system(cmd) == 0, "keep 2: the newest two checkpoints remain");

  /* another model size and a corrupted state are refused */
  NaModel big = make_model("dam", "-dam_N 31 -dam_K 3");
  Vec     B;
  TCall(NaModelCreateVector(big, &B));
  PetscPushErrorHandler(PetscReturnErrorHandler, NULL);
  cr_expect(NaCheckpointRead(PETSC_COMM_WORLD, dir, big, B, &r) != 0, "a checkpoint of N = 30 read as N = 31");
  char  file[300];
  hid_t f, d;
  snprintf(file, sizeof file, "%s/ckpt-0000000040.h5", dir);
  f             = H5Fopen(file, H5F_ACC_RDWR, H5P_DEFAULT);
  d             = H5Dopen2(f, "state", H5P_DEFAULT);
  double  one   = 42;
  hsize_t start = 5, count = 1;
  hid_t   fs = H5Dget_space(d), ms = H5Screate_simple(1, &count, NULL);
  H5Sselect_hyperslab(fs, H5S_SELECT_SET, &start, NULL, &count, NULL);
  cr_assert(H5Dwrite(d, H5T_NATIVE_DOUBLE, ms, fs, H5P_DEFAULT, &one) >= 0);
  H5Sclose(ms), H5Sclose(fs), H5Dclose(d), H5Fclose(f);
  cr_expect(NaCheckpointRead(PETSC_COMM_WORLD, file, m, V, &r) != 0, "a changed state value passes the checksum");
  PetscPopErrorHandler();
  /* the directory falls back to the older valid checkpoint */
  TCall(NaCheckpointRead(PETSC_COMM_WORLD, dir, m, V, &r));
  cr_expect(r.step == 30, "the directory's newest valid checkpoint is step 30, read %d", (int)r.step);
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  cr_expect(system(cmd) == 0);
  VecDestroy(&U), VecDestroy(&V), VecDestroy(&B);
  NaModelDestroy(&m), NaModelDestroy(&big);
}
