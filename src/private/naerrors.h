/* User-facing option helpers: choices checked by nastro so that a bad value gets one clear line. */
#pragma once
#include <petscsys.h>
#include <stdint.h>

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
/* a path option's value (read whole: the option reader refuses values longer than their buffer) leaves room for
 * the suffixes nastro adds (.ckpt/, .resume.tmp, ...): at most NA_PATH_MAX characters */
#define NA_PATH_MAX (PETSC_MAX_PATH_LEN - 64)
PETSC_EXTERN PetscErrorCode NaCheckPath(MPI_Comm comm, const char option[], const char path[]);
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

/* every option given on the command line or in an options file has been read by now: one that nothing read is an
 * error naming it and, where one is close, the nearest name this run knows ("did you mean -naam_beta?": the names
 * nastro's reads asked for, and PETSc's options of the run's stepper), or the model whose prefix it carries
 * (src/sim/options.c) */
PETSC_EXTERN PetscErrorCode NaCheckOptionsUsed(MPI_Comm comm);
/* PETSc's own integer options (of the stepper, its adaptor, SNES, KSP: the names a throwaway TS lists with -help) given
 * with a whole number outside PetscInt's range, which PETSc's parser would wrap silently: an error naming option and
 * value (NaInitialize, before anything is set up) */
PETSC_EXTERN PetscErrorCode NaCheckPetscIntOptions(MPI_Comm comm);

/* The command line and the options files it names (-options_file, -options_file_yaml, nested too), checked before
 * PetscInitialize reads them (src/sim/args.c; no PETSc needed): a word that is no option's value (a stray argument),
 * an option given twice with different values, an options file that is missing, a directory, binary, malformed or
 * includes itself, a YAML file that does not parse or whose top level is not a mapping. Returns 1 with the one-line
 * message in msg, else 0. */
PETSC_EXTERN int NaCheckArguments(int argc, char **argv, char msg[], size_t len);

/* nastro's option reads (src/sim/options.c). Every file that includes this header reads PetscOptionsInt, Real, Bool
 * and String through these: the name joins the run's registry of known names, and the text is checked first, with
 * one line naming option and value: a value is there ("-naam_beta: needs a value"), an integer is a whole number that
 * fits (read as 64 bits: "-naam_N 4294967316: too large (at most 2147483647)"), a real is a finite number, a flag's
 * word is true/false (else a stray argument after it), a string fits its buffer. */
PETSC_EXTERN PetscErrorCode NaOptionsInt_Private(PetscOptionItems *, const char[], const char[], const char[], PetscInt,
                                                 PetscInt *, PetscBool *, PetscInt, PetscInt);
PETSC_EXTERN PetscErrorCode NaOptionsReal_Private(PetscOptionItems *, const char[], const char[], const char[],
                                                  PetscReal, PetscReal *, PetscBool *);
PETSC_EXTERN PetscErrorCode NaOptionsBool_Private(PetscOptionItems *, const char[], const char[], const char[],
                                                  PetscBool, PetscBool *, PetscBool *);
PETSC_EXTERN PetscErrorCode NaOptionsString_Private(PetscOptionItems *, const char[], const char[], const char[],
                                                    const char[], char[], size_t, PetscBool *);
/* sizes computed from options, in double before any allocation: count (of an array or vector) must fit PetscInt,
 * else "WHAT would hold COUNT values, more than PETSc's 32-bit indices hold (2147483647)", WHAT from fmt (with
 * PETSc64: "64-bit" and 9223372036854775807; nalimits.h has the limits beyond) */
PETSC_EXTERN PetscErrorCode NaCheckCount(MPI_Comm comm, double count, const char fmt[], ...)
    PETSC_ATTRIBUTE_FORMAT(3, 4);
/* a 64-bit integer option (seeds: every bit counts) */
PETSC_EXTERN PetscErrorCode NaOptionsInt64(PetscOptionItems *PetscOptionsObject, const char opt[], const char text[],
                                           int64_t current, int64_t *value, PetscBool *set);
#undef PetscOptionsInt
#undef PetscOptionsBoundedInt
#undef PetscOptionsRangeInt
#undef PetscOptionsReal
#undef PetscOptionsBool
#undef PetscOptionsString
#define PetscOptionsInt(a, b, c, d, e, f)                                                                              \
  NaOptionsInt_Private(PetscOptionsObject, a, b, c, d, e, f, PETSC_MIN_INT, PETSC_MAX_INT)
#define PetscOptionsBoundedInt(a, b, c, d, e, f, g)                                                                    \
  NaOptionsInt_Private(PetscOptionsObject, a, b, c, d, e, f, g, PETSC_MAX_INT)
#define PetscOptionsRangeInt(a, b, c, d, e, f, g, h) NaOptionsInt_Private(PetscOptionsObject, a, b, c, d, e, f, g, h)
#define PetscOptionsReal(a, b, c, d, e, f) NaOptionsReal_Private(PetscOptionsObject, a, b, c, d, e, f)
#define PetscOptionsBool(a, b, c, d, e, f) NaOptionsBool_Private(PetscOptionsObject, a, b, c, d, e, f)
#define PetscOptionsString(a, b, c, d, e, f, g) NaOptionsString_Private(PetscOptionsObject, a, b, c, d, e, f, g)

/* The run's outcome file for scripts (docs/checkpoint.md): OUTPUT without .h5, plus .status, written by rank 0 as
 * lines "exit_code: running|0|75|1", "status: <one line>" and, after a stop with a checkpoint, "checkpoint: DIR".
 * NaStatusBegin (collective) writes "running" once the driver knows its output; NaStatusEnd records how the run
 * ended as soon as that is known (a stop: once its checkpoint is published); main() calls NaStatusFinish with the
 * process's exit code, which rewrites the file when that code differs (an error: its message). */
PETSC_EXTERN PetscErrorCode NaStatusBegin(MPI_Comm comm, const char output[]);
PETSC_EXTERN PetscErrorCode NaStatusEnd(int code, const char checkpoint[], const char fmt[], ...)
    PETSC_ATTRIBUTE_FORMAT(3, 4);
PETSC_EXTERN void NaStatusFinish(int code);
/* the claim on a run's output before it is written (src/io/claim.c): locks OUTPUT.lock and CKDIR.lock refuse a
 * second writer of either; a fresh run sets a complete OUTPUT aside as
 * OUTPUT.previous.h5. NaOutputRelease (rank 0; main() calls it through NaStatusFinish) removes the locks and, when
 * code is 0, the set-aside file. */
PETSC_EXTERN PetscErrorCode NaOutputClaim(MPI_Comm comm, const char output[], const char ckdir[], PetscBool resumed);
PETSC_EXTERN void           NaOutputRelease(int code);
/* any rank, just before it stops the job with MPI_Abort (which kills rank 0, the holder, too): removes the run's
 * locks if they still hold this run's line */
PETSC_EXTERN void NaOutputAbandon(void);
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
