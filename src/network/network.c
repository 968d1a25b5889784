/* NaNetwork: row ownership and the row-ordered collectives. */
#include <nastro/network.h>
#include <petscviewer.h>

struct _n_NaNetwork {
  MPI_Comm       comm;
  PetscMPIInt    size, rank;
  PetscInt       N;
  PetscInt      *rows;       /* [size+1] first row of each rank */
  PetscMPIInt   *counts;     /* [size] scratch for Allgatherv */
  PetscMPIInt   *displs;     /* [size] */
  PetscScalar   *gbuf;       /* [N*width] scratch for NaNetworkSumRows */
  PetscInt       gwidth;     /* capacity of gbuf, in values per row */
  PetscLogDouble comm_time;  /* seconds inside the row collectives */
  PetscLogDouble comm_bytes; /* bytes this rank received through them */
};

/*@ NaNetworkCreate - distributes N neurons over the ranks of comm in contiguous blocks of rows, balanced to
  within one row. Fails, naming both numbers, when there are more ranks than neurons. @*/
PetscErrorCode NaNetworkCreate(MPI_Comm comm, PetscInt N, NaNetwork *net)
{
  NaNetwork   n;
  PetscMPIInt size;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_size(comm, &size));
  PetscCheck(N >= size, comm, PETSC_ERR_ARG_OUTOFRANGE,
             "%d MPI ranks but only %" PetscInt_FMT " neurons: use at most %" PetscInt_FMT " ranks", size, N, N);
  PetscCall(PetscNew(&n));
  n->comm = comm;
  n->N    = N;
  n->size = size;
  PetscCallMPI(MPI_Comm_rank(comm, &n->rank));
  PetscCall(PetscMalloc3(n->size + 1, &n->rows, n->size, &n->counts, n->size, &n->displs));
  n->rows[0] = 0;
  for (PetscMPIInt r = 0; r < n->size; r++) n->rows[r + 1] = n->rows[r] + N / n->size + (r < N % n->size ? 1 : 0);
  *net = n;
  PetscFunctionReturn(0);
}

PetscErrorCode NaNetworkDestroy(NaNetwork *net)
{
  PetscFunctionBegin;
  if (!*net) PetscFunctionReturn(0);
  PetscCall(PetscFree3((*net)->rows, (*net)->counts, (*net)->displs));
  PetscCall(PetscFree((*net)->gbuf));
  PetscCall(PetscFree(*net));
  PetscFunctionReturn(0);
}

PetscErrorCode NaNetworkGetSize(NaNetwork net, PetscInt *N)
{
  PetscFunctionBegin;
  *N = net->N;
  PetscFunctionReturn(0);
}

PetscErrorCode NaNetworkGetOwnershipRange(NaNetwork net, PetscInt *rstart, PetscInt *rend)
{
  PetscFunctionBegin;
  if (rstart) *rstart = net->rows[net->rank];
  if (rend) *rend = net->rows[net->rank + 1];
  PetscFunctionReturn(0);
}

PetscErrorCode NaNetworkAllgatherRows(NaNetwork net, PetscInt width, const PetscScalar local[], PetscScalar global[])
{
  PetscFunctionBegin;
  PetscCheck((PetscInt64)net->N * width < PETSC_MPI_INT_MAX, net->comm, PETSC_ERR_SUP,
             "row gather of %" PetscInt_FMT " x %" PetscInt_FMT " values exceeds MPI's count limit", net->N, width);
  for (PetscMPIInt r = 0; r < net->size; r++) {
    net->counts[r] = (PetscMPIInt)((net->rows[r + 1] - net->rows[r]) * width);
    net->displs[r] = (PetscMPIInt)(net->rows[r] * width);
  }
  PetscLogDouble t0, t1;
  PetscCall(PetscTime(&t0));
  PetscCallMPI(MPI_Allgatherv(local, net->counts[net->rank], MPIU_SCALAR, global, net->counts, net->displs, MPIU_SCALAR,
                              net->comm));
  PetscCall(PetscTime(&t1));
  net->comm_time += t1 - t0;
  net->comm_bytes +=
      (PetscLogDouble)(net->N - (net->rows[net->rank + 1] - net->rows[net->rank])) * width * sizeof(PetscScalar);
  PetscFunctionReturn(0);
}

PetscErrorCode NaNetworkSumRows(NaNetwork net, PetscInt width, const PetscScalar local[], PetscScalar out[])
{
  PetscFunctionBegin;
  if (width > net->gwidth) {
    PetscCall(PetscFree(net->gbuf));
    PetscCall(PetscMalloc1(net->N * width, &net->gbuf));
    net->gwidth = width;
  }
  PetscCall(NaNetworkAllgatherRows(net, width, local, net->gbuf));
  for (PetscInt w = 0; w < width; w++) out[w] = 0;
  for (PetscInt i = 0; i < net->N; i++)
    for (PetscInt w = 0; w < width; w++) out[w] += net->gbuf[i * width + w];
  PetscFunctionReturn(0);
}

PetscErrorCode NaNetworkView(NaNetwork net, PetscViewer viewer)
{
  PetscInt lo = PETSC_MAX_INT, hi = 0;

  PetscFunctionBegin;
  for (PetscMPIInt r = 0; r < net->size; r++) {
    lo = PetscMin(lo, net->rows[r + 1] - net->rows[r]);
    hi = PetscMax(hi, net->rows[r + 1] - net->rows[r]);
  }
  PetscCall(PetscViewerASCIIPrintf(
      viewer, "network: %" PetscInt_FMT " neurons on %d ranks, rows per rank %" PetscInt_FMT "..%" PetscInt_FMT "\n",
      net->N, net->size, lo, hi));
  PetscFunctionReturn(0);
}

PetscErrorCode NaNetworkGetCommStats(NaNetwork net, PetscLogDouble *seconds, PetscLogDouble *bytes)
{
  PetscFunctionBegin;
  if (seconds) *seconds = net->comm_time;
  if (bytes) *bytes = net->comm_bytes;
  PetscFunctionReturn(0);
}
