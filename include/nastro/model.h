/* NaModel: a neuron-astrocyte model, chosen by name (-model naam|dam), in PETSc's object style:
 *   NaModelCreate -> NaModelSetType -> NaModelSetFromOptions -> NaModelSetUp -> use -> NaModelDestroy.
 * A model owns the layout of one global state Vec whose order is a fixed function of cell id. */
#pragma once
#include <petscvec.h>
#include <nastro/network.h>

typedef struct _n_NaModel *NaModel;
typedef const char        *NaModelType;
#define NAMODELNAAM "naam"           /* neuron-astrocyte associative memory (models.md section 1) */
#define NAMODELDAM "dam"             /* reduced dense associative memory (models.md section 1.6) */
#define NAMODELATTENTION "attention" /* neuron-astrocyte attention circuit (models.md section 2) */

PETSC_EXTERN PetscErrorCode NaModelRegister(const char name[], PetscErrorCode (*create)(NaModel));
PETSC_EXTERN PetscErrorCode NaModelRegisterAll(void);
PETSC_EXTERN PetscErrorCode NaModelCreate(MPI_Comm comm, NaModel *model);
PETSC_EXTERN PetscErrorCode NaModelSetType(NaModel model, NaModelType type);
PETSC_EXTERN PetscErrorCode NaModelGetType(NaModel model, NaModelType *type);
PETSC_EXTERN PetscErrorCode NaModelSetFromOptions(NaModel model);
PETSC_EXTERN PetscErrorCode NaModelSetUp(NaModel model);
PETSC_EXTERN PetscErrorCode NaModelDestroy(NaModel *model);
PETSC_EXTERN PetscErrorCode NaModelView(NaModel model, PetscViewer viewer);

PETSC_EXTERN PetscErrorCode NaModelGetNetwork(NaModel model, NaNetwork *net);
/* number of neurons N and of stored patterns K (the length of the overlap observable) */
PETSC_EXTERN PetscErrorCode NaModelGetSizes(NaModel model, PetscInt *N, PetscInt *K);
PETSC_EXTERN PetscErrorCode NaModelCreateVector(NaModel model, Vec *U);
PETSC_EXTERN PetscErrorCode NaModelInitialState(NaModel model, Vec U);
/* F = dU/dt (the full right-hand side) */
PETSC_EXTERN PetscErrorCode NaModelRHS(NaModel model, PetscReal t, Vec U, Vec F);
/* D such that dU/dt = -D .* U + N(U), the linear leak part (for IMEX); NULL-safe: returns PETSC_FALSE if none */
PETSC_EXTERN PetscErrorCode NaModelGetLeak(NaModel model, Vec D, PetscBool *has);
/* adds S(t, U) to S, where -S .* U is a stiff part that IMEX treats implicitly besides the leak; *has: PETSC_FALSE if
 * none (S untouched) */
PETSC_EXTERN PetscErrorCode NaModelGetStiff(NaModel model, PetscReal t, Vec U, Vec S, PetscBool *has);
/* energy and pattern overlaps m_mu = xi^mu . phi / N (overlaps: array of K) */
PETSC_EXTERN PetscErrorCode NaModelObserve(NaModel model, Vec U, PetscReal *energy, PetscReal overlaps[]);
/* the neuron membrane states x of the locally owned rows (array of rend - rstart) */
PETSC_EXTERN PetscErrorCode NaModelGetNeurons(NaModel model, Vec U, PetscScalar xlocal[]);
/* the index of the cued pattern, or -1 when the cue is not a stored pattern */
PETSC_EXTERN PetscErrorCode NaModelGetCuedPattern(NaModel model, PetscInt *mu);
/* the stored patterns [K][N] (+-1), on every rank */
PETSC_EXTERN PetscErrorCode NaModelGetPatterns(NaModel model, const PetscScalar **xi);
