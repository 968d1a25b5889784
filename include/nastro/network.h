/* NaNetwork: which rank owns which neurons (rows), and the row-wise collectives the models use.
 *
 * Rows are post-synaptic neurons. A rank owns a contiguous block of rows, balanced to within one row.
 * Every reduction that feeds the dynamics goes through NaNetworkSumRows, which sums per-row values in
 * row order on every rank: results are bitwise independent of the number of ranks. */
#pragma once
#include <petscsys.h>

typedef struct _n_NaNetwork *NaNetwork;

PETSC_EXTERN PetscErrorCode NaNetworkCreate(MPI_Comm comm, PetscInt N, NaNetwork *net);
PETSC_EXTERN PetscErrorCode NaNetworkDestroy(NaNetwork *net);
PETSC_EXTERN PetscErrorCode NaNetworkGetSize(NaNetwork net, PetscInt *N);
PETSC_EXTERN PetscErrorCode NaNetworkGetOwnershipRange(NaNetwork net, PetscInt *rstart, PetscInt *rend);
/* local [nlocal][width] -> global [N][width] on every rank (one MPI_Allgatherv) */
PETSC_EXTERN PetscErrorCode NaNetworkAllgatherRows(NaNetwork net, PetscInt width, const PetscScalar local[],
                                                   PetscScalar global[]);
/* out[w] = sum over all rows i, in increasing i, of row value [i][w]; same bits on any rank count */
PETSC_EXTERN PetscErrorCode NaNetworkSumRows(NaNetwork net, PetscInt width, const PetscScalar local[],
                                             PetscScalar out[]);
/* seconds spent in, and bytes received through, the row collectives on this rank so far */
PETSC_EXTERN PetscErrorCode NaNetworkGetCommStats(NaNetwork net, PetscLogDouble *seconds, PetscLogDouble *bytes);
/* logs "rows per rank: min..max" on rank 0 */
PETSC_EXTERN PetscErrorCode NaNetworkView(NaNetwork net, PetscViewer viewer);
