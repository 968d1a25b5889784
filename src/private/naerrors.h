/* User-facing option helpers: choices checked by nastro so that a bad value gets one clear line. */
#pragma once
#include <petscsys.h>

/* reads -<prefix><name> as one of list[0..n-1]; an unknown value is an error naming the option, value and choices */
PETSC_EXTERN PetscErrorCode NaOptionsChoice(PetscOptionItems *PetscOptionsObject, const char prefix[],
                                            const char name[], const char text[], const char *const list[], PetscInt n,
                                            PetscInt *value);
/* -<prefix><name> must satisfy value > 0 (strict) or value >= 0 */
PETSC_EXTERN PetscErrorCode NaCheckPositive(MPI_Comm comm, const char prefix[], const char name[], PetscReal value,
                                            PetscBool strict);

/* SIGUSR1, SIGUSR2, SIGTERM, SIGHUP, SIGINT: checkpoint and stop at the next step (src/sim/sim.c) */
PETSC_EXTERN PetscErrorCode NaInstallSignalHandlers(void);
/* the signal received since start (0: none), for drivers that poll it */
PETSC_EXTERN int NaStopSignal(void);
/* "SIGUSR1", ... for the stop messages */
PETSC_EXTERN const char *NaSignalName(int sig);

/* every option given on the command line or in an options file has been read by now: one that nothing read
 * (a misspelling, an option of another model) is an error naming it */
PETSC_EXTERN PetscErrorCode NaCheckOptionsUsed(MPI_Comm comm);

/* the node's MemAvailable in bytes (0: unknown); NASTRO_MEM_AVAILABLE (bytes) overrides it, for tests */
PETSC_EXTERN double NaMemAvailable(void);
/* this process's peak resident set size in bytes (getrusage; 0: unknown) */
PETSC_EXTERN double NaPeakRSS(void);
