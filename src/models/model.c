/* NaModel: the generic object; every verb dispatches to the model's operations table. */
#include "modelimpl.h"

extern PetscFunctionList NaModelList;
extern char              NaModelNames[];

PetscErrorCode NaModelCreate(MPI_Comm comm, NaModel *model)
{
  NaModel m;

  PetscFunctionBegin;
  PetscCall(NaModelRegisterAll());
  PetscCall(PetscNew(&m));
  m->comm = comm;
  *model  = m;
  PetscFunctionReturn(0);
}

PetscErrorCode NaModelSetType(NaModel model, NaModelType type)
{
  PetscErrorCode (*create)(NaModel);

  PetscFunctionBegin;
  PetscCall(PetscFunctionListFind(NaModelList, type, &create));
  PetscCheck(create, model->comm, PETSC_ERR_ARG_UNKNOWN_TYPE, "-model %s: unknown model (known:%s)", type,
             NaModelNames);
  if (model->ops.destroy) PetscCall(model->ops.destroy(model));
  PetscCall(PetscMemzero(&model->ops, sizeof(model->ops)));
  PetscCall(PetscFree(model->type));
  PetscCall(PetscStrallocpy(type, &model->type));
  PetscCall(PetscSNPrintf(model->prefix, sizeof(model->prefix), "%s_", type));
  PetscCall(create(model));
  PetscFunctionReturn(0);
}

PetscErrorCode NaModelGetType(NaModel model, NaModelType *type)
{
  PetscFunctionBegin;
  *type = model->type;
  PetscFunctionReturn(0);
}

PetscErrorCode NaModelSetFromOptions(NaModel model)
{
  PetscFunctionBegin;
  PetscCheck(model->type, model->comm, PETSC_ERR_ORDER, "NaModelSetType() must come before NaModelSetFromOptions()");
  PetscOptionsBegin(model->comm, model->prefix, "Model options", NULL);
  if (model->ops.setfromoptions) PetscCall(model->ops.setfromoptions(model, PetscOptionsObject));
  PetscOptionsEnd();
  PetscFunctionReturn(0);
}

PetscErrorCode NaModelSetUp(NaModel model)
{
  PetscFunctionBegin;
  if (model->setupcalled) PetscFunctionReturn(0);
  PetscCall(model->ops.setup(model));
  model->setupcalled = PETSC_TRUE;
  PetscFunctionReturn(0);
}

PetscErrorCode NaModelDestroy(NaModel *model)
{
  PetscFunctionBegin;
  if (!*model) PetscFunctionReturn(0);
  if ((*model)->ops.destroy) PetscCall((*model)->ops.destroy(*model));
  PetscCall(NaNetworkDestroy(&(*model)->net));
  PetscCall(PetscFree((*model)->type));
  PetscCall(PetscFree(*model));
  PetscFunctionReturn(0);
}

PetscErrorCode NaModelView(NaModel model, PetscViewer viewer)
{
  PetscFunctionBegin;
  PetscCall(PetscViewerASCIIPrintf(viewer, "model: %s\n", model->type));
  PetscCall(PetscViewerASCIIPushTab(viewer));
  if (model->net) PetscCall(NaNetworkView(model->net, viewer));
  if (model->ops.view) PetscCall(model->ops.view(model, viewer));
  PetscCall(PetscViewerASCIIPopTab(viewer));
  PetscFunctionReturn(0);
}

PetscErrorCode NaModelGetNetwork(NaModel model, NaNetwork *net)
{
  PetscFunctionBegin;
  *net = model->net;
  PetscFunctionReturn(0);
}

PetscErrorCode NaModelGetSizes(NaModel model, PetscInt *N, PetscInt *K)
{
  PetscFunctionBegin;
  if (N) *N = model->N;
  if (K) *K = model->K;
  PetscFunctionReturn(0);
}

PetscErrorCode NaModelCreateVector(NaModel model, Vec *U)
{
  PetscFunctionBegin;
  PetscCheck(model->setupcalled, model->comm, PETSC_ERR_ORDER, "NaModelSetUp() must come first");
  PetscCall(VecCreateMPI(model->comm, model->nlocal, model->nglobal, U));
  PetscFunctionReturn(0);
}

PetscErrorCode NaModelInitialState(NaModel model, Vec U)
{
  PetscFunctionBegin;
  PetscCall(model->ops.initialstate(model, U));
  PetscFunctionReturn(0);
}

PetscErrorCode NaModelRHS(NaModel model, PetscReal t, Vec U, Vec F)
{
  PetscFunctionBegin;
  PetscCall(model->ops.rhs(model, t, U, F));
  PetscFunctionReturn(0);
}

PetscErrorCode NaModelGetLeak(NaModel model, Vec D, PetscBool *has)
{
  PetscFunctionBegin;
  *has = model->ops.leak ? PETSC_TRUE : PETSC_FALSE;
  if (model->ops.leak && D) PetscCall(model->ops.leak(model, D));
  PetscFunctionReturn(0);
}

PetscErrorCode NaModelGetStiff(NaModel model, PetscReal t, Vec U, Vec S, PetscBool *has)
{
  PetscFunctionBegin;
  *has = model->ops.stiff ? PETSC_TRUE : PETSC_FALSE;
  if (model->ops.stiff && S) PetscCall(model->ops.stiff(model, t, U, S));
  PetscFunctionReturn(0);
}

PetscErrorCode NaModelObserve(NaModel model, Vec U, PetscReal *energy, PetscReal overlaps[])
{
  PetscFunctionBegin;
  PetscCall(model->ops.observe(model, U, energy, overlaps));
  PetscFunctionReturn(0);
}

PetscErrorCode NaModelGetNeurons(NaModel model, Vec U, PetscScalar xlocal[])
{
  PetscFunctionBegin;
  PetscCall(model->ops.getneurons(model, U, xlocal));
  PetscFunctionReturn(0);
}

PetscErrorCode NaModelGetCuedPattern(NaModel model, PetscInt *mu)
{
  PetscFunctionBegin;
  *mu = model->mem ? model->mem->cued : -1;
  PetscFunctionReturn(0);
}

PetscErrorCode NaModelGetPatterns(NaModel model, const PetscScalar **xi)
{
  PetscFunctionBegin;
  *xi = model->mem ? model->mem->xi : NULL;
  PetscFunctionReturn(0);
}
