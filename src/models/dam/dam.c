/* The reduced dense associative memory (models.md section 1.6): s and p eliminated,
 *
 *   tau_n dx_i/dt = -x_i + c_T sum_mu xi^mu_i F'(xi^mu . phi) + b,     F(z) = z^n / n,
 *   E = sum_i [x_i phi_i - L(x_i)] - c_T sum_mu F(xi^mu . phi) - b sum_i phi_i.
 *
 * n = 2 is the Hopfield network, n = 4 the reduction of the neuron-astrocyte network. The overlaps
 * xi^mu . phi cost O(K N) and one row gather of K + 1 numbers per neuron, summed in row order. */
#include "modelimpl.h"
#include "activation.h"
#include "naerrors.h"
#include "h5util.h"

typedef struct {
  NaMemory     mem;
  PetscReal    beta, tau_n, b, cT;
  PetscBool    cT_set;
  PetscInt     n, act;
  NaActivation phi;
  PetscInt     rstart, nloc;
  PetscScalar *summary, *o, *erow; /* [nloc][K], [K], [nloc] */
} DAM;

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
  PetscOptionsHeadEnd();
  PetscFunctionReturn(0);
}

static PetscErrorCode SetUp_DAM(NaModel model)
{
  DAM        *dm = (DAM *)model->data;
  const char *p  = model->prefix;
  PetscInt    rend;

  PetscFunctionBegin;
  PetscCheck(dm->beta > 0 && PetscIsNormalReal(dm->beta), model->comm, PETSC_ERR_USER_INPUT,
             "-%sbeta %g: the gain must be positive", p, (double)dm->beta);
  PetscCheck(dm->n >= 2, model->comm, PETSC_ERR_USER_INPUT,
             "-%sorder %" PetscInt_FMT ": the interaction order n must be at least 2", p, dm->n);
  PetscCall(NaCheckPositive(model->comm, p, "tau_n", dm->tau_n, PETSC_TRUE));
  PetscCall(NaMemorySetUp(&dm->mem, model->comm));
  model->N = dm->mem.N;
  model->K = dm->mem.K;
  if (!dm->cT_set) dm->cT = 1.0 / PetscPowReal((PetscReal)model->N, (PetscReal)(dm->n - 1));
  dm->phi = (NaActivation){(NaActivationType)dm->act, dm->beta};
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
  hsize_t            dims[1] = {(hsize_t)model->N};
  hid_t              dset;

  PetscFunctionBegin;
  PetscCall(NaH5CreateDataset(group, "x", 1, dims, PETSC_FALSE, "neuron membrane state x_i", "1", &dset));
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
  PetscCall(NaMemoryView(&dm->mem, viewer));
  PetscCall(PetscViewerASCIIPrintf(
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
