/* The reduced dense associative memory (models.md section 1.6): s and p eliminated,
 *
 *   tau_n dx_i/dt = -x_i + c_T sum_mu xi^mu_i F'(xi^mu . phi) + b,     F(z) = z^n / n,
 *   E = sum_i [x_i phi_i - L(x_i)] - c_T sum_mu F(xi^mu . phi) - b sum_i phi_i.
 *
 * n = 2 is the Hopfield network, n = 4 the reduction of the neuron-astrocyte network. The overlaps
 * xi^mu . phi cost O(K N) and one row gather of K + 1 numbers per neuron, summed in row order.
 *
 * With -dam_cues M the run retrieves M cue draws at once (the capacity study, docs/capacity.md): the state holds
 * M independent copies of the network, [cue][neuron], dealt out to the ranks by cue, and every rank keeps the
 * patterns whole. Both products (overlaps o = Xi phi, drive Xi' F'(o)) then run as small matrix products over
 * blocks of cues, each output summed in a fixed order (ascending i, ascending mu), so a cue's arithmetic does not
 * depend on the rank count or on which other cues share its block. */
#include "modelimpl.h"
#include "activation.h"
#include "naerrors.h"
#include "nalimits.h"
#include "h5util.h"
#include <string.h>

typedef struct {
  NaMemory     mem;
  PetscReal    beta, tau_n, b, cT;
  PetscBool    cT_set;
  PetscInt     n, act;
  NaActivation phi;
  PetscInt     rstart, nloc;
  PetscScalar *summary, *o, *erow; /* [nloc][K], [K], [nloc] */
  /* -dam_cues: the batch */
  PetscInt     cues;    /* 0: one cue, the rows are neurons; M > 0: M cue draws, the rows are cues */
  PetscInt     Kp, Np;  /* K and N rounded up to whole tiles */
  PetscScalar *Pk, *Pn; /* patterns packed by tiles of patterns [Kp/TILE][N][TILE], of neurons [Np/TILE][K][TILE] */
  PetscInt     nblk;    /* blocks of DAM_CB local cues */
  PetscScalar *bphi, *bw,
      *bd;            /* local cues padded to whole blocks: phi [.][N], o then c_T F'(o) [.][Kp], drive [.][Np] */
  PetscInt    *drawn; /* [local cues] the pattern each local cue draws */
  PetscScalar *x0;    /* [local cues][N] the cues */
} DAM;

#define DAM_TILE 16 /* outputs per register tile */
#define DAM_CB 8    /* cues per block */

static PetscErrorCode SetFromOptions_DAM(NaModel model, PetscOptionItems *PetscOptionsObject)
{
  DAM *dm = (DAM *)model->data;

  PetscFunctionBegin;
  PetscOptionsHeadBegin(PetscOptionsObject, "Reduced dense associative memory (-model dam)");
  PetscCall(NaMemorySetFromOptions(&dm->mem, model->prefix, PetscOptionsObject));
  PetscCall(PetscOptionsInt("-order",
                            "order n of the interaction F(z) = z^n/n (2: Hopfield, 4: neuron-astrocyte reduction; "
                            "PETSc options ignore case, so not -dam_n)",
                            NULL, dm->n, &dm->n, NULL));
  PetscCall(PetscOptionsReal("-beta", "gain of the tanh activation", NULL, dm->beta, &dm->beta, NULL));
  PetscCall(PetscOptionsReal("-tau_n", "neuron time constant", NULL, dm->tau_n, &dm->tau_n, NULL));
  PetscCall(PetscOptionsReal("-b", "constant neuron input b", NULL, dm->b, &dm->b, NULL));
  PetscCall(PetscOptionsReal("-T_scale", "scale c_T (default 1/N^(n-1))", NULL, dm->cT, &dm->cT, &dm->cT_set));
  PetscCall(
      NaOptionsChoice(PetscOptionsObject, model->prefix, "phi", "neuron activation", NaActivationTypes, 2, &dm->act));
  PetscCall(PetscOptionsInt("-cues",
                            "retrieve this many cue draws at once (each: a random pattern with cue_flip of its signs "
                            "flipped), reporting each one's Hamming distance; 0: the single cue of -dam_cue_pattern",
                            NULL, dm->cues, &dm->cues, NULL));
  PetscOptionsHeadEnd();
  PetscFunctionReturn(0);
}

static PetscErrorCode WriteResults_Batch(NaModel, hid_t, Vec);
static PetscErrorCode Summary_Batch(NaModel, Vec, PetscViewer);

/* -dam_cues: the rows are cue draws, every rank holds the patterns packed for the two block products */
static PetscErrorCode SetUpBatch(NaModel model)
{
  DAM               *dm = (DAM *)model->data;
  const PetscInt     N = model->N, K = model->K, M = dm->cues;
  const PetscScalar *xi = dm->mem.xi;
  PetscInt           rend;

  PetscFunctionBegin;
  PetscCall(NaCheckCount(model->comm, (double)M * (double)N,
                         "-%scues %" PetscInt_FMT " with -%sN %" PetscInt_FMT ": the state (cues x N)", model->prefix,
                         M, model->prefix, N));
  PetscCall(NaNetworkCreate(model->comm, M, &model->net));
  PetscCall(NaNetworkSetRowName(model->net, "cue draws"));
  PetscCall(NaNetworkGetOwnershipRange(model->net, &dm->rstart, &rend));
  dm->nloc       = rend - dm->rstart;
  model->nlocal  = dm->nloc * N;
  model->nglobal = M * N;
  dm->Kp         = (K + DAM_TILE - 1) / DAM_TILE * DAM_TILE;
  dm->Np         = (N + DAM_TILE - 1) / DAM_TILE * DAM_TILE;
  dm->nblk       = (dm->nloc + DAM_CB - 1) / DAM_CB;
  PetscCall(NaCheckNodeMemory(model->comm,
                              8.0 * ((double)dm->Kp * N + (double)dm->Np * K +
                                     (double)dm->nblk * DAM_CB * ((double)N + dm->Kp + dm->Np) + (double)dm->nloc * N),
                              "-%scues %" PetscInt_FMT " with -%sN %" PetscInt_FMT " and -%sK %" PetscInt_FMT
                              ": the batch's packed patterns, block buffers and cues",
                              model->prefix, M, model->prefix, N, model->prefix, K));
  PetscCall(PetscCalloc5(dm->Kp * N, &dm->Pk, dm->Np * K, &dm->Pn, PetscMax(dm->nblk * DAM_CB * N, 1), &dm->bphi,
                         PetscMax(dm->nblk * DAM_CB * dm->Kp, 1), &dm->bw, PetscMax(dm->nblk * DAM_CB * dm->Np, 1),
                         &dm->bd));
  for (PetscInt mu = 0; mu < K; mu++)
    for (PetscInt i = 0; i < N; i++) {
      dm->Pk[(mu / DAM_TILE * N + i) * DAM_TILE + mu % DAM_TILE] = xi[mu * N + i];
      dm->Pn[(i / DAM_TILE * K + mu) * DAM_TILE + i % DAM_TILE]  = xi[mu * N + i];
    }
  PetscCall(PetscMalloc2(PetscMax(dm->nloc, 1), &dm->drawn, PetscMax(dm->nloc * N, 1), &dm->x0));
  for (PetscInt c = 0; c < dm->nloc; c++)
    PetscCall(NaMemoryDrawCue(&dm->mem, dm->rstart + c, dm->x0 + c * N, &dm->drawn[c]));
  /* the batch reports its retrieval itself: no /energy, /overlaps or /x, and no single cued pattern */
  model->ops.observe      = NULL;
  model->ops.getneurons   = NULL;
  model->ops.writestatic  = NULL;
  model->ops.writeresults = WriteResults_Batch;
  model->ops.summary      = Summary_Batch;
  model->mem              = NULL;
  PetscFunctionReturn(0);
}

static PetscErrorCode SetUp_DAM(NaModel model)
{
  DAM        *dm = (DAM *)model->data;
  const char *p  = model->prefix;
  PetscInt    rend;

  PetscFunctionBegin;
  NaCheck(dm->beta > 0 && PetscIsNormalReal(dm->beta), model->comm, PETSC_ERR_USER_INPUT,
          "-%sbeta %g: the gain must be positive", p, (double)dm->beta);
  PetscCheck(dm->n >= 2, model->comm, PETSC_ERR_USER_INPUT,
             "-%sorder %" PetscInt_FMT ": the interaction order n must be at least 2", p, dm->n);
  PetscCall(NaCheckPositive(model->comm, p, "tau_n", dm->tau_n, PETSC_TRUE));
  PetscCheck(dm->cues >= 0, model->comm, PETSC_ERR_USER_INPUT,
             "-%scues %" PetscInt_FMT ": the number of cue draws must not be negative", p, dm->cues);
  if (dm->cues) {
    const char *single[] = {"-cue", "-cue_pattern", "-cue_draw"};
    for (int k = 0; k < 3; k++) {
      PetscBool given;
      PetscCall(PetscOptionsHasName(NULL, p, single[k], &given));
      PetscCheck(!given, model->comm, PETSC_ERR_USER_INPUT,
                 "-%s%s: not used with -%scues %" PetscInt_FMT " (each cue draw picks its own pattern)", p,
                 single[k] + 1, p, dm->cues);
    }
  }
  PetscCall(NaMemorySetUp(&dm->mem, model->comm));
  model->N = dm->mem.N;
  model->K = dm->mem.K;
  if (!dm->cT_set) dm->cT = 1.0 / PetscPowReal((PetscReal)model->N, (PetscReal)(dm->n - 1));
  dm->phi = (NaActivation){(NaActivationType)dm->act, dm->beta};
  if (dm->cues) PetscFunctionReturn(SetUpBatch(model));
  PetscCall(NaNetworkCreate(model->comm, model->N, &model->net));
  PetscCall(NaNetworkGetOwnershipRange(model->net, &dm->rstart, &rend));
  dm->nloc       = rend - dm->rstart;
  model->nlocal  = dm->nloc;
  model->nglobal = model->N;
  PetscCall(
      PetscMalloc3(PetscMax(dm->nloc * model->K, 1), &dm->summary, model->K, &dm->o, PetscMax(dm->nloc, 1), &dm->erow));
  PetscFunctionReturn(0);
}

/* o[mu] = xi^mu . phi(x), summed in row order */
static PetscErrorCode Overlaps(NaModel model, const PetscScalar *x)
{
  DAM           *dm = (DAM *)model->data;
  const PetscInt N = model->N, K = model->K;

  PetscFunctionBegin;
  for (PetscInt r = 0; r < dm->nloc; r++) {
    const PetscScalar phi = NaActEval(&dm->phi, x[r]);
    for (PetscInt mu = 0; mu < K; mu++) dm->summary[r * K + mu] = dm->mem.xi[mu * N + dm->rstart + r] * phi;
  }
  PetscCall(NaNetworkSumRows(model->net, K, dm->summary, dm->o));
  PetscFunctionReturn(0);
}

static inline PetscReal IntPow(PetscReal z, PetscInt n)
{
  PetscReal r = 1;
  for (PetscInt k = 0; k < n; k++) r *= z;
  return r;
}

/* fused multiply-adds where the clone's instruction set has them (C11 mode turns contraction off) */
#define DAM_KERNEL __attribute__((target_clones("arch=x86-64-v4", "avx2", "default"), optimize("fp-contract=fast")))

/* eight doubles: the tiles' arithmetic in GCC's vector extension (one register with AVX-512, two or four
 * narrower ones otherwise); every lane sums its own output in the same order, whatever the width */
typedef double DamV8 __attribute__((vector_size(64)));

/* C[c][0..TILE) = sum_k A[c][k] P[k][0..TILE) over k0 <= k < k1, for the DAM_CB cues of one block (A and C have
 * rows of lda and ldc values, P is a tile: rows of TILE values); with k0 > 0 the sum is added to C, so a long sum
 * can go in chunks. Both products are this: the overlaps (A = phi, P a tile of patterns, k = neurons) and the
 * drive (A = c_T F'(o), P a tile of neurons, k = patterns). */
DAM_KERNEL static void TileProduct(PetscInt k0, PetscInt k1, PetscInt lda, PetscInt ldc, const PetscScalar *restrict P,
                                   const PetscScalar *restrict A, PetscScalar *restrict C)
{
  DamV8 acc[DAM_CB][2] = {{{0}}};
  for (PetscInt k = k0; k < k1; k++) {
    DamV8 p0, p1;
    memcpy(&p0, P + k * DAM_TILE, sizeof p0);
    memcpy(&p1, P + k * DAM_TILE + 8, sizeof p1);
    for (int c = 0; c < DAM_CB; c++) {
      const PetscScalar a = A[c * lda + k];
      acc[c][0] += a * p0;
      acc[c][1] += a * p1;
    }
  }
  for (int c = 0; c < DAM_CB; c++) {
    if (k0) {
      DamV8 c0, c1;
      memcpy(&c0, C + c * ldc, sizeof c0);
      memcpy(&c1, C + c * ldc + 8, sizeof c1);
      acc[c][0] += c0;
      acc[c][1] += c1;
    }
    memcpy(C + c * ldc, &acc[c][0], sizeof acc[c][0]);
    memcpy(C + c * ldc + 8, &acc[c][1], sizeof acc[c][1]);
  }
}

#define DAM_CHUNK 256 /* patterns per pass of the drive: a chunk of a neuron tile (32 KiB) stays in the L1 cache */

/* The batch's right-hand side: the two products over all local cues, tile by tile so that each pattern tile is
 * read from memory once per evaluation. The local cues are padded to whole blocks with phi = 0. */
static PetscErrorCode RHSBatch(NaModel model, const PetscScalar *x, PetscScalar *f)
{
  DAM           *dm = (DAM *)model->data;
  const PetscInt N = model->N, K = model->K, Kp = dm->Kp, Np = dm->Np, nb = dm->nblk * DAM_CB;

  PetscFunctionBegin;
  for (PetscInt c = 0; c < nb; c++)
    for (PetscInt i = 0; i < N; i++) dm->bphi[c * N + i] = c < dm->nloc ? NaActEval(&dm->phi, x[c * N + i]) : 0;
  for (PetscInt t = 0; t < Kp; t += DAM_TILE)
    for (PetscInt b = 0; b < nb; b += DAM_CB)
      TileProduct(0, N, N, Kp, dm->Pk + t * N, dm->bphi + b * N, dm->bw + b * Kp + t); /* o = Xi phi */
  for (PetscInt k = 0; k < nb * Kp; k++) dm->bw[k] = dm->cT * IntPow(dm->bw[k], dm->n - 1);
  for (PetscInt mu0 = 0; mu0 < K; mu0 += DAM_CHUNK)
    for (PetscInt u = 0; u < Np; u += DAM_TILE)
      for (PetscInt b = 0; b < nb; b += DAM_CB)
        TileProduct(mu0, PetscMin(K, mu0 + DAM_CHUNK), Kp, Np, dm->Pn + u * K, dm->bw + b * Kp, dm->bd + b * Np + u);
  for (PetscInt c = 0; c < dm->nloc; c++)
    for (PetscInt i = 0; i < N; i++) f[c * N + i] = (-x[c * N + i] + dm->bd[c * Np + i] + dm->b) / dm->tau_n;
  PetscFunctionReturn(0);
}

/* Hamming distance of sign(x) to each local cue's drawn pattern, and its overlap xi . phi(x) / N */
static PetscErrorCode BatchRetrieval(NaModel model, Vec X, PetscScalar ham[], PetscScalar ov[])
{
  DAM               *dm = (DAM *)model->data;
  const PetscInt     N  = model->N;
  const PetscScalar *x;

  PetscFunctionBegin;
  PetscCall(VecGetArrayRead(X, &x));
  for (PetscInt c = 0; c < dm->nloc; c++) {
    const PetscScalar *xi = dm->mem.xi + dm->drawn[c] * N, *xc = x + c * N;
    PetscInt           d = 0;
    PetscScalar        o = 0;
    for (PetscInt i = 0; i < N; i++) {
      d += (xc[i] >= 0 ? 1.0 : -1.0) != xi[i];
      o += xi[i] * NaActEval(&dm->phi, xc[i]);
    }
    ham[c] = (PetscScalar)d;
    ov[c]  = o / N;
  }
  PetscCall(VecRestoreArrayRead(X, &x));
  PetscFunctionReturn(0);
}

static PetscErrorCode BatchRetrieved(NaModel model, Vec X, PetscInt *retrieved, PetscInt *worst)
{
  DAM         *dm = (DAM *)model->data;
  PetscScalar *ham, *ov;
  PetscInt     mine[2] = {0, 0}, all[2];

  PetscFunctionBegin;
  PetscCall(PetscMalloc2(PetscMax(dm->nloc, 1), &ham, PetscMax(dm->nloc, 1), &ov));
  PetscCall(BatchRetrieval(model, X, ham, ov));
  for (PetscInt c = 0; c < dm->nloc; c++) {
    mine[0] += ham[c] == 0;
    mine[1] = PetscMax(mine[1], (PetscInt)ham[c]);
  }
  PetscCall(PetscFree2(ham, ov));
  PetscCallMPI(MPI_Allreduce(&mine[0], &all[0], 1, MPIU_INT, MPI_SUM, model->comm));
  PetscCallMPI(MPI_Allreduce(&mine[1], &all[1], 1, MPIU_INT, MPI_MAX, model->comm));
  *retrieved = all[0];
  *worst     = all[1];
  PetscFunctionReturn(0);
}

static PetscErrorCode WriteResults_Batch(NaModel model, hid_t file, Vec X)
{
  DAM         *dm      = (DAM *)model->data;
  hsize_t      dims[1] = {(hsize_t)dm->cues};
  PetscScalar *ham, *ov, *pat;
  PetscInt     retrieved, worst;
  hid_t        group, dset;

  PetscFunctionBegin;
  PetscCall(PetscMalloc3(PetscMax(dm->nloc, 1), &ham, PetscMax(dm->nloc, 1), &ov, PetscMax(dm->nloc, 1), &pat));
  PetscCall(BatchRetrieval(model, X, ham, ov));
  for (PetscInt c = 0; c < dm->nloc; c++) pat[c] = (PetscScalar)dm->drawn[c];
  NaH5Call(group = H5Gcreate2(file, "retrieval", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
  const char  *names[] = {"pattern", "hamming", "overlap"};
  const char  *descr[] = {"the stored pattern each cue draw cues",
                          "Hamming distance of sign(x) to the cued pattern at the final time",
                          "overlap xi . phi(x) / N with the cued pattern at the final time"};
  PetscScalar *data[]  = {pat, ham, ov};
  for (int k = 0; k < 3; k++) {
    PetscCall(NaH5CreateDataset(group, names[k], 1, dims, PETSC_FALSE, descr[k], "1", &dset));
    PetscCall(NaH5WriteRows(dset, (hsize_t)dm->rstart, (hsize_t)dm->nloc, data[k]));
    NaH5Call(H5Dclose(dset));
  }
  PetscCall(PetscFree3(ham, ov, pat));
  PetscCall(BatchRetrieved(model, X, &retrieved, &worst));
  PetscCall(NaH5SetAttributeInt(group, "cues", dm->cues));
  PetscCall(NaH5SetAttributeReal(group, "flip_fraction", dm->mem.cue_flip));
  PetscCall(NaH5SetAttributeInt(group, "retrieved", retrieved));
  PetscCall(NaH5SetAttributeString(group, "criterion", "Hamming distance 0 to the cued pattern at the final time"));
  NaH5Call(H5Gclose(group));
  PetscCall(NaH5SetAttributeReal(file, "retrieved_fraction", (double)retrieved / dm->cues));
  PetscFunctionReturn(0);
}

static PetscErrorCode Summary_Batch(NaModel model, Vec X, PetscViewer viewer)
{
  DAM     *dm = (DAM *)model->data;
  PetscInt retrieved, worst;

  PetscFunctionBegin;
  PetscCall(BatchRetrieved(model, X, &retrieved, &worst));
  PetscCall(NaViewerPrintf(viewer,
                           "  retrieval: %" PetscInt_FMT " of %" PetscInt_FMT
                           " cue draws (%g of the signs flipped) at Hamming distance 0 (largest distance %" PetscInt_FMT
                           ")\n",
                           retrieved, dm->cues, (double)dm->mem.cue_flip, worst));
  PetscFunctionReturn(0);
}

static PetscErrorCode RHS_DAM(NaModel model, PetscReal t, Vec X, Vec F)
{
  DAM               *dm = (DAM *)model->data;
  const PetscInt     N = model->N, K = model->K;
  const PetscScalar *x;
  PetscScalar       *f;

  PetscFunctionBegin;
  (void)t;
  PetscCall(VecGetArrayRead(X, &x));
  PetscCall(VecGetArray(F, &f));
  if (dm->cues) {
    PetscCall(RHSBatch(model, x, f));
    PetscCall(VecRestoreArray(F, &f));
    PetscCall(VecRestoreArrayRead(X, &x));
    PetscFunctionReturn(0);
  }
  PetscCall(Overlaps(model, x));
  for (PetscInt mu = 0; mu < K; mu++) dm->o[mu] = dm->cT * IntPow(dm->o[mu], dm->n - 1); /* now c_T F'(o) */
  for (PetscInt r = 0; r < dm->nloc; r++) {
    PetscScalar drive = 0;
    for (PetscInt mu = 0; mu < K; mu++) drive += dm->mem.xi[mu * N + dm->rstart + r] * dm->o[mu];
    f[r] = (-x[r] + drive + dm->b) / dm->tau_n;
  }
  PetscCall(VecRestoreArray(F, &f));
  PetscCall(VecRestoreArrayRead(X, &x));
  PetscFunctionReturn(0);
}

static PetscErrorCode Leak_DAM(NaModel model, Vec D)
{
  DAM *dm = (DAM *)model->data;

  PetscFunctionBegin;
  PetscCall(VecSet(D, 1 / dm->tau_n));
  PetscFunctionReturn(0);
}

static PetscErrorCode Observe_DAM(NaModel model, Vec X, PetscReal *energy, PetscReal overlaps[])
{
  DAM               *dm = (DAM *)model->data;
  const PetscScalar *x;
  PetscScalar        E;

  PetscFunctionBegin;
  PetscCall(VecGetArrayRead(X, &x));
  PetscCall(Overlaps(model, x));
  for (PetscInt r = 0; r < dm->nloc; r++) {
    const PetscScalar phi = NaActEval(&dm->phi, x[r]);
    dm->erow[r]           = x[r] * phi - NaActLagrangian(&dm->phi, x[r]) - dm->b * phi;
  }
  PetscCall(VecRestoreArrayRead(X, &x));
  PetscCall(NaNetworkSumRows(model->net, 1, dm->erow, &E));
  for (PetscInt mu = 0; mu < model->K; mu++) {
    E -= dm->cT * IntPow(dm->o[mu], dm->n) / dm->n;
    if (overlaps) overlaps[mu] = dm->o[mu] / model->N;
  }
  *energy = E;
  PetscFunctionReturn(0);
}

static PetscErrorCode InitialState_DAM(NaModel model, Vec X)
{
  DAM         *dm = (DAM *)model->data;
  PetscScalar *x;

  PetscFunctionBegin;
  PetscCall(VecGetArray(X, &x));
  if (dm->cues)
    PetscCall(PetscArraycpy(x, dm->x0, dm->nloc * model->N));
  else
    PetscCall(PetscArraycpy(x, dm->mem.cue + dm->rstart, dm->nloc));
  PetscCall(VecRestoreArray(X, &x));
  PetscFunctionReturn(0);
}

static PetscErrorCode GetNeurons_DAM(NaModel model, Vec X, PetscScalar xl[])
{
  DAM               *dm = (DAM *)model->data;
  const PetscScalar *x;

  PetscFunctionBegin;
  PetscCall(VecGetArrayRead(X, &x));
  PetscCall(PetscArraycpy(xl, x, dm->nloc));
  PetscCall(VecRestoreArrayRead(X, &x));
  PetscFunctionReturn(0);
}

static PetscErrorCode WriteStatic_DAM(NaModel model, hid_t file)
{
  PetscFunctionBegin;
  PetscCall(NaMemoryWrite(model->mem, model->comm, file));
  PetscFunctionReturn(0);
}

static PetscErrorCode WriteFinal_DAM(NaModel model, hid_t group, Vec X)
{
  DAM               *dm = (DAM *)model->data;
  const PetscScalar *x;
  hsize_t            dims[2] = {(hsize_t)dm->cues, (hsize_t)model->N};
  hid_t              dset;

  PetscFunctionBegin;
  if (dm->cues)
    PetscCall(NaH5CreateDataset(group, "x", 2, dims, PETSC_FALSE,
                                "neuron membrane states x_i of each cue draw, [cue][i]", "1", &dset));
  else
    PetscCall(NaH5CreateDataset(group, "x", 1, dims + 1, PETSC_FALSE, "neuron membrane state x_i", "1", &dset));
  PetscCall(VecGetArrayRead(X, &x));
  PetscCall(NaH5WriteRows(dset, (hsize_t)dm->rstart, (hsize_t)dm->nloc, x));
  PetscCall(VecRestoreArrayRead(X, &x));
  NaH5Call(H5Dclose(dset));
  PetscFunctionReturn(0);
}

static PetscErrorCode View_DAM(NaModel model, PetscViewer viewer)
{
  DAM *dm = (DAM *)model->data;

  PetscFunctionBegin;
  if (dm->cues)
    PetscCall(NaViewerPrintf(viewer,
                             "patterns: K = %" PetscInt_FMT " over N = %" PetscInt_FMT " neurons; %" PetscInt_FMT
                             " cue draws, each a random pattern with %g of its signs flipped\n",
                             model->K, model->N, dm->cues, (double)dm->mem.cue_flip));
  else
    PetscCall(NaMemoryView(&dm->mem, viewer));
  PetscCall(NaViewerPrintf(
      viewer, "F(z) = z^%" PetscInt_FMT "/%" PetscInt_FMT ", c_T %g, beta %g (%s), tau_n %g, b %g\n", dm->n, dm->n,
      (double)dm->cT, (double)dm->beta, NaActivationTypes[dm->act], (double)dm->tau_n, (double)dm->b));
  PetscFunctionReturn(0);
}

static PetscErrorCode Destroy_DAM(NaModel model)
{
  DAM *dm = (DAM *)model->data;

  PetscFunctionBegin;
  PetscCall(NaMemoryDestroy(&dm->mem));
  PetscCall(PetscFree3(dm->summary, dm->o, dm->erow));
  PetscCall(PetscFree5(dm->Pk, dm->Pn, dm->bphi, dm->bw, dm->bd));
  PetscCall(PetscFree2(dm->drawn, dm->x0));
  PetscCall(PetscFree(model->data));
  model->mem = NULL;
  PetscFunctionReturn(0);
}

PETSC_EXTERN PetscErrorCode NaModelCreate_DAM(NaModel model)
{
  DAM *dm;

  PetscFunctionBegin;
  PetscCall(PetscNew(&dm));
  dm->mem.N        = 500;
  dm->mem.K        = 10;
  dm->mem.seed     = 1;
  dm->mem.cue_flip = 0.1;
  dm->n            = 4;
  dm->beta         = 5;
  dm->tau_n        = 1;
  model->data      = dm;
  model->mem       = &dm->mem;
  model->ops       = (NaModelOps){.setfromoptions = SetFromOptions_DAM,
                                  .setup          = SetUp_DAM,
                                  .initialstate   = InitialState_DAM,
                                  .rhs            = RHS_DAM,
                                  .leak           = Leak_DAM,
                                  .observe        = Observe_DAM,
                                  .getneurons     = GetNeurons_DAM,
                                  .writestatic    = WriteStatic_DAM,
                                  .writefinal     = WriteFinal_DAM,
                                  .view           = View_DAM,
                                  .destroy        = Destroy_DAM};
  PetscFunctionReturn(0);
}
