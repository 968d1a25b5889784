/* The table of model names. Adding a model: its own folder plus one line in NaModelRegisterAll. */
#include "modelimpl.h"

PETSC_EXTERN PetscErrorCode NaModelCreate_NAAM(NaModel);
PETSC_EXTERN PetscErrorCode NaModelCreate_DAM(NaModel);
PETSC_EXTERN PetscErrorCode NaModelCreate_Attention(NaModel);

PetscFunctionList NaModelList              = NULL;
char              NaModelNames[256]        = ""; /* " naam dam ..." for error messages */
static PetscBool  NaModelRegisterAllCalled = PETSC_FALSE;

PetscErrorCode NaModelRegister(const char name[], PetscErrorCode (*create)(NaModel))
{
  PetscFunctionBegin;
  PetscCall(PetscFunctionListAdd(&NaModelList, name, create));
  PetscCall(PetscStrlcat(NaModelNames, " ", sizeof(NaModelNames)));
  PetscCall(PetscStrlcat(NaModelNames, name, sizeof(NaModelNames)));
  PetscFunctionReturn(0);
}

PetscErrorCode NaModelRegisterAll(void)
{
  PetscFunctionBegin;
  if (NaModelRegisterAllCalled) PetscFunctionReturn(0);
  NaModelRegisterAllCalled = PETSC_TRUE;
  PetscCall(NaModelRegister(NAMODELNAAM, NaModelCreate_NAAM));
  PetscCall(NaModelRegister(NAMODELDAM, NaModelCreate_DAM));
  PetscCall(NaModelRegister(NAMODELATTENTION, NaModelCreate_Attention));
  PetscFunctionReturn(0);
}
