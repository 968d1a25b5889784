/* NaNetwork: row ownership and the row-ordered collectives. */
#include <nastro/network.h>
#include <petscviewer.h>
#include "naerrors.h"
#include "nalimits.h"

struct _n_NaNetwork {
  MPI_Comm    comm;
  PetscMPIInt size, rank;
  PetscInt    N;
  PetscInt   *rows;  /* [size+1] first row of each rank */
  PetscInt    block; /* rows are dealt out in blocks of this many (1 for NaNetworkCreate) */
  const char *what;  /* what a row is, for NaNetworkView (default "neurons") */
  /* NaNetworkSumBlockColumns' exchange, fixed by the distribution: Alltoallv counts and displacements (sc, sd,
   * rc, rd; up to NA_BLOCK_EXACT_RANKS ranks) or the Reduce_scatter counts (rc), and its buffer */
  PetscMPIInt   *sc, *sd, *rc, *rd;
  PetscInt       nsend, nrecv;
  PetscScalar   *colbuf;
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
  n->block   = 1;
  for (PetscMPIInt r = 0; r < n->size; r++) n->rows[r + 1] = n->rows[r] + N / n->size + (r < N % n->size ? 1 : 0);
  *net = n;
  PetscFunctionReturn(0);
}

/* Beyond NA_BLOCK_EXACT_RANKS ranks the last ranks would receive one value per block and row from every
 * earlier rank (about 8 sqrt(P) N values for the automatic blocks); there the blocks of a rank are summed first
 * and one MPI_Reduce_scatter adds the ranks' sums (N values per rank). Its summation order is fixed for a
 * given rank count, so runs repeat exactly, but the bits then differ between rank counts by round-off. */
#define NA_BLOCK_EXACT_RANKS 8

/* the exchange of NaNetworkSumBlockColumns, which depends only on the distribution */
static PetscErrorCode ColumnSumPlan(NaNetwork net)
{
  const PetscInt C = net->block, nloc = net->rows[net->rank + 1] - net->rows[net->rank];
  const PetscInt myblocks = (nloc + C - 1) / C;

  PetscFunctionBegin;
  PetscCall(PetscMalloc4(net->size, &net->sc, net->size, &net->sd, net->size, &net->rc, net->size, &net->rd));
  if (net->size <= NA_BLOCK_EXACT_RANKS) { /* one MPI_Alltoallv: its counts and displacements are int */
    PetscInt64  ns = 0, nr = 0;
    PetscMPIInt c;
    for (PetscMPIInt q = 0; q < net->size; q++) {
      const PetscInt64 nq = net->rows[q + 1] - net->rows[q];
      if (q > net->rank) ns += (PetscInt64)myblocks * nq;
      if (q < net->rank) nr += (nq + C - 1) / C * (PetscInt64)nloc;
    }
    PetscCall(NaMPICount(PETSC_COMM_SELF, ns, &c,
                         "the column sums of %" PetscInt_FMT " neurons in blocks of %" PetscInt_FMT
                         ": the values rank %d sends",
                         net->N, C, net->rank));
    PetscCall(NaMPICount(PETSC_COMM_SELF, nr, &c,
                         "the column sums of %" PetscInt_FMT " neurons in blocks of %" PetscInt_FMT
                         ": the values rank %d receives",
                         net->N, C, net->rank));
  }
  for (PetscMPIInt q = 0; q < net->size; q++) {
    const PetscInt nq = net->rows[q + 1] - net->rows[q], bq = (nq + C - 1) / C;
    if (net->size > NA_BLOCK_EXACT_RANKS) { /* Reduce_scatter: each rank receives its rows */
      net->rc[q] = (PetscMPIInt)nq;
      continue;
    }
    net->sc[q] = (PetscMPIInt)(q > net->rank ? myblocks * nq : 0); /* my blocks all start before q's rows */
    net->rc[q] = (PetscMPIInt)(q < net->rank ? bq * nloc : 0);
    net->sd[q] = (PetscMPIInt)net->nsend;
    net->rd[q] = (PetscMPIInt)net->nrecv;
    net->nsend += net->sc[q];
    net->nrecv += net->rc[q];
  }
  /* the reduce-scatter's send buffer holds this rank's sum for every row */
  PetscCall(
      PetscMalloc1(net->size > NA_BLOCK_EXACT_RANKS ? net->N : PetscMax(net->nsend + net->nrecv, 1), &net->colbuf));
  PetscFunctionReturn(0);
}

/*@ NaNetworkCreateBlocked - distributes N neurons in contiguous blocks of `block` rows (the last block may be
  shorter), so that the summed row weights per rank are as equal as whole blocks allow. weight[i] is the cost
  of row i (for example its stored length). The blocks are also the fixed grouping of NaNetworkSumBlockColumns,
  so its sums do not depend on the number of ranks. Fails, naming the numbers, with more ranks than blocks. @*/
PetscErrorCode NaNetworkCreateBlocked(MPI_Comm comm, PetscInt N, PetscInt block, const PetscReal weight[],
                                      NaNetwork *net)
{
  NaNetwork   n;
  PetscInt    nb = (N + block - 1) / block, b = 0;
  PetscReal   total = 0, acc = 0;
  PetscMPIInt size;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_size(comm, &size));
  PetscCheck(block >= 1, comm, PETSC_ERR_ARG_OUTOFRANGE, "row block %" PetscInt_FMT ": must be at least 1", block);
  PetscCheck(nb >= size, comm, PETSC_ERR_ARG_OUTOFRANGE,
             "%d MPI ranks but only %" PetscInt_FMT " row blocks of %" PetscInt_FMT
             " neurons: use at most %" PetscInt_FMT " ranks or smaller blocks",
             size, nb, block, nb);
  PetscCall(NaNetworkCreate(comm, N, &n));
  n->block = block;
  for (PetscInt i = 0; i < N; i++) total += weight[i];
  /* rank r ends at the first block boundary where the running weight reaches (r+1)/size of the total, leaving
   * at least one block for every later rank */
  for (PetscMPIInt r = 0; r < size; r++) {
    PetscReal target = total * (r + 1) / size;
    PetscInt  first  = b;
    while (b < nb - (size - 1 - r)) {
      PetscReal wb = 0;
      for (PetscInt i = b * block; i < PetscMin(N, (b + 1) * block); i++) wb += weight[i];
      if (b > first && r < size - 1 && acc + 0.5 * wb > target) break;
      acc += wb;
      b++;
    }
    n->rows[r + 1] = PetscMin(N, b * block);
  }
  n->rows[size] = N;
  PetscCall(ColumnSumPlan(n));
  *net = n;
  PetscFunctionReturn(0);
}

PetscErrorCode NaNetworkDestroy(NaNetwork *net)
{
  PetscFunctionBegin;
  if (!*net) PetscFunctionReturn(0);
  PetscCall(PetscFree3((*net)->rows, (*net)->counts, (*net)->displs));
  PetscCall(PetscFree((*net)->gbuf));
  PetscCall(PetscFree((*net)->colbuf));
  PetscCall(PetscFree4((*net)->sc, (*net)->sd, (*net)->rc, (*net)->rd));
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

PetscErrorCode NaNetworkSetRowName(NaNetwork net, const char what[])
{
  PetscFunctionBegin;
  net->what = what;
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
      viewer, "network: %" PetscInt_FMT " %s on %d rank%s, rows per rank %" PetscInt_FMT "..%" PetscInt_FMT "\n",
      net->N, net->what ? net->what : "neurons", net->size, NaPlural(net->size), lo, hi));
  PetscFunctionReturn(0);
}

PetscErrorCode NaNetworkGetCommStats(NaNetwork net, PetscLogDouble *seconds, PetscLogDouble *bytes)
{
  PetscFunctionBegin;
  if (seconds) *seconds = net->comm_time;
  if (bytes) *bytes = net->comm_bytes;
  PetscFunctionReturn(0);
}

static PetscErrorCode SumColumnsReduceScatter(NaNetwork net, const PetscScalar partial[], PetscScalar out[])
{
  const PetscInt N = net->N, C = net->block, rstart = net->rows[net->rank], rend = net->rows[net->rank + 1];
  PetscScalar   *sum = net->colbuf;
  PetscLogDouble t0, t1;

  PetscFunctionBegin;
  PetscCall(PetscArrayzero(sum, N));
  for (PetscInt b0 = rstart, off = 0; b0 < rend; off += N - b0, b0 += C)
    for (PetscInt j = b0; j < N; j++) sum[j] += partial[off + j - b0]; /* this rank's blocks, in block order */
  PetscCall(PetscTime(&t0));
  PetscCallMPI(MPI_Reduce_scatter(sum, out, net->rc, MPIU_SCALAR, MPIU_SUM, net->comm));
  PetscCall(PetscTime(&t1));
  net->comm_time += t1 - t0;
  net->comm_bytes += (PetscLogDouble)N * sizeof(PetscScalar);
  PetscFunctionReturn(0);
}

/*@ NaNetworkSumBlockColumns - column sums of contributions that rows make to other rows (the transposed half
  of a symmetric matrix-vector product). For each local block c (in order, starting at row b_c) the caller
  holds partial_c[j - b_c], j = b_c..N-1, in one packed array. On return out[j - rstart] is, for each local
  row j, the sum over all blocks of the network with b_c <= j of partial_c[j], added in block order: with a
  fixed block size the bits do not depend on the number of ranks. One MPI_Alltoallv; beyond 8 ranks one
  MPI_Reduce_scatter of per-rank sums instead (see SumColumnsReduceScatter). @*/
PetscErrorCode NaNetworkSumBlockColumns(NaNetwork net, const PetscScalar partial[], PetscScalar out[])
{
  const PetscInt N = net->N, C = net->block, rstart = net->rows[net->rank], rend = net->rows[net->rank + 1];
  const PetscInt nloc = rend - rstart, myblocks = (nloc + C - 1) / C;
  PetscScalar   *sbuf = net->colbuf, *rbuf = net->colbuf + net->nsend;
  PetscLogDouble t0, t1;

  PetscFunctionBegin;
  if (net->size > NA_BLOCK_EXACT_RANKS) {
    PetscCall(SumColumnsReduceScatter(net, partial, out));
    PetscFunctionReturn(0);
  }
  for (PetscMPIInt q = net->rank + 1; q < net->size; q++) {
    PetscScalar   *dst = sbuf + net->sd[q];
    const PetscInt q0 = net->rows[q], nq = net->rows[q + 1] - q0;
    for (PetscInt c = 0, off = 0; c < myblocks; c++) {
      const PetscInt bc = rstart + c * C;
      for (PetscInt j = 0; j < nq; j++) *dst++ = partial[off + q0 + j - bc];
      off += N - bc;
    }
  }
  PetscCall(PetscTime(&t0));
  PetscCallMPI(MPI_Alltoallv(sbuf, net->sc, net->sd, MPIU_SCALAR, rbuf, net->rc, net->rd, MPIU_SCALAR, net->comm));
  PetscCall(PetscTime(&t1));
  net->comm_time += t1 - t0;
  net->comm_bytes += (PetscLogDouble)net->nrecv * sizeof(PetscScalar);
  for (PetscInt j = 0; j < nloc; j++) out[j] = 0;
  for (PetscInt k = 0; k < net->nrecv; k++) out[k % nloc] += rbuf[k]; /* earlier ranks' blocks, in block order */
  for (PetscInt c = 0, off = 0; c < myblocks; c++) {
    const PetscInt bc = rstart + c * C;
    for (PetscInt j = bc; j < rend; j++) out[j - rstart] += partial[off + j - bc];
    off += N - bc;
  }
  PetscFunctionReturn(0);
}

PetscErrorCode NaNetworkGetBlockSize(NaNetwork net, PetscInt *block)
{
  PetscFunctionBegin;
  *block = net->block;
  PetscFunctionReturn(0);
}
