/* NaNetwork: which rank owns which neurons (rows), and the row-wise collectives the models use.
 *
 * Rows are post-synaptic neurons. A rank owns a contiguous block of rows, balanced to within one row.
 * Every reduction that feeds the dynamics goes through NaNetworkSumRows, which sums per-row values in
 * row order on every rank: results are bitwise independent of the number of ranks. */
#pragma once
#include <petscsys.h>

typedef struct _n_NaNetwork *NaNetwork;

PETSC_EXTERN PetscErrorCode NaNetworkCreate(MPI_Comm comm, PetscInt N, NaNetwork *net);
/* rows dealt out in whole blocks of `block`, balancing the summed weight[i] per rank */
PETSC_EXTERN PetscErrorCode NaNetworkCreateBlocked(MPI_Comm comm, PetscInt N, PetscInt block, const PetscReal weight[],
                                                   NaNetwork *net);
PETSC_EXTERN PetscErrorCode NaNetworkGetBlockSize(NaNetwork net, PetscInt *block);
PETSC_EXTERN PetscErrorCode NaNetworkDestroy(NaNetwork *net);
PETSC_EXTERN PetscErrorCode NaNetworkGetSize(NaNetwork net, PetscInt *N);
PETSC_EXTERN PetscErrorCode NaNetworkGetOwnershipRange(NaNetwork net, PetscInt *rstart, PetscInt *rend);
/* local [nlocal][width] -> global [N][width] on every rank (one MPI_Allgatherv) */
PETSC_EXTERN PetscErrorCode NaNetworkAllgatherRows(NaNetwork net, PetscInt width, const PetscScalar local[],
                                                   PetscScalar global[]);
/* out[w] = sum over all rows i, in increasing i, of row value [i][w]; same bits on any rank count */
PETSC_EXTERN PetscErrorCode NaNetworkSumRows(NaNetwork net, PetscInt width, const PetscScalar local[],
                                             PetscScalar out[]);
/* for each local row j, the sum in block order of partial_c[j] over all blocks c starting at or before j;
 * partial packs, for each local block in order, its values for rows b_c..N-1 (see network.c) */
PETSC_EXTERN PetscErrorCode NaNetworkSumBlockColumns(NaNetwork net, const PetscScalar partial[], PetscScalar out[]);
/* seconds spent in, and bytes received through, the row collectives on this rank so far */
PETSC_EXTERN PetscErrorCode NaNetworkGetCommStats(NaNetwork net, PetscLogDouble *seconds, PetscLogDouble *bytes);
/* logs "rows per rank: min..max" on rank 0 */
/* what a row is in NaNetworkView's line (a string that outlives net; default "neurons") */
PETSC_EXTERN PetscErrorCode NaNetworkSetRowName(NaNetwork net, const char what[]);
PETSC_EXTERN PetscErrorCode NaNetworkView(NaNetwork net, PetscViewer viewer);
