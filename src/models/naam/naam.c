/* The neuron-astrocyte associative memory (models.md section 1), row-distributed.
 *
 *   tau_n dx_i/dt  = -lambda x_i + sum_j g(s_ij) phi(x_j) + b
 *   tau_s ds_ij/dt = -alpha  s_ij + phi_i phi_j + psi(p_ij) + c
 *   tau_p dp_ij/dt = -gamma  p_ij + (T Psi)_ij + g(s_ij)   + d
 *
 * One MPI_Allgatherv per right-hand side carries, for every row, phi_i and the row's contribution to the
 * coupling (Hebbian: xi_i^mu (xi^mu . psi_i.) for each mu; uniform: the row sum; dense and sparse: the row itself,
 * from which sparse forms m_b psi_b of every process b and sums W_ab m_b psi_b over the links of each process a).
 * Global sums are then taken in row order on every rank, so the dynamics do not depend on the rank count. */
#include "naam.h"
#include "naerrors.h"
#include "h5util.h"
#include "rng.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const CouplingNames[]     = {"hebbian", "dense", "uniform", "sparse"};
static const char *const InitNames[]         = {"stationary", "zero"};
static const char *const StorageNames[]      = {"symmetric", "full"};
static const char *const DriveNames[]        = {"energy", "transformer"};
const char *const        NaActivationTypes[] = {"tanh", "identity"};

static PetscErrorCode SetFromOptions_NAAM(NaModel model, PetscOptionItems *PetscOptionsObject)
{
  NAAM       *nm = (NAAM *)model->data;
  const char *p  = model->prefix;

  PetscFunctionBegin;
  PetscOptionsHeadBegin(PetscOptionsObject, "Neuron-astrocyte associative memory (-model naam)");
  PetscCall(NaOptionsChoice(PetscOptionsObject, p, "f",
                            "drive f of the s equation and process input kappa: energy (phi_i phi_j + psi_ij, kappa = "
                            "g_ij) or transformer (-p_ij s_ij, kappa = 0: the transformer limit, N x M from -input)",
                            DriveNames, 2, &nm->f));
  PetscCall(PetscOptionsString("-input",
                               "-f transformer: FILE.h5 with c [N][M], p0 [N][M], I [M] (optional s0 [N][M], x0 [N])",
                               NULL, nm->input, nm->input, sizeof(nm->input), NULL));
  if (nm->f == NAAM_F_ENERGY) PetscCall(NaMemorySetFromOptions(&nm->mem, p, PetscOptionsObject));
  PetscCall(PetscOptionsReal("-beta", "gain of the tanh activations", NULL, nm->beta, &nm->beta, NULL));
  PetscCall(PetscOptionsReal("-lambda", "neuron leak", NULL, nm->lambda, &nm->lambda, NULL));
  PetscCall(PetscOptionsReal("-alpha", "synapse leak", NULL, nm->alpha, &nm->alpha, NULL));
  PetscCall(PetscOptionsReal("-gamma", "astrocyte process leak", NULL, nm->gamma, &nm->gamma, NULL));
  PetscCall(PetscOptionsReal("-tau_n", "neuron time constant", NULL, nm->tau_n, &nm->tau_n, NULL));
  PetscCall(PetscOptionsReal("-tau_s", "synapse time constant", NULL, nm->tau_s, &nm->tau_s, NULL));
  PetscCall(PetscOptionsReal("-tau_p", "astrocyte process time constant", NULL, nm->tau_p, &nm->tau_p, NULL));
  PetscCall(PetscOptionsReal("-b", "constant neuron input b", NULL, nm->b, &nm->b, NULL));
  PetscCall(PetscOptionsReal("-c", "constant baseline facilitation c", NULL, nm->c, &nm->c, NULL));
  PetscCall(PetscOptionsReal("-d", "constant astrocyte tone d", NULL, nm->d, &nm->d, NULL));
  PetscCall(NaOptionsChoice(PetscOptionsObject, p, "T", "process coupling tensor", CouplingNames, 4, &nm->T));
  PetscCall(PetscOptionsReal("-T_scale", "scale c_T of T (default 1/N^3; 1 for uniform)", NULL, nm->cT, &nm->cT,
                             &nm->cT_set));
  { /* read as text: PETSc's integer reader names neither the option nor an empty value */
    char      buf[64];
    PetscBool set;
    PetscCall(PetscSNPrintf(buf, sizeof buf, "%" PetscInt_FMT, nm->links_set ? nm->links : nm->mem.N));
    PetscCall(PetscOptionsString(
        "-T_links",
        "with -T sparse: the expected number r of partner processes of each process, an integer >= 1 "
        "(default N); two processes are linked with probability q = min(1, r / (P - 1)), "
        "P = N (N + 1) / 2",
        NULL, buf, buf, sizeof buf, &set));
    if (set) {
      char     *end;
      long long v;
      errno = 0;
      v     = strtoll(buf, &end, 10);
      PetscCheck(buf[0] && !*end && !errno && v >= 1 && v <= PETSC_MAX_INT, PetscOptionsObject->comm,
                 PETSC_ERR_USER_INPUT,
                 "-%sT_links %s: must be a whole number >= 1 (the expected number of partner processes per process)", p,
                 buf[0] ? buf : "\"\"");
      nm->links     = (PetscInt)v;
      nm->links_set = PETSC_TRUE;
    }
  }
  PetscCall(NaOptionsChoice(PetscOptionsObject, p, "init", "initial synapses and processes", InitNames, 2, &nm->init));
  {
    char name[96];
    PetscCall(PetscSNPrintf(name, sizeof name, "-%sstorage", p));
    PetscCall(PetscOptionsHasName(NULL, NULL, name, &nm->storage_set));
  }
  PetscCall(NaOptionsChoice(PetscOptionsObject, p, "storage",
                            "s and p: symmetric (upper triangle, default; not with -T dense) or full", StorageNames, 2,
                            &nm->storage));
  PetscCall(PetscOptionsInt("-sym_block",
                            "symmetric storage: rows per block of the column sums (0: N/max(64, 8 ranks))", NULL,
                            nm->block, &nm->block, NULL));
  PetscCall(NaOptionsChoice(PetscOptionsObject, p, "phi", "neuron activation", NaActivationTypes, 2, &nm->act[0]));
  PetscCall(NaOptionsChoice(PetscOptionsObject, p, "g", "synapse activation", NaActivationTypes, 2, &nm->act[1]));
  PetscCall(NaOptionsChoice(PetscOptionsObject, p, "psi", "process activation", NaActivationTypes, 2, &nm->act[2]));
  PetscOptionsHeadEnd();
  if (nm->f == NAAM_F_TRANSFORMER)
    PetscCall(NaamTransformerCheckOptions(model));
  else
    PetscCheck(!nm->input[0], model->comm, PETSC_ERR_USER_INPUT,
               "-%sinput %s: read only with -%sf transformer (the transformer limit, models.md 1.7)", p, nm->input, p);
  PetscFunctionReturn(0);
}

static PetscErrorCode SparseSetUp(NaModel model);

static PetscErrorCode SetUp_NAAM(NaModel model)
{
  NAAM       *nm   = (NAAM *)model->data;
  const char *p    = model->prefix;
  MPI_Comm    comm = model->comm;
  PetscInt    N, K;

  PetscFunctionBegin;
  NaCheck(nm->beta > 0 && PetscIsNormalReal(nm->beta), comm, PETSC_ERR_USER_INPUT,
          "-%sbeta %g: the gain must be positive", p, (double)nm->beta);
  PetscCall(NaCheckPositive(comm, p, "lambda", nm->lambda, PETSC_FALSE));
  PetscCall(NaCheckPositive(comm, p, "alpha", nm->alpha, PETSC_FALSE));
  PetscCall(NaCheckPositive(comm, p, "gamma", nm->gamma, PETSC_FALSE));
  PetscCall(NaCheckPositive(comm, p, "tau_n", nm->tau_n, PETSC_TRUE));
  PetscCall(NaCheckPositive(comm, p, "tau_s", nm->tau_s, PETSC_TRUE));
  PetscCall(NaCheckPositive(comm, p, "tau_p", nm->tau_p, PETSC_TRUE));
  if (nm->f == NAAM_F_TRANSFORMER) { /* its own N x M layout and operations (transformer.c) */
    PetscCall(NaamTransformerSetUp(model));
    PetscFunctionReturn(0);
  }
  PetscCheck(nm->T != NAAM_T_DENSE || nm->mem.N <= NAAM_DENSE_MAX_N, comm, PETSC_ERR_USER_INPUT,
             "-%sT dense with -%sN %" PetscInt_FMT
             ": a dense T holds N^4 numbers and is allowed only for N <= %d; use -%sT hebbian",
             p, p, nm->mem.N, NAAM_DENSE_MAX_N, p);
  PetscCheck(nm->T != NAAM_T_SPARSE || nm->mem.N <= NAAM_SPARSE_MAX_N, comm, PETSC_ERR_USER_INPUT,
             "-%sT sparse with -%sN %" PetscInt_FMT
             ": drawing the links hashes every pair of the N (N + 1) / 2 processes and is allowed only for N <= %d; "
             "use -%sT hebbian",
             p, p, nm->mem.N, NAAM_SPARSE_MAX_N, p);
  PetscCheck(!nm->links_set || nm->T == NAAM_T_SPARSE, comm, PETSC_ERR_USER_INPUT,
             "-%sT_links %" PetscInt_FMT ": only -%sT sparse has links (this run has -%sT %s)", p, nm->links, p, p,
             CouplingNames[nm->T]);
  { /* the state's size in double, before N * N overflows a PetscInt */
    double n = (double)nm->mem.N, sym = nm->T != NAAM_T_DENSE && nm->storage == NAAM_STORAGE_SYMMETRIC;
    PetscCall(NaCheckCount(comm, sym ? n + n * (n + 1) : n * (1 + 2 * n),
                           "-%sN %" PetscInt_FMT ": the state (%s, %s storage)", p, nm->mem.N,
                           sym ? "N + N (N + 1)" : "N (1 + 2 N)", sym ? "symmetric" : "full"));
  }
  PetscCall(NaMemorySetUp(&nm->mem, comm));
  N = model->N = nm->mem.N;
  K = model->K = nm->mem.K;
  nm->ncol     = N;
  if (!nm->cT_set) nm->cT = nm->T == NAAM_T_UNIFORM ? 1.0 : 1.0 / ((PetscReal)N * N * N);
  nm->phi = (NaActivation){(NaActivationType)nm->act[0], nm->beta};
  nm->g   = (NaActivation){(NaActivationType)nm->act[1], nm->beta};
  nm->psi = (NaActivation){(NaActivationType)nm->act[2], nm->beta};

  if (nm->T == NAAM_T_DENSE) {
    PetscCheck(!(nm->storage_set && nm->storage == NAAM_STORAGE_SYMMETRIC), comm, PETSC_ERR_USER_INPUT,
               "-%sstorage symmetric with -%sT dense: the dense tensor is kept for full storage only", p, p);
    nm->storage = NAAM_STORAGE_FULL;
  }
  nm->sym = nm->storage == NAAM_STORAGE_SYMMETRIC ? PETSC_TRUE : PETSC_FALSE;
  PetscCheck(nm->block >= 0 && nm->block <= N, comm, PETSC_ERR_USER_INPUT,
             "-%ssym_block %" PetscInt_FMT ": must be between 1 and N = %" PetscInt_FMT " (0: automatic)", p, nm->block,
             N);
  if (nm->sym) {
    /* rows of the upper triangle shrink from 1 + 2N to 3 values: deal out blocks of rows by stored length */
    PetscMPIInt size;
    PetscReal  *w;
    PetscCallMPI(MPI_Comm_size(comm, &size));
    if (!nm->block) nm->block = PetscMax(1, N / PetscMax(64, 8 * (PetscInt)size));
    PetscCall(PetscMalloc1(N, &w));
    for (PetscInt i = 0; i < N; i++) w[i] = 1 + 2 * (N - i);
    PetscCall(NaNetworkCreateBlocked(comm, N, nm->block, w, &model->net));
    PetscCall(PetscFree(w));
  } else
    PetscCall(NaNetworkCreate(comm, N, &model->net));
  PetscCall(NaNetworkGetOwnershipRange(model->net, &nm->rstart, &nm->rend));
  nm->nloc = nm->rend - nm->rstart;
  PetscCall(PetscMalloc1(nm->nloc + 1, &nm->rowoff));
  nm->rowoff[0] = 0;
  for (PetscInt r = 0; r < nm->nloc; r++) nm->rowoff[r + 1] = nm->rowoff[r] + 1 + 2 * (N - NaamRowStart(nm, r));
  model->nlocal  = nm->rowoff[nm->nloc];
  model->nglobal = nm->sym ? N + N * (N + 1) : N * (1 + 2 * N);
  nm->W          = 1 + (nm->T == NAAM_T_HEBBIAN ? K : nm->T == NAAM_T_UNIFORM ? 1 : N);
  PetscCall(PetscMalloc5(nm->nloc * nm->W, &nm->summary, N * nm->W, &nm->gath, N, &nm->phiall, PetscMax(K, 1),
                         &nm->coup, PetscMax(K, 1), &nm->arow));
  PetscCall(
      PetscMalloc6(N, &nm->grow, N, &nm->trow, N, &nm->prow, N, &nm->lrow, nm->nloc, &nm->erow, nm->nloc, &nm->colsum));
  PetscCall(PetscMalloc1(PetscMax(K, 1), &nm->dots));
  if (nm->T == NAAM_T_HEBBIAN && K <= 16) { /* column codes: bit mu set where xi^mu_j = +1 */
    PetscCall(PetscMalloc2(N, &nm->colcode, (size_t)1 << K, &nm->table));
    for (PetscInt j = 0; j < N; j++) {
      nm->colcode[j] = 0;
      for (PetscInt mu = 0; mu < K; mu++)
        if (nm->mem.xi[mu * N + j] > 0) nm->colcode[j] |= 1u << mu;
    }
  }
  if (nm->sym) { /* one partial row per local block, from the block's first row to N - 1 */
    PetscInt len = 0;
    for (PetscInt b0 = nm->rstart; b0 < nm->rend; b0 += nm->block) len += N - b0;
    PetscCall(PetscMalloc1(len, &nm->partial));
  }
  if (nm->T == NAAM_T_SPARSE) PetscCall(SparseSetUp(model));
  if (nm->T == NAAM_T_DENSE) {
    const PetscScalar *xi = nm->mem.xi;
    PetscInt           N2 = N * N;
    PetscCall(PetscCalloc1(nm->nloc * N * N2, &nm->Tdense));
    for (PetscInt r = 0; r < nm->nloc; r++)
      for (PetscInt j = 0; j < N; j++)
        for (PetscInt kl = 0; kl < N2; kl++) {
          PetscScalar t = 0;
          for (PetscInt mu = 0; mu < K; mu++)
            t += xi[mu * N + nm->rstart + r] * xi[mu * N + j] * xi[mu * N + kl / N] * xi[mu * N + kl % N];
          nm->Tdense[(r * N + j) * N2 + kl] = nm->cT * t;
        }
  }
  PetscFunctionReturn(0);
}

/* Rows are processed in tiles of NAAM_TILE columns, so that every intermediate of a tile (psi, g, the coupling,
 * the pattern values) stays in the L1 cache however long the rows are. Sums over a row add the tiles' partial
 * sums in order: the bits depend on the tile size, which is fixed, and not on the rank count. */
#define NAAM_TILE 256

/* With patterns of +-1 the Hebbian coupling (T Psi)_ij = sum_mu a_mu xi^mu_j, a_mu = b_mu xi^mu_i with
 * b_mu = c_T q_mu, takes one of 2^K values: sum_mu (+-b_mu), the sign + where xi^mu_j = xi^mu_i. They are
 * tabulated once per right-hand side, entry d holding the sum with + b_mu where bit mu of d is set, summed over mu
 * in the order of the direct sum and with the same terms (a_mu = +-b_mu exactly), so a lookup gives the direct
 * sum's bits (tested). Row i, column j: entry code_j XOR ~code_i, code_j the column's sign pattern. */
static void HebbianTable(PetscInt K, const PetscScalar *b, PetscScalar *table)
{
  table[0] = 0;
  for (PetscInt mu = 0, n = 1; mu < K; mu++, n *= 2) /* entries with bit mu set: + b_mu, others: - b_mu */
    for (PetscInt c = n - 1; c >= 0; c--) {
      const PetscScalar v = table[c];
      table[c + n]        = v + b[mu];
      table[c]            = v + -b[mu];
    }
}

/* The inner loops over a tile, in AVX-512, AVX2 and baseline versions chosen at load time (as NaTanhArray). C11
 * mode does not contract a*b+c into FMA, so all versions give the same bits. */
#define NAAM_KERNEL __attribute__((target_clones("arch=x86-64-v4", "avx2", "default")))

/* at most this many dot products per pass in MultiDot */
#define NAAM_DOTS 8

/* eight doubles: one AVX-512 register, two AVX2 or four SSE2 ones; the lanes are NaDot's partial sums */
typedef double NaamV8 __attribute__((vector_size(64)));

/* an unaligned load (by pointer, not by value: a vector return value would depend on the clone's ABI) */
static inline __attribute__((always_inline)) void LoadV8(NaamV8 *v, const PetscScalar *p)
{
  memcpy(v, p, sizeof *v);
}

/* out[m] = NaDot(n, xi + m N, v) for m < M, bit for bit: each dot keeps NaDot's eight interleaved partial sums
 * and its summation tree, but the M dots share one pass over v and their adds are independent (one NaDot is
 * a chain of dependent vector adds). */
static inline __attribute__((always_inline)) void MultiDotBlock(const int M, PetscInt n, PetscInt N,
                                                                const PetscScalar *restrict xi,
                                                                const PetscScalar *restrict v, PetscScalar *out)
{
  NaamV8   acc[NAAM_DOTS];
  double   tail[NAAM_DOTS];
  PetscInt j = 0;

  for (int m = 0; m < M; m++) {
    acc[m]  = (NaamV8){0, 0, 0, 0, 0, 0, 0, 0};
    tail[m] = 0;
  }
  for (; j + 8 <= n; j += 8) {
    NaamV8 x, y;
    LoadV8(&x, v + j);
    for (int m = 0; m < M; m++) {
      LoadV8(&y, xi + m * N + j);
      acc[m] += y * x;
    }
  }
  for (; j < n; j++)
    for (int m = 0; m < M; m++) tail[m] += xi[m * N + j] * v[j];
  for (int m = 0; m < M; m++)
    out[m] = ((acc[m][0] + acc[m][1]) + (acc[m][2] + acc[m][3])) + ((acc[m][4] + acc[m][5]) + (acc[m][6] + acc[m][7])) +
             tail[m];
}

/* out[mu] = NaDot(n, xi + mu N, v) for mu < K (the same bits), in balanced blocks of at most NAAM_DOTS dots */
NAAM_KERNEL static void MultiDot(PetscInt n, PetscInt K, PetscInt N, const PetscScalar *restrict xi,
                                 const PetscScalar *restrict v, PetscScalar *restrict out)
{
  const PetscInt nb = (K + NAAM_DOTS - 1) / NAAM_DOTS;
  for (PetscInt b = 0, m0 = 0; b < nb; b++) {
    const PetscInt M = (K - m0) / (nb - b); /* blocks of K/nb, the larger ones last */
    switch (M) {
#define NAAM_DOTS_CASE(c)                                                                                              \
  case c:                                                                                                              \
    MultiDotBlock(c, n, N, xi + m0 * N, v, out + m0);                                                                  \
    break;
      NAAM_DOTS_CASE(1)
      NAAM_DOTS_CASE(2)
      NAAM_DOTS_CASE(3)
      NAAM_DOTS_CASE(4)
      NAAM_DOTS_CASE(5)
      NAAM_DOTS_CASE(6)
      NAAM_DOTS_CASE(7)
      NAAM_DOTS_CASE(8)
#undef NAAM_DOTS_CASE
    }
    m0 += M;
  }
}

/* The link rule of -T sparse (docs/models.md): processes a < b are linked when U(a, b) < q, with U uniform in
 * [0, 1) from the top 53 bits of NaMix64(key_a ^ b), key_a = NaMix64(k0 ^ a), k0 = NaMix64(NaMix64(seed) ^ 3). A
 * hash of the pair, not a stream: the same links on any rank count and whichever rank asks. */
static inline uint64_t LinkKey(uint64_t k0, PetscInt a)
{
  return NaMix64(k0 ^ (uint64_t)a);
}

static inline double LinkUniform(uint64_t key_a, PetscInt b)
{
  return (double)(NaMix64(key_a ^ (uint64_t)b) >> 11) * 0x1.0p-53;
}

/* the processes linked to process a (itself included), in increasing order, into out; returns their number. The
 * hashes go in chunks into a flag array (a loop that vectorises), then the flags are compacted. */
NAAM_KERNEL static PetscInt LinkRow(PetscInt P, PetscInt a, const uint64_t *restrict key, double q,
                                    int32_t *restrict out)
{
  unsigned char flag[256];
  PetscInt      n = 0;

  if (q >= 1) {
    for (PetscInt b = 0; b < P; b++) out[b] = (int32_t)b;
    return P;
  }
  for (PetscInt b0 = 0; b0 < P; b0 += 256) {
    const PetscInt m = PetscMin(256, P - b0);
    if (b0 + m <= a)
      for (PetscInt k = 0; k < m; k++) flag[k] = LinkUniform(key[b0 + k], a) < q; /* pairs (b, a), b < a */
    else if (b0 > a)
      for (PetscInt k = 0; k < m; k++) flag[k] = LinkUniform(key[a], b0 + k) < q; /* pairs (a, b), b > a */
    else
      for (PetscInt k = 0; k < m; k++) {
        const PetscInt b = b0 + k;
        flag[k]          = b == a || (b < a ? LinkUniform(key[b], a) : LinkUniform(key[a], b)) < q;
      }
    for (PetscInt k = 0; k < m; k++)
      if (flag[k]) out[n++] = (int32_t)(b0 + k);
  }
  return n;
}

/* The CSR rows of -T sparse: one per process that a stored (i, j) of this rank belongs to. First the processes
 * {i, j}, j >= i, of the local rows i in storage order (in symmetric storage these are the slots); in full storage
 * then the processes {j, i} of the columns j < rstart, whose upper-triangle row is another rank's (the columns
 * rstart <= j < i use the local row j's process). Weights by the sign codes: bit mu of a process's code is set where
 * xi^mu_i xi^mu_j = -1, so sum_mu xi_i xi_j xi_k xi_l = K - 2 popcount(code_a ^ code_b), exactly. */
static PetscErrorCode SparseSetUp(NaModel model)
{
  NAAM          *nm   = (NAAM *)model->data;
  MPI_Comm       comm = model->comm;
  const char    *p    = model->prefix;
  const PetscInt N = model->N, K = model->K, P = N * (N + 1) / 2, nw = (K + 63) / 64, nloc = nm->nloc;
  const PetscInt rs  = nm->rstart;
  PetscInt       nup = 0, nrows, nslots, *proc, *uoff;
  uint64_t      *key, *ncode, *code, k0 = NaMix64(NaMix64((uint64_t)nm->mem.seed) ^ NAAM_STREAM_LINKS);
  int32_t       *row;
  PetscCount     cap, nlinks = 0;
  PetscInt64     partners = 0;

  PetscFunctionBegin;
  if (!nm->links_set) nm->links = N;
  nm->linkq = P > 1 ? PetscMin(1.0, (PetscReal)nm->links / (PetscReal)(P - 1)) : 1.0;
  PetscCall(PetscMalloc1(nloc + 1, &uoff));
  uoff[0] = 0;
  for (PetscInt r = 0; r < nloc; r++) uoff[r + 1] = uoff[r] + N - (rs + r);
  nup    = uoff[nloc];
  nrows  = nm->sym ? nup : nup + nloc * rs;
  nslots = nm->sym ? nup : nloc * N;
  { /* the links must fit: about 12 bytes each (index and weight), all ranks of a node together */
    double      mine = 12.0 * (double)nrows * (1 + nm->linkq * (double)(P - 1)), need, worst, avail = NaMemAvailable();
    MPI_Comm    node;
    PetscMPIInt nranks;
    if (avail > 0) {
      PetscCallMPI(MPI_Comm_split_type(comm, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node));
      PetscCallMPI(MPI_Comm_size(node, &nranks));
      PetscCallMPI(MPI_Allreduce(&mine, &need, 1, MPI_DOUBLE, MPI_SUM, node));
      PetscCallMPI(MPI_Comm_free(&node));
      need /= avail;
      PetscCallMPI(MPI_Allreduce(&need, &worst, 1, MPI_DOUBLE, MPI_MAX, comm));
      NaCheck(worst <= 1, comm, PETSC_ERR_USER_INPUT,
              "-%sT_links %" PetscInt_FMT ": the links of -%sT sparse (q = %g, %.4g per process) need about "
              "%.3g GB on a node running %d rank%s, which has %.3g GB available; use a smaller r or more nodes",
              p, nm->links, p, (double)nm->linkq, 1 + (double)nm->linkq * (double)(P - 1), 1e-9 * worst * avail,
              (int)nranks, NaPlural(nranks), 1e-9 * avail);
    }
  }
  PetscCall(PetscMalloc5(P, &key, N * nw, &ncode, P * nw, &code, P, &row, PetscMax(nrows, 1), &proc));
  PetscCall(PetscMalloc3(PetscMax(nslots, 1), &nm->slotproc, nrows + 1, &nm->linkptr, P, &nm->procpsi));
  for (PetscInt b = 0; b < P; b++) key[b] = LinkKey(k0, b);
  PetscCall(PetscArrayzero(ncode, N * nw));
  for (PetscInt mu = 0; mu < K; mu++)
    for (PetscInt i = 0; i < N; i++)
      if (nm->mem.xi[mu * N + i] < 0) ncode[i * nw + mu / 64] |= (uint64_t)1 << (mu % 64);
  for (PetscInt k = 0; k < N; k++)
    for (PetscInt l = k; l < N; l++)
      for (PetscInt w = 0; w < nw; w++) code[NaamProcess(N, k, l) * nw + w] = ncode[k * nw + w] ^ ncode[l * nw + w];

  /* the CSR rows' processes, and each stored (i, j)'s row */
  for (PetscInt r = 0; r < nloc; r++)
    for (PetscInt j = rs + r; j < N; j++) proc[uoff[r] + j - (rs + r)] = NaamProcess(N, rs + r, j);
  if (!nm->sym)
    for (PetscInt r = 0; r < nloc; r++)
      for (PetscInt j = 0; j < rs; j++) proc[nup + r * rs + j] = NaamProcess(N, j, rs + r);
  for (PetscInt r = 0; r < nloc; r++) {
    const PetscInt i = rs + r;
    for (PetscInt j = NaamRowStart(nm, r); j < N; j++) {
      PetscInt c;
      if (j >= i)
        c = uoff[r] + j - i;
      else if (j >= rs)
        c = uoff[j - rs] + i - j;
      else
        c = nup + r * rs + j;
      nm->slotproc[NaamSlot(nm, r, j)] = c;
    }
  }

  /* the links, row by row, into arrays that grow when the draw exceeds the expected count */
  cap = (PetscCount)(1.05 * nrows * (1 + nm->linkq * (P - 1))) + 1024;
  PetscCall(PetscMalloc1(cap, &nm->linkcol));
  nm->linkptr[0] = 0;
  for (PetscInt c = 0; c < nrows; c++) {
    const PetscInt n = LinkRow(P, proc[c], key, nm->linkq, row);
    if (nlinks + n > cap) {
      cap = PetscMax(2 * cap, nlinks + n);
      PetscCall(PetscRealloc(cap * sizeof(int32_t), &nm->linkcol));
    }
    PetscCall(PetscArraycpy(nm->linkcol + nlinks, row, n));
    nlinks += n;
    nm->linkptr[c + 1] = nlinks;
    if (c < nup) partners += n - 1;
  }
  PetscCall(PetscRealloc(PetscMax(nlinks, 1) * sizeof(int32_t), &nm->linkcol));
  PetscCall(PetscMalloc1(PetscMax(nlinks, 1), &nm->linkw));
  for (PetscInt c = 0; c < nrows; c++) {
    const uint64_t *ca = code + proc[c] * nw;
    for (PetscCount e = nm->linkptr[c]; e < nm->linkptr[c + 1]; e++) {
      const uint64_t *cb  = code + (PetscInt)nm->linkcol[e] * nw;
      PetscInt        pop = 0;
      for (PetscInt w = 0; w < nw; w++) pop += __builtin_popcountll(ca[w] ^ cb[w]);
      nm->linkw[e] = nm->cT * (PetscReal)(K - 2 * pop);
    }
  }
  PetscCallMPI(MPI_Allreduce(&partners, &nm->partners, 1, MPIU_INT64, MPI_SUM, comm));
  PetscCall(PetscFree5(key, ncode, code, row, proc));
  PetscCall(PetscFree(uoff));
  PetscFunctionReturn(0);
}

/* sum over the links of CSR row c of W_ab v_b, in increasing b */
static inline PetscScalar SparseRow(const NAAM *nm, PetscInt c, const PetscScalar *restrict v)
{
  PetscScalar acc = 0;
  for (PetscCount e = nm->linkptr[c]; e < nm->linkptr[c + 1]; e++) acc += nm->linkw[e] * v[nm->linkcol[e]];
  return acc;
}

PetscErrorCode NaamGather(NaModel model, const PetscScalar *u, PetscScalar *f)
{
  NAAM              *nm = (NAAM *)model->data;
  const PetscInt     N = model->N, K = model->K, W = nm->W;
  const PetscScalar *xi = nm->mem.xi;

  PetscFunctionBegin;
  for (PetscInt r = 0; r < nm->nloc; r++) {
    const PetscInt     i = nm->rstart + r, j0 = NaamRowStart(nm, r), L = N - j0;
    const PetscScalar *p   = u + nm->rowoff[r] + 1 + L;
    PetscScalar       *psi = f ? f + nm->rowoff[r] + 1 + L : nm->prow, *sum = nm->summary + r * W;
    sum[0] = NaActEval(&nm->phi, u[nm->rowoff[r]]);
    for (PetscInt w = 1; w < W; w++) sum[w] = 0;
    for (PetscInt k0 = 0; k0 < L; k0 += NAAM_TILE) {
      const PetscInt n = PetscMin(NAAM_TILE, L - k0);
      NaActEvalArray(&nm->psi, n, p + k0, psi + k0);
      switch (nm->T) {
      case NAAM_T_HEBBIAN:
        MultiDot(n, K, N, xi + j0 + k0, psi + k0, nm->dots);
        for (PetscInt mu = 0; mu < K; mu++) sum[1 + mu] += nm->dots[mu];
        break;
      case NAAM_T_UNIFORM:
        for (PetscInt k = k0; k < k0 + n; k++) sum[1] += psi[k];
        break;
      case NAAM_T_DENSE: /* full storage only */
      case NAAM_T_SPARSE:
        for (PetscInt k = k0; k < k0 + n; k++) sum[1 + k] = psi[k];
        break;
      }
    }
    /* symmetric storage: the row stands for itself and its mirror image, the diagonal once */
    if (nm->T == NAAM_T_HEBBIAN)
      for (PetscInt mu = 0; mu < K; mu++) {
        const PetscScalar xmi = xi[mu * N + i];
        sum[1 + mu]           = xmi * (nm->sym ? 2 * sum[1 + mu] - xmi * psi[0] : sum[1 + mu]);
      }
    if (nm->T == NAAM_T_UNIFORM && nm->sym) sum[1] = 2 * sum[1] - psi[0];
  }
  PetscCall(NaNetworkAllgatherRows(model->net, W, nm->summary, nm->gath));
  for (PetscInt j = 0; j < N; j++) nm->phiall[j] = nm->gath[j * W];
  if (nm->T == NAAM_T_HEBBIAN || nm->T == NAAM_T_UNIFORM) {
    for (PetscInt w = 1; w < W; w++) nm->coup[w - 1] = 0;
    for (PetscInt i = 0; i < N; i++)
      for (PetscInt w = 1; w < W; w++) nm->coup[w - 1] += nm->gath[i * W + w];
  }
  if (nm->T == NAAM_T_SPARSE) /* m_b psi_kl: the terms kl and lk of (T Psi)_ij, as psi_kl + psi_lk in full storage */
    for (PetscInt k = 0; k < N; k++) {
      const PetscScalar *gk = nm->gath + k * W + 1;
      PetscScalar       *v  = nm->procpsi + NaamProcess(N, k, k);
      if (nm->sym)
        for (PetscInt l = k; l < N; l++) v[l - k] = l > k ? 2 * gk[l - k] : gk[0];
      else
        for (PetscInt l = k; l < N; l++) v[l - k] = l > k ? gk[l] + nm->gath[l * W + 1 + k] : gk[k];
    }
  if (nm->colcode) {
    for (PetscInt mu = 0; mu < K; mu++) nm->arow[mu] = nm->cT * nm->coup[mu];
    HebbianTable(K, nm->arow, nm->table);
  }
  PetscFunctionReturn(0);
}

/* out[k] = sum_mu a[mu] xi[mu * N + k]: eight columns at a time with all patterns accumulated in registers */
NAAM_KERNEL static void HebbianTile(PetscInt n, PetscInt K, PetscInt N, const PetscScalar *restrict xi,
                                    const PetscScalar *restrict a, PetscScalar *restrict out)
{
  PetscInt k = 0;
  for (; k + 8 <= n; k += 8) {
    double acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    for (PetscInt mu = 0; mu < K; mu++)
      for (int l = 0; l < 8; l++) acc[l] += a[mu] * xi[mu * N + k + l];
    for (int l = 0; l < 8; l++) out[k + l] = acc[l];
  }
  for (; k < n; k++) {
    double acc = 0;
    for (PetscInt mu = 0; mu < K; mu++) acc += a[mu] * xi[mu * N + k];
    out[k] = acc;
  }
}

/* out[k] = table[code[k] ^ flip] */
NAAM_KERNEL static void TableTile(PetscInt n, const PetscScalar *restrict table, const unsigned *restrict code,
                                  unsigned flip, PetscScalar *restrict out)
{
  for (PetscInt k = 0; k < n; k++) out[k] = table[code[k] ^ flip];
}

/* the coefficients a_mu = c_T q_mu xi^mu_i of row r's Hebbian coupling (T Psi)_ij = sum_mu a_mu xi^mu_j, for the
 * direct sum (K > 16: no table) */
static void HebbianRowCoefficients(NAAM *nm, PetscInt r, PetscScalar *a)
{
  const PetscInt N = nm->mem.N;
  if (nm->colcode) return;
  for (PetscInt mu = 0; mu < nm->mem.K; mu++) a[mu] = nm->cT * nm->coup[mu] * nm->mem.xi[mu * N + nm->rstart + r];
}

/* What a tile of row i needs besides its g = g(s_i.), which is computed before it. */
typedef struct {
  PetscReal          rs, rp, alpha, gamma, c, d; /* 1/tau_s, 1/tau_p, leaks, inputs */
  PetscScalar        phi_i;
  const PetscScalar *phij;  /* phi of the tile's columns */
  const PetscScalar *table; /* Hebbian table (NaamGather), entry code[k] ^ flip; or NULL: the coupling is in tp */
  const unsigned    *code;
  unsigned           flip;
  const PetscScalar *tp;
  PetscScalar       *pc; /* symmetric storage: the block's partial column sums of the tile's columns, or NULL */
} NaamTile;

/* One tile of a row in one pass: writes the synapse and process right-hand sides (fp holds psi on entry), adds
 * phi_i g_ij into the transposed column sums pc, and returns sum_k g_k phij_k with NaDot's bits. Each element
 * goes through the operations of the separate loops it replaces, in their order (the same bits). */
static inline __attribute__((always_inline)) PetscScalar RowTileBody(const int tabled, PetscInt n, const NaamTile *t,
                                                                     const PetscScalar *restrict s,
                                                                     const PetscScalar *restrict p,
                                                                     const PetscScalar *restrict g,
                                                                     PetscScalar *restrict fs, PetscScalar *restrict fp)
{
  const PetscReal   rs = t->rs, rp = t->rp, alpha = t->alpha, gamma = t->gamma, c = t->c, d = t->d;
  const PetscScalar phi_i = t->phi_i, *restrict phij = t->phij, *restrict table = t->table, *restrict tp = t->tp;
  const unsigned *restrict code = t->code, flip = t->flip;
  PetscScalar *restrict pc = t->pc;
  NaamV8   acc             = {0, 0, 0, 0, 0, 0, 0, 0};
  double   tail            = 0;
  PetscInt k               = 0;

  for (; k + 8 <= n; k += 8) {
    NaamV8 gv, sv, pv, phv, psv, tv, q;
    LoadV8(&gv, g + k);
    LoadV8(&sv, s + k);
    LoadV8(&pv, p + k);
    LoadV8(&phv, phij + k);
    LoadV8(&psv, fp + k);
    if (tabled)
      for (int l = 0; l < 8; l++) tv[l] = table[code[k + l] ^ flip];
    else
      LoadV8(&tv, tp + k);
    acc += gv * phv;
    if (pc) {
      LoadV8(&q, pc + k);
      q += phi_i * gv;
      memcpy(pc + k, &q, sizeof q);
    }
    q = rs * (-alpha * sv + phi_i * phv + psv + c);
    memcpy(fs + k, &q, sizeof q);
    q = rp * (-gamma * pv + tv + gv + d);
    memcpy(fp + k, &q, sizeof q);
  }
  for (; k < n; k++) {
    const PetscScalar tk = tabled ? table[code[k] ^ flip] : tp[k], psi = fp[k];
    tail += g[k] * phij[k];
    if (pc) pc[k] += phi_i * g[k];
    fs[k] = rs * (-alpha * s[k] + phi_i * phij[k] + psi + c);
    fp[k] = rp * (-gamma * p[k] + tk + g[k] + d);
  }
  return ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7])) + tail;
}

NAAM_KERNEL static PetscScalar RowTileTable(PetscInt n, const NaamTile *t, const PetscScalar *restrict s,
                                            const PetscScalar *restrict p, const PetscScalar *restrict g,
                                            PetscScalar *restrict fs, PetscScalar *restrict fp)
{
  return RowTileBody(1, n, t, s, p, g, fs, fp);
}

NAAM_KERNEL static PetscScalar RowTileDirect(PetscInt n, const NaamTile *t, const PetscScalar *restrict s,
                                             const PetscScalar *restrict p, const PetscScalar *restrict g,
                                             PetscScalar *restrict fs, PetscScalar *restrict fp)
{
  return RowTileBody(0, n, t, s, p, g, fs, fp);
}

/* columns j0 + k0 .. j0 + k0 + n - 1 of row r (local) of T Psi; a: HebbianRowCoefficients */
static void CouplingTile(NAAM *nm, PetscInt r, const PetscScalar *a, PetscInt k0, PetscInt n, PetscScalar *restrict out)
{
  const PetscInt N = nm->mem.N, j = NaamRowStart(nm, r) + k0;

  switch (nm->T) {
  case NAAM_T_HEBBIAN:
    if (nm->colcode) /* entry d of the table: bit mu of d set where xi^mu_j = xi^mu_i */
      TableTile(n, nm->table, nm->colcode + j, ~nm->colcode[nm->rstart + r] & (((unsigned)1 << nm->mem.K) - 1), out);
    else
      HebbianTile(n, nm->mem.K, N, nm->mem.xi + j, a, out);
    break;
  case NAAM_T_UNIFORM:
    for (PetscInt k = 0; k < n; k++) out[k] = nm->cT * nm->coup[0];
    break;
  case NAAM_T_SPARSE: {
    const PetscInt *c = nm->slotproc + NaamSlot(nm, r, j);
    for (PetscInt k = 0; k < n; k++) out[k] = SparseRow(nm, c[k], nm->procpsi);
  } break;
  case NAAM_T_DENSE: {
    const PetscInt W = nm->W, N2 = N * N;
    for (PetscInt k = 0; k < n; k++) {
      const PetscScalar *t   = nm->Tdense + (r * N + j + k) * N2;
      PetscScalar        acc = 0;
      for (PetscInt a = 0; a < N; a++)
        for (PetscInt l = 0; l < N; l++) acc += t[a * N + l] * nm->gath[a * W + 1 + l];
      out[k] = acc;
    }
  } break;
  }
}

void NaamCouplingRow(NAAM *nm, PetscInt r, PetscScalar *out)
{
  if (nm->T == NAAM_T_HEBBIAN) HebbianRowCoefficients(nm, r, nm->arow);
  CouplingTile(nm, r, nm->arow, 0, nm->mem.N - NaamRowStart(nm, r), out);
}

/* One pass over the stored rows, tile by tile. The neuron drive sum_j g(s_ij) phi_j needs, in symmetric
 * storage, also the columns below the diagonal, i.e. the rows above: every row adds g_ij phi_i to its block's
 * partial column sums, which NaNetworkSumBlockColumns adds up in block order once all rows are done. */
static PetscErrorCode RHS_NAAM(NaModel model, PetscReal t, Vec U, Vec F)
{
  NAAM              *nm = (NAAM *)model->data;
  const PetscInt     N = model->N, C = nm->block;
  const PetscReal    rn = 1 / nm->tau_n, rs = 1 / nm->tau_s, rp = 1 / nm->tau_p;
  const PetscScalar *u, *phiall        = nm->phiall;
  PetscScalar       *f, *restrict grow = nm->grow, *restrict trow = nm->trow, *drive = nm->erow;
  PetscScalar       *part   = nm->partial;
  PetscInt           b0     = -1;
  const PetscBool    tabled = nm->T == NAAM_T_HEBBIAN && nm->colcode ? PETSC_TRUE : PETSC_FALSE;
  NaamTile           tile   = {.rs    = rs,
                               .rp    = rp,
                               .alpha = nm->alpha,
                               .gamma = nm->gamma,
                               .c     = nm->c,
                               .d     = nm->d,
                               .table = tabled ? nm->table : NULL,
                               .tp    = trow};

  PetscFunctionBegin;
  (void)t;
  PetscCall(VecGetArrayRead(U, &u));
  PetscCall(VecGetArray(F, &f));
  PetscCall(NaamGather(model, u, f)); /* psi now sits in f's p slots */
  for (PetscInt r = 0; r < nm->nloc; r++) {
    const PetscInt     i = nm->rstart + r, j0 = NaamRowStart(nm, r), L = N - j0;
    const PetscScalar *s = u + nm->rowoff[r] + 1, *p = s + L;
    PetscScalar       *fs = f + nm->rowoff[r] + 1, *fp = fs + L, *pc = NULL;
    const PetscScalar  phi_i = phiall[i];

    if (nm->sym) {
      if ((i - nm->rstart) % C == 0) { /* a block starts: its partial row follows the previous block's */
        if (b0 >= 0) part += N - b0;
        b0 = i;
        PetscCall(PetscArrayzero(part, N - b0));
      }
      pc = part + (i - b0); /* pc[k]: column i + k */
    }
    if (nm->T == NAAM_T_HEBBIAN) HebbianRowCoefficients(nm, r, nm->arow);
    tile.phi_i = phi_i;
    if (tabled) tile.flip = ~nm->colcode[i] & (((unsigned)1 << model->K) - 1);
    drive[r] = 0;
    for (PetscInt k0 = 0; k0 < L; k0 += NAAM_TILE) {
      const PetscInt    n    = PetscMin(NAAM_TILE, L - k0);
      const PetscScalar diag = pc && !k0 ? pc[0] : 0; /* the diagonal is not part of the transposed half */

      NaActEvalArray(&nm->g, n, s + k0, grow);
      tile.phij = phiall + j0 + k0;
      tile.pc   = pc ? pc + k0 : NULL;
      if (tabled) {
        tile.code = nm->colcode + j0 + k0;
        drive[r] += RowTileTable(n, &tile, s + k0, p + k0, grow, fs + k0, fp + k0);
      } else {
        CouplingTile(nm, r, nm->arow, k0, n, trow);
        drive[r] += RowTileDirect(n, &tile, s + k0, p + k0, grow, fs + k0, fp + k0);
      }
      if (pc && !k0) pc[0] = diag;
    }
  }
  if (nm->sym) PetscCall(NaNetworkSumBlockColumns(model->net, nm->partial, nm->colsum));
  for (PetscInt r = 0; r < nm->nloc; r++) {
    const PetscInt o = nm->rowoff[r];
    f[o]             = rn * (-nm->lambda * u[o] + (nm->sym ? drive[r] + nm->colsum[r] : drive[r]) + nm->b);
  }
  PetscCall(VecRestoreArray(F, &f));
  PetscCall(VecRestoreArrayRead(U, &u));
  PetscFunctionReturn(0);
}

static PetscErrorCode Leak_NAAM(NaModel model, Vec D)
{
  NAAM          *nm = (NAAM *)model->data;
  const PetscInt N  = model->N;
  PetscScalar   *d;

  PetscFunctionBegin;
  PetscCall(VecGetArray(D, &d));
  for (PetscInt r = 0; r < nm->nloc; r++) {
    const PetscInt L   = N - NaamRowStart(nm, r);
    PetscScalar   *row = d + nm->rowoff[r];
    row[0]             = nm->lambda / nm->tau_n;
    for (PetscInt k = 0; k < L; k++) {
      row[1 + k]     = nm->alpha / nm->tau_s;
      row[1 + L + k] = nm->gamma / nm->tau_p;
    }
  }
  PetscCall(VecRestoreArray(D, &d));
  PetscFunctionReturn(0);
}

/* E of models.md 1.3 with the inputs b, c, d (so that the right-hand sides stay -dE/dphi, -2 dE/dg, -2 dE/dpsi).
 * In symmetric storage every off-diagonal term stands for itself and its mirror image. */
static PetscErrorCode Observe_NAAM(NaModel model, Vec U, PetscReal *energy, PetscReal overlaps[])
{
  NAAM              *nm = (NAAM *)model->data;
  const PetscInt     N = model->N, K = model->K;
  const PetscScalar *u;
  PetscScalar        E;

  PetscFunctionBegin;
  PetscCall(VecGetArrayRead(U, &u));
  PetscCall(NaamGather(model, u, NULL));
  for (PetscInt r = 0; r < nm->nloc; r++) {
    const PetscInt     j0 = NaamRowStart(nm, r), L = N - j0;
    const PetscScalar *s = u + nm->rowoff[r] + 1, *p = s + L, *phij = nm->phiall + j0;
    const PetscScalar  x = u[nm->rowoff[r]], phi_i = nm->phiall[nm->rstart + r];
    PetscScalar       *g = nm->grow, *psi = nm->prow, *lag = nm->lrow, row = 0, first = 0;

    NaActEvalArray(&nm->g, L, s, g);
    NaActEvalArray(&nm->psi, L, p, psi);
    NaActLagrangianArray(&nm->g, L, s, lag);
    NaActLagrangianArray(&nm->psi, L, p, nm->trow);
    for (PetscInt k = 0; k < L; k++) lag[k] = 0.5 * nm->alpha * lag[k] + 0.5 * nm->gamma * nm->trow[k];
    for (PetscInt k = 0; k < L; k++) {
      const PetscScalar e = 0.5 * nm->alpha * s[k] * g[k] + 0.5 * nm->gamma * p[k] * psi[k] - lag[k] -
                            0.5 * g[k] * phi_i * phij[k] - 0.5 * psi[k] * g[k] - 0.5 * nm->c * g[k] -
                            0.5 * nm->d * psi[k];
      if (k == 0) first = e;
      row += e;
    }
    if (nm->sym) row = 2 * row - first;
    if (nm->T == NAAM_T_DENSE) {
      NaamCouplingRow(nm, r, nm->trow);
      for (PetscInt j = 0; j < N; j++) row -= 0.25 * psi[j] * nm->trow[j];
    }
    if (nm->T == NAAM_T_SPARSE) { /* -1/4 sum_j psi_ij (T Psi)_ij, each stored off-diagonal term twice */
      PetscScalar tp = 0;
      NaamCouplingRow(nm, r, nm->trow);
      for (PetscInt k = 0; k < L; k++) tp += psi[k] * nm->trow[k];
      if (nm->sym) tp = 2 * tp - psi[0] * nm->trow[0];
      row -= 0.25 * tp;
    }
    nm->erow[r] = nm->lambda * (x * phi_i - NaActLagrangian(&nm->phi, x)) - nm->b * phi_i + row;
  }
  PetscCall(VecRestoreArrayRead(U, &u));
  PetscCall(NaNetworkSumRows(model->net, 1, nm->erow, &E));
  if (nm->T == NAAM_T_HEBBIAN)
    for (PetscInt mu = 0; mu < K; mu++) E -= 0.25 * nm->cT * nm->coup[mu] * nm->coup[mu];
  if (nm->T == NAAM_T_UNIFORM) E -= 0.25 * nm->cT * nm->coup[0] * nm->coup[0];
  *energy = E;
  if (overlaps) {
    for (PetscInt mu = 0; mu < K; mu++) {
      PetscScalar m = 0;
      for (PetscInt i = 0; i < N; i++) m += nm->mem.xi[mu * N + i] * nm->phiall[i];
      overlaps[mu] = m / N;
    }
  }
  PetscFunctionReturn(0);
}

PetscErrorCode NaModelNAAMSetStationary(NaModel model, Vec U)
{
  NAAM              *nm = (NAAM *)model->data;
  const PetscInt     N = model->N, K = model->K;
  const PetscScalar *xi = nm->mem.xi;
  PetscScalar       *u, *x, *phi0, *o;

  PetscFunctionBegin;
  PetscCall(PetscMalloc3(nm->nloc, &x, N, &phi0, K, &o));
  PetscCall(VecGetArray(U, &u));
  for (PetscInt r = 0; r < nm->nloc; r++) x[r] = NaActEval(&nm->phi, u[nm->rowoff[r]]);
  PetscCall(NaNetworkAllgatherRows(model->net, 1, x, phi0));
  for (PetscInt mu = 0; mu < K; mu++) {
    o[mu] = 0;
    for (PetscInt i = 0; i < N; i++) o[mu] += xi[mu * N + i] * phi0[i];
  }
  /* psi(0) = -phi0 phi0',  g(0) = T (phi0 phi0') */
  PetscScalar sum0 = 0;
  for (PetscInt i = 0; i < N; i++) sum0 += phi0[i];
  if (nm->T == NAAM_T_SPARSE) /* m_b phi0_k phi0_l of every process b = {k, l} */
    for (PetscInt k = 0; k < N; k++)
      for (PetscInt l = k; l < N; l++) nm->procpsi[NaamProcess(N, k, l)] = (l > k ? 2 : 1) * (phi0[k] * phi0[l]);
  for (PetscInt r = 0; r < nm->nloc; r++) {
    const PetscInt i = nm->rstart + r, j0 = NaamRowStart(nm, r), L = N - j0;
    PetscScalar   *s = u + nm->rowoff[r] + 1, *p = s + L;
    for (PetscInt k = 0; k < L; k++) {
      const PetscInt j = j0 + k;
      PetscScalar    g = 0;
      switch (nm->T) {
      case NAAM_T_HEBBIAN:
        for (PetscInt mu = 0; mu < K; mu++) g += o[mu] * o[mu] * xi[mu * N + i] * xi[mu * N + j];
        g *= nm->cT;
        break;
      case NAAM_T_UNIFORM:
        g = nm->cT * sum0 * sum0;
        break;
      case NAAM_T_SPARSE:
        g = SparseRow(nm, nm->slotproc[NaamSlot(nm, r, j)], nm->procpsi);
        break;
      case NAAM_T_DENSE:
        for (PetscInt k2 = 0; k2 < N; k2++)
          for (PetscInt l = 0; l < N; l++) g += nm->Tdense[(r * N + j) * N * N + k2 * N + l] * phi0[k2] * phi0[l];
        break;
      }
      s[k] = NaActInverse(&nm->g, g);
      p[k] = NaActInverse(&nm->psi, -phi0[i] * phi0[j]);
    }
  }
  PetscCall(VecRestoreArray(U, &u));
  PetscCall(PetscFree3(x, phi0, o));
  PetscFunctionReturn(0);
}

static PetscErrorCode InitialState_NAAM(NaModel model, Vec U)
{
  NAAM        *nm = (NAAM *)model->data;
  PetscScalar *u;

  PetscFunctionBegin;
  PetscCall(VecSet(U, 0));
  PetscCall(VecGetArray(U, &u));
  for (PetscInt r = 0; r < nm->nloc; r++) u[nm->rowoff[r]] = nm->mem.cue[nm->rstart + r];
  PetscCall(VecRestoreArray(U, &u));
  if (nm->init == NAAM_INIT_STATIONARY) PetscCall(NaModelNAAMSetStationary(model, U));
  PetscFunctionReturn(0);
}

static PetscErrorCode GetNeurons_NAAM(NaModel model, Vec U, PetscScalar x[])
{
  NAAM              *nm = (NAAM *)model->data;
  const PetscScalar *u;

  PetscFunctionBegin;
  PetscCall(VecGetArrayRead(U, &u));
  for (PetscInt r = 0; r < nm->nloc; r++) x[r] = u[nm->rowoff[r]];
  PetscCall(VecRestoreArrayRead(U, &u));
  PetscFunctionReturn(0);
}

/* group /coupling: the coupling T in effect; for -T sparse the links drawn, so that an analysis reads the actual r */
static PetscErrorCode WriteCoupling(NaModel model, hid_t file)
{
  NAAM *nm = (NAAM *)model->data;
  hid_t g;

  PetscFunctionBegin;
  NaH5Call(g = H5Gcreate2(file, "coupling", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
  PetscCall(NaH5SetAttributeString(g, "type", CouplingNames[nm->T]));
  PetscCall(NaH5SetAttributeReal(g, "c_T", nm->cT));
  if (nm->T == NAAM_T_SPARSE) {
    const PetscInt P = model->N * (model->N + 1) / 2;
    PetscCall(NaH5SetAttributeInt(g, "processes", P));
    PetscCall(NaH5SetAttributeInt(g, "links_r", nm->links));
    PetscCall(NaH5SetAttributeReal(g, "links_q", nm->linkq));
    PetscCall(NaH5SetAttributeInt(g, "partner_pairs", nm->partners));
    PetscCall(NaH5SetAttributeReal(g, "partners_mean", (double)nm->partners / (double)P));
  }
  NaH5Call(H5Gclose(g));
  PetscFunctionReturn(0);
}

static PetscErrorCode WriteStatic_NAAM(NaModel model, hid_t file)
{
  NAAM *nm = (NAAM *)model->data;

  PetscFunctionBegin;
  PetscCall(NaMemoryWrite(&nm->mem, model->comm, file));
  PetscCall(WriteCoupling(model, file));
  PetscFunctionReturn(0);
}

/* value of s (f = 0) or p (f = 1) at (i, j), i a local row, j >= its first stored column */
static inline PetscScalar StoredValue(const NAAM *nm, const PetscScalar *u, PetscInt f, PetscInt i, PetscInt j)
{
  return u[NaamIndex(nm, i - nm->rstart, f, j)];
}

/* /final/s and /final/p as full N x N matrices. In symmetric storage a block of local rows [a, b) writes the
 * rectangle rows [a, b) x columns [a, N) and its mirror, rows [b, N) x columns [a, b): both come from the
 * block's own upper-triangle rows, and together the blocks cover the matrix once. */
static PetscErrorCode WriteMatrix(NaModel model, hid_t dset, const PetscScalar *u, PetscInt f)
{
  NAAM          *nm = (NAAM *)model->data;
  const PetscInt N  = model->N;
  PetscInt       R, nblocks, maxblocks;
  PetscScalar   *buf;

  PetscFunctionBegin;
  if (!nm->sym) {
    PetscCall(PetscMalloc1(PetscMax(nm->nloc * N, 1), &buf));
    for (PetscInt r = 0; r < nm->nloc; r++) PetscCall(PetscArraycpy(buf + r * N, u + nm->rowoff[r] + 1 + f * N, N));
    PetscCall(NaH5WriteRows(dset, (hsize_t)nm->rstart, (hsize_t)nm->nloc, buf));
    PetscCall(PetscFree(buf));
    PetscFunctionReturn(0);
  }
  R       = PetscMax(1, PetscMin(nm->nloc, (1 << 21) / N)); /* rows per block: buffers of at most ~16 MB */
  nblocks = (nm->nloc + R - 1) / R;
  PetscCall(MPIU_Allreduce(&nblocks, &maxblocks, 1, MPIU_INT, MPI_MAX, model->comm));
  PetscCall(PetscMalloc1(PetscMax(R * N, 1), &buf));
  for (PetscInt blk = 0; blk < maxblocks; blk++) { /* collective writes: every rank takes part in each */
    const PetscInt a = PetscMin(nm->rstart + blk * R, nm->rend), b = PetscMin(a + R, nm->rend), m = b - a;
    for (PetscInt i = a; i < b; i++)
      for (PetscInt j = a; j < N; j++)
        buf[(i - a) * (N - a) + (j - a)] = j >= i ? StoredValue(nm, u, f, i, j) : StoredValue(nm, u, f, j, i);
    PetscCall(NaH5WriteBlock(dset, (hsize_t)a, (hsize_t)m, (hsize_t)a, m ? (hsize_t)(N - a) : 0, buf));
    for (PetscInt j = b; j < N; j++)
      for (PetscInt i = a; i < b; i++) buf[(j - b) * m + (i - a)] = StoredValue(nm, u, f, i, j);
    PetscCall(NaH5WriteBlock(dset, (hsize_t)b, m ? (hsize_t)(N - b) : 0, (hsize_t)a, (hsize_t)m, buf));
  }
  PetscCall(PetscFree(buf));
  PetscFunctionReturn(0);
}

static PetscErrorCode WriteFinal_NAAM(NaModel model, hid_t group, Vec U)
{
  NAAM              *nm = (NAAM *)model->data;
  const PetscInt     N  = model->N;
  const PetscScalar *u;
  PetscScalar       *x;
  hsize_t            dims[2] = {(hsize_t)N, (hsize_t)N};
  hid_t              dset;
  const char        *what[2] = {"s", "p"};
  const char        *desc[2] = {"synaptic facilitation s_ij (row i post-synaptic, column j pre-synaptic)",
                                "astrocyte process Ca2+ level p_ij wrapping synapse ij"};

  PetscFunctionBegin;
  PetscCall(VecGetArrayRead(U, &u));
  PetscCall(PetscMalloc1(PetscMax(nm->nloc, 1), &x));
  for (PetscInt r = 0; r < nm->nloc; r++) x[r] = u[nm->rowoff[r]];
  PetscCall(NaH5CreateDataset(group, "x", 1, dims, PETSC_FALSE, "neuron membrane state x_i", "1", &dset));
  PetscCall(NaH5WriteRows(dset, (hsize_t)nm->rstart, (hsize_t)nm->nloc, x));
  NaH5Call(H5Dclose(dset));
  PetscCall(PetscFree(x));
  for (PetscInt f = 0; f < 2; f++) {
    PetscCall(NaH5CreateDataset(group, what[f], 2, dims, PETSC_FALSE, desc[f], "1", &dset));
    PetscCall(WriteMatrix(model, dset, u, f));
    NaH5Call(H5Dclose(dset));
  }
  PetscCall(VecRestoreArrayRead(U, &u));
  PetscFunctionReturn(0);
}

static PetscErrorCode View_NAAM(NaModel model, PetscViewer viewer)
{
  NAAM *nm = (NAAM *)model->data;

  PetscFunctionBegin;
  PetscCall(NaMemoryView(&nm->mem, viewer));
  if (nm->sym) {
    PetscInt block;
    PetscCall(NaNetworkGetBlockSize(model->net, &block));
    PetscCall(PetscViewerASCIIPrintf(viewer,
                                     "state: %" PetscInt_FMT " neurons + 2 x %" PetscInt_FMT
                                     " synapse/process pairs i <= j (symmetric storage, row blocks of %" PetscInt_FMT
                                     ") = %" PetscInt_FMT " variables\n",
                                     model->N, model->N * (model->N + 1) / 2, block, model->nglobal));
  } else
    PetscCall(PetscViewerASCIIPrintf(viewer,
                                     "state: %" PetscInt_FMT " neurons + 2 x %" PetscInt_FMT
                                     " synapses/processes (full storage) = %" PetscInt_FMT " variables\n",
                                     model->N, model->N * model->N, model->nglobal));
  PetscCall(NaViewerPrintf(
      viewer, "beta %g, leaks lambda %g alpha %g gamma %g, tau_n %g tau_s %g tau_p %g, inputs b %g c %g d %g\n",
      (double)nm->beta, (double)nm->lambda, (double)nm->alpha, (double)nm->gamma, (double)nm->tau_n, (double)nm->tau_s,
      (double)nm->tau_p, (double)nm->b, (double)nm->c, (double)nm->d));
  PetscCall(NaViewerPrintf(viewer, "T %s (c_T = %g), init %s, activations phi %s g %s psi %s\n", CouplingNames[nm->T],
                           (double)nm->cT, InitNames[nm->init], NaActivationTypes[nm->act[0]],
                           NaActivationTypes[nm->act[1]], NaActivationTypes[nm->act[2]]));
  if (nm->T == NAAM_T_SPARSE) {
    const PetscInt P = model->N * (model->N + 1) / 2;
    PetscCall(NaViewerPrintf(viewer,
                             "sparse T: r = %" PetscInt_FMT " expected partners of each of the %" PetscInt_FMT
                             " processes, link probability q = %g; drawn: %.6g partners per process on "
                             "average (besides itself)\n",
                             nm->links, P, (double)nm->linkq, (double)nm->partners / (double)P));
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode Destroy_NAAM(NaModel model)
{
  NAAM *nm = (NAAM *)model->data;

  PetscFunctionBegin;
  PetscCall(NaMemoryDestroy(&nm->mem));
  PetscCall(PetscFree5(nm->summary, nm->gath, nm->phiall, nm->coup, nm->arow));
  PetscCall(PetscFree6(nm->grow, nm->trow, nm->prow, nm->lrow, nm->erow, nm->colsum));
  PetscCall(PetscFree(nm->partial));
  PetscCall(PetscFree(nm->dots));
  PetscCall(PetscFree2(nm->colcode, nm->table));
  PetscCall(PetscFree(nm->rowoff));
  PetscCall(PetscFree(nm->Tdense));
  PetscCall(PetscFree3(nm->slotproc, nm->linkptr, nm->procpsi));
  PetscCall(PetscFree(nm->linkcol));
  PetscCall(PetscFree(nm->linkw));
  PetscCall(PetscFree(model->data));
  model->mem = NULL;
  PetscFunctionReturn(0);
}

PETSC_EXTERN PetscErrorCode NaModelCreate_NAAM(NaModel model)
{
  NAAM *nm;

  PetscFunctionBegin;
  PetscCall(PetscNew(&nm));
  /* the authors' tutorial setting (models.md 1.8) */
  nm->mem.N        = 500;
  nm->mem.K        = 10;
  nm->mem.seed     = 1;
  nm->mem.cue_flip = 0.1;
  nm->beta         = 5;
  nm->lambda = nm->alpha = nm->gamma = 1;
  nm->tau_n = nm->tau_s = nm->tau_p = 1;
  nm->T                             = NAAM_T_HEBBIAN;
  nm->init                          = NAAM_INIT_STATIONARY;
  model->data                       = nm;
  model->ts_default                 = "bs3ls"; /* 5 state vectors: N = 10^4 fits in 24 GiB (docs/design.md) */
  model->mem                        = &nm->mem;
  model->ops                        = (NaModelOps){.setfromoptions = SetFromOptions_NAAM,
                                                   .setup          = SetUp_NAAM,
                                                   .initialstate   = InitialState_NAAM,
                                                   .rhs            = RHS_NAAM,
                                                   .leak           = Leak_NAAM,
                                                   .observe        = Observe_NAAM,
                                                   .getneurons     = GetNeurons_NAAM,
                                                   .writestatic    = WriteStatic_NAAM,
                                                   .writefinal     = WriteFinal_NAAM,
                                                   .view           = View_NAAM,
                                                   .destroy        = Destroy_NAAM};
  PetscFunctionReturn(0);
}
