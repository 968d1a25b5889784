/* Multi-rank test of NaNetwork (run under mpiexec on 1-4 ranks, judged by exit status): rows are dealt in
 * contiguous blocks that cover 0..N-1 once, balanced to within one row (and, blocked, in whole blocks balancing the
 * weight); AllgatherRows puts every rank's rows at their global places; SumRows gives, on every rank, the bits of
 * the plain left-to-right sum over rows 0..N-1, whatever the rank count. */
#include <nastro/nastro.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

static int failures = 0;
#define EXPECT(cond, ...)                                                                                              \
  do {                                                                                                                 \
    if (!(cond)) {                                                                                                     \
      fprintf(stderr, "network_object: FAIL: " __VA_ARGS__);                                                           \
      fprintf(stderr, "\n");                                                                                           \
      failures++;                                                                                                      \
    }                                                                                                                  \
  } while (0)

/* row i, column w: values whose sum depends on the order of summation */
static double Value(PetscInt i, PetscInt w)
{
  return (i % 3 == 0 ? 1e16 : 1.0) * sin(1.0 + i + 0.37 * w) * (i % 7 == 0 ? -1 : 1);
}

static PetscErrorCode Check(MPI_Comm comm, NaNetwork net, PetscInt N)
{
  const PetscInt W = 3;
  PetscInt       rs, re, lo, hi, all[2];
  PetscMPIInt    size;
  PetscScalar   *local, *global, out[3], ref[3] = {0, 0, 0};

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_size(comm, &size));
  PetscCall(NaNetworkGetOwnershipRange(net, &rs, &re));
  /* the blocks tile 0..N: each rank's start is the previous rank's end */
  PetscCallMPI(MPI_Exscan(&re, &lo, 1, MPIU_INT, MPI_MAX, comm));
  PetscMPIInt rank;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  if (rank == 0) lo = 0;
  EXPECT(rs == lo, "rank %d starts at %d, the previous rank ends at %d", rank, (int)rs, (int)lo);
  PetscCallMPI(MPI_Allreduce(&re, &hi, 1, MPIU_INT, MPI_MAX, comm));
  EXPECT(hi == N, "the rows end at %d, not N = %d", (int)hi, (int)N);
  PetscCall(PetscMalloc2((re - rs) * W + 1, &local, N * W, &global));
  for (PetscInt i = rs; i < re; i++)
    for (PetscInt w = 0; w < W; w++) local[(i - rs) * W + w] = Value(i, w);
  PetscCall(NaNetworkAllgatherRows(net, W, local, global));
  for (PetscInt i = 0; i < N; i++)
    for (PetscInt w = 0; w < W; w++)
      EXPECT(global[i * W + w] == Value(i, w), "gathered row %d column %d on rank %d", (int)i, (int)w, rank);
  PetscCall(NaNetworkSumRows(net, W, local, out));
  for (PetscInt i = 0; i < N; i++)
    for (PetscInt w = 0; w < W; w++) ref[w] += Value(i, w);
  for (PetscInt w = 0; w < W; w++)
    EXPECT(memcmp(&out[w], &ref[w], sizeof(double)) == 0, "SumRows column %d on %d ranks: %.17g, in row order %.17g",
           (int)w, size, out[w], ref[w]);
  all[0] = re - rs;
  all[1] = -(re - rs);
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, all, 2, MPIU_INT, MPI_MAX, comm));
  PetscInt block;
  PetscCall(NaNetworkGetBlockSize(net, &block));
  if (block == 1) EXPECT(all[0] + all[1] <= 1, "rows per rank range over %d..%d", (int)-all[1], (int)all[0]);
  PetscCall(PetscFree2(local, global));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  NaNetwork net;
  PetscReal weight[100];

  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  for (PetscInt N = 5; N <= 105; N += 25) { /* at least one row per rank: NaNetworkCreate refuses fewer */
    PetscCall(NaNetworkCreate(PETSC_COMM_WORLD, N, &net));
    PetscCall(Check(PETSC_COMM_WORLD, net, N));
    PetscCall(NaNetworkDestroy(&net));
  }
  for (PetscInt i = 0; i < 100; i++) weight[i] = 100 - i; /* the later rows are lighter */
  PetscCall(NaNetworkCreateBlocked(PETSC_COMM_WORLD, 100, 4, weight, &net));
  PetscCall(Check(PETSC_COMM_WORLD, net, 100));
  {
    PetscInt rs, re;
    PetscCall(NaNetworkGetOwnershipRange(net, &rs, &re));
    EXPECT(rs % 4 == 0 && (re % 4 == 0 || re == 100), "blocked rows %d..%d are not whole blocks of 4", (int)rs,
           (int)re);
  }
  PetscCall(NaNetworkDestroy(&net));
  int all;
  MPI_Allreduce(&failures, &all, 1, MPI_INT, MPI_SUM, PETSC_COMM_WORLD);
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "network_object: %d failures\n", all));
  PetscCall(PetscFinalize());
  return all ? 1 : 0;
}
