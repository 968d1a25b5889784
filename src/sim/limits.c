/* Limits of sizes under either width of PETSc's indices (nalimits.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include "nalimits.h"
#include "naerrors.h"

/* 2^30 values a message; NASTRO_TEST_BCAST_PIECE (values, every rank the same) makes it smaller, for tests */
static PetscInt64 BcastPiece(void)
{
  static PetscInt64 piece;
  if (!piece) {
    const char *env = getenv("NASTRO_TEST_BCAST_PIECE");
    piece           = env && atoll(env) > 0 && atoll(env) < ((PetscInt64)1 << 30) ? atoll(env) : (PetscInt64)1 << 30;
  }
  return piece;
}

PetscErrorCode NaBcastLarge(void *buf, PetscInt64 n, MPI_Datatype type, PetscMPIInt root, MPI_Comm comm)
{
  const PetscInt64 most = BcastPiece();
  PetscMPIInt      size;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Type_size(type, &size));
  for (PetscInt64 off = 0; off < n; off += most) {
    const PetscMPIInt piece = (PetscMPIInt)PetscMin(most, n - off);
    PetscCallMPI(MPI_Bcast((char *)buf + (size_t)off * (size_t)size, piece, type, root, comm));
  }
  PetscFunctionReturn(0);
}

PetscErrorCode NaMPICount(MPI_Comm comm, PetscInt64 count, PetscMPIInt *n, const char fmt[], ...)
{
  char    what[512];
  va_list ap;

  PetscFunctionBegin;
  if (count >= 0 && count <= PETSC_MPI_INT_MAX) {
    *n = (PetscMPIInt)count;
    PetscFunctionReturn(0);
  }
  va_start(ap, fmt);
  vsnprintf(what, sizeof what, fmt, ap);
  va_end(ap);
  NaSETERRQ(comm, PETSC_ERR_SUP, "%s: %lld values in one MPI message, more than MPI's int counts hold (%d)", what,
            (long long)count, (int)PETSC_MPI_INT_MAX);
}

PetscErrorCode NaCheckNodeMemory(MPI_Comm comm, double bytes, const char fmt[], ...)
{
  const double avail = NaMemAvailable();
  MPI_Comm     node;
  PetscMPIInt  nranks;
  double       need, local[4], worst[4];
  char         what[512];
  va_list      ap;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_split_type(comm, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node));
  PetscCallMPI(MPI_Comm_size(node, &nranks));
  PetscCallMPI(MPI_Allreduce(&bytes, &need, 1, MPI_DOUBLE, MPI_SUM, node));
  PetscCallMPI(MPI_Comm_free(&node));
  local[0] = avail > 0 ? need / avail : 0; /* the worst node decides */
  local[1] = need, local[2] = bytes, local[3] = nranks;
  PetscCallMPI(MPI_Allreduce(local, worst, 4, MPI_DOUBLE, MPI_MAX, comm));
  if (worst[0] <= 1) PetscFunctionReturn(0);
  va_start(ap, fmt);
  vsnprintf(what, sizeof what, fmt, ap);
  va_end(ap);
  NaSETERRQ(comm, PETSC_ERR_USER_INPUT,
            "%s would take %.0f bytes (%.3g GB) on a rank, %.3g GB on a node running %.0f rank%s, which has %.3g GB "
            "available",
            what, worst[2], 1e-9 * worst[2], 1e-9 * worst[1], worst[3], NaPlural(worst[3]), 1e-9 * worst[1] / worst[0]);
}
