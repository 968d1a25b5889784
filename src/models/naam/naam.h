/* Private to the naam model and its tests. */
#pragma once
#include "modelimpl.h"
#include "activation.h"

typedef enum { NAAM_T_HEBBIAN, NAAM_T_DENSE, NAAM_T_UNIFORM } NaamCoupling;
typedef enum { NAAM_INIT_STATIONARY, NAAM_INIT_ZERO } NaamInit;
#define NAAM_DENSE_MAX_N 12

typedef struct {
  NaMemory     mem;
  PetscReal    beta, lambda, alpha, gamma, tau_n, tau_s, tau_p;
  PetscReal    b, c, d; /* constant inputs of the general equations */
  PetscReal    cT;      /* T_scale */
  PetscBool    cT_set;
  PetscInt     act[3]; /* activation types of phi, g, psi */
  NaActivation phi, g, psi;
  PetscInt     T, init;
  /* layout: row i holds [x_i, s_i0..s_i(N-1), p_i0..p_i(N-1)], rows rstart..rend-1 on this rank */
  PetscInt     rstart, rend, nloc, B;
  PetscInt     W;           /* per-row summary width gathered once per right-hand side: phi_i + coupling partials */
  PetscScalar *Tdense;      /* dense T: [nloc*N][N*N] */
  PetscScalar *summary;     /* [nloc][W] */
  PetscScalar *gath;        /* [N][W] */
  PetscScalar *psiloc;      /* [nloc][N] psi of the local processes */
  PetscScalar *phiall;      /* [N] */
  PetscScalar *coup;        /* hebbian: q[K]; uniform: total psi */
  PetscScalar *grow, *trow; /* [N] scratch rows: g_i. and (T psi)_i. */
  PetscScalar *erow;        /* [nloc] */
} NAAM;

/* Gathers phi and the coupling partials of state u (local array), filling psiloc, phiall and coup. */
PETSC_EXTERN PetscErrorCode NaamGather(NaModel model, const PetscScalar *u);
/* row r (local) of T Psi, from the data NaamGather left */
PETSC_EXTERN void NaamCouplingRow(NAAM *nm, PetscInt r, PetscScalar *out);
/* fills s and p of U from its x so that the state is the stationary point of models.md 1.5 */
PETSC_EXTERN PetscErrorCode NaModelNAAMSetStationary(NaModel model, Vec U);
