/* Checkpoint write and read time against the state size, and the effective bandwidth next to a plain
 * sequential write of the same bytes to the same directory (one file, fsync'ed, like the checkpoint's
 * MPI_File_sync). Not a test: prints a table.
 *   mpiexec -n R build/bench/checkpoint_bench -dir DIR -sizes 500,1000,2000 -repeat 3 */
#define _POSIX_C_SOURCE 200809L
#include <nastro/nastro.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

/* rank 0 writes nbytes to path in 4 MiB blocks and fsyncs: the disk's plain sequential write speed */
static double PlainWrite(const char *path, size_t nbytes)
{
  static char    block[1 << 22];
  PetscLogDouble t0, t1;
  int            fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  memset(block, 1, sizeof block);
  PetscTime(&t0);
  for (size_t done = 0; done < nbytes;) {
    size_t n = nbytes - done < sizeof block ? nbytes - done : sizeof block;
    if (write(fd, block, n) != (ssize_t)n) break;
    done += n;
  }
  fsync(fd);
  close(fd);
  PetscTime(&t1);
  unlink(path);
  return t1 - t0;
}

int main(int argc, char **argv)
{
  char        dir[PETSC_MAX_PATH_LEN] = "/tmp/nastro-ckbench";
  PetscInt    sizes[16] = {500, 1000, 2000}, nsizes = 16, repeat = 3;
  PetscMPIInt rank, size;

  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  PetscCall(NaInitialize());
  PetscCall(PetscOptionsGetString(NULL, NULL, "-dir", dir, sizeof dir, NULL));
  PetscCall(PetscOptionsGetIntArray(NULL, NULL, "-sizes", sizes, &nsizes, NULL));
  if (nsizes == 16 || !nsizes) nsizes = 3; /* not given */
  PetscCall(PetscOptionsGetInt(NULL, NULL, "-repeat", &repeat, NULL));
  PetscCallMPI(MPI_Comm_rank(PETSC_COMM_WORLD, &rank));
  PetscCallMPI(MPI_Comm_size(PETSC_COMM_WORLD, &size));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD,
                        "# ranks %d, dir %s, best of %" PetscInt_FMT
                        "\n# N  state_MB  write_s  read_s  write_MB/s  read_MB/s  plain_write_MB/s  write/plain\n",
                        size, dir, repeat));
  for (PetscInt k = 0; k < nsizes; k++) {
    NaModel          model;
    Vec              U, V;
    NaCheckpointInfo info;
    char             opts[128], path[PETSC_MAX_PATH_LEN + 32], sub[PETSC_MAX_PATH_LEN + 32];
    double           bw = 1e300, br = 1e300, bp = 1e300, mb;
    PetscInt         n;

    PetscCall(PetscSNPrintf(opts, sizeof opts, "-naam_N %" PetscInt_FMT " -naam_K 10", sizes[k]));
    PetscCall(PetscOptionsInsertString(NULL, opts));
    PetscCall(NaModelCreate(PETSC_COMM_WORLD, &model));
    PetscCall(NaModelSetType(model, NAMODELNAAM));
    PetscCall(NaModelSetFromOptions(model));
    PetscCall(NaModelSetUp(model));
    PetscCall(NaModelCreateVector(model, &U));
    PetscCall(VecDuplicate(U, &V));
    PetscCall(NaModelInitialState(model, U));
    PetscCall(VecGetSize(U, &n));
    mb = n * 8.0 / 1e6;
    PetscCall(PetscMemzero(&info, sizeof info));
    PetscCall(PetscSNPrintf(sub, sizeof sub, "%s/N%" PetscInt_FMT "-ranks%d", dir, sizes[k], size));
    if (rank == 0) mkdir(dir, 0755);
    PetscCall(PetscStrncpy(info.output, "bench.h5", sizeof info.output));
    for (PetscInt r = 0; r < repeat; r++) {
      PetscLogDouble t0, t1, t2;
      info.step = r;
      PetscCallMPI(MPI_Barrier(PETSC_COMM_WORLD));
      PetscCall(PetscTime(&t0));
      PetscCall(NaCheckpointWrite(PETSC_COMM_WORLD, sub, 1, model, U, &info));
      PetscCall(PetscTime(&t1));
      PetscCall(NaCheckpointRead(PETSC_COMM_WORLD, sub, model, V, &info));
      PetscCall(PetscTime(&t2));
      bw = PetscMin(bw, t1 - t0);
      br = PetscMin(br, t2 - t1);
      PetscCall(PetscSNPrintf(path, sizeof path, "%s/plain.bin", dir));
      double tp = rank == 0 ? PlainWrite(path, (size_t)n * 8) : 0;
      PetscCallMPI(MPI_Bcast(&tp, 1, MPI_DOUBLE, 0, PETSC_COMM_WORLD));
      bp = PetscMin(bp, tp);
    }
    PetscCall(PetscPrintf(PETSC_COMM_WORLD, "%6" PetscInt_FMT " %8.1f %8.3f %7.3f %10.0f %10.0f %12.0f %10.2f\n",
                          sizes[k], mb, bw, br, mb / bw, mb / br, mb / bp, bp / bw));
    PetscCall(VecDestroy(&U));
    PetscCall(VecDestroy(&V));
    PetscCall(NaModelDestroy(&model));
  }
  PetscCall(PetscFinalize());
  return 0;
}
