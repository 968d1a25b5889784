/* The table of cell models of spiking networks (cellmodel.h), in registration order, and look-ups by name.
 * Adding a model: its file in src/populations/ plus one line below. */
#include <string.h>
#include "cellmodel.h"

PETSC_INTERN const NaCellModel NaCellModel_aeif_cond_alpha_astro, NaCellModel_iaf_cond_exp;
PETSC_INTERN const NaCellModel NaCellModel_astrocyte_lr_1994, NaCellModel_astrocyte_gchi;
PETSC_INTERN const NaCellModel NaCellModel_poisson_generator, NaCellModel_spike_generator, NaCellModel_dc_generator;

static const NaCellModel *const Models[] = {
    &NaCellModel_aeif_cond_alpha_astro, &NaCellModel_iaf_cond_exp,      &NaCellModel_astrocyte_lr_1994,
    &NaCellModel_astrocyte_gchi,        &NaCellModel_poisson_generator, &NaCellModel_spike_generator,
    &NaCellModel_dc_generator,
};
#define NMODELS ((PetscInt)(sizeof Models / sizeof Models[0]))

const NaCellModel *NaCellModelFind(const char name[])
{
  if (!name) return NULL;
  for (PetscInt k = 0; k < NMODELS; k++)
    if (!strcmp(Models[k]->name, name)) return Models[k];
  return NULL;
}

PetscInt NaCellModelCount(void)
{
  return NMODELS;
}

const NaCellModel *NaCellModelGet(PetscInt k)
{
  return k >= 0 && k < NMODELS ? Models[k] : NULL;
}

static PetscInt QuantityIndex(PetscInt nq, const NaQuantity *q, const char name[])
{
  if (!name) return -1;
  for (PetscInt k = 0; k < nq; k++)
    if (!strcmp(q[k].name, name)) return k;
  return -1;
}

PetscInt NaCellModelParamIndex(const NaCellModel *m, const char name[])
{
  return m ? QuantityIndex(m->nparams, m->params, name) : -1;
}

PetscInt NaCellModelStateIndex(const NaCellModel *m, const char name[])
{
  return m ? QuantityIndex(m->nstate, m->state, name) : -1;
}
