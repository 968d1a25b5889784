/* User-facing option helpers: choices checked by nastro so that a bad value gets one clear line. */
#pragma once
#include <petscsys.h>

/* reads -<prefix><name> as one of list[0..n-1]; an unknown value is an error naming the option, value and choices */
PETSC_EXTERN PetscErrorCode NaOptionsChoice(PetscOptionItems *PetscOptionsObject, const char prefix[],
                                            const char name[], const char text[], const char *const list[], PetscInt n,
                                            PetscInt *value);
/* Numbers as users write them. PETSc's printf family (PetscPrintf, PetscViewerASCIIPrintf, PetscSNPrintf, and the
 * messages of SETERRQ and PetscCheck) writes %g with a trailing dot: 5 as "5.", 0 as "0.". These format with the C
 * library's vsnprintf, which writes "5" and "0", and hand PETSc only the finished text; every message and View line
 * that prints a real goes through them. */
PETSC_EXTERN const char    *NaFormat(char buf[], size_t len, const char fmt[], ...) PETSC_ATTRIBUTE_FORMAT(3, 4);
PETSC_EXTERN PetscErrorCode NaPrintf(MPI_Comm comm, const char fmt[], ...) PETSC_ATTRIBUTE_FORMAT(2, 3);
PETSC_EXTERN PetscErrorCode NaViewerPrintf(PetscViewer viewer, const char fmt[], ...) PETSC_ATTRIBUTE_FORMAT(2, 3);
#define NA_MESSAGE_LEN 4096
/* SETERRQ and PetscCheck with the message formatted by NaFormat */
#define NaSETERRQ(comm, code, ...)                                                                                     \
  do {                                                                                                                 \
    char na_message_[NA_MESSAGE_LEN];                                                                                  \
    SETERRQ(comm, code, "%s", NaFormat(na_message_, sizeof na_message_, __VA_ARGS__));                                 \
  } while (0)
#define NaCheck(cond, comm, code, ...)                                                                                 \
  do {                                                                                                                 \
    if (PetscUnlikely(!(cond))) NaSETERRQ(comm, code, __VA_ARGS__);                                                    \
  } while (0)
/* "" for one, "s" for more: "1 rank", "2 ranks" */
#define NaPlural(n) ((n) == 1 ? "" : "s")

/* -<prefix><name> must satisfy value > 0 (strict) or value >= 0 */
/* a path option given at most NA_PATH_MAX characters (room for the suffixes nastro adds: .ckpt/, .resume.tmp, ...) */
#define NA_PATH_MAX (PETSC_MAX_PATH_LEN - 64)
PETSC_EXTERN PetscErrorCode NaCheckPathOption(MPI_Comm comm, const char option[]);
/* the output path names a file or nothing yet (not a directory, a device such as /dev/null, a pipe) */
PETSC_EXTERN PetscErrorCode NaCheckOutputFile(MPI_Comm comm, const char path[]);
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

/* The run's outcome file for scripts (docs/checkpoint.md): OUTPUT without .h5, plus .status, written by rank 0 as
 * lines "exit_code: running|0|75|1", "status: <one line>" and, after a stop with a checkpoint, "checkpoint: DIR".
 * NaStatusBegin (collective) writes "running" once the driver knows its output; NaStatusEnd records how the run
 * ended as soon as that is known (a stop: once its checkpoint is published); main() calls NaStatusFinish with the
 * process's exit code, which rewrites the file when that code differs (an error: its message). */
PETSC_EXTERN PetscErrorCode NaStatusBegin(MPI_Comm comm, const char output[]);
PETSC_EXTERN PetscErrorCode NaStatusEnd(int code, const char checkpoint[], const char fmt[], ...)
    PETSC_ATTRIBUTE_FORMAT(3, 4);
PETSC_EXTERN void NaStatusFinish(int code);
/* main() after an error: returns when every rank failed (an error in input all ranks see: one line from rank 0,
 * and the ranks finalise); otherwise, once NASTRO_ERROR_GRACE seconds (default 10) have passed without the other
 * ranks failing too, prints this rank's message, writes the outcome file and stops every rank with MPI_Abort */
PETSC_EXTERN void NaErrorStop(void);
/* tests: NASTRO_TEST_FAULT="POINT RANK INDEX" makes rank RANK fail at the INDEX-th call of fault point POINT */
PETSC_EXTERN PetscErrorCode NaTestFault(MPI_Comm comm, const char point[]);

/* the node's MemAvailable in bytes (0: unknown); NASTRO_MEM_AVAILABLE (bytes) overrides it, for tests */
PETSC_EXTERN double NaMemAvailable(void);
/* this process's peak resident set size in bytes (getrusage; 0: unknown) */
PETSC_EXTERN double NaPeakRSS(void);
