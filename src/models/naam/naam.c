/* The neuron-astrocyte associative memory (models.md section 1), row-distributed.
 *
 *   tau_n dx_i/dt  = -lambda x_i + sum_j g(s_ij) phi(x_j) + b
 *   tau_s ds_ij/dt = -alpha  s_ij + phi_i phi_j + psi(p_ij) + c
 *   tau_p dp_ij/dt = -gamma  p_ij + (T Psi)_ij + g(s_ij)   + d
 *
 * One MPI_Allgatherv per right-hand side carries, for every row, phi_i and the row's contribution to the
 * coupling (Hebbian: xi_i^mu (xi^mu . psi_i.) for each mu; uniform: the row sum; dense: the row itself).
 * Global sums are then taken in row order on every rank, so the dynamics do not depend on the rank count. */
#include "naam.h"
#include "naerrors.h"
#include "h5util.h"

static const char *const CouplingNames[]     = {"hebbian", "dense", "uniform"};
static const char *const InitNames[]         = {"stationary", "zero"};
const char *const        NaActivationTypes[] = {"tanh", "identity"};

static PetscErrorCode SetFromOptions_NAAM(NaModel model, PetscOptionItems *PetscOptionsObject)
{
  NAAM       *nm = (NAAM *)model->data;
  const char *p  = model->prefix;

  PetscFunctionBegin;
  PetscOptionsHeadBegin(PetscOptionsObject, "Neuron-astrocyte associative memory (-model naam)");
  PetscCall(NaMemorySetFromOptions(&nm->mem, p, PetscOptionsObject));
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
  PetscCall(NaOptionsChoice(PetscOptionsObject, p, "T", "process coupling tensor", CouplingNames, 3, &nm->T));
  PetscCall(PetscOptionsReal("-T_scale", "scale c_T of T (default 1/N^3; 1 for uniform)", NULL, nm->cT, &nm->cT,
                             &nm->cT_set));
  PetscCall(NaOptionsChoice(PetscOptionsObject, p, "init", "initial synapses and processes", InitNames, 2, &nm->init));
  PetscCall(NaOptionsChoice(PetscOptionsObject, p, "phi", "neuron activation", NaActivationTypes, 2, &nm->act[0]));
  PetscCall(NaOptionsChoice(PetscOptionsObject, p, "g", "synapse activation", NaActivationTypes, 2, &nm->act[1]));
  PetscCall(NaOptionsChoice(PetscOptionsObject, p, "psi", "process activation", NaActivationTypes, 2, &nm->act[2]));
  PetscOptionsHeadEnd();
  PetscFunctionReturn(0);
}

static PetscErrorCode SetUp_NAAM(NaModel model)
{
  NAAM       *nm   = (NAAM *)model->data;
  const char *p    = model->prefix;
  MPI_Comm    comm = model->comm;
  PetscInt    N, K;

  PetscFunctionBegin;
  PetscCheck(nm->beta > 0 && PetscIsNormalReal(nm->beta), comm, PETSC_ERR_USER_INPUT,
             "-%sbeta %g: the gain must be positive", p, (double)nm->beta);
  PetscCall(NaCheckPositive(comm, p, "lambda", nm->lambda, PETSC_FALSE));
  PetscCall(NaCheckPositive(comm, p, "alpha", nm->alpha, PETSC_FALSE));
  PetscCall(NaCheckPositive(comm, p, "gamma", nm->gamma, PETSC_FALSE));
  PetscCall(NaCheckPositive(comm, p, "tau_n", nm->tau_n, PETSC_TRUE));
  PetscCall(NaCheckPositive(comm, p, "tau_s", nm->tau_s, PETSC_TRUE));
  PetscCall(NaCheckPositive(comm, p, "tau_p", nm->tau_p, PETSC_TRUE));
  PetscCheck(nm->T != NAAM_T_DENSE || nm->mem.N <= NAAM_DENSE_MAX_N, comm, PETSC_ERR_USER_INPUT,
             "-%sT dense with -%sN %" PetscInt_FMT
             ": a dense T holds N^4 numbers and is allowed only for N <= %d; use -%sT hebbian",
             p, p, nm->mem.N, NAAM_DENSE_MAX_N, p);
  PetscCall(NaMemorySetUp(&nm->mem, comm));
  N = model->N = nm->mem.N;
  K = model->K = nm->mem.K;
  if (!nm->cT_set) nm->cT = nm->T == NAAM_T_UNIFORM ? 1.0 : 1.0 / ((PetscReal)N * N * N);
  nm->phi = (NaActivation){(NaActivationType)nm->act[0], nm->beta};
  nm->g   = (NaActivation){(NaActivationType)nm->act[1], nm->beta};
  nm->psi = (NaActivation){(NaActivationType)nm->act[2], nm->beta};

  PetscCall(NaNetworkCreate(comm, N, &model->net));
  PetscCall(NaNetworkGetOwnershipRange(model->net, &nm->rstart, &nm->rend));
  nm->nloc       = nm->rend - nm->rstart;
  nm->B          = 1 + 2 * N;
  model->nlocal  = nm->nloc * nm->B;
  model->nglobal = N * nm->B;
  nm->W          = 1 + (nm->T == NAAM_T_HEBBIAN ? K : nm->T == NAAM_T_UNIFORM ? 1 : N);
  PetscCall(PetscMalloc5(nm->nloc * nm->W, &nm->summary, N * nm->W, &nm->gath, nm->nloc * N, &nm->psiloc, N,
                         &nm->phiall, PetscMax(K, 1), &nm->coup));
  PetscCall(PetscMalloc3(N, &nm->grow, N, &nm->trow, nm->nloc, &nm->erow));
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

PetscErrorCode NaamGather(NaModel model, const PetscScalar *u)
{
  NAAM              *nm = (NAAM *)model->data;
  const PetscInt     N = model->N, K = model->K, W = nm->W, B = nm->B;
  const PetscScalar *xi = nm->mem.xi;

  PetscFunctionBegin;
  for (PetscInt r = 0; r < nm->nloc; r++) {
    const PetscScalar *p   = u + r * B + 1 + N;
    PetscScalar       *psi = nm->psiloc + r * N, *sum = nm->summary + r * W;
    NaActEvalArray(&nm->psi, N, p, psi);
    sum[0] = NaActEval(&nm->phi, u[r * B]);
    switch (nm->T) {
    case NAAM_T_HEBBIAN:
      for (PetscInt mu = 0; mu < K; mu++) {
        const PetscScalar *xm = xi + mu * N;
        sum[1 + mu]           = xm[nm->rstart + r] * NaDot(N, xm, psi);
      }
      break;
    case NAAM_T_UNIFORM: {
      PetscScalar tot = 0;
      for (PetscInt j = 0; j < N; j++) tot += psi[j];
      sum[1] = tot;
    } break;
    case NAAM_T_DENSE:
      for (PetscInt j = 0; j < N; j++) sum[1 + j] = psi[j];
      break;
    }
  }
  PetscCall(NaNetworkAllgatherRows(model->net, W, nm->summary, nm->gath));
  for (PetscInt j = 0; j < N; j++) nm->phiall[j] = nm->gath[j * W];
  if (nm->T != NAAM_T_DENSE) {
    for (PetscInt w = 1; w < W; w++) nm->coup[w - 1] = 0;
    for (PetscInt i = 0; i < N; i++)
      for (PetscInt w = 1; w < W; w++) nm->coup[w - 1] += nm->gath[i * W + w];
  }
  PetscFunctionReturn(0);
}

void NaamCouplingRow(NAAM *nm, PetscInt r, PetscScalar *out)
{
  const PetscInt     N = nm->mem.N, K = nm->mem.K, i = nm->rstart + r;
  const PetscScalar *xi = nm->mem.xi;

  switch (nm->T) {
  case NAAM_T_HEBBIAN:
    for (PetscInt j = 0; j < N; j++) out[j] = 0;
    for (PetscInt mu = 0; mu < K; mu++) {
      const PetscScalar *xm = xi + mu * N, a = nm->cT * nm->coup[mu] * xm[i];
      for (PetscInt j = 0; j < N; j++) out[j] += a * xm[j];
    }
    break;
  case NAAM_T_UNIFORM:
    for (PetscInt j = 0; j < N; j++) out[j] = nm->cT * nm->coup[0];
    break;
  case NAAM_T_DENSE: {
    const PetscInt W = nm->W, N2 = N * N;
    for (PetscInt j = 0; j < N; j++) {
      const PetscScalar *t   = nm->Tdense + (r * N + j) * N2;
      PetscScalar        acc = 0;
      for (PetscInt k = 0; k < N; k++)
        for (PetscInt l = 0; l < N; l++) acc += t[k * N + l] * nm->gath[k * W + 1 + l];
      out[j] = acc;
    }
  } break;
  }
}

static PetscErrorCode RHS_NAAM(NaModel model, PetscReal t, Vec U, Vec F)
{
  NAAM              *nm = (NAAM *)model->data;
  const PetscInt     N = model->N, B = nm->B;
  const PetscReal    rn = 1 / nm->tau_n, rs = 1 / nm->tau_s, rp = 1 / nm->tau_p;
  const PetscScalar *u, *phiall        = nm->phiall;
  PetscScalar       *f, *restrict grow = nm->grow, *restrict trow = nm->trow;

  PetscFunctionBegin;
  (void)t;
  PetscCall(VecGetArrayRead(U, &u));
  PetscCall(VecGetArray(F, &f));
  PetscCall(NaamGather(model, u));
  for (PetscInt r = 0; r < nm->nloc; r++) {
    const PetscScalar *s = u + r * B + 1, *p = s + N, *psi = nm->psiloc + r * N;
    PetscScalar       *fs = f + r * B + 1, *fp = fs + N;
    const PetscScalar  phi_i = nm->gath[(nm->rstart + r) * nm->W];
    PetscScalar        drive = 0;

    NaActEvalArray(&nm->g, N, s, grow);
    NaamCouplingRow(nm, r, trow);
    drive    = NaDot(N, grow, phiall);
    f[r * B] = rn * (-nm->lambda * u[r * B] + drive + nm->b);
    for (PetscInt j = 0; j < N; j++) {
      fs[j] = rs * (-nm->alpha * s[j] + phi_i * phiall[j] + psi[j] + nm->c);
      fp[j] = rp * (-nm->gamma * p[j] + trow[j] + grow[j] + nm->d);
    }
  }
  PetscCall(VecRestoreArray(F, &f));
  PetscCall(VecRestoreArrayRead(U, &u));
  PetscFunctionReturn(0);
}

static PetscErrorCode Leak_NAAM(NaModel model, Vec D)
{
  NAAM          *nm = (NAAM *)model->data;
  const PetscInt N = model->N, B = nm->B;
  PetscScalar   *d;

  PetscFunctionBegin;
  PetscCall(VecGetArray(D, &d));
  for (PetscInt r = 0; r < nm->nloc; r++) {
    d[r * B] = nm->lambda / nm->tau_n;
    for (PetscInt j = 0; j < N; j++) {
      d[r * B + 1 + j]     = nm->alpha / nm->tau_s;
      d[r * B + 1 + N + j] = nm->gamma / nm->tau_p;
    }
  }
  PetscCall(VecRestoreArray(D, &d));
  PetscFunctionReturn(0);
}

/* E of models.md 1.3 with the inputs b, c, d (so that the right-hand sides stay -dE/dphi, -2 dE/dg, -2 dE/dpsi) */
static PetscErrorCode Observe_NAAM(NaModel model, Vec U, PetscReal *energy, PetscReal overlaps[])
{
  NAAM              *nm = (NAAM *)model->data;
  const PetscInt     N = model->N, K = model->K, B = nm->B;
  const PetscScalar *u;
  PetscScalar        E;

  PetscFunctionBegin;
  PetscCall(VecGetArrayRead(U, &u));
  PetscCall(NaamGather(model, u));
  for (PetscInt r = 0; r < nm->nloc; r++) {
    const PetscScalar *s = u + r * B + 1, *p = s + N, *psi = nm->psiloc + r * N;
    const PetscScalar  x = u[r * B], phi_i = nm->phiall[nm->rstart + r];
    PetscScalar        e = nm->lambda * (x * phi_i - NaActLagrangian(&nm->phi, x)) - nm->b * phi_i;

    NaActEvalArray(&nm->g, N, s, nm->grow);
    for (PetscInt j = 0; j < N; j++) {
      const PetscScalar g = nm->grow[j];
      e += 0.5 * nm->alpha * (s[j] * g - NaActLagrangian(&nm->g, s[j])) +
           0.5 * nm->gamma * (p[j] * psi[j] - NaActLagrangian(&nm->psi, p[j]));
      e -= 0.5 * g * phi_i * nm->phiall[j] + 0.5 * psi[j] * g + 0.5 * nm->c * g + 0.5 * nm->d * psi[j];
    }
    if (nm->T == NAAM_T_DENSE) {
      NaamCouplingRow(nm, r, nm->trow);
      for (PetscInt j = 0; j < N; j++) e -= 0.25 * psi[j] * nm->trow[j];
    }
    nm->erow[r] = e;
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
  const PetscInt     N = model->N, K = model->K, B = nm->B;
  const PetscScalar *xi = nm->mem.xi;
  PetscScalar       *u, *x, *phi0, *o;

  PetscFunctionBegin;
  PetscCall(PetscMalloc3(nm->nloc, &x, N, &phi0, K, &o));
  PetscCall(VecGetArray(U, &u));
  for (PetscInt r = 0; r < nm->nloc; r++) x[r] = NaActEval(&nm->phi, u[r * B]);
  PetscCall(NaNetworkAllgatherRows(model->net, 1, x, phi0));
  for (PetscInt mu = 0; mu < K; mu++) {
    o[mu] = 0;
    for (PetscInt i = 0; i < N; i++) o[mu] += xi[mu * N + i] * phi0[i];
  }
  /* psi(0) = -phi0 phi0',  g(0) = T (phi0 phi0') */
  PetscScalar sum0 = 0;
  for (PetscInt i = 0; i < N; i++) sum0 += phi0[i];
  for (PetscInt r = 0; r < nm->nloc; r++) {
    const PetscInt i = nm->rstart + r;
    PetscScalar   *s = u + r * B + 1, *p = s + N;
    for (PetscInt j = 0; j < N; j++) {
      PetscScalar g = 0;
      switch (nm->T) {
      case NAAM_T_HEBBIAN:
        for (PetscInt mu = 0; mu < K; mu++) g += o[mu] * o[mu] * xi[mu * N + i] * xi[mu * N + j];
        g *= nm->cT;
        break;
      case NAAM_T_UNIFORM:
        g = nm->cT * sum0 * sum0;
        break;
      case NAAM_T_DENSE:
        for (PetscInt k = 0; k < N; k++)
          for (PetscInt l = 0; l < N; l++) g += nm->Tdense[(r * N + j) * N * N + k * N + l] * phi0[k] * phi0[l];
        break;
      }
      s[j] = NaActInverse(&nm->g, g);
      p[j] = NaActInverse(&nm->psi, -phi0[i] * phi0[j]);
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
  for (PetscInt r = 0; r < nm->nloc; r++) u[r * nm->B] = nm->mem.cue[nm->rstart + r];
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
  for (PetscInt r = 0; r < nm->nloc; r++) x[r] = u[r * nm->B];
  PetscCall(VecRestoreArrayRead(U, &u));
  PetscFunctionReturn(0);
}

static PetscErrorCode WriteStatic_NAAM(NaModel model, hid_t file)
{
  NAAM *nm = (NAAM *)model->data;

  PetscFunctionBegin;
  PetscCall(NaMemoryWrite(&nm->mem, model->comm, file));
  PetscFunctionReturn(0);
}

static PetscErrorCode WriteFinal_NAAM(NaModel model, hid_t group, Vec U)
{
  NAAM              *nm = (NAAM *)model->data;
  const PetscInt     N  = model->N;
  const PetscScalar *u;
  PetscScalar       *buf;
  hsize_t            dims[2] = {(hsize_t)N, (hsize_t)N};
  hid_t              dset;
  const char        *what[3] = {"x", "s", "p"};
  const char        *desc[3] = {"neuron membrane state x_i",
                                "synaptic facilitation s_ij (row i post-synaptic, column j pre-synaptic)",
                                "astrocyte process Ca2+ level p_ij wrapping synapse ij"};

  PetscFunctionBegin;
  PetscCall(PetscMalloc1(PetscMax(nm->nloc * N, 1), &buf));
  PetscCall(VecGetArrayRead(U, &u));
  for (int f = 0; f < 3; f++) {
    for (PetscInt r = 0; r < nm->nloc; r++) {
      if (f == 0)
        buf[r] = u[r * nm->B];
      else
        PetscCall(PetscArraycpy(buf + r * N, u + r * nm->B + 1 + (f - 1) * N, N));
    }
    PetscCall(NaH5CreateDataset(group, what[f], f == 0 ? 1 : 2, dims, PETSC_FALSE, desc[f], "1", &dset));
    PetscCall(NaH5WriteRows(dset, (hsize_t)nm->rstart, (hsize_t)nm->nloc, buf));
    NaH5Call(H5Dclose(dset));
  }
  PetscCall(VecRestoreArrayRead(U, &u));
  PetscCall(PetscFree(buf));
  PetscFunctionReturn(0);
}

static PetscErrorCode View_NAAM(NaModel model, PetscViewer viewer)
{
  NAAM *nm = (NAAM *)model->data;

  PetscFunctionBegin;
  PetscCall(NaMemoryView(&nm->mem, viewer));
  PetscCall(PetscViewerASCIIPrintf(viewer,
                                   "state: %" PetscInt_FMT " neurons + 2 x %" PetscInt_FMT
                                   " synapses/processes = %" PetscInt_FMT " variables\n",
                                   model->N, model->N * model->N, model->nglobal));
  PetscCall(PetscViewerASCIIPrintf(
      viewer, "beta %g, leaks lambda %g alpha %g gamma %g, tau_n %g tau_s %g tau_p %g, inputs b %g c %g d %g\n",
      (double)nm->beta, (double)nm->lambda, (double)nm->alpha, (double)nm->gamma, (double)nm->tau_n, (double)nm->tau_s,
      (double)nm->tau_p, (double)nm->b, (double)nm->c, (double)nm->d));
  PetscCall(PetscViewerASCIIPrintf(viewer, "T %s (c_T = %g), init %s, activations phi %s g %s psi %s\n",
                                   CouplingNames[nm->T], (double)nm->cT, InitNames[nm->init],
                                   NaActivationTypes[nm->act[0]], NaActivationTypes[nm->act[1]],
                                   NaActivationTypes[nm->act[2]]));
  PetscFunctionReturn(0);
}

static PetscErrorCode Destroy_NAAM(NaModel model)
{
  NAAM *nm = (NAAM *)model->data;

  PetscFunctionBegin;
  PetscCall(NaMemoryDestroy(&nm->mem));
  PetscCall(PetscFree5(nm->summary, nm->gath, nm->psiloc, nm->phiall, nm->coup));
  PetscCall(PetscFree3(nm->grow, nm->trow, nm->erow));
  PetscCall(PetscFree(nm->Tdense));
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
