/* The attention circuit (models.md section 2; Kozachkov, Kastanenka, Krotov, PNAS 2023): hidden feature
 * neurons with the random-feature exponential map, Hebbian hidden-to-output synapses, astrocyte processes
 * that integrate presynaptic activity while tokens are written, and astrocyte calcium with a divisive
 * release factor while queries are read.
 *
 *   phi(u) = m^(-1/2) exp(W u - |u|^2/2),   W (m x D) i.i.d. N(0, 1), one W per head
 *   discrete (models.md 2.2):  H += v_t phi(k_t)',  p += phi(k_t);  a = p . phi(q),  y = H phi(q) / a
 *   continuous (models.md 2.3, integrated by TS): per hidden neuron mu and head
 *     tau_h   dh_mu/dt   = -h_mu + phi_mu(u(t))
 *     tau_syn dH_i,mu/dt = g eta y_i h_mu - l_syn H_i,mu
 *     tau_p   dp_mu/dt   = g kappa h_mu - l_p p_mu
 *   and per head (the astrocyte and the output neurons)
 *     tau_y dy_i/dt = -y_i + w v_i(t) + (1 - w) r sum_mu H_i,mu h_mu
 *     tau_c da/dt   = -a + (1 - w) sum_mu p_mu h_mu
 *     tau_r dr/dt   = 1 - a r
 * Schedule: each token is held for delta; non-causal: L write windows (u = k_t, w = 1), then L read windows
 * (u = q_t, w = 0); causal: write t, read t, write t + 1, ... The read-out of query t is the state at the end
 * of its window. [choice] Plasticity (H and p) is gated by g = 1 only in the last (1 - settle) of a write
 * window, after the neurons have settled (settle = 0 is the literal models.md 2.3 form, whose write-phase
 * transients bias H and p by O(tau/delta)); eta and kappa default to tau_syn / ((1 - settle) delta) and
 * tau_p / ((1 - settle) delta), so that each token adds exactly v phi' and phi, as in the discrete form.
 *
 * Distribution: hidden neurons are grouped into nb = min(m, 1024) contiguous blocks (a function of m only);
 * the blocks are NaNetwork's rows, so ranks own whole blocks. Read-out sums are per-block partial sums in
 * neuron order, then NaNetworkSumRows in block order: bitwise the same on any rank count. The per-head
 * values y, a, r live at the end of the state vector, on the last rank, and are broadcast once per RHS. */
#include "attention.h"
#include "naerrors.h"
#include "nalimits.h"
#include "h5util.h"
#include "rng.h"
#include <petsctime.h>

#define NA_ATT_MAXBLOCKS 1024

typedef enum { FORM_ODE, FORM_DISCRETE } AttForm;
static const char *const AttForms[] = {"ode", "discrete"};

enum { STREAM_EMBED = 101, STREAM_WQ = 102, STREAM_WK = 103, STREAM_WV = 104 };

typedef struct {
  /* options */
  PetscInt  m, L, dmodel, D, dv, H, form;
  int64_t   seed, fseed; /* all 64 bits count, as naam's and dam's */
  PetscBool fseed_set, L_set, D_set, dv_set, H_set, dmodel_set, causal, eta_set, kappa_set, tau_r_set;
  char      input[PETSC_MAX_PATH_LEN];
  PetscReal qk_scale, delta, settle, tau_h, tau_y, tau_syn, tau_p, tau_c, tau_r, eta, kappa, leak_syn, leak_p;
  /* inputs [H][L][D], [H][L][D], [H][L][dv] */
  PetscReal *q, *k, *v;
  /* distribution */
  PetscMPIInt rank, size, tailrank;
  PetscInt    nb, bstart, bend, mu0, mu1, nloc, S, T, W;
  PetscInt    R;      /* ODE: read-out entries at the end of the last rank's state: taken [L], a [H][L], y [H][L][dv] */
  PetscInt   *bfirst; /* [nb + 1] first neuron of each block */
  PetscReal  *Wf;     /* [H][nloc][D] local rows of W */
  PetscReal  *phiK, *phiQ;       /* ODE: [H][L][nloc] features of keys and queries */
  PetscReal  *part, *sum, *tail; /* [nbloc][W], [W], [T] */
  /* results [H][L] and [H][L][dv] */
  PetscReal     *Z, *yex, *a_disc, *y_disc, *a_ode, *y_ode;
  PetscBool     *got; /* [L]: ODE read-out taken (a copy of the state's entries, made by ReadOuts) */
  PetscLogDouble t_circuit, t_exact;
  /* the segment being integrated: window seg_k over [seg_t0, seg_t1], plasticity gate seg_gate */
  PetscBool seg_on;
  PetscInt  seg_k;
  PetscReal seg_t0, seg_t1, seg_gate;
  /* what a checkpoint must agree with: q, k, v and the schedule */
  PetscReal *ident;
  PetscInt   nident;
} Att;

/* ------------------------------------------------------------------------------------------------ */
/* random features */

PetscErrorCode NaAttentionFeatureRow(int64_t fseed, PetscInt h, PetscInt mu, PetscInt D, PetscReal w[])
{
  NaRng r;

  PetscFunctionBegin;
  NaRngSeed(&r, (uint64_t)fseed, ((uint64_t)(h + 1) << 40) ^ (uint64_t)mu);
  for (PetscInt j = 0; j < D; j++) w[j] = NaRngNormal(&r);
  PetscFunctionReturn(0);
}

/* phi_j = m^(-1/2) exp(W_j . u - |u|^2/2) for n local rows W [n][D] */
static inline void FeatureMap(PetscInt n, PetscInt D, const PetscReal *Wr, const PetscReal *u, PetscReal m,
                              PetscReal *phi)
{
  PetscReal uu = 0, c = 1.0 / PetscSqrtReal(m);
  for (PetscInt d = 0; d < D; d++) uu += u[d] * u[d];
  uu *= 0.5;
  for (PetscInt j = 0; j < n; j++) {
    const PetscReal *w = Wr + j * D;
    PetscReal        s = 0;
    for (PetscInt d = 0; d < D; d++) s += w[d] * u[d];
    phi[j] = c * PetscExpReal(s - uu);
  }
}

PetscErrorCode NaAttentionFeatures(int64_t fseed, PetscInt h, PetscInt m, PetscInt mu0, PetscInt mu1, PetscInt D,
                                   const PetscReal u[], PetscReal phi[])
{
  PetscReal *w;

  PetscFunctionBegin;
  PetscCall(PetscMalloc1(D, &w));
  for (PetscInt mu = mu0; mu < mu1; mu++) {
    PetscCall(NaAttentionFeatureRow(fseed, h, mu, D, w));
    FeatureMap(1, D, w, u, (PetscReal)m, phi + (mu - mu0));
  }
  PetscCall(PetscFree(w));
  PetscFunctionReturn(0);
}

/* ------------------------------------------------------------------------------------------------ */
/* schedule: window k holds token or query tok for [k delta, (k+1) delta) */

static inline void Window(const Att *at, PetscInt k, PetscBool *write, PetscInt *tok)
{
  if (at->causal) {
    *write = (k % 2 == 0) ? PETSC_TRUE : PETSC_FALSE;
    *tok   = k / 2;
  } else {
    *write = k < at->L ? PETSC_TRUE : PETSC_FALSE;
    *tok   = *write ? k : k - at->L;
  }
}

static inline PetscInt WindowAt(const Att *at, PetscReal t)
{
  PetscInt k = (PetscInt)PetscFloorReal(t / at->delta);
  return PetscMax(0, PetscMin(k, 2 * at->L - 1));
}

/* the window and plasticity gate that hold at t: those of the segment being integrated (its end belongs to it, not
 * to the next window), else those of the window that contains t */
static inline void InputsAt(const Att *at, PetscReal t, PetscBool *write, PetscInt *tok, PetscReal *gate)
{
  const PetscReal eps = 1e-9 * at->delta;
  if (at->seg_on && t >= at->seg_t0 - eps && t <= at->seg_t1 + eps) {
    Window(at, at->seg_k, write, tok);
    *gate = at->seg_gate;
  } else {
    PetscInt kw = WindowAt(at, t);
    Window(at, kw, write, tok);
    *gate = (*write && t - kw * at->delta >= at->settle * at->delta) ? 1.0 : 0.0;
  }
}

/* ------------------------------------------------------------------------------------------------ */
/* options and inputs */

static PetscErrorCode SetFromOptions_Att(NaModel model, PetscOptionItems *PetscOptionsObject)
{
  Att *at = (Att *)model->data;

  PetscFunctionBegin;
  PetscOptionsHeadBegin(PetscOptionsObject, "Attention circuit (-model attention)");
  PetscCall(PetscOptionsInt("-m", "hidden (feature) neurons per head", NULL, at->m, &at->m, NULL));
  PetscCall(PetscOptionsInt("-L", "tokens", NULL, at->L, &at->L, &at->L_set));
  PetscCall(PetscOptionsInt("-d_model", "embedding dimension d (not -d: PETSc options ignore case, -d would be -D)",
                            NULL, at->dmodel, &at->dmodel, &at->dmodel_set));
  PetscCall(PetscOptionsInt("-d_head", "head dimension D of q and k", NULL, at->D, &at->D, &at->D_set));
  PetscCall(PetscOptionsInt("-dv", "value dimension", NULL, at->dv, &at->dv, &at->dv_set));
  PetscCall(PetscOptionsInt("-heads", "heads (one astrocyte each)", NULL, at->H, &at->H, &at->H_set));
  PetscCall(NaOptionsInt64(PetscOptionsObject, "-seed",
                           "seed of the generated inputs (and of W unless -feature_seed; 64 bits)", at->seed, &at->seed,
                           NULL));
  PetscCall(NaOptionsInt64(PetscOptionsObject, "-feature_seed", "seed of the random-feature matrices W (default: seed)",
                           at->fseed, &at->fseed, &at->fseed_set));
  PetscCall(PetscOptionsString("-input",
                               "FILE.h5 with q, k, v or embeddings, W_Q, W_K, W_V (default: generated from seed)", NULL,
                               at->input, at->input, sizeof(at->input), NULL));
  PetscCall(PetscOptionsReal("-qk_scale",
                             "factor applied to q and k after the 1/D^(1/4) scaling (sets the spread of q.k)", NULL,
                             at->qk_scale, &at->qk_scale, NULL));
  PetscCall(PetscOptionsBool("-causal", "causal attention (token t attends to tokens <= t); schedule write t, read t",
                             NULL, at->causal, &at->causal, NULL));
  PetscCall(NaOptionsChoice(PetscOptionsObject, model->prefix, "form",
                            "ode: the circuit integrated by TS; discrete: the write/read algorithm", AttForms, 2,
                            &at->form));
  PetscCall(PetscOptionsReal("-delta", "duration of each token's window", NULL, at->delta, &at->delta, NULL));
  PetscCall(PetscOptionsReal("-settle", "fraction of a write window before plasticity switches on", NULL, at->settle,
                             &at->settle, NULL));
  PetscCall(PetscOptionsReal("-tau_h", "time constant of the hidden neurons", NULL, at->tau_h, &at->tau_h, NULL));
  PetscCall(PetscOptionsReal("-tau_y", "time constant of the output neurons", NULL, at->tau_y, &at->tau_y, NULL));
  PetscCall(PetscOptionsReal("-tau_syn",
                             "time constant of the hidden-to-output synapses H (not -tau_H: it would be -tau_h)", NULL,
                             at->tau_syn, &at->tau_syn, NULL));
  PetscCall(PetscOptionsReal("-tau_p", "time constant of the astrocyte processes", NULL, at->tau_p, &at->tau_p, NULL));
  PetscCall(PetscOptionsReal("-tau_c", "time constant of the astrocyte calcium", NULL, at->tau_c, &at->tau_c, NULL));
  PetscCall(PetscOptionsReal("-tau_r",
                             "time constant of the release factor r (default: min(0.02, min_t a_t delta / 25))", NULL,
                             at->tau_r, &at->tau_r, &at->tau_r_set));
  PetscCall(PetscOptionsReal("-eta", "Hebbian rate (default tau_syn / ((1 - settle) delta))", NULL, at->eta, &at->eta,
                             &at->eta_set));
  PetscCall(PetscOptionsReal("-kappa", "process integration rate (default tau_p / ((1 - settle) delta))", NULL,
                             at->kappa, &at->kappa, &at->kappa_set));
  PetscCall(PetscOptionsReal("-leak_syn", "leak l_H of the synapses", NULL, at->leak_syn, &at->leak_syn, NULL));
  PetscCall(PetscOptionsReal("-leak_p", "leak l_p of the processes", NULL, at->leak_p, &at->leak_p, NULL));
  PetscOptionsHeadEnd();
  if (!at->fseed_set) at->fseed = at->seed;
  PetscFunctionReturn(0);
}

static PetscErrorCode ShapeString(int rank, const hsize_t dims[], char buf[], size_t len)
{
  PetscFunctionBegin;
  buf[0] = 0;
  if (!rank) PetscCall(PetscStrncpy(buf, "scalar", len));
  for (int d = 0; d < rank; d++)
    PetscCall(PetscSNPrintf(buf + strlen(buf), len - strlen(buf), d ? " x %llu" : "%llu", (unsigned long long)dims[d]));
  PetscFunctionReturn(0);
}

/* reads FILE:/name; rank 2 [a][b] or rank 3 [H][a][b]; returns H (1 for rank 2) */
static PetscErrorCode ReadMat(const char file[], const char name[], const char opt[], PetscInt *H, PetscInt *a,
                              PetscInt *b, double **data)
{
  char    spec[PETSC_MAX_PATH_LEN + 64], shape[96];
  int     rank;
  hsize_t dims[3];

  PetscFunctionBegin;
  PetscCall(PetscSNPrintf(spec, sizeof(spec), "%s:/%s", file, name));
  PetscCall(NaH5ReadArray(spec, opt, &rank, dims, data));
  if (rank != 2 && rank != 3) {
    PetscCall(ShapeString(rank, dims, shape, sizeof(shape)));
    PetscCall(PetscFree(*data));
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
            "%s %s: dataset %s has shape %s, expected 2 ([rows][cols]) or 3 ([heads][rows][cols]) dimensions", opt,
            file, name, shape);
  }
  *H = rank == 3 ? (PetscInt)dims[0] : 1;
  *a = (PetscInt)dims[rank - 2];
  *b = (PetscInt)dims[rank - 1];
  PetscCheck(*H > 0 && *a > 0 && *b > 0, PETSC_COMM_SELF, PETSC_ERR_USER_INPUT, "%s %s: dataset %s is empty", opt, file,
             name);
  PetscFunctionReturn(0);
}

#define ShapeCheck(cond, ...)                                                                                          \
  do {                                                                                                                 \
    if (!(cond)) {                                                                                                     \
      err = PETSC_ERR_USER_INPUT;                                                                                      \
      PetscCall(PetscSNPrintf(msg, msglen, __VA_ARGS__));                                                              \
      goto done;                                                                                                       \
    }                                                                                                                  \
  } while (0)

/* rank 0: reads the input file into sizes[5] = {H, L, D, dv, d} and q, k, v [H][L][D|dv] (raw, unscaled) */
static PetscErrorCode ReadInputFile(const char file[], const char opt[], PetscInt sz[5], double **q, double **k,
                                    double **v, PetscErrorCode *perr, char msg[], size_t msglen)
{
  hid_t          f;
  htri_t         has_q, has_e;
  PetscErrorCode err = 0;
  double        *a = NULL, *b = NULL, *c = NULL, *e = NULL;
  PetscInt       Ha, La, Da, Hb, Lb, Db, Hc, Lc, Dc, Le, de;

  PetscFunctionBegin;
  *q = *k = *v = NULL;
  f            = H5Fopen(file, H5F_ACC_RDONLY, H5P_DEFAULT);
  if (f < 0) {
    *perr = PETSC_ERR_FILE_OPEN;
    PetscCall(PetscSNPrintf(msg, msglen, "%s %s: cannot open as an HDF5 file", opt, file));
    PetscFunctionReturn(0);
  }
  has_q = H5Lexists(f, "q", H5P_DEFAULT);
  has_e = H5Lexists(f, "embeddings", H5P_DEFAULT);
  H5Fclose(f);
  if (has_q > 0) {
    PetscCall(ReadMat(file, "q", opt, &Ha, &La, &Da, &a));
    PetscCall(ReadMat(file, "k", opt, &Hb, &Lb, &Db, &b));
    PetscCall(ReadMat(file, "v", opt, &Hc, &Lc, &Dc, &c));
    ShapeCheck(Hb == Ha && Lb == La && Db == Da,
               "%s %s: k has shape %" PetscInt_FMT " x %" PetscInt_FMT " x %" PetscInt_FMT
               ", expected the shape of q, %" PetscInt_FMT " x %" PetscInt_FMT " x %" PetscInt_FMT " ([heads][L][D])",
               opt, file, Hb, Lb, Db, Ha, La, Da);
    ShapeCheck(Hc == Ha && Lc == La,
               "%s %s: v has %" PetscInt_FMT " heads and %" PetscInt_FMT " tokens, q has %" PetscInt_FMT
               " and %" PetscInt_FMT " (v is [heads][L][dv])",
               opt, file, Hc, Lc, Ha, La);
    sz[0] = Ha, sz[1] = La, sz[2] = Da, sz[3] = Dc, sz[4] = 0;
    *q = a, *k = b, *v = c;
    a = b = c = NULL;
  } else if (has_e > 0) {
    PetscInt He;
    PetscCall(ReadMat(file, "embeddings", opt, &He, &Le, &de, &e));
    ShapeCheck(He == 1, "%s %s: embeddings must be [L][d] (2 dimensions)", opt, file);
    PetscCall(ReadMat(file, "W_Q", opt, &Ha, &Da, &La, &a));
    PetscCall(ReadMat(file, "W_K", opt, &Hb, &Db, &Lb, &b));
    PetscCall(ReadMat(file, "W_V", opt, &Hc, &Dc, &Lc, &c));
    ShapeCheck(La == de,
               "%s %s: W_Q has %" PetscInt_FMT " columns, expected the embedding dimension %" PetscInt_FMT
               " (W_Q is [heads][D][d])",
               opt, file, La, de);
    ShapeCheck(Hb == Ha && Db == Da && Lb == de,
               "%s %s: W_K has shape %" PetscInt_FMT " x %" PetscInt_FMT " x %" PetscInt_FMT
               ", expected the shape of W_Q, %" PetscInt_FMT " x %" PetscInt_FMT " x %" PetscInt_FMT,
               opt, file, Hb, Db, Lb, Ha, Da, de);
    ShapeCheck(Hc == Ha && Lc == de,
               "%s %s: W_V has %" PetscInt_FMT " heads and %" PetscInt_FMT " columns, expected %" PetscInt_FMT
               " and %" PetscInt_FMT " (W_V is [heads][dv][d])",
               opt, file, Hc, Lc, Ha, de);
    PetscCall(PetscMalloc3(Ha * Le * Da, q, Ha * Le * Da, k, Ha * Le * Dc, v));
    for (PetscInt h = 0; h < Ha; h++)
      for (PetscInt t = 0; t < Le; t++) {
        const double *et = e + t * de;
        for (PetscInt r = 0; r < Da; r++) {
          double sq = 0, sk = 0;
          for (PetscInt j = 0; j < de; j++)
            sq += a[(h * Da + r) * de + j] * et[j], sk += b[(h * Da + r) * de + j] * et[j];
          (*q)[(h * Le + t) * Da + r] = sq;
          (*k)[(h * Le + t) * Da + r] = sk;
        }
        for (PetscInt r = 0; r < Dc; r++) {
          double sv = 0;
          for (PetscInt j = 0; j < de; j++) sv += c[(h * Dc + r) * de + j] * et[j];
          (*v)[(h * Le + t) * Dc + r] = sv;
        }
      }
    sz[0] = Ha, sz[1] = Le, sz[2] = Da, sz[3] = Dc, sz[4] = de;
  } else {
    err = PETSC_ERR_USER_INPUT;
    PetscCall(
        PetscSNPrintf(msg, 1024, "%s %s: no datasets q, k, v (or embeddings, W_Q, W_K, W_V) in the file", opt, file));
  }
done:
  if (has_q > 0) {
    PetscCall(PetscFree(a));
    PetscCall(PetscFree(b));
    PetscCall(PetscFree(c));
  } else {
    PetscCall(PetscFree(a));
    PetscCall(PetscFree(b));
    PetscCall(PetscFree(c));
    PetscCall(PetscFree(e));
  }
  if (err && *q) {
    if (has_q > 0) {
      PetscCall(PetscFree(*q));
      PetscCall(PetscFree(*k));
      PetscCall(PetscFree(*v));
    } else
      PetscCall(PetscFree3(*q, *k, *v));
  }
  *perr = err;
  PetscFunctionReturn(0);
}

/* q, k, v [H][L][*] on every rank: from the input file (rank 0 reads, outcome broadcast) or from the seed */
static PetscErrorCode MakeInputs(NaModel model)
{
  Att        *at = (Att *)model->data;
  const char *p  = model->prefix;
  char        opt[80];
  PetscInt    H, L, D, dv, d;

  PetscFunctionBegin;
  PetscCall(PetscSNPrintf(opt, sizeof(opt), "-%sinput", p));
  if (at->input[0]) {
    PetscErrorCode err       = 0;
    char           msg[1024] = "";
    PetscInt       sz[5]     = {0, 0, 0, 0, 0};
    double        *q = NULL, *k = NULL, *v = NULL;
    if (at->rank == 0) {
      PetscErrorCode ierr;
      PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
      ierr = ReadInputFile(at->input, opt, sz, &q, &k, &v, &err, msg, sizeof(msg));
      PetscCall(PetscPopErrorHandler());
      if (ierr) { /* an error raised inside (missing dataset, unreadable file, bad rank) */
        char *specific = NULL;
        PetscCall(PetscErrorMessage(ierr, NULL, &specific));
        PetscCall(PetscStrncpy(msg, specific ? specific : "unreadable input", sizeof(msg)));
        err = ierr;
      }
    }
    PetscCallMPI(MPI_Bcast(&err, 1, MPI_INT, 0, model->comm));
    PetscCallMPI(MPI_Bcast(msg, sizeof(msg), MPI_CHAR, 0, model->comm));
    PetscCheck(!err, model->comm, err, "%s", msg);
    PetscCallMPI(MPI_Bcast(sz, 5, MPIU_INT, 0, model->comm));
    H = sz[0], L = sz[1], D = sz[2], dv = sz[3], d = sz[4];
    PetscCheck(!at->H_set || at->H == H, model->comm, PETSC_ERR_USER_INPUT,
               "-%sheads %" PetscInt_FMT ": the input file %s has %" PetscInt_FMT " heads", p, at->H, at->input, H);
    PetscCheck(!at->L_set || at->L == L, model->comm, PETSC_ERR_USER_INPUT,
               "-%sL %" PetscInt_FMT ": the input file %s has %" PetscInt_FMT " tokens", p, at->L, at->input, L);
    PetscCheck(!at->D_set || at->D == D, model->comm, PETSC_ERR_USER_INPUT,
               "-%sd_head %" PetscInt_FMT ": the input file %s has head dimension %" PetscInt_FMT, p, at->D, at->input,
               D);
    PetscCheck(!at->dv_set || at->dv == dv, model->comm, PETSC_ERR_USER_INPUT,
               "-%sdv %" PetscInt_FMT ": the input file %s has value dimension %" PetscInt_FMT, p, at->dv, at->input,
               dv);
    at->H = H, at->L = L, at->D = D, at->dv = dv;
    if (d) at->dmodel = d;
    PetscCall(PetscMalloc3(H * L * D, &at->q, H * L * D, &at->k, H * L * dv, &at->v));
    if (at->rank == 0) {
      PetscCall(PetscArraycpy(at->q, q, H * L * D));
      PetscCall(PetscArraycpy(at->k, k, H * L * D));
      PetscCall(PetscArraycpy(at->v, v, H * L * dv));
      if (d)
        PetscCall(PetscFree3(q, k, v));
      else {
        PetscCall(PetscFree(q));
        PetscCall(PetscFree(k));
        PetscCall(PetscFree(v));
      }
    }
    PetscCall(NaBcastLarge(at->q, H * L * D, MPIU_REAL, 0, model->comm));
    PetscCall(NaBcastLarge(at->k, H * L * D, MPIU_REAL, 0, model->comm));
    PetscCall(NaBcastLarge(at->v, H * L * dv, MPIU_REAL, 0, model->comm));
  } else {
    /* generated: e_t ~ N(0, I_d), W_V [H][dv][d] i.i.d. N(0, 1/d), W_Q, W_K [H][D][d] i.i.d. N(0, 1/(4d)), so
     * that q and k (after 1/D^(1/4)) have |q|^2 ~ sqrt(D)/4: the softmax is far from uniform and the
     * random-feature noise, which grows as exp(|q + k|^2), is moderate */
    NaRng      re, rq, rk, rv;
    PetscReal *e, *wq, *wk, *wv, sd, sqk;
    H = at->H, L = at->L, D = at->D, dv = at->dv, d = at->dmodel;
    sd  = 1.0 / PetscSqrtReal((PetscReal)d);
    sqk = 0.5 * sd;
    { /* sizes in double before H L D overflows a PetscInt: every rank holds the inputs */
      const double hl = (double)H * (double)L, n = hl * (2.0 * D + dv) + (double)L * d;
      PetscCall(NaCheckCount(model->comm, PetscMax(hl * PetscMax(D, dv), (double)L * d),
                             "-%sheads %" PetscInt_FMT " with -%sL %" PetscInt_FMT ", -%sd_head %" PetscInt_FMT
                             ", -%sdv %" PetscInt_FMT " and -%sd_model %" PetscInt_FMT
                             ": the largest input (H L d_head, H L dv or L d_model)",
                             p, H, p, L, p, D, p, dv, p, d));
      PetscCall(NaCheckNodeMemory(model->comm, 8.0 * n,
                                  "-%sheads %" PetscInt_FMT " with -%sL %" PetscInt_FMT ", -%sd_head %" PetscInt_FMT
                                  ", -%sdv %" PetscInt_FMT " and -%sd_model %" PetscInt_FMT
                                  ": the inputs (%.0f values, every rank holds them)",
                                  p, H, p, L, p, D, p, dv, p, d, n));
    }
    PetscCall(PetscMalloc3(H * L * D, &at->q, H * L * D, &at->k, H * L * dv, &at->v));
    PetscCall(PetscMalloc4(L * d, &e, d, &wq, d, &wk, d, &wv));
    NaRngSeed(&re, (uint64_t)at->seed, STREAM_EMBED);
    NaRngSeed(&rq, (uint64_t)at->seed, STREAM_WQ);
    NaRngSeed(&rk, (uint64_t)at->seed, STREAM_WK);
    NaRngSeed(&rv, (uint64_t)at->seed, STREAM_WV);
    for (PetscInt i = 0; i < L * d; i++) e[i] = NaRngNormal(&re);
    for (PetscInt h = 0; h < H; h++) {
      for (PetscInt r = 0; r < PetscMax(D, dv); r++) {
        for (PetscInt j = 0; j < d; j++) {
          wq[j] = r < D ? sqk * NaRngNormal(&rq) : 0;
          wk[j] = r < D ? sqk * NaRngNormal(&rk) : 0;
          wv[j] = r < dv ? sd * NaRngNormal(&rv) : 0;
        }
        for (PetscInt t = 0; t < L; t++) {
          PetscReal sq = 0, sk = 0, sv = 0;
          for (PetscInt j = 0; j < d; j++)
            sq += wq[j] * e[t * d + j], sk += wk[j] * e[t * d + j], sv += wv[j] * e[t * d + j];
          if (r < D) at->q[(h * L + t) * D + r] = sq, at->k[(h * L + t) * D + r] = sk;
          if (r < dv) at->v[(h * L + t) * dv + r] = sv;
        }
      }
    }
    PetscCall(PetscFree4(e, wq, wk, wv));
  }
  /* q = W_Q e / D^(1/4), k = W_K e / D^(1/4) */
  {
    PetscReal s = at->qk_scale / PetscPowReal((PetscReal)D, 0.25);
    for (PetscInt i = 0; i < H * L * D; i++) at->q[i] *= s, at->k[i] *= s;
  }
  PetscFunctionReturn(0);
}

/* ------------------------------------------------------------------------------------------------ */
/* the exact softmax attention and the discrete circuit (models.md 2.1, 2.2) */

static PetscErrorCode Exact(NaModel model)
{
  Att           *at = (Att *)model->data;
  const PetscInt L = at->L, D = at->D, dv = at->dv;

  PetscFunctionBegin;
  for (PetscInt h = 0; h < at->H; h++)
    for (PetscInt t = 0; t < L; t++) {
      const PetscReal *qt = at->q + (h * L + t) * D;
      PetscReal       *yt = at->yex + (h * L + t) * dv, Z = 0;
      PetscInt         n = at->causal ? t + 1 : L;
      for (PetscInt i = 0; i < dv; i++) yt[i] = 0;
      for (PetscInt s = 0; s < n; s++) {
        const PetscReal *ks = at->k + (h * L + s) * D, *vs = at->v + (h * L + s) * dv;
        PetscReal        qk = 0, ex;
        for (PetscInt j = 0; j < D; j++) qk += qt[j] * ks[j];
        ex = PetscExpReal(qk);
        Z += ex;
        for (PetscInt i = 0; i < dv; i++) yt[i] += ex * vs[i];
      }
      for (PetscInt i = 0; i < dv; i++) yt[i] /= Z;
      at->Z[h * L + t] = Z;
    }
  PetscFunctionReturn(0);
}

/* per-token weights of the write into H and p, seen at the end of the token's window (leaks: decay within
 * the plasticity part of the window); exactly 1 with the default rates and no leak */
static void WriteWeights(const Att *at, PetscReal *cH, PetscReal *cp)
{
  const PetscReal G = (1 - at->settle) * at->delta, lH = at->leak_syn / at->tau_syn, lp = at->leak_p / at->tau_p;
  *cH = (!at->eta_set && lH == 0) ? 1.0 : at->eta / at->tau_syn * (lH > 0 ? -expm1(-lH * G) / lH : G);
  *cp = (!at->kappa_set && lp == 0) ? 1.0 : at->kappa / at->tau_p * (lp > 0 ? -expm1(-lp * G) / lp : G);
}

/* block partial sums for one head: part[b][i] = sum_{j in b} X[j][i] phi_j (i < n), part[b][n] = sum P_j phi_j;
 * stride of part: width, offset off */
static inline void BlockPartials(const Att *at, PetscInt n, const PetscReal *X, PetscInt xs, const PetscReal *P,
                                 PetscInt ps, const PetscReal *phi, PetscReal *part, PetscInt width, PetscInt off)
{
  for (PetscInt b = at->bstart; b < at->bend; b++) {
    PetscReal *o = part + (b - at->bstart) * width + off;
    for (PetscInt i = 0; i <= n; i++) o[i] = 0;
    for (PetscInt mu = at->bfirst[b]; mu < at->bfirst[b + 1]; mu++) {
      const PetscInt   j = mu - at->mu0;
      const PetscReal *x = X + j * xs, f = phi[j];
      for (PetscInt i = 0; i < n; i++) o[i] += x[i] * f;
      o[n] += P[j * ps] * f;
    }
  }
}

static PetscErrorCode Discrete(NaModel model)
{
  Att            *at = (Att *)model->data;
  const PetscInt  L = at->L, D = at->D, dv = at->dv, nloc = at->nloc;
  const PetscReal lH = at->leak_syn / at->tau_syn, lp = at->leak_p / at->tau_p;
  PetscReal       cH, cp, *Hs, *ps, *phi;

  PetscFunctionBegin;
  WriteWeights(at, &cH, &cp);
  PetscCall(PetscMalloc3(PetscMax(nloc * dv, 1), &Hs, PetscMax(nloc, 1), &ps, PetscMax(nloc, 1), &phi));
  for (PetscInt h = 0; h < at->H; h++) {
    const PetscReal *Wh   = at->Wf + h * nloc * D;
    PetscReal        tcur = 0;
    for (PetscInt i = 0; i < nloc * dv; i++) Hs[i] = 0;
    for (PetscInt j = 0; j < nloc; j++) ps[j] = 0;
    for (PetscInt kw = 0; kw < 2 * L; kw++) {
      PetscBool       write;
      PetscInt        tok;
      const PetscReal tend = (kw + 1) * at->delta;
      Window(at, kw, &write, &tok);
      if (lH > 0 || lp > 0) { /* decay since the last event */
        const PetscReal fH = PetscExpReal(-lH * (tend - tcur)), fp = PetscExpReal(-lp * (tend - tcur));
        for (PetscInt i = 0; i < nloc * dv; i++) Hs[i] *= fH;
        for (PetscInt j = 0; j < nloc; j++) ps[j] *= fp;
        tcur = tend;
      }
      if (write) { /* H += v phi(k)', p += phi(k) */
        const PetscReal *vt = at->v + (h * L + tok) * dv;
        FeatureMap(nloc, D, Wh, at->k + (h * L + tok) * D, (PetscReal)at->m, phi);
        for (PetscInt j = 0; j < nloc; j++) {
          PetscReal *Hj = Hs + j * dv, f = phi[j];
          for (PetscInt i = 0; i < dv; i++) Hj[i] += cH * vt[i] * f;
          ps[j] += cp * f;
        }
      } else { /* a = p . phi(q), y = H phi(q) / a */
        FeatureMap(nloc, D, Wh, at->q + (h * L + tok) * D, (PetscReal)at->m, phi);
        BlockPartials(at, dv, Hs, dv, ps, 1, phi, at->part, dv + 1, 0);
        PetscCall(NaNetworkSumRows(model->net, dv + 1, at->part, at->sum));
        at->a_disc[h * L + tok] = at->sum[dv];
        for (PetscInt i = 0; i < dv; i++) at->y_disc[(h * L + tok) * dv + i] = at->sum[i] / at->sum[dv];
      }
    }
  }
  PetscCall(PetscFree3(Hs, ps, phi));
  PetscFunctionReturn(0);
}

/* ------------------------------------------------------------------------------------------------ */

static PetscErrorCode SetUp_Att(NaModel model)
{
  Att           *at = (Att *)model->data;
  const char    *p  = model->prefix;
  PetscInt       rend;
  PetscLogDouble t0, t1;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(model->comm, &at->rank));
  PetscCallMPI(MPI_Comm_size(model->comm, &at->size));
  PetscCheck(at->m > 0, model->comm, PETSC_ERR_USER_INPUT,
             "-%sm %" PetscInt_FMT ": the number of hidden neurons must be positive", p, at->m);
  if (!at->input[0]) {
    PetscCheck(at->L > 0, model->comm, PETSC_ERR_USER_INPUT,
               "-%sL %" PetscInt_FMT ": the number of tokens must be positive", p, at->L);
    PetscCheck(at->dmodel > 0, model->comm, PETSC_ERR_USER_INPUT,
               "-%sd_model %" PetscInt_FMT ": the embedding dimension must be positive", p, at->dmodel);
    PetscCheck(at->D > 0, model->comm, PETSC_ERR_USER_INPUT,
               "-%sd_head %" PetscInt_FMT ": the head dimension must be positive", p, at->D);
    PetscCheck(at->dv > 0, model->comm, PETSC_ERR_USER_INPUT,
               "-%sdv %" PetscInt_FMT ": the value dimension must be positive", p, at->dv);
    PetscCheck(at->H > 0, model->comm, PETSC_ERR_USER_INPUT,
               "-%sheads %" PetscInt_FMT ": the number of heads must be positive", p, at->H);
  }
  PetscCall(NaCheckPositive(model->comm, p, "delta", at->delta, PETSC_TRUE));
  PetscCall(NaCheckPositive(model->comm, p, "qk_scale", at->qk_scale, PETSC_TRUE));
  PetscCall(NaCheckPositive(model->comm, p, "tau_h", at->tau_h, PETSC_TRUE));
  PetscCall(NaCheckPositive(model->comm, p, "tau_y", at->tau_y, PETSC_TRUE));
  PetscCall(NaCheckPositive(model->comm, p, "tau_syn", at->tau_syn, PETSC_TRUE));
  PetscCall(NaCheckPositive(model->comm, p, "tau_p", at->tau_p, PETSC_TRUE));
  PetscCall(NaCheckPositive(model->comm, p, "tau_c", at->tau_c, PETSC_TRUE));
  PetscCall(NaCheckPositive(model->comm, p, "tau_r", at->tau_r, PETSC_TRUE));
  PetscCall(NaCheckPositive(model->comm, p, "leak_syn", at->leak_syn, PETSC_FALSE));
  PetscCall(NaCheckPositive(model->comm, p, "leak_p", at->leak_p, PETSC_FALSE));
  NaCheck(at->settle >= 0 && at->settle < 1, model->comm, PETSC_ERR_USER_INPUT, "-%ssettle %g: must lie in [0, 1)", p,
          (double)at->settle);
  if (at->eta_set)
    PetscCall(NaCheckPositive(model->comm, p, "eta", at->eta, PETSC_TRUE));
  else
    at->eta = at->tau_syn / ((1 - at->settle) * at->delta);
  if (at->kappa_set)
    PetscCall(NaCheckPositive(model->comm, p, "kappa", at->kappa, PETSC_TRUE));
  else
    at->kappa = at->tau_p / ((1 - at->settle) * at->delta);
  if (PetscAbsReal(at->leak_syn / at->tau_syn - at->leak_p / at->tau_p) >
      1e-12 * PetscMax(at->leak_syn / at->tau_syn, at->leak_p / at->tau_p))
    PetscCall(NaPrintf(model->comm,
                       "warning: unequal leak rates -%sleak_syn/tau_syn = %g and -%sleak_p/tau_p = %g break the "
                       "normalisation: y is no longer a weighted average of the values\n",
                       p, (double)(at->leak_syn / at->tau_syn), p, (double)(at->leak_p / at->tau_p)));
  if (PetscAbsReal(at->eta / at->tau_syn - at->kappa / at->tau_p) >
      1e-12 * PetscMax(at->eta / at->tau_syn, at->kappa / at->tau_p))
    PetscCall(NaPrintf(model->comm,
                       "warning: eta/tau_syn = %g differs from kappa/tau_p = %g: y is scaled by their ratio\n",
                       (double)(at->eta / at->tau_syn), (double)(at->kappa / at->tau_p)));
  PetscCall(MakeInputs(model));

  /* hidden neurons in nb blocks; blocks are the network's rows */
  at->nb = PetscMin(at->m, NA_ATT_MAXBLOCKS);
  PetscCall(PetscMalloc1(at->nb + 1, &at->bfirst));
  for (PetscInt b = 0; b <= at->nb; b++) at->bfirst[b] = b * (at->m / at->nb) + PetscMin(b, at->m % at->nb);
  PetscCall(NaNetworkCreate(model->comm, at->nb, &model->net));
  PetscCall(NaNetworkGetOwnershipRange(model->net, &at->bstart, &rend));
  at->bend                 = rend;
  at->mu0                  = at->bfirst[at->bstart];
  at->mu1                  = at->bfirst[at->bend];
  at->nloc                 = at->mu1 - at->mu0;
  at->tailrank             = at->size - 1;
  at->S                    = at->dv + 2;
  at->T                    = at->H * at->S;
  at->W                    = at->H * (at->dv + 1);
  model->N                 = at->m;
  model->K                 = 0;
  model->t_default         = 2 * at->L * at->delta;
  model->output_default_dt = at->delta / 10;
  model->nseries           = 1;
  model->series[0]         = (NaModelSeries){"calcium_trace",
                                             "astrocyte calcium a(t) of each head at every sample, [time][head] "
                                                     "(discrete form: a_t over its query window, 0 while writing)",
                                             at->H, PETSC_TRUE};
  at->R                    = at->form == FORM_ODE ? at->L * (1 + at->H * (1 + at->dv)) : 0;
  model->nlocal =
      (at->form == FORM_ODE ? at->nloc * at->H * at->S : 0) + (at->rank == at->tailrank ? at->T + at->R : 0);
  PetscCallMPI(MPI_Allreduce(&model->nlocal, &model->nglobal, 1, MPIU_INT, MPI_SUM, model->comm));

  {
    const PetscInt H = at->H, L = at->L, dv = at->dv, nloc = at->nloc;
    PetscCall(NaCheckNodeMemory(model->comm,
                                8.0 * (double)H * (double)nloc * ((double)at->D + (at->form == FORM_ODE ? 2.0 * L : 0)),
                                "-%sm %" PetscInt_FMT ": the feature weights%s of this rank's hidden neurons", p, at->m,
                                at->form == FORM_ODE ? " and maps" : ""));
    PetscCall(PetscMalloc4(H * nloc * at->D + 1, &at->Wf, (at->bend - at->bstart) * at->W + 1, &at->part, at->W,
                           &at->sum, at->T, &at->tail));
    PetscCall(PetscMalloc6(H * L, &at->Z, H * L * dv, &at->yex, H * L, &at->a_disc, H * L * dv, &at->y_disc, H * L,
                           &at->a_ode, H * L * dv, &at->y_ode));
    PetscCall(PetscCalloc1(L, &at->got));
    for (PetscInt h = 0; h < H; h++)
      for (PetscInt mu = at->mu0; mu < at->mu1; mu++)
        PetscCall(NaAttentionFeatureRow(at->fseed, h, mu, at->D, at->Wf + (h * nloc + mu - at->mu0) * at->D));
    for (PetscInt i = 0; i < H * L; i++) at->a_ode[i] = PETSC_MAX_REAL;
    for (PetscInt i = 0; i < H * L * dv; i++) at->y_ode[i] = PETSC_MAX_REAL;
    if (at->form == FORM_ODE) {
      PetscCall(PetscMalloc2(H * L * nloc + 1, &at->phiK, H * L * nloc + 1, &at->phiQ));
      for (PetscInt h = 0; h < H; h++)
        for (PetscInt t = 0; t < L; t++) {
          FeatureMap(nloc, at->D, at->Wf + h * nloc * at->D, at->k + (h * L + t) * at->D, (PetscReal)at->m,
                     at->phiK + (h * L + t) * nloc);
          FeatureMap(nloc, at->D, at->Wf + h * nloc * at->D, at->q + (h * L + t) * at->D, (PetscReal)at->m,
                     at->phiQ + (h * L + t) * nloc);
        }
    }
  }
  { /* a checkpoint must come from the same inputs and schedule */
    const PetscInt n = at->H * at->L * (2 * at->D + at->dv);
    at->nident       = n + 5;
    PetscCall(PetscMalloc1(at->nident, &at->ident));
    PetscCall(PetscArraycpy(at->ident, at->q, at->H * at->L * at->D));
    PetscCall(PetscArraycpy(at->ident + at->H * at->L * at->D, at->k, at->H * at->L * at->D));
    PetscCall(PetscArraycpy(at->ident + 2 * at->H * at->L * at->D, at->v, at->H * at->L * at->dv));
    at->ident[n]     = (PetscReal)(uint32_t)((uint64_t)at->fseed & 0xffffffffu); /* both halves exact in a double */
    at->ident[n + 4] = (PetscReal)(uint32_t)((uint64_t)at->fseed >> 32);
    at->ident[n + 1] = (PetscReal)at->causal;
    at->ident[n + 2] = at->delta;
    at->ident[n + 3] = at->settle;
  }
  /* the discrete algorithm (the result of -form discrete, the reference of -form ode) and exact attention */
  PetscCallMPI(MPI_Barrier(model->comm));
  PetscCall(PetscTime(&t0));
  PetscCall(Discrete(model));
  PetscCallMPI(MPI_Barrier(model->comm));
  PetscCall(PetscTime(&t1));
  at->t_circuit = t1 - t0;
  if (!at->tau_r_set) { /* r must settle to 1 / a_t within every read window: a_t delta / tau_r >= 25 (e^-25) */
    PetscReal amin = PETSC_MAX_REAL;
    for (PetscInt i = 0; i < at->H * at->L; i++)
      if (at->a_disc[i] > 0) amin = PetscMin(amin, at->a_disc[i]);
    PetscCallMPI(MPIU_Allreduce(MPI_IN_PLACE, &amin, 1, MPIU_REAL, MPI_MIN, model->comm));
    at->tau_r = PetscMin(0.02, amin * at->delta / 25);
  }
  PetscCall(Exact(model));
  PetscCall(PetscTime(&t0));
  at->t_exact = t0 - t1;
  PetscFunctionReturn(0);
}

static PetscErrorCode InitialState_Att(NaModel model, Vec X)
{
  PetscFunctionBegin;
  (void)model;
  PetscCall(VecSet(X, 0));
  PetscFunctionReturn(0);
}

/* the per-head values [H][y_0..y_dv-1, a, r] from the last rank, on every rank */
static PetscErrorCode GetTail(NaModel model, const PetscScalar *x)
{
  Att *at = (Att *)model->data;

  PetscFunctionBegin;
  if (at->rank == at->tailrank) PetscCall(PetscArraycpy(at->tail, x + model->nlocal - at->R - at->T, at->T));
  PetscCall(NaBcastLarge(at->tail, at->T, MPIU_SCALAR, at->tailrank, model->comm));
  PetscFunctionReturn(0);
}

static PetscErrorCode RHS_Att(NaModel model, PetscReal t, Vec X, Vec F)
{
  Att               *at = (Att *)model->data;
  const PetscInt     H = at->H, L = at->L, dv = at->dv, S = at->S, nloc = at->nloc;
  const PetscScalar *x;
  PetscScalar       *f;
  PetscBool          write;
  PetscInt           tok;
  PetscReal          g;

  PetscFunctionBegin;
  PetscCall(VecGetArray(F, &f));
  if (at->form == FORM_DISCRETE) { /* the discrete form has nothing to integrate */
    for (PetscInt i = 0; i < model->nlocal; i++) f[i] = 0;
    PetscCall(VecRestoreArray(F, &f));
    PetscFunctionReturn(0);
  }
  PetscCall(VecGetArrayRead(X, &x));
  InputsAt(at, t, &write, &tok, &g);
  {
    const PetscReal ih = 1 / at->tau_h, ip = 1 / at->tau_p, iH = 1 / at->tau_syn;
    const PetscReal ek = g * at->kappa, ee = g * at->eta, lp = at->leak_p, lH = at->leak_syn;
    PetscCall(GetTail(model, x));
    /* one pass over the local neurons, block by block: the derivatives and, while reading, the read-out sums
     * sum_mu H_i,mu h_mu and sum_mu p_mu h_mu per head (per-block partial sums in neuron order) */
    for (PetscInt b = at->bstart; b < at->bend; b++) {
      PetscReal *o = at->part + (b - at->bstart) * at->W;
      if (!write)
        for (PetscInt i = 0; i < at->W; i++) o[i] = 0;
      for (PetscInt j = at->bfirst[b] - at->mu0; j < at->bfirst[b + 1] - at->mu0; j++) {
        const PetscReal *tg = (write ? at->phiK : at->phiQ) + tok * nloc + j;
        for (PetscInt h = 0; h < H; h++) {
          const PetscInt  o0 = (j * H + h) * S;
          const PetscReal hv = x[o0], pv = x[o0 + 1], *Hv = x + o0 + 2, *y = at->tail + h * S;
          PetscReal      *fH = f + o0 + 2;
          f[o0]              = (tg[h * L * nloc] - hv) * ih;
          f[o0 + 1]          = (ek * hv - lp * pv) * ip;
          for (PetscInt i = 0; i < dv; i++) fH[i] = (ee * y[i] * hv - lH * Hv[i]) * iH;
          if (!write) {
            PetscReal *oh = o + h * (dv + 1);
            for (PetscInt i = 0; i < dv; i++) oh[i] += Hv[i] * hv;
            oh[dv] += pv * hv;
          }
        }
      }
    }
    if (!write) PetscCall(NaNetworkSumRows(model->net, at->W, at->part, at->sum));
    if (at->rank == at->tailrank) {
      PetscScalar *ft = f + model->nlocal - at->R - at->T;
      for (PetscInt i = 0; i < at->R; i++) ft[at->T + i] = 0; /* the read-outs taken so far */
      for (PetscInt h = 0; h < H; h++) {
        const PetscReal *y = at->tail + h * S, a = y[dv], r = y[dv + 1];
        PetscReal       *fy = ft + h * S;
        if (write) {
          const PetscReal *vt = at->v + (h * L + tok) * dv;
          for (PetscInt i = 0; i < dv; i++) fy[i] = (vt[i] - y[i]) / at->tau_y;
          fy[dv] = -a / at->tau_c;
        } else {
          const PetscReal *s = at->sum + h * (dv + 1);
          for (PetscInt i = 0; i < dv; i++) fy[i] = (r * s[i] - y[i]) / at->tau_y;
          fy[dv] = (s[dv] - a) / at->tau_c;
        }
        fy[dv + 1] = (1 - a * r) / at->tau_r;
      }
    }
  }
  PetscCall(VecRestoreArrayRead(X, &x));
  PetscCall(VecRestoreArray(F, &f));
  PetscFunctionReturn(0);
}

static PetscErrorCode Leak_Att(NaModel model, Vec Dv)
{
  Att         *at = (Att *)model->data;
  PetscScalar *d;

  PetscFunctionBegin;
  PetscCall(VecGetArray(Dv, &d));
  if (at->form == FORM_ODE)
    for (PetscInt j = 0; j < at->nloc * at->H; j++) {
      PetscScalar *o = d + j * at->S;
      o[0]           = 1 / at->tau_h;
      o[1]           = at->leak_p / at->tau_p;
      for (PetscInt i = 0; i < at->dv; i++) o[2 + i] = at->leak_syn / at->tau_syn;
    }
  if (at->rank == at->tailrank) {
    for (PetscInt i = 0; i < at->R; i++) d[model->nlocal - at->R + i] = 0;
    for (PetscInt h = 0; h < at->H; h++) {
      PetscScalar *o = d + model->nlocal - at->R - at->T + h * at->S;
      for (PetscInt i = 0; i < at->dv; i++) o[i] = 1 / at->tau_y;
      o[at->dv]     = 1 / at->tau_c;
      o[at->dv + 1] = 0;
    }
  }
  PetscCall(VecRestoreArray(Dv, &d));
  PetscFunctionReturn(0);
}

/* IMEX (-ts_type arkimex): the release factor's decay a r / tau_r, stiff where a is large (a ~ Z_t, up to 10^6 for
 * trained heads), goes to the implicit side with the leaks: S = a / tau_r on r's entries (a: the same head's, whose
 * own implicit part is its linear leak 1/tau_c), added to the leak's 0 there; the explicit side keeps 1/tau_r */
static PetscErrorCode Stiff_Att(NaModel model, PetscReal t, Vec X, Vec Sv)
{
  Att               *at = (Att *)model->data;
  const PetscScalar *x;
  PetscScalar       *s;

  PetscFunctionBegin;
  (void)t;
  if (at->rank != at->tailrank) PetscFunctionReturn(0);
  PetscCall(VecGetArrayRead(X, &x));
  PetscCall(VecGetArray(Sv, &s));
  for (PetscInt h = 0; h < at->H; h++) {
    const PetscInt o = model->nlocal - at->R - at->T + h * at->S;
    s[o + at->dv + 1] += x[o + at->dv] / at->tau_r;
  }
  PetscCall(VecRestoreArray(Sv, &s));
  PetscCall(VecRestoreArrayRead(X, &x));
  PetscFunctionReturn(0);
}

/* ------------------------------------------------------------------------------------------------ */
/* output */

static PetscErrorCode WriteStatic_Att(NaModel model, hid_t file)
{
  Att    *at      = (Att *)model->data;
  hsize_t dims[3] = {(hsize_t)at->H, (hsize_t)at->L, (hsize_t)at->D};

  PetscFunctionBegin;
  PetscCall(
      NaH5WriteArray(model->comm, file, "q", 3, dims, at->q, "queries q_t = W_Q e_t / D^(1/4), [head][token][D]", "1"));
  PetscCall(
      NaH5WriteArray(model->comm, file, "k", 3, dims, at->k, "keys k_t = W_K e_t / D^(1/4), [head][token][D]", "1"));
  dims[2] = (hsize_t)at->dv;
  PetscCall(NaH5WriteArray(model->comm, file, "v", 3, dims, at->v, "values v_t = W_V e_t, [head][token][dv]", "1"));
  PetscFunctionReturn(0);
}

/* every sample: the calcium a of every head, for /calcium_trace [time][head] */
static PetscErrorCode Sample_Att(NaModel model, PetscReal t, Vec X, PetscReal a[])
{
  Att               *at = (Att *)model->data;
  const PetscInt     H = at->H, L = at->L, dv = at->dv, S = at->S;
  const PetscScalar *x;

  PetscFunctionBegin;
  if (at->form == FORM_ODE) {
    PetscCall(VecGetArrayRead(X, &x));
    PetscCall(GetTail(model, x));
    PetscCall(VecRestoreArrayRead(X, &x));
    for (PetscInt h = 0; h < H; h++) a[h] = at->tail[h * S + dv];
  } else { /* the discrete read-out holds over its query window, 0 while writing */
    PetscInt  kw = PetscMax(0, (PetscInt)PetscCeilReal(t / at->delta - 1e-9) - 1);
    PetscBool write;
    PetscInt  tok;
    Window(at, PetscMin(kw, 2 * L - 1), &write, &tok);
    for (PetscInt h = 0; h < H; h++) a[h] = write ? 0 : at->a_disc[h * L + tok];
  }
  PetscFunctionReturn(0);
}

/* ------------------------------------------------------------------------------------------------ */
/* segments and read-outs: the driver integrates each window (and, in a write window, its settling part and its
 * plastic part) as one segment, so no step straddles an input jump; at the end of a query window the state there is
 * that query's read-out, copied into entries of the state the right-hand side keeps constant, so that read-outs
 * depend on neither -output_interval nor a checkpoint and restart */

static PetscErrorCode Segment_Att(NaModel model, PetscReal t, PetscReal *tend)
{
  Att            *at  = (Att *)model->data;
  const PetscReal eps = 1e-9 * at->delta;
  PetscInt        k   = PetscMax(0, (PetscInt)PetscFloorReal((t + eps) / at->delta)), tok;
  PetscBool       write;

  PetscFunctionBegin;
  if (at->form == FORM_DISCRETE) { /* nothing is integrated */
    at->seg_on = PETSC_FALSE;
    *tend      = PETSC_MAX_REAL;
    PetscFunctionReturn(0);
  }
  if (k > 2 * at->L - 1) { /* past the schedule: the last window holds */
    at->seg_on = PETSC_FALSE;
    *tend      = PETSC_MAX_REAL;
    PetscFunctionReturn(0);
  }
  Window(at, k, &write, &tok);
  at->seg_on   = PETSC_TRUE;
  at->seg_k    = k;
  at->seg_t0   = t;
  at->seg_gate = write ? 1.0 : 0.0;
  at->seg_t1   = (k + 1) * at->delta;
  if (write && at->settle > 0 && t < (k + at->settle) * at->delta - eps) { /* settling: no plasticity yet */
    at->seg_gate = 0;
    at->seg_t1   = (k + at->settle) * at->delta;
  }
  *tend = at->seg_t1;
  PetscFunctionReturn(0);
}

static PetscErrorCode Capture_Att(NaModel model, PetscReal t, Vec X, PetscBool *changed)
{
  Att            *at = (Att *)model->data;
  const PetscInt  H = at->H, L = at->L, dv = at->dv, S = at->S;
  const PetscReal n = round(t / at->delta);
  PetscBool       write;
  PetscInt        tok;
  PetscScalar    *x;

  PetscFunctionBegin;
  *changed = PETSC_FALSE;
  if (at->form != FORM_ODE || n < 1 || n > 2 * L || PetscAbsReal(t - n * at->delta) > 1e-9 * at->delta)
    PetscFunctionReturn(0);
  Window(at, (PetscInt)n - 1, &write, &tok);
  if (write) PetscFunctionReturn(0);
  PetscCall(VecGetArray(X, &x));
  if (at->rank == at->tailrank) {
    const PetscScalar *tail = x + model->nlocal - at->R - at->T;
    PetscScalar       *r = x + model->nlocal - at->R, *a = r + L, *y = a + H * L;
    for (PetscInt h = 0; h < H; h++) {
      a[h * L + tok] = tail[h * S + dv];
      for (PetscInt i = 0; i < dv; i++) y[(h * L + tok) * dv + i] = tail[h * S + i];
    }
    r[tok] = 1;
  }
  PetscCall(VecRestoreArray(X, &x));
  *changed = PETSC_TRUE;
  PetscFunctionReturn(0);
}

/* the ODE read-outs taken so far, from the state's entries on the last rank into a_ode, y_ode, got on every rank */
static PetscErrorCode ReadOuts(NaModel model, Vec X)
{
  Att               *at = (Att *)model->data;
  const PetscInt     H = at->H, L = at->L, dv = at->dv;
  const PetscScalar *x;
  PetscReal         *buf;

  PetscFunctionBegin;
  if (at->form != FORM_ODE) PetscFunctionReturn(0);
  PetscCall(PetscMalloc1(at->R, &buf));
  PetscCall(VecGetArrayRead(X, &x));
  if (at->rank == at->tailrank) PetscCall(PetscArraycpy(buf, x + model->nlocal - at->R, at->R));
  PetscCall(VecRestoreArrayRead(X, &x));
  PetscCall(NaBcastLarge(buf, at->R, MPIU_REAL, at->tailrank, model->comm));
  for (PetscInt t = 0; t < L; t++) at->got[t] = buf[t] != 0 ? PETSC_TRUE : PETSC_FALSE;
  PetscCall(PetscArraycpy(at->a_ode, buf + L, H * L));
  PetscCall(PetscArraycpy(at->y_ode, buf + L + H * L, H * L * dv));
  PetscCall(PetscFree(buf));
  PetscFunctionReturn(0);
}

static PetscErrorCode Inputs_Att(NaModel model, PetscInt *n, const PetscReal **x, const char **options)
{
  Att *at = (Att *)model->data;

  PetscFunctionBegin;
  *n       = at->nident;
  *x       = at->ident;
  *options = "-attention_input, -attention_seed, -attention_feature_seed, -attention_qk_scale, -attention_causal, "
             "-attention_delta or -attention_settle";
  PetscFunctionReturn(0);
}

/* ||a - b|| / ||b|| over n values */
static PetscReal RelErr(PetscInt n, const PetscReal *a, const PetscReal *b)
{
  PetscReal num = 0, den = 0;
  for (PetscInt i = 0; i < n; i++) num += (a[i] - b[i]) * (a[i] - b[i]), den += b[i] * b[i];
  return PetscSqrtReal(num / den);
}

static PetscReal Pearson(PetscInt n, const PetscReal *a, const PetscReal *b)
{
  PetscReal ma = 0, mb = 0, sab = 0, saa = 0, sbb = 0;
  for (PetscInt i = 0; i < n; i++) ma += a[i], mb += b[i];
  ma /= n, mb /= n;
  for (PetscInt i = 0; i < n; i++)
    sab += (a[i] - ma) * (b[i] - mb), saa += (a[i] - ma) * (a[i] - ma), sbb += (b[i] - mb) * (b[i] - mb);
  return sab / PetscSqrtReal(saa * sbb);
}

PetscErrorCode NaAttentionGetResults(NaModel model, const PetscReal **a, const PetscReal **y, const PetscReal **Z,
                                     const PetscReal **yexact)
{
  Att *at = (Att *)model->data;

  PetscFunctionBegin;
  if (a) *a = at->form == FORM_ODE ? at->a_ode : at->a_disc;
  if (y) *y = at->form == FORM_ODE ? at->y_ode : at->y_disc;
  if (Z) *Z = at->Z;
  if (yexact) *yexact = at->yex;
  PetscFunctionReturn(0);
}

PetscErrorCode NaAttentionGetDiscrete(NaModel model, const PetscReal **a, const PetscReal **y)
{
  Att *at = (Att *)model->data;

  PetscFunctionBegin;
  if (a) *a = at->a_disc;
  if (y) *y = at->y_disc;
  PetscFunctionReturn(0);
}

PetscErrorCode NaAttentionGetInputs(NaModel model, PetscInt *H, PetscInt *L, PetscInt *D, PetscInt *dv, PetscInt *m,
                                    int64_t *fseed, const PetscReal **q, const PetscReal **k, const PetscReal **v)
{
  Att *at = (Att *)model->data;

  PetscFunctionBegin;
  if (H) *H = at->H;
  if (L) *L = at->L;
  if (D) *D = at->D;
  if (dv) *dv = at->dv;
  if (m) *m = at->m;
  if (fseed) *fseed = at->fseed;
  if (q) *q = at->q;
  if (k) *k = at->k;
  if (v) *v = at->v;
  PetscFunctionReturn(0);
}

PetscErrorCode NaAttentionGetTimings(NaModel model, PetscReal *t_circuit, PetscReal *t_exact)
{
  Att *at = (Att *)model->data;

  PetscFunctionBegin;
  if (t_circuit) *t_circuit = at->t_circuit;
  if (t_exact) *t_exact = at->t_exact;
  PetscFunctionReturn(0);
}

/* the figures of merit; ODE: queries whose window the run did not reach are reported and left out */
static PetscErrorCode Metrics(NaModel model, PetscReal *corr, PetscReal *eaz, PetscReal *ey, PetscReal *eod_a,
                              PetscReal *eod_y, PetscInt *missing)
{
  Att             *at = (Att *)model->data;
  const PetscInt   H = at->H, L = at->L, dv = at->dv;
  const PetscReal *a, *y;

  PetscFunctionBegin;
  PetscCall(NaAttentionGetResults(model, &a, &y, NULL, NULL));
  *missing = 0;
  if (at->form == FORM_ODE)
    for (PetscInt t = 0; t < L; t++) *missing += !at->got[t];
  if (*missing) {
    *corr = *eaz = *ey = *eod_a = *eod_y = PETSC_MAX_REAL;
    PetscFunctionReturn(0);
  }
  *corr  = Pearson(H * L, a, at->Z);
  *eaz   = RelErr(H * L, a, at->Z);
  *ey    = RelErr(H * L * dv, y, at->yex);
  *eod_a = at->form == FORM_ODE ? RelErr(H * L, a, at->a_disc) : 0;
  *eod_y = at->form == FORM_ODE ? RelErr(H * L * dv, y, at->y_disc) : 0;
  PetscFunctionReturn(0);
}

static PetscErrorCode WriteResults_Att(NaModel model, hid_t file, Vec X)
{
  Att             *at = (Att *)model->data;
  const PetscInt   H = at->H, L = at->L, dv = at->dv;
  hsize_t          dims[3] = {(hsize_t)H, (hsize_t)L, (hsize_t)dv};
  const PetscReal *a, *y;
  PetscReal        corr, eaz, ey, eoa, eoy;
  PetscInt         missing;

  PetscFunctionBegin;
  PetscCall(ReadOuts(model, X));
  PetscCall(NaAttentionGetResults(model, &a, &y, NULL, NULL));
  PetscCall(Metrics(model, &corr, &eaz, &ey, &eoa, &eoy, &missing));
  NaCheck(!missing, model->comm, PETSC_ERR_USER_INPUT,
          "-ts_max_time: the run ended before %" PetscInt_FMT " of the %" PetscInt_FMT
          " query windows were read out (the schedule needs -ts_max_time %g)",
          missing, L, (double)(2 * L * at->delta));
  PetscCall(NaH5WriteArray(model->comm, file, "calcium", 2, dims, a,
                           "astrocyte calcium a_t at the read-out of query t, [head][token]", "1"));
  PetscCall(NaH5WriteArray(model->comm, file, "Z", 2, dims, at->Z,
                           "exact softmax normaliser Z_t = sum_tau exp(q_t . k_tau), [head][token]", "1"));
  PetscCall(NaH5WriteArray(model->comm, file, "y", 3, dims, y,
                           "circuit output y_t at the read-out of query t, [head][token][dv]", "1"));
  PetscCall(NaH5WriteArray(model->comm, file, "y_exact", 3, dims, at->yex,
                           "exact softmax attention sum_tau v_tau exp(q_t . k_tau) / Z_t, [head][token][dv]", "1"));
  if (at->form == FORM_ODE) {
    PetscCall(NaH5WriteArray(model->comm, file, "calcium_discrete", 2, dims, at->a_disc,
                             "a_t of the discrete algorithm with the same W (the ODE's reference), [head][token]",
                             "1"));
    PetscCall(NaH5WriteArray(model->comm, file, "y_discrete", 3, dims, at->y_disc,
                             "y_t of the discrete algorithm with the same W (the ODE's reference), [head][token][dv]",
                             "1"));
    PetscCall(NaH5SetAttributeReal(file, "relerr_ode_discrete_calcium", eoa));
    PetscCall(NaH5SetAttributeReal(file, "relerr_ode_discrete_y", eoy));
  }
  PetscCall(NaH5SetAttributeReal(file, "corr_calcium_Z", corr));
  PetscCall(NaH5SetAttributeReal(file, "relerr_calcium_Z", eaz));
  PetscCall(NaH5SetAttributeReal(file, "relerr_y", ey));
  PetscCall(NaH5SetAttributeReal(file, "time_discrete_circuit", at->t_circuit));
  PetscCall(NaH5SetAttributeReal(file, "time_exact_attention", at->t_exact));
  PetscCall(NaH5SetAttributeString(file, "attention_form", AttForms[at->form]));
  PetscCall(NaH5SetAttributeInt(file, "attention_causal", at->causal));
  PetscCall(NaH5SetAttributeInt(file, "attention_m", at->m));
  PetscCall(NaH5SetAttributeInt(file, "attention_L", at->L));
  PetscCall(NaH5SetAttributeInt(file, "attention_heads", at->H));
  PetscCall(NaH5SetAttributeReal(file, "attention_delta", at->delta));
  PetscFunctionReturn(0);
}

static PetscErrorCode Summary_Att(NaModel model, Vec X, PetscViewer viewer)
{
  Att      *at = (Att *)model->data;
  PetscReal corr, eaz, ey, eoa, eoy;
  PetscInt  missing;

  PetscFunctionBegin;
  PetscCall(ReadOuts(model, X));
  PetscCall(Metrics(model, &corr, &eaz, &ey, &eoa, &eoy, &missing));
  if (missing) {
    PetscCall(PetscViewerASCIIPrintf(viewer, "  attention: %" PetscInt_FMT " query windows not reached\n", missing));
    PetscFunctionReturn(0);
  }
  PetscCall(NaViewerPrintf(viewer,
                           "  attention (%s%s, m %" PetscInt_FMT ", L %" PetscInt_FMT ", %" PetscInt_FMT
                           " heads): corr(a, Z) %.6f, relerr(a, Z) %.4g, relerr(y, softmax) %.4g\n",
                           AttForms[at->form], at->causal ? ", causal" : "", at->m, at->L, at->H, (double)corr,
                           (double)eaz, (double)ey));
  if (at->form == FORM_ODE)
    PetscCall(NaViewerPrintf(viewer, "  ODE vs discrete algorithm (same W): relerr calcium %.3g, y %.3g\n", (double)eoa,
                             (double)eoy));
  PetscCall(NaViewerPrintf(viewer, "  cost at set-up: discrete write+read %.4g s, exact attention %.4g s\n",
                           (double)at->t_circuit, (double)at->t_exact));
  PetscFunctionReturn(0);
}

static PetscErrorCode View_Att(NaModel model, PetscViewer viewer)
{
  Att *at = (Att *)model->data;

  PetscFunctionBegin;
  PetscCall(PetscViewerASCIIPrintf(viewer,
                                   "attention circuit, form %s%s: m %" PetscInt_FMT
                                   " hidden neurons per head in %" PetscInt_FMT " blocks, %" PetscInt_FMT
                                   " heads, L %" PetscInt_FMT " tokens, D %" PetscInt_FMT ", dv %" PetscInt_FMT
                                   ", inputs %s\n",
                                   AttForms[at->form], at->causal ? " (causal)" : "", at->m, at->nb, at->H, at->L,
                                   at->D, at->dv, at->input[0] ? at->input : "generated from seed"));
  PetscCall(NaViewerPrintf(viewer,
                           "delta %g, settle %g, tau_h %g, tau_y %g, tau_syn %g, tau_p %g, tau_c %g, tau_r %g, "
                           "eta %g, kappa %g, leaks %g %g\n",
                           (double)at->delta, (double)at->settle, (double)at->tau_h, (double)at->tau_y,
                           (double)at->tau_syn, (double)at->tau_p, (double)at->tau_c, (double)at->tau_r,
                           (double)at->eta, (double)at->kappa, (double)at->leak_syn, (double)at->leak_p));
  PetscFunctionReturn(0);
}

static PetscErrorCode Destroy_Att(NaModel model)
{
  Att *at = (Att *)model->data;

  PetscFunctionBegin;
  if (at->q) PetscCall(PetscFree3(at->q, at->k, at->v));
  PetscCall(PetscFree(at->bfirst));
  if (at->Wf) PetscCall(PetscFree4(at->Wf, at->part, at->sum, at->tail));
  if (at->Z) PetscCall(PetscFree6(at->Z, at->yex, at->a_disc, at->y_disc, at->a_ode, at->y_ode));
  PetscCall(PetscFree(at->got));
  PetscCall(PetscFree(at->ident));
  if (at->phiK) PetscCall(PetscFree2(at->phiK, at->phiQ));
  PetscCall(PetscFree(model->data));
  PetscFunctionReturn(0);
}

PETSC_EXTERN PetscErrorCode NaModelCreate_Attention(NaModel model)
{
  Att *at;

  PetscFunctionBegin;
  PetscCall(PetscNew(&at));
  at->m        = 1000;
  at->L        = 32;
  at->dmodel   = 64;
  at->D        = 16;
  at->dv       = 16;
  at->H        = 1;
  at->seed     = 1;
  at->form     = FORM_ODE;
  at->qk_scale = 1;
  at->delta    = 1;
  at->settle   = 0.5;
  at->tau_h    = 0.02;
  at->tau_y    = 0.02;
  at->tau_c    = 0.02;
  at->tau_r    = 0.02;
  at->tau_syn  = 1;
  at->tau_p    = 1;
  model->data  = at;
  model->ops   = (NaModelOps){.setfromoptions = SetFromOptions_Att,
                              .setup          = SetUp_Att,
                              .initialstate   = InitialState_Att,
                              .rhs            = RHS_Att,
                              .leak           = Leak_Att,
                              .stiff          = Stiff_Att,
                              .writestatic    = WriteStatic_Att,
                              .sample         = Sample_Att,
                              .writeresults   = WriteResults_Att,
                              .summary        = Summary_Att,
                              .view           = View_Att,
                              .segment        = Segment_Att,
                              .capture        = Capture_Att,
                              .inputs         = Inputs_Att,
                              .destroy        = Destroy_Att};
  PetscFunctionReturn(0);
}
