/* The slice's exchange of headers and spike records (engine.c, StartGather and FinishGather), flat or in two levels
 * (docs/scaling.md, design D), started, moved on and finished in three calls, so that it can run while the next
 * slice is stepped (-exchange_overlap; without it Finish follows Start at once).
 *
 * flat (-exchange flat): every rank's header in one MPI_Iallgather, then, once the headers are in (the counts),
 * every rank's spike records in one MPI_Iallgatherv; each rank sorts its own copy.
 *
 * node (-exchange node, the default): the ranks of a node (MPI_COMM_TYPE_SHARED, or pseudo-nodes of
 * -exchange_node_ranks K consecutive ranks of one, for tests and measurements on one machine) send their header,
 * then their records, to the node's leader at once (MPI_Gather, MPI_Gatherv: shared memory); the leaders
 * all-gather the nodes' headers, then the nodes' blocks of records, across nodes (MPI_Iallgatherv on their own
 * communicator) into private buffers; at Finish the leader broadcasts the total to its node (which grows the
 * node's ONE buffer, a window the leader allocates with MPI_Win_allocate_shared, together when a slice needs
 * more), copies the headers there and sorts the records into it, and after an MPI_Win_fence every rank of the
 * node reads headers and records from there. So one copy of the slice's events goes through each node's link,
 * not one per rank. The headers go the same way as the records: flat, their volume (48 bytes x ranks, to every
 * rank) would go through the node's link once per rank of the node, as much as ~1000 spike records per slice at
 * 1024 ranks; two-level, once per node. One rank always uses flat (nothing to gather).
 *
 * The places of the gathered arrays are in the order of the nodes (their leaders' ranks), then of the ranks
 * within a node: with consecutive ranks per node that is rank order; in any case the records are sorted by
 * (step, cell id), which no two distinct records share (a cell spikes at most once a step; a spike generator's
 * repeated spikes in one step are identical records), so every rank gets the same sorted list as with flat.
 *
 * Why the window can be rewritten without a second fence: the leader writes it at the next Finish, after the next
 * Start's MPI_Gather, which completes only when every rank of the node has sent its next header, i.e. has
 * finished reading this slice's headers and records (engine.c copies them out at Finish). */
#include "engineimpl.h"
#include "naerrors.h"
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* -log_view: the headers' and the spike records' parts of the exchange (both inside NaExchange) */
static PetscLogEvent NA_EVENT_XHEADERS, NA_EVENT_XSPIKES;

PetscErrorCode NaReserve(void **buf, size_t *cap, size_t n)
{
  PetscFunctionBegin;
  if (n <= *cap) PetscFunctionReturn(0);
  PetscCall(PetscFree(*buf));
  *cap = PetscMax(2 * n, (size_t)65536);
  PetscCall(PetscMalloc(*cap, buf));
  PetscFunctionReturn(0);
}

static int CompareRecords(const void *a, const void *b)
{
  const NaSpike *x = a, *y = b;
  if (x->step != y->step) return x->step < y->step ? -1 : 1;
  return x->gid < y->gid ? -1 : x->gid > y->gid;
}

/* the population of global cell id gid (the populations' ids are consecutive, in file order) */
static PetscInt PopOf(NaEngine e, PetscInt64 gid)
{
  PetscInt lo = 0, hi = e->npops - 1;
  while (lo < hi) {
    const PetscInt mid = (lo + hi + 1) / 2;
    if (e->layout->offset[mid] <= gid)
      lo = mid;
    else
      hi = mid - 1;
  }
  return lo;
}

/* The slice's n gathered records (rs bytes each, starting with their NaSpike) from in into out (in itself, or a
 * buffer that does not overlap it) in (step, cell id) order, as qsort would leave them, in time linear in n: a
 * stable counting sort by (step in the slice, population), then a check of each bucket. Each rank sends a step's
 * spikes population by population, cells ascending (engine.c, PopStep), and a population's blocks are in rank
 * order, so with the blocks gathered in rank order every bucket comes out sorted; a bucket that is not (blocks in
 * another order, or a spike generator's repeated spikes, which rank 0 sends train by train) is sorted by qsort,
 * alone. Records with equal (step, id) are equal bytes, so the result is qsort's. */
static PetscErrorCode SortRecords(NaEngine e, const void *in_, void *out_, size_t n, size_t rs)
{
  const PetscInt64     nb = (PetscInt64)e->mslice * e->npops;
  const unsigned char *in = in_;
  unsigned char       *out;
  PetscInt64          *at;

  PetscFunctionBegin;
  if (n < 2) {
    if (n && in_ != out_) memcpy(out_, in_, rs);
    PetscFunctionReturn(0);
  }
  if (in_ == out_ && n * rs > e->xsortcap) {
    PetscCall(PetscFree(e->xsort));
    e->xsortcap = PetscMax(2 * n * rs, (size_t)65536);
    PetscCall(PetscMalloc(e->xsortcap, &e->xsort));
  }
  if (!e->xbucket) PetscCall(PetscMalloc1((PetscInt64)e->M * e->npops + 1, &e->xbucket)); /* mslice <= M */
  at  = e->xbucket;
  out = in_ == out_ ? e->xsort : out_;
  PetscCall(PetscArrayzero(at, nb + 1));
  for (size_t i = 0; i < n; i++) {
    const NaSpike   *s = (const NaSpike *)(in + i * rs);
    const PetscInt64 m = s->step - e->slice0;
    if (m < 0 || m >= e->mslice) { /* not this slice's (cannot happen): the plain sort */
      if (in_ != out_) memcpy(out_, in_, n * rs);
      qsort(out_, n, rs, CompareRecords);
      PetscFunctionReturn(0);
    }
    at[m * e->npops + PopOf(e, s->gid) + 1]++;
  }
  for (PetscInt64 k = 0; k < nb; k++) at[k + 1] += at[k];
  for (size_t i = 0; i < n; i++) { /* at[k] walks bucket k's records; at its end, at[k] is bucket k + 1's start */
    const NaSpike *s = (const NaSpike *)(in + i * rs);
    memcpy(out + (size_t)at[(s->step - e->slice0) * e->npops + PopOf(e, s->gid)]++ * rs, s, rs);
  }
  for (PetscInt64 k = 0, b0 = 0; k < nb; b0 = at[k++]) {
    for (PetscInt64 i = b0 + 1; i < at[k]; i++)
      if (((const NaSpike *)(out + (size_t)i * rs))->gid < ((const NaSpike *)(out + (size_t)(i - 1) * rs))->gid) {
        qsort(out + (size_t)b0 * rs, (size_t)(at[k] - b0), rs, CompareRecords);
        break;
      }
  }
  if (in_ == out_) memcpy(out_, out, n * rs);
  PetscFunctionReturn(0);
}

PetscErrorCode NaExchangeSetFromOptions(NaEngine e)
{
  char      kind[16] = "node";
  PetscInt  K        = 0;
  PetscBool setk;

  PetscFunctionBegin;
  PetscOptionsBegin(e->comm, NULL, "Spike exchange (docs/networks.md)", NULL);
  PetscCall(PetscOptionsString("-exchange", "flat | node: one all-gather, or one copy per node in shared memory", NULL,
                               kind, kind, sizeof kind, &e->xchosen));
  PetscCall(PetscOptionsInt("-exchange_node_ranks", "node exchange: pseudo-nodes of K consecutive ranks", NULL, K, &K,
                            &setk));
  PetscOptionsEnd();
  if (!strcmp(kind, "node"))
    e->xnode = PETSC_TRUE;
  else if (!strcmp(kind, "flat"))
    e->xnode = PETSC_FALSE;
  else
    SETERRQ(e->comm, PETSC_ERR_USER_INPUT, "-exchange %s: must be flat or node", kind);
  PetscCheck(!setk || K >= 1, e->comm, PETSC_ERR_USER_INPUT,
             "-exchange_node_ranks %" PetscInt_FMT ": must be at least 1", K);
  PetscCheck(!setk || e->xnode, e->comm, PETSC_ERR_USER_INPUT,
             "-exchange_node_ranks %" PetscInt_FMT ": only with -exchange node (it is flat)", K);
  if (setk) e->xchosen = PETSC_TRUE; /* pseudo-nodes ask for the node exchange */
  PetscCheck(K < PETSC_MPI_INT_MAX, e->comm, PETSC_ERR_USER_INPUT, "-exchange_node_ranks %" PetscInt_FMT ": too large",
             K);
  e->xnranks = (PetscMPIInt)K;
  PetscFunctionReturn(0);
}

/* (re)allocates the node's shared buffer: the headers, then cap bytes of records */
static PetscErrorCode Window(NaEngine e, size_t cap)
{
  const size_t hb = ((sizeof(NaSliceHeader) * (size_t)e->size + 63) / 64) * 64;
  MPI_Aint     size;
  PetscMPIInt  unit;
  void        *base;

  PetscFunctionBegin;
  if (e->xwin != MPI_WIN_NULL) PetscCallMPI(MPI_Win_free(&e->xwin));
  PetscCallMPI(MPI_Win_allocate_shared(e->xnode_rank == 0 ? (MPI_Aint)(hb + cap) : 0, 1, MPI_INFO_NULL, e->xnode_comm,
                                       &base, &e->xwin));
  PetscCallMPI(MPI_Win_shared_query(e->xwin, 0, &size, &unit, &base));
  PetscCheck((size_t)size >= hb + cap, PETSC_COMM_SELF, PETSC_ERR_MEM,
             "the node's shared exchange buffer has %zu bytes, %zu asked", (size_t)size, hb + cap);
  e->xhdr = (NaSliceHeader *)base;
  e->xbuf = (unsigned char *)base + hb;
  e->xcap = cap;
  PetscFunctionReturn(0);
}

PetscErrorCode NaExchangeSetUp(NaEngine e)
{
  MPI_Comm    shm;
  PetscMPIInt srank, ssize, K, me, *members = NULL;

  PetscFunctionBegin;
  if (!NA_EVENT_XHEADERS) {
    PetscClassId id;
    PetscCall(PetscClassIdRegister("NaExchange", &id));
    PetscCall(PetscLogEventRegister("NaXHeaders", id, &NA_EVENT_XHEADERS));
    PetscCall(PetscLogEventRegister("NaXSpikes", id, &NA_EVENT_XSPIKES));
  }
  e->xwin       = MPI_WIN_NULL;
  e->xnode_comm = e->xleaders = MPI_COMM_NULL;
  e->xready = PETSC_TRUE; /* the handles are valid (or null) from here on: NaExchangeDestroy may free them */
  if (e->size == 1) e->xnode = PETSC_FALSE; /* one rank: nothing to gather, and flat is the cheaper copy */
  if (e->size == 1) PetscFunctionReturn(0);
  PetscCallMPI(MPI_Comm_split_type(e->comm, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &shm));
  PetscCallMPI(MPI_Comm_rank(shm, &srank));
  PetscCallMPI(MPI_Comm_size(shm, &ssize));
  e->xspans = ssize < e->size ? PETSC_TRUE : PETSC_FALSE; /* the same on every rank */
  if (!e->xnode) {
    PetscCallMPI(MPI_Comm_free(&shm));
    PetscFunctionReturn(0);
  }
  if (!e->xchosen) { /* the default: node, unless a node holds more ranks than cores, where the shared window's fences
                      * (busy-waiting) can all but stop the run (seen: 4 ranks on 2 busy cores); then flat on every rank
                      */
    const long  cores = sysconf(_SC_NPROCESSORS_ONLN);
    PetscMPIInt over  = cores > 0 && ssize > cores, any;
    PetscCallMPI(MPI_Allreduce(&over, &any, 1, MPI_INT, MPI_MAX, e->comm));
    if (any) {
      PetscCallMPI(MPI_Comm_free(&shm));
      e->xnode = PETSC_FALSE;
      PetscFunctionReturn(0);
    }
  }
  K = e->xnranks > 0 ? e->xnranks : ssize;
  PetscCallMPI(MPI_Comm_split(shm, srank / K, srank, &e->xnode_comm));
  PetscCallMPI(MPI_Comm_free(&shm));
  PetscCallMPI(MPI_Comm_rank(e->xnode_comm, &e->xnode_rank));
  PetscCallMPI(MPI_Comm_size(e->xnode_comm, &e->xnode_size));
  PetscCallMPI(MPI_Comm_split(e->comm, e->xnode_rank == 0 ? 0 : MPI_UNDEFINED, e->rank, &e->xleaders));
  /* the gathered order: each node's ranks, nodes in their leaders' order; known to every rank */
  PetscCall(PetscMalloc1(e->size, &e->xorder));
  PetscCall(PetscMalloc1(e->xnode_size, &members));
  PetscCallMPI(MPI_Gather(&e->rank, 1, MPI_INT, members, 1, MPI_INT, 0, e->xnode_comm));
  if (e->xnode_rank == 0) {
    PetscCallMPI(MPI_Comm_size(e->xleaders, &e->xnnodes));
    PetscCallMPI(MPI_Comm_rank(e->xleaders, &me));
  }
  PetscCallMPI(MPI_Bcast(&e->xnnodes, 1, MPI_INT, 0, e->xnode_comm));
  e->xspans = e->xnnodes > 1 ? PETSC_TRUE : PETSC_FALSE; /* pseudo-nodes count */
  PetscCall(PetscMalloc2(e->xnnodes + 1, &e->xnoff, PetscMax(e->xnode_size, e->xnnodes), &e->xcounts));
  PetscCall(PetscMalloc1(PetscMax(e->xnode_size, e->xnnodes), &e->xdispls));
  if (e->xnode_rank == 0) {
    PetscMPIInt *nsize;
    PetscCall(PetscMalloc1(e->xnnodes, &nsize));
    PetscCallMPI(MPI_Allgather(&e->xnode_size, 1, MPI_INT, nsize, 1, MPI_INT, e->xleaders));
    e->xnoff[0] = 0;
    for (PetscMPIInt k = 0; k < e->xnnodes; k++) e->xnoff[k + 1] = e->xnoff[k] + nsize[k];
    PetscCallMPI(MPI_Allgatherv(members, e->xnode_size, MPI_INT, e->xorder, nsize, e->xnoff, MPI_INT, e->xleaders));
    PetscCall(PetscFree(nsize));
    e->xnode_index = me;
  }
  PetscCallMPI(MPI_Bcast(e->xnoff, e->xnnodes + 1, MPI_INT, 0, e->xnode_comm));
  if (e->xnode_rank == 0) { /* the leaders' all-gather of the headers: each node's block of them */
    PetscCall(PetscMalloc1(e->size, &e->xhstage));
    PetscCall(PetscMalloc2(e->xnnodes, &e->xhcounts, e->xnnodes, &e->xhdispls));
    for (PetscMPIInt k = 0; k < e->xnnodes; k++) {
      e->xhcounts[k] = (e->xnoff[k + 1] - e->xnoff[k]) * (PetscMPIInt)sizeof(NaSliceHeader);
      e->xhdispls[k] = e->xnoff[k] * (PetscMPIInt)sizeof(NaSliceHeader);
    }
  }
  PetscCallMPI(MPI_Bcast(e->xorder, e->size, MPI_INT, 0, e->xnode_comm));
  PetscCallMPI(MPI_Bcast(&e->xnode_index, 1, MPI_INT, 0, e->xnode_comm));
  PetscCall(PetscFree(members));
  PetscCall(Window(e, 0)); /* grown by the first slice with spikes (so every run exercises the growth) */
  PetscFunctionReturn(0);
}

PetscErrorCode NaExchangeDestroy(NaEngine e)
{
  PetscFunctionBegin;
  if (!e->xready) PetscFunctionReturn(0); /* set-up never reached: the handles are zeros, not null handles */
  if (e->xwin != MPI_WIN_NULL) PetscCallMPI(MPI_Win_free(&e->xwin));
  if (e->xleaders != MPI_COMM_NULL) PetscCallMPI(MPI_Comm_free(&e->xleaders));
  if (e->xnode_comm != MPI_COMM_NULL) PetscCallMPI(MPI_Comm_free(&e->xnode_comm));
  PetscCall(PetscFree(e->xorder));
  PetscCall(PetscFree2(e->xnoff, e->xcounts));
  PetscCall(PetscFree(e->xdispls));
  PetscCall(PetscFree(e->xsort));
  PetscCall(PetscFree(e->xbucket));
  PetscCall(PetscFree(e->xhstage));
  PetscCall(PetscFree2(e->xhcounts, e->xhdispls));
  PetscCall(PetscFree(e->xnodebuf));
  PetscCall(PetscFree(e->xallbuf));
  PetscFunctionReturn(0);
}

/* the places' record counts in bytes (the gathered order for node, rank order for flat) from the headers hs[i]
 * of the ranks at place i (rank[i], or i), into e->counts/e->displs by rank; the total */
static PetscErrorCode RecordCounts(NaEngine e, const NaSliceHeader *hs, const PetscMPIInt *rank, PetscInt64 *total)
{
  PetscFunctionBegin;
  *total = 0;
  for (PetscMPIInt i = 0; i < e->size; i++) {
    const PetscMPIInt r = rank ? rank[i] : i;
    const PetscInt64  b = hs[i].nspikes * (PetscInt64)e->xrs;
    PetscCheck(*total + b < PETSC_MPI_INT_MAX, PETSC_COMM_SELF, PETSC_ERR_SUP,
               "a slice's spikes exceed 2 GB: use a shorter d_min");
    e->counts[r] = (PetscMPIInt)b;
    e->displs[r] = (PetscMPIInt)*total;
    *total += b;
  }
  PetscFunctionReturn(0);
}

/* the headers are in: post the records' all-gather (flat: every rank; node: the leaders, of the nodes' blocks) */
static PetscErrorCode PostRecords(NaEngine e)
{
  PetscFunctionBegin;
  if (!e->xnode) {
    PetscCall(RecordCounts(e, e->hdrs, NULL, &e->xtotal));
    PetscCall(NaReserve(&e->recvbuf, &e->caprecv, (size_t)e->xtotal));
    PetscCallMPI(MPI_Iallgatherv(e->sendbuf, e->counts[e->rank], MPI_BYTE, e->recvbuf, e->counts, e->displs, MPI_BYTE,
                                 e->comm, &e->xreq[1]));
  } else {
    PetscInt64 at = 0;
    PetscCall(RecordCounts(e, e->xhstage, e->xorder, &e->xtotal));
    for (PetscMPIInt k = 0; k < e->xnnodes; k++) { /* node k's block: its ranks' records, after the nodes before */
      PetscInt64 b = 0;
      for (PetscMPIInt i = e->xnoff[k]; i < e->xnoff[k + 1]; i++) b += e->counts[e->xorder[i]];
      e->xcounts[k] = (PetscMPIInt)b;
      e->xdispls[k] = (PetscMPIInt)at;
      at += b;
    }
    PetscCall(NaReserve(&e->xallbuf, &e->xallcap, (size_t)e->xtotal));
    PetscCallMPI(MPI_Iallgatherv(e->xnodebuf, e->xcounts[e->xnode_index], MPI_BYTE, e->xallbuf, e->xcounts, e->xdispls,
                                 MPI_BYTE, e->xleaders, &e->xreq[1]));
  }
  e->xstage = 2;
  PetscFunctionReturn(0);
}

PetscErrorCode NaExchangeStart(NaEngine e, const NaSliceHeader *h, size_t rs)
{
  const PetscMPIInt hs = (PetscMPIInt)sizeof *h;

  PetscFunctionBegin;
  PetscCheck(!e->xstage, PETSC_COMM_SELF, PETSC_ERR_PLIB, "an exchange is already in flight");
  PetscCall(PetscLogEventBegin(NA_EVENT_XHEADERS, 0, 0, 0, 0));
  e->xmine  = *h;
  e->xrs    = rs;
  e->xstage = 1;
  if (!e->xnode) {
    PetscCallMPI(MPI_Iallgather(&e->xmine, hs, MPI_BYTE, e->hdrs, hs, MPI_BYTE, e->comm, &e->xreq[0]));
    PetscCall(PetscLogEventEnd(NA_EVENT_XHEADERS, 0, 0, 0, 0));
    PetscFunctionReturn(0);
  }
  /* within the node, at once (shared memory): the headers, then the records, to the leader */
  PetscCallMPI(MPI_Gather(&e->xmine, hs, MPI_BYTE, e->xnode_rank == 0 ? e->xhstage + e->xnoff[e->xnode_index] : NULL,
                          hs, MPI_BYTE, 0, e->xnode_comm));
  if (e->xnode_rank == 0) {
    const NaSliceHeader *mine = e->xhstage + e->xnoff[e->xnode_index];
    PetscInt64           b    = 0;
    for (PetscMPIInt i = 0; i < e->xnode_size; i++) {
      PetscCheck(b + mine[i].nspikes * (PetscInt64)rs < PETSC_MPI_INT_MAX, PETSC_COMM_SELF, PETSC_ERR_SUP,
                 "a slice's spikes exceed 2 GB: use a shorter d_min");
      e->xcounts[i] = (PetscMPIInt)(mine[i].nspikes * (PetscInt64)rs);
      e->xdispls[i] = (PetscMPIInt)b;
      b += e->xcounts[i];
    }
    PetscCall(NaReserve(&e->xnodebuf, &e->xnodecap, (size_t)b));
  }
  PetscCallMPI(MPI_Gatherv(e->sendbuf, (PetscMPIInt)(e->xmine.nspikes * (PetscInt64)rs), MPI_BYTE, e->xnodebuf,
                           e->xcounts, e->xdispls, MPI_BYTE, 0, e->xnode_comm));
  if (e->xnode_rank == 0)
    PetscCallMPI(MPI_Iallgatherv(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, e->xhstage, e->xhcounts, e->xhdispls, MPI_BYTE,
                                 e->xleaders, &e->xreq[0]));
  else
    e->xstage = 3; /* the rest is the leader's */
  PetscCall(PetscLogEventEnd(NA_EVENT_XHEADERS, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

PetscErrorCode NaExchangeProgress(NaEngine e)
{
  int done;

  PetscFunctionBegin;
  if (e->xstage == 1) {
    PetscCallMPI(MPI_Test(&e->xreq[0], &done, MPI_STATUS_IGNORE));
    if (done) PetscCall(PostRecords(e));
  }
  if (e->xstage == 2) {
    PetscCallMPI(MPI_Test(&e->xreq[1], &done, MPI_STATUS_IGNORE));
    if (done) e->xstage = 3;
  }
  PetscFunctionReturn(0);
}

PetscErrorCode NaExchangeFinish(NaEngine e, PetscInt64 *total, const void **recs)
{
  const size_t rs = e->xrs;

  PetscFunctionBegin;
  PetscCheck(e->xstage, PETSC_COMM_SELF, PETSC_ERR_PLIB, "no exchange in flight");
  PetscCall(PetscLogEventBegin(NA_EVENT_XSPIKES, 0, 0, 0, 0));
  if (e->xstage == 1) {
    PetscCallMPI(MPI_Wait(&e->xreq[0], MPI_STATUS_IGNORE));
    PetscCall(PostRecords(e));
  }
  if (e->xstage == 2) PetscCallMPI(MPI_Wait(&e->xreq[1], MPI_STATUS_IGNORE));
  e->xstage = 0;
  if (!e->xnode) {
    PetscCall(SortRecords(e, e->recvbuf, e->recvbuf, (size_t)e->xtotal / rs, rs));
    *recs  = e->recvbuf;
    *total = e->xtotal;
    PetscCall(PetscLogEventEnd(NA_EVENT_XSPIKES, 0, 0, 0, 0));
    PetscFunctionReturn(0);
  }
  /* the node's ranks learn the total from the leader, grow the window together if it must, and read the headers
   * and the sorted records there after the fence */
  PetscCallMPI(MPI_Bcast(&e->xtotal, 1, MPIU_INT64, 0, e->xnode_comm));
  if ((size_t)e->xtotal > e->xcap) PetscCall(Window(e, PetscMax(2 * (size_t)e->xtotal, 2 * e->xcap))); /* collective */
  if (e->xnode_rank == 0) {
    PetscCall(PetscArraycpy(e->xhdr, e->xhstage, e->size));
    PetscCall(SortRecords(e, e->xallbuf, e->xbuf, (size_t)e->xtotal / rs, rs)); /* once per node */
  }
  PetscCallMPI(MPI_Win_fence(0, e->xwin));
  for (PetscMPIInt i = 0; i < e->size; i++) e->hdrs[e->xorder[i]] = e->xhdr[i];
  *recs  = e->xbuf;
  *total = e->xtotal;
  PetscCall(PetscLogEventEnd(NA_EVENT_XSPIKES, 0, 0, 0, 0));
  PetscFunctionReturn(0);
}

/* -exchange node: the SIC of astrocyte population p by node (docs/scaling.md, design E's scatter). mark[a]: this
 * rank needs cell a's row (a source of a local SIC synapse). The node needs the union of its ranks' marks; its
 * leader holds the node's own rows in Xnode, the leaders' vector of the whole population in the gathered order
 * (node by node, each node's ranks in their order), and a VecScatter over the leaders brings the rows the node
 * needs, in id order, into the node's shared window. Plan made once (the connectivity is static); values only. */
PetscErrorCode NaExchangeSicPlan(NaEngine e, NaPop *p, const unsigned char *mark)
{
  const PetscInt M = p->sic_m, n = p->spec->n;
  unsigned char *nmark;
  PetscInt       nnode = 0, q = 0, *where, *roff, local = 0, cells = 0;
  MPI_Aint       size;
  PetscMPIInt    unit;
  void          *base;

  PetscFunctionBegin;
  PetscCheck(n < PETSC_MPI_INT_MAX, PETSC_COMM_SELF, PETSC_ERR_SUP,
             "population %s: %" PetscInt_FMT " cells, more than one MPI message can mark", p->spec->name, n);
  p->sic_by_node = PETSC_TRUE;
  p->sic_win     = MPI_WIN_NULL;
  PetscCall(PetscMalloc1(n, &nmark));
  PetscCallMPI(MPI_Allreduce(mark, nmark, (PetscMPIInt)n, MPI_UNSIGNED_CHAR, MPI_MAX, e->xnode_comm));
  PetscCall(PetscMalloc1(PetscMax(n, 1), &where));
  for (PetscInt a = 0; a < n; a++) where[a] = nmark[a] ? nnode++ : -1;
  PetscCall(PetscMalloc1(PetscMax(p->nneed, 1), &p->need_at));
  for (PetscInt k = 0; k < p->nneed; k++) p->need_at[k] = where[p->need[k]];
  PetscCallMPI(
      MPI_Win_allocate_shared(e->xnode_rank == 0 ? (MPI_Aint)(sizeof(double) * (size_t)PetscMax(nnode * M, 1)) : 0,
                              sizeof(double), MPI_INFO_NULL, e->xnode_comm, &base, &p->sic_win));
  PetscCallMPI(MPI_Win_shared_query(p->sic_win, 0, &size, &unit, &base));
  p->sic_node = (double *)base;
  if (e->xnode_rank == 0) {
    const PetscMPIInt first = e->xnoff[e->xnode_index];
    PetscInt         *idx;
    IS                is;

    /* every rank's first row in the gathered order, and this node's ranks' counts for the gather */
    PetscCall(PetscMalloc1(e->size, &roff));
    for (PetscMPIInt i = 0; i < e->size; i++) {
      PetscInt lo, hi;
      NaLayoutBlock(e->layout, p->index, e->xorder[i], &lo, &hi);
      roff[e->xorder[i]] = i ? roff[e->xorder[i - 1]] + cells : 0;
      cells              = hi - lo;
    }
    PetscCall(PetscMalloc2(e->xnode_size, &p->sic_counts, e->xnode_size, &p->sic_displs));
    for (PetscMPIInt i = 0; i < e->xnode_size; i++) {
      PetscInt lo, hi;
      NaLayoutBlock(e->layout, p->index, e->xorder[first + i], &lo, &hi);
      PetscCheck((hi - lo) * M < PETSC_MPI_INT_MAX, PETSC_COMM_SELF, PETSC_ERR_SUP,
                 "population %s: a rank's SIC rows exceed one MPI message", p->spec->name);
      p->sic_counts[i] = (PetscMPIInt)((hi - lo) * M);
      p->sic_displs[i] = (PetscMPIInt)local;
      local += p->sic_counts[i];
    }
    PetscCall(VecCreateMPI(e->xleaders, local, PETSC_DETERMINE, &p->Xnode));
    PetscCall(VecCreateSeqWithArray(PETSC_COMM_SELF, 1, nnode * M, p->sic_node, &p->Ynode));
    PetscCall(PetscMalloc1(PetscMax(nnode * M, 1), &idx));
    for (PetscInt a = 0; a < n; a++) {
      const PetscMPIInt r = nmark[a] ? NaLayoutOwner(e->layout, p->index, a) : 0;
      PetscInt          lo, hi;
      if (!nmark[a]) continue;
      NaLayoutBlock(e->layout, p->index, r, &lo, &hi);
      for (PetscInt m = 0; m < M; m++) idx[q * M + m] = (roff[r] + a - lo) * M + m;
      q++;
    }
    PetscCall(ISCreateGeneral(PETSC_COMM_SELF, nnode * M, idx, PETSC_OWN_POINTER, &is));
    PetscCall(VecScatterCreate(p->Xnode, is, p->Ynode, NULL, &p->node_scatter));
    PetscCall(ISDestroy(&is));
    PetscCall(PetscFree(roff));
  }
  PetscCall(PetscFree(where));
  PetscCall(PetscFree(nmark));
  PetscFunctionReturn(0);
}

/* the slice's SIC rows of p into the node's window (NaExchangeSicPlan): gathered to the leader at once, scattered
 * over the leaders while the next slice is stepped (Start), and read after the fence (Finish). The leader writes
 * the window again only after the next slice's gather, which completes when every rank of the node has sent its
 * next rows, i.e. has delivered this slice's SIC: no second fence is needed. */
PetscErrorCode NaExchangeSicStart(NaEngine e, NaPop *p)
{
  double *x = NULL;

  PetscFunctionBegin;
  if (e->xnode_rank == 0) PetscCall(VecGetArray(p->Xnode, &x));
  PetscCallMPI(MPI_Gatherv(p->sic_rows, (PetscMPIInt)(p->n * p->sic_m), MPI_DOUBLE, x, p->sic_counts, p->sic_displs,
                           MPI_DOUBLE, 0, e->xnode_comm));
  if (e->xnode_rank == 0) {
    PetscCall(VecRestoreArray(p->Xnode, &x));
    PetscCall(VecScatterBegin(p->node_scatter, p->Xnode, p->Ynode, INSERT_VALUES, SCATTER_FORWARD));
  }
  PetscFunctionReturn(0);
}

PetscErrorCode NaExchangeSicFinish(NaEngine e, NaPop *p)
{
  PetscFunctionBegin;
  if (e->xnode_rank == 0) PetscCall(VecScatterEnd(p->node_scatter, p->Xnode, p->Ynode, INSERT_VALUES, SCATTER_FORWARD));
  PetscCallMPI(MPI_Win_fence(0, p->sic_win));
  PetscFunctionReturn(0);
}

PetscErrorCode NaExchangeSicDestroy(NaPop *p)
{
  PetscFunctionBegin;
  if (!p->sic_by_node) PetscFunctionReturn(0);
  PetscCall(VecScatterDestroy(&p->node_scatter));
  PetscCall(VecDestroy(&p->Xnode));
  PetscCall(VecDestroy(&p->Ynode));
  PetscCall(PetscFree2(p->sic_counts, p->sic_displs));
  PetscCall(PetscFree(p->need_at));
  if (p->sic_win != MPI_WIN_NULL) PetscCallMPI(MPI_Win_free(&p->sic_win));
  PetscFunctionReturn(0);
}
