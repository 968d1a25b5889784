/* Sizes that PETSc's indices and MPI's int counts must hold (README, "64-bit indices"). A build against PETSc with
 * 32-bit indices refuses any array or vector beyond 2^31 - 1 values (NaCheckCount, naerrors.h); one against PETSc64
 * (meson setup -Dpetsc=PETSc64) takes them, and then memory is the limit (NaCheckNodeMemory) and so are MPI's counts,
 * which stay int: messages that can hold more go in pieces (NaBcastLarge) or are refused with their size
 * (NaMPICount). */
#pragma once
#include <petscsys.h>

/* the width of PetscInt in bits: 32 or 64 */
#define NA_INDEX_BITS ((int)(8 * sizeof(PetscInt)))

/* n values of type from root to every rank of comm, in messages of at most 2^30 values (collective;
 * NASTRO_TEST_BCAST_PIECE=VALUES makes them smaller, for tests) */
PETSC_EXTERN PetscErrorCode NaBcastLarge(void *buf, PetscInt64 n, MPI_Datatype type, PetscMPIInt root, MPI_Comm comm);
/* count as an MPI count in *n, else the error "WHAT: COUNT values in one MPI message, more than MPI's int counts hold
 * (2147483647)" on comm, WHAT from fmt */
PETSC_EXTERN PetscErrorCode NaMPICount(MPI_Comm comm, PetscInt64 count, PetscMPIInt *n, const char fmt[], ...)
    PETSC_ATTRIBUTE_FORMAT(4, 5);
/* bytes this rank is about to allocate for one thing, before it does: the ranks of a node together must fit the
 * node's MemAvailable (NaMemAvailable; no check when it is unknown), else the error "WHAT would take BYTES bytes
 * (G GB) on this rank, T GB on a node running R ranks, which has A GB available" on comm, WHAT from fmt, the figures
 * of the worst node (collective) */
PETSC_EXTERN PetscErrorCode NaCheckNodeMemory(MPI_Comm comm, double bytes, const char fmt[], ...)
    PETSC_ATTRIBUTE_FORMAT(3, 4);
