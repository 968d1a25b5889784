/* nastro's error reporting: one line per error, on rank 0, naming what the user can fix; and the run's outcome
 * file for scripts. */
#define _POSIX_C_SOURCE 200809L
#include "tsbs3.h"
#include <nastro/nastro.h>
#include "naerrors.h"
#include "nastro_config.h"
#include "nastro_version.h"
#include <hdf5.h>
#include <petscksp.h>
#include <petscsnes.h>
#include <petscts.h>
#include <petscviewer.h>
#include <stddef.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static char     na_first_error[1024];          /* the first error's message, for the outcome file */
static MPI_Comm na_error_comm = MPI_COMM_NULL; /* used only by NaErrorStop, so it matches no other collective */
/* the outcome file (NaStatusBegin) */
static char na_status_path[PETSC_MAX_PATH_LEN + 16];
static int  na_status_writer = 0, na_status_code = -1; /* this process writes it; the code it holds (-1: running) */

/* "-key value" of the option given with value (a viewer's value may go on as "value:FILE"): 1, or 0 when none is */
static int FindOption(const char value[], PetscBool viewer, char out[], size_t len)
{
  char  *all = NULL, *save = NULL, *key = NULL;
  size_t nv    = strlen(value);
  int    found = 0;

  if (PetscOptionsGetAll(NULL, &all) || !all) return 0;
  for (char *tok = strtok_r(all, " ", &save); tok && !found; tok = strtok_r(NULL, " ", &save)) {
    if (tok[0] == '-' && isalpha((unsigned char)tok[1]))
      key = tok;
    else if (key && (!strcmp(tok, value) || (viewer && !strncmp(tok, value, nv) && tok[nv] == ':'))) {
      snprintf(out, len, "%s %s", key, tok);
      found = 1;
    }
  }
  PetscFree(all);
  return found;
}

/* the types registered in list, ", "-separated */
static void TypeNames(PetscFunctionList list, char out[], size_t len)
{
  const char **names = NULL;
  int          n     = 0;
  size_t       used  = 0;

  out[0] = 0;
  if (!list || PetscFunctionListGet(list, &names, &n)) return;
  for (int k = 0; k < n && used + 1 < len; k++)
    if (names[k]) used += (size_t)snprintf(out + used, len - used, "%s%s", used ? ", " : "", names[k]);
  PetscFree(names);
}

/* PETSc's parsers of its own options say what is wrong without naming the option ("Input string abc has no numeric
 * value", "Unknown TS type: nosuch", "Unsupported viewer 1"): find the option given with that value and name it
 * with its value, and list what it could be (else keep the message) */
static const char *NameOption(const char mess[], char out[], size_t len)
{
  static const char adapt[] =
      TSADAPTBASIC ", " TSADAPTNONE ", " TSADAPTDSP ", " TSADAPTCFL ", " TSADAPTGLEE ", " TSADAPTHISTORY;
  const struct {
    const char       *head, *tail, *what;
    PetscFunctionList list;  /* types to list, or NULL */
    const char       *fixed; /* or a fixed list */
    PetscBool         viewer;
  } forms[] = {
      {"Input string ", " has no integer value", "not an integer", NULL, NULL, PETSC_FALSE},
      {"Input string ", " has no numeric value", "not a number", NULL, NULL, PETSC_FALSE},
      {"Unknown logical value: ", "", "a flag takes no value, or true or false (a stray argument after the flag?)",
       NULL, NULL, PETSC_FALSE},
      {"Unknown TS type: ", "", "not a stepper type; the types are", TSList, NULL, PETSC_FALSE},
      {"Unknown TSAdapt type \"", "\" given", "not a step-size adaptor type; the types are", NULL, adapt, PETSC_FALSE},
      {"Unable to find requested SNES type ", "", "not a SNES type; the types are", SNESList, NULL, PETSC_FALSE},
      {"Unable to find requested KSP type ", "", "not a KSP type; the types are", KSPList, NULL, PETSC_FALSE},
      {"Unable to find requested PC type ", "", "not a PC type; the types are", PCList, NULL, PETSC_FALSE},
      {"Unable to find requested Line Search type ", "", "not a line search type; the types are", SNESLineSearchList,
       NULL, PETSC_FALSE},
      {"Unknown PetscViewer type given: ", "", "not a viewer type (TYPE[:FILE[:FORMAT]]); the types are",
       PetscViewerList, NULL, PETSC_TRUE},
      {"Unsupported viewer ", "", "not a viewer (TYPE[:FILE[:FORMAT]], e.g. ascii or ascii:log.txt); the types are",
       PetscViewerList, NULL, PETSC_FALSE},
  };
  char value[256], key[512], types[640];

  if (!mess) return mess;
  /* PetscOptionsGetEList names the option itself: "Unknown option 9 for -ts_arkimex_type. Available options: 5 4 ..."
   */
  if (!strncmp(mess, "Unknown option ", 15)) {
    const char *f = strstr(mess, " for -"), *a = f ? strstr(f, ". Available options: ") : NULL;
    if (f && a && f - mess - 15 < (ptrdiff_t)sizeof value) {
      const char *v = a + 21;
      size_t      used;
      used = (size_t)snprintf(out, len, "%.*s %.*s: not one of ", (int)(a - f - 5), f + 5, (int)(f - mess - 15),
                              mess + 15);
      for (int first = 1; *v && used + 3 < len; first = 0) { /* the list, ", "-separated */
        size_t nw;
        while (*v == ' ') v++;
        if (!*v) break;
        nw = strcspn(v, " ");
        used += (size_t)snprintf(out + used, len - used, "%s%.*s", first ? "" : ", ", (int)nw, v);
        v += nw;
      }
      return out;
    }
  }
  for (size_t f = 0; f < sizeof forms / sizeof forms[0]; f++) {
    size_t      nh = strlen(forms[f].head), nv;
    const char *end;
    if (strncmp(mess, forms[f].head, nh)) continue;
    end = forms[f].tail[0] ? strstr(mess + nh, forms[f].tail) : mess + strlen(mess);
    if (!end || (nv = (size_t)(end - mess - nh)) >= sizeof value) continue;
    snprintf(value, sizeof value, "%.*s", (int)nv, mess + nh);
    if (!FindOption(value, forms[f].viewer, key, sizeof key)) return mess;
    types[0] = 0;
    if (forms[f].list) TypeNames(forms[f].list, types, sizeof types);
    if (forms[f].fixed) snprintf(types, sizeof types, "%s", forms[f].fixed);
    if (types[0])
      snprintf(out, len, "%s: %s %s", key, forms[f].what, types);
    else
      snprintf(out, len, "%s: %s", key, forms[f].what);
    return out;
  }
  return mess;
}

/* PETSc calls this at every level of the traceback; only the first call carries the message. */
static PetscErrorCode NaErrorHandler(MPI_Comm comm, int line, const char *fun, const char *file, PetscErrorCode n,
                                     PetscErrorType p, const char *mess, void *ctx)
{
  PetscMPIInt rank = 0, init = 0;
  (void)comm;
  (void)ctx;
  char named[1024];
  if (p != PETSC_ERROR_INITIAL) return n;
  mess = NameOption(mess, named, sizeof named);
  if (!na_first_error[0]) snprintf(na_first_error, sizeof na_first_error, "%s", mess ? mess : "(no message)");
  MPI_Initialized(&init);
  if (init) MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  if (rank == 0) { /* input errors are collective: every rank sees them, rank 0 reports */
    PetscBool user = mess == named || n == PETSC_ERR_USER_INPUT || n == PETSC_ERR_ARG_OUTOFRANGE ||
                     n == PETSC_ERR_ARG_UNKNOWN_TYPE || n == PETSC_ERR_FILE_OPEN || n == PETSC_ERR_FILE_READ ||
                     n == PETSC_ERR_ARG_WRONG || n == PETSC_ERR_FILE_WRITE || n == PETSC_ERR_FILE_UNEXPECTED ||
                     n == PETSC_ERR_NOT_CONVERGED || n == PETSC_ERR_FP;
    if (user)
      fprintf(stderr, "nastro: error: %s\n", mess ? mess : "(no message)");
    else
      fprintf(stderr, "nastro: error: %s (PETSc error %d in %s() at %s:%d)\n", mess ? mess : "(no message)", (int)n,
              fun, file, line);
    fflush(stderr);
  }
  return n;
}

PetscErrorCode NaInitialize(void)
{
  PetscFunctionBegin;
  PetscCall(PetscPushErrorHandler(NaErrorHandler, NULL));
  if (!getenv("NASTRO_HDF5_ERRORS"))
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL); /* HDF5 failures are reported through PETSc errors instead */
  PetscCall(NaModelRegisterAll());
  PetscCall(NaTSRegisterBS3()); /* -ts_type bs3ls: the low-storage stepper */
  PetscCall(NaInstallSignalHandlers());
  PetscCall(NaCheckPetscIntOptions(PETSC_COMM_WORLD));
  { /* -log_view's viewer is opened at PetscFinalize, after the run: a bad one would fail a complete run there */
    PetscViewer       v;
    PetscViewerFormat f;
    PetscBool         set;
    PetscErrorCode    ierr;
    char              raw[256] = "", types[640];
    PetscCall(PetscViewerInitializePackage()); /* its list of types, for the message */
    PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
    ierr = PetscOptionsGetViewer(PETSC_COMM_WORLD, NULL, NULL, "-log_view", &v, &f, &set);
    PetscCall(PetscPopErrorHandler());
    if (!ierr && set) PetscCall(PetscViewerDestroy(&v));
    if (ierr) {
      PetscCall(PetscOptionsGetString(NULL, NULL, "-log_view", raw, sizeof raw, NULL));
      PetscCall(PetscOptionsClearValue(NULL, "-log_view")); /* else PetscFinalize fails on it again */
      TypeNames(PetscViewerList, types, sizeof types);
      NaSETERRQ(PETSC_COMM_WORLD, PETSC_ERR_USER_INPUT,
                "-log_view %s: not a viewer (TYPE[:FILE[:FORMAT]], e.g. ascii or ascii:log.txt); the types are %s", raw,
                types);
    }
  }
  if (na_error_comm == MPI_COMM_NULL) PetscCallMPI(MPI_Comm_dup(MPI_COMM_WORLD, &na_error_comm));
  PetscFunctionReturn(0);
}

void NaErrorStop(void)
{
  MPI_Request req;
  int         done = 0, rank = 0, size = 1;
  const char *env   = getenv("NASTRO_ERROR_GRACE");
  double      grace = env && atof(env) > 0 ? atof(env) : 10, t0;

  if (na_error_comm == MPI_COMM_NULL) return;
  MPI_Comm_rank(na_error_comm, &rank);
  MPI_Comm_size(na_error_comm, &size);
  if (size == 1) return;
  t0 = MPI_Wtime();
  MPI_Ibarrier(na_error_comm, &req);
  while (!done && MPI_Wtime() - t0 < grace) {
    struct timespec ms = {0, 1000000};
    MPI_Test(&req, &done, MPI_STATUS_IGNORE);
    if (!done) nanosleep(&ms, NULL);
  }
  if (done) return; /* every rank failed: the error was collective */
  if (rank != 0) {  /* rank 0 printed its message when it failed; this one has not */
    fprintf(stderr, "nastro: error on rank %d: %s\n", rank, na_first_error[0] ? na_first_error : "(no message)");
    na_status_writer = 1; /* rank 0 may be stuck: this rank records the outcome */
  }
  fprintf(stderr, "nastro: rank %d failed and the others did not within %g s: stopping all %d ranks\n", rank, grace,
          size);
  fflush(stderr);
  NaStatusFinish(1);
  NaOutputAbandon();
  MPI_Abort(MPI_COMM_WORLD, 1);
}

PetscErrorCode NaTestFault(MPI_Comm comm, const char point[])
{
  static int  count = 0;
  const char *env   = getenv("NASTRO_TEST_FAULT");
  char        name[64];
  int         rank, frank, index;

  PetscFunctionBegin;
  if (!env || sscanf(env, "%63s %d %d", name, &frank, &index) != 3 || strcmp(name, point)) PetscFunctionReturn(0);
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCheck(!(rank == frank && count++ == index), PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE,
             "NASTRO_TEST_FAULT: an injected failure at %s %d on rank %d", point, index, rank);
  PetscFunctionReturn(0);
}

const char *NaVersion(void)
{
#if defined(PETSC_USE_64BIT_INDICES) /* tests and output files tell the builds apart by this (README, Building) */
  return NASTRO_VERSION " (git " NASTRO_GIT_REVISION ", 64-bit indices)";
#else
  return NASTRO_VERSION " (git " NASTRO_GIT_REVISION ")";
#endif
}

PetscErrorCode NaOptionsChoice(PetscOptionItems *PetscOptionsObject, const char prefix[], const char name[],
                               const char text[], const char *const list[], PetscInt n, PetscInt *value)
{
  char      buf[256], help[512], opt[128];
  PetscBool set;

  PetscFunctionBegin;
  PetscCall(PetscSNPrintf(opt, sizeof(opt), "-%s", name));
  PetscCall(PetscStrncpy(help, text, sizeof(help)));
  for (PetscInt k = 0; k < n; k++) {
    PetscCall(PetscStrlcat(help, k ? " | " : " (", sizeof(help)));
    PetscCall(PetscStrlcat(help, list[k], sizeof(help)));
  }
  PetscCall(PetscStrlcat(help, ")", sizeof(help)));
  PetscCall(PetscStrncpy(buf, list[*value], sizeof(buf)));
  PetscCall(PetscOptionsString(opt, help, NULL, buf, buf, sizeof(buf), &set));
  if (!set) PetscFunctionReturn(0);
  for (PetscInt k = 0; k < n; k++) {
    PetscBool match;
    PetscCall(PetscStrcasecmp(buf, list[k], &match));
    if (match) {
      *value = k;
      PetscFunctionReturn(0);
    }
  }
  SETERRQ(PetscOptionsObject->comm, PETSC_ERR_USER_INPUT, "-%s%s %s: unknown value; choose one of %s",
          prefix ? prefix : "", name, buf, help + strlen(text) + 1);
}

const char *NaFormat(char buf[], size_t len, const char fmt[], ...)
{
  va_list ap;

  va_start(ap, fmt);
  vsnprintf(buf, len, fmt, ap);
  va_end(ap);
  return buf;
}

/* the text of fmt and ap in *text: buf when it fits, else memory the caller frees with free() */
static char *VFormat(char buf[], size_t len, const char fmt[], va_list ap)
{
  va_list again;
  int     n;
  char   *big;

  va_copy(again, ap);
  n = vsnprintf(buf, len, fmt, ap);
  if (n < 0 || (size_t)n < len || !(big = malloc((size_t)n + 1))) {
    va_end(again);
    return buf; /* fits (or is cut, if memory is short) */
  }
  vsnprintf(big, (size_t)n + 1, fmt, again);
  va_end(again);
  return big;
}

PetscErrorCode NaPrintf(MPI_Comm comm, const char fmt[], ...)
{
  char    buf[1024], *text;
  va_list ap;

  PetscFunctionBegin;
  va_start(ap, fmt);
  text = VFormat(buf, sizeof buf, fmt, ap);
  va_end(ap);
  PetscErrorCode ierr = PetscPrintf(comm, "%s", text);
  if (text != buf) free(text);
  PetscCall(ierr);
  PetscFunctionReturn(0);
}

PetscErrorCode NaViewerPrintf(PetscViewer viewer, const char fmt[], ...)
{
  char    buf[1024], *text;
  va_list ap;

  PetscFunctionBegin;
  va_start(ap, fmt);
  text = VFormat(buf, sizeof buf, fmt, ap);
  va_end(ap);
  PetscErrorCode ierr = PetscViewerASCIIPrintf(viewer, "%s", text);
  if (text != buf) free(text);
  PetscCall(ierr);
  PetscFunctionReturn(0);
}

PetscErrorCode NaCheckPositive(MPI_Comm comm, const char prefix[], const char name[], PetscReal value, PetscBool strict)
{
  PetscFunctionBegin;
  NaCheck(PetscIsNormalReal(value) || value == 0, comm, PETSC_ERR_USER_INPUT, "-%s%s %g: must be a finite number",
          prefix, name, (double)value);
  if (strict)
    NaCheck(value > 0, comm, PETSC_ERR_USER_INPUT, "-%s%s %g: must be positive", prefix, name, (double)value);
  else
    NaCheck(value >= 0, comm, PETSC_ERR_USER_INPUT, "-%s%s %g: must not be negative", prefix, name, (double)value);
  PetscFunctionReturn(0);
}

PetscErrorCode NaCheckPath(MPI_Comm comm, const char option[], const char path[])
{
  const size_t n = strlen(path);

  PetscFunctionBegin;
  NaCheck(n <= NA_PATH_MAX, comm, PETSC_ERR_USER_INPUT,
          "%s %.40s...: the path has %zu characters, at most %d are supported", option, path, n, (int)NA_PATH_MAX);
  PetscFunctionReturn(0);
}

PetscErrorCode NaCheckOutputFile(MPI_Comm comm, const char path[])
{
  struct stat st;
  int         kind = 0, rank;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  if (rank == 0 && !stat(path, &st) && !S_ISREG(st.st_mode)) kind = S_ISDIR(st.st_mode) ? 1 : 2;
  PetscCallMPI(MPI_Bcast(&kind, 1, MPI_INT, 0, comm));
  NaCheck(!kind, comm, PETSC_ERR_USER_INPUT,
          "-o %s: is %s, not a file (nastro writes an HDF5 file and its .status there)", path,
          kind == 1 ? "a directory" : "a device or special file");
  PetscFunctionReturn(0);
}

/* the node's MemAvailable in bytes (0: unknown); NASTRO_MEM_AVAILABLE (bytes) overrides it, for tests */
double NaMemAvailable(void)
{
  const char *env = getenv("NASTRO_MEM_AVAILABLE");
  char        line[256];
  double      kb = 0;
  FILE       *f;

  if (env) return atof(env);
  if (!(f = fopen("/proc/meminfo", "r"))) return 0;
  while (fgets(line, sizeof line, f))
    if (sscanf(line, "MemAvailable: %lf kB", &kb) == 1) break;
  fclose(f);
  return 1024 * kb;
}

double NaPeakRSS(void)
{
  struct rusage u;
  return getrusage(RUSAGE_SELF, &u) ? 0 : 1024.0 * (double)u.ru_maxrss; /* Linux: kilobytes */
}

/* The outcome file: OUTPUT without .h5, plus .status, written by rank 0 (a temporary renamed over it, so a reader
 * sees one whole version). mpiexec cannot report exit code 75 when it was signalled itself (docs/checkpoint.md);
 * this file can. */

static void StatusWrite(int code, const char what[], const char checkpoint[])
{
  char  tmp[sizeof na_status_path + 8];
  FILE *f;

  if (!na_status_writer) return;
  snprintf(tmp, sizeof tmp, "%s.tmp", na_status_path);
  if (!(f = fopen(tmp, "w"))) return; /* the outcome file is a courtesy: a run does not fail for want of it */
  if (code < 0)
    fprintf(f, "exit_code: running\nstatus: %s\n", what);
  else
    fprintf(f, "exit_code: %d\nstatus: %s\n", code, what);
  if (checkpoint && checkpoint[0]) fprintf(f, "checkpoint: %s\n", checkpoint);
  fflush(f);
  fsync(fileno(f));
  fclose(f);
  if (rename(tmp, na_status_path)) remove(tmp);
  na_status_code = code;
}

PetscErrorCode NaStatusBegin(MPI_Comm comm, const char output[])
{
  PetscMPIInt rank, size;
  size_t      n = strlen(output);
  char        what[128], when[64];
  time_t      now = time(NULL);

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCallMPI(MPI_Comm_size(comm, &size));
  na_status_writer = rank == 0;
  snprintf(na_status_path, sizeof na_status_path, "%.*s.status",
           (int)(n > 3 && !strcmp(output + n - 3, ".h5") ? n - 3 : n), output);
  strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", localtime(&now));
  snprintf(what, sizeof what, "running since %s on %d rank%s", when, size, size == 1 ? "" : "s");
  StatusWrite(-1, what, NULL);
  PetscFunctionReturn(0);
}

PetscErrorCode NaStatusEnd(int code, const char checkpoint[], const char fmt[], ...)
{
  char    what[3 * PETSC_MAX_PATH_LEN];
  va_list ap;

  PetscFunctionBegin;
  va_start(ap, fmt);
  vsnprintf(what, sizeof what, fmt, ap);
  va_end(ap);
  StatusWrite(code, what, checkpoint);
  PetscFunctionReturn(0);
}

void NaStatusFinish(int code)
{
  NaOutputRelease(code);
  if (!na_status_path[0] || code == na_status_code) return;
  StatusWrite(code, code == 1 && na_first_error[0] ? na_first_error : "ended without a word (see the log)", NULL);
}
