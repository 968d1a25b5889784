/* Private interface of the attention model (models.md section 2), for the unit tests and the benchmark:
 * its inputs, its random-feature matrix, its results. */
#pragma once
#include "modelimpl.h"

/* row mu of head h of the random-feature matrix W (D numbers, i.i.d. N(0, 1)): a function of
 * (feature seed, h, mu) only, so W does not depend on the rank count */
PETSC_EXTERN PetscErrorCode NaAttentionFeatureRow(int64_t fseed, PetscInt h, PetscInt mu, PetscInt D, PetscReal w[]);
/* phi(u) for the rows mu0..mu1-1 of head h: m^(-1/2) exp(W_mu . u - |u|^2/2) */
PETSC_EXTERN PetscErrorCode NaAttentionFeatures(int64_t fseed, PetscInt h, PetscInt m, PetscInt mu0, PetscInt mu1,
                                                PetscInt D, const PetscReal u[], PetscReal phi[]);
/* sizes, feature seed and the (scaled) inputs q, k [H][L][D], v [H][L][dv], on every rank */
PETSC_EXTERN PetscErrorCode NaAttentionGetInputs(NaModel model, PetscInt *H, PetscInt *L, PetscInt *D, PetscInt *dv,
                                                 PetscInt *m, int64_t *fseed, const PetscReal **q, const PetscReal **k,
                                                 const PetscReal **v);
/* the circuit's results (ODE form: read at the end of each query window, after a run; discrete form: the
 * discrete algorithm) a [H][L], y [H][L][dv]; the exact Z [H][L] and softmax attention [H][L][dv] */
PETSC_EXTERN PetscErrorCode NaAttentionGetResults(NaModel model, const PetscReal **a, const PetscReal **y,
                                                  const PetscReal **Z, const PetscReal **yexact);
/* the discrete algorithm's a and y (computed at set-up in both forms) */
PETSC_EXTERN PetscErrorCode NaAttentionGetDiscrete(NaModel model, const PetscReal **a, const PetscReal **y);
/* wall seconds of the discrete write+read and of the exact attention computed directly, at set-up */
PETSC_EXTERN PetscErrorCode NaAttentionGetTimings(NaModel model, PetscReal *t_circuit, PetscReal *t_exact);
