/* Private to the naam model and its tests. */
#pragma once
#include "modelimpl.h"
#include "activation.h"
#include <stdint.h>

typedef enum { NAAM_T_HEBBIAN, NAAM_T_DENSE, NAAM_T_UNIFORM, NAAM_T_SPARSE } NaamCoupling;
typedef enum { NAAM_INIT_STATIONARY, NAAM_INIT_ZERO } NaamInit;
#define NAAM_DENSE_MAX_N 12
/* sparse T: drawing the links hashes every pair of processes, O(N^4 / ranks) at set-up (docs/models.md) */
#define NAAM_SPARSE_MAX_N 256
/* sparse T: the random stream of the link hash (the patterns are stream 1, the cue 2: memory.c) */
#define NAAM_STREAM_LINKS 3

typedef enum { NAAM_STORAGE_SYMMETRIC, NAAM_STORAGE_FULL } NaamStorage;

/* the s equation's drive f and the process input kappa: energy (models.md 1.3: f = phi_i phi_j + psi_ij,
 * kappa = g_ij) or transformer (models.md 1.7, [KSK] App. C: f = -p_ij s_ij, kappa = 0, transformer.c) */
typedef enum { NAAM_F_ENERGY, NAAM_F_TRANSFORMER } NaamDrive;

/* -naam_f transformer: N output neurons x_i driven through synapses s_ij by M clamped input neurons I_j, one
 * astrocyte process p_ij per synapse; s and p are N x M (transformer.c) */
typedef struct {
  PetscInt     M;                /* input neurons: the columns of s and p */
  PetscScalar *c, *s0, *p0, *x0; /* local rows of the inputs c_ij, s(0), p(0) [nloc][M] and x(0) [nloc] */
  PetscScalar *Iin;              /* [M] the clamped input rates I_j */
  PetscScalar *scratch;          /* [2 M] g(s_i.), psi(p_i.) of one row */
  PetscScalar *rowsum;           /* [nloc] per-row sums */
  PetscReal    psum0;            /* sum p(0) */
  PetscBool    appc;             /* the configuration is App. C's instance exactly (its fixed point is known) */
  PetscReal    psum_first, psum_last, spread_first, spread_last, psum_maxdev; /* over the recorded samples */
  PetscBool    sampled;                                                       /* psum_first, spread_first are set */
  PetscErrorCode (*destroy)(NaModel);                                         /* naam's own */
} NaamTransformer;

typedef struct {
  NaMemory     mem;
  PetscReal    beta, lambda, alpha, gamma, tau_n, tau_s, tau_p;
  PetscReal    b, c, d; /* constant inputs of the general equations */
  PetscReal    cT;      /* T_scale */
  PetscBool    cT_set;
  PetscInt     act[3]; /* activation types of phi, g, psi */
  NaActivation phi, g, psi;
  PetscInt     T, init, storage;
  PetscBool    storage_set;
  PetscInt     block; /* symmetric storage: rows per block of the column sums (0: automatic) */
  /* -naam_f: NaamDrive; with transformer, -naam_input and its layout (transformer.c), else tl = NULL */
  PetscInt         f;
  char             input[PETSC_MAX_PATH_LEN];
  NaamTransformer *tl;
  PetscInt         ncol; /* columns of s and p: N, or M with -naam_f transformer */
  /* layout: row i holds [x_i, s_i(j0)..s_i(N-1), p_i(j0)..p_i(N-1)] with j0 = i (symmetric storage: the upper
   * triangle, s_ji = s_ij) or j0 = 0 (full storage); rows rstart..rend-1 on this rank, local row r at rowoff[r] */
  PetscBool    sym;
  PetscInt     rstart, rend, nloc;
  PetscInt    *rowoff;      /* [nloc+1] */
  PetscInt     W;           /* per-row summary width gathered once per right-hand side: phi_i + coupling partials */
  PetscScalar *Tdense;      /* dense T: [nloc*N][N*N] */
  PetscScalar *summary;     /* [nloc][W] */
  PetscScalar *gath;        /* [N][W] */
  PetscScalar *phiall;      /* [N] */
  PetscScalar *coup;        /* hebbian: q[K]; uniform: total psi */
  PetscScalar *grow, *trow; /* [N] scratch rows: g_i. and (T psi)_i. */
  PetscScalar *prow, *lrow; /* [N] scratch rows: psi_i. when it is not stored, Lagrangians */
  PetscScalar *erow;        /* [nloc] energy per row, then neuron drives */
  PetscScalar *arow;        /* [K] Hebbian coefficients: of one row (direct sum), or b_mu for the table */
  PetscScalar *dots;        /* [K] Hebbian: one tile's pattern dot products */
  unsigned    *colcode;     /* [N] Hebbian, K <= 16: sign pattern of column j (bit mu: xi^mu_j = +1) */
  PetscScalar *table;       /* [2^K] the Hebbian coupling values sum_mu (+-b_mu), per NaamGather (naam.c) */
  PetscScalar *colsum;      /* [nloc] symmetric storage: sum_{j<i} g_ji phi_j */
  PetscScalar
      *partial; /* symmetric storage: per local block, g_ij phi_i summed over its rows i, for j >= block start */
  /* sparse T: the links of every process a = {i, j} (i <= j, numbered NaamProcess) that a stored (i, j) of this rank
   * belongs to, in CSR form: row c holds the linked processes b in increasing order and their Hebbian weights */
  PetscInt     links;     /* r, the expected number of partner processes per process */
  PetscBool    links_set; /* -T_links given */
  PetscReal    linkq;     /* probability q = min(1, r / (P - 1)) that two processes are linked */
  PetscInt64   partners;  /* linked ordered pairs (a, b), a != b, over all P processes */
  PetscInt    *slotproc;  /* [local stored (i, j)] its CSR row */
  PetscCount  *linkptr;   /* [CSR rows + 1] */
  int32_t     *linkcol;   /* [links] the process b */
  PetscScalar *linkw;     /* [links] W_ab = c_T sum_mu xi^mu_i xi^mu_j xi^mu_k xi^mu_l */
  PetscScalar *procpsi;   /* [P] m_b psi_kl of every process b = {k, l} (m_b = 2 if k < l, else 1: NaamGather) */
} NAAM;

/* first stored column of local row r (its stored length is N minus this) */
static inline PetscInt NaamRowStart(const NAAM *nm, PetscInt r)
{
  return nm->sym ? nm->rstart + r : 0;
}

/* local index of s (f = 0) or p (f = 1) in column j of local row r, j >= NaamRowStart(nm, r) */
static inline PetscInt NaamIndex(const NAAM *nm, PetscInt r, PetscInt f, PetscInt j)
{
  const PetscInt j0 = NaamRowStart(nm, r);
  return nm->rowoff[r] + 1 + f * (nm->ncol - j0) + (j - j0);
}

/* number of process {i, j}, i <= j: its place in the upper triangle, row by row */
static inline PetscInt NaamProcess(PetscInt N, PetscInt i, PetscInt j)
{
  return i * N - i * (i - 1) / 2 + (j - i);
}

/* local slot (0, 1, ... over the stored (i, j) of this rank, row by row) of column j of local row r */
static inline PetscInt NaamSlot(const NAAM *nm, PetscInt r, PetscInt j)
{
  return (nm->rowoff[r] - r) / 2 + (j - NaamRowStart(nm, r));
}

/* Gathers phi and the coupling partials of state u (local array), filling phiall and coup; with f (an array of
 * the state's layout) non-NULL, psi(p) of every stored p is left in f's p slots. */
PETSC_EXTERN PetscErrorCode NaamGather(NaModel model, const PetscScalar *u, PetscScalar *f);
/* the stored columns j0..N-1 of row r (local) of T Psi, from the data NaamGather left */
PETSC_EXTERN void NaamCouplingRow(NAAM *nm, PetscInt r, PetscScalar *out);
/* fills s and p of U from its x so that the state is the stationary point of models.md 1.5 */
PETSC_EXTERN PetscErrorCode NaModelNAAMSetStationary(NaModel model, Vec U);
/* -naam_f transformer (transformer.c): an error for each option given that this configuration does not read */
PETSC_EXTERN PetscErrorCode NaamTransformerCheckOptions(NaModel model);
/* -naam_f transformer: reads -naam_input, lays out the N x M state and installs the transformer operations */
PETSC_EXTERN PetscErrorCode NaamTransformerSetUp(NaModel model);
