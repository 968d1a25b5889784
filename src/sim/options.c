/* nastro's option reads. naerrors.h points PETSc's PetscOptionsInt, PetscOptionsReal, PetscOptionsBool and
 * PetscOptionsString at the functions here, so every option nastro reads, in every file that includes it, is read
 * one way: its name goes into the run's registry of known names (for "did you mean ...?"), and its text is checked
 * before PETSc parses it: a value is there, it is a whole number that fits (read as 64 bits), a finite number, or
 * true/false; anything else is one line naming the option and the value as the user wrote it. */
#define _POSIX_C_SOURCE 200809L
#include <nastro/nastro.h>
#include "naerrors.h"
#include <ctype.h>
#include <stdarg.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

extern char NaModelNames[]; /* " naam dam attention" (src/models/registry.c) */

/* ---- the registry of names ---------------------------------------------------------------------------------- */
static char **na_known;
static size_t na_nknown, na_capknown;

static void Know(const char name[])
{
  for (size_t k = 0; k < na_nknown; k++)
    if (!strcasecmp(na_known[k], name)) return;
  if (na_nknown == na_capknown) {
    size_t cap  = na_capknown ? 2 * na_capknown : 256;
    char **more = realloc(na_known, cap * sizeof *more);
    if (!more) return; /* the registry only feeds suggestions: a run does not fail for want of it */
    na_known = more, na_capknown = cap;
  }
  if ((na_known[na_nknown] = strdup(name))) na_nknown++;
}

/* "-" prefix opt-without-its-dash, as PETSc forms the database key */
static void FullName(char buf[], size_t len, const PetscOptionItems *o, const char opt[])
{
  snprintf(buf, len, "-%s%s", o->prefix ? o->prefix : "", opt[0] == '-' ? opt + 1 : opt);
}

/* the text given for the option (NULL: given without a value) and whether it was given; registers its name */
static PetscErrorCode Raw(PetscOptionItems *o, const char opt[], char name[], size_t len, const char **value,
                          PetscBool *given)
{
  PetscFunctionBegin;
  FullName(name, len, o, opt);
  Know(name);
  PetscCall(PetscOptionsFindPair(o->options, o->prefix, opt, value, given));
  PetscFunctionReturn(0);
}

/* ---- checks of the text ------------------------------------------------------------------------------------- */
static PetscErrorCode CheckInt(MPI_Comm comm, const char name[], const char s[], long long lb, long long ub,
                               long long *v)
{
  char *end;

  PetscFunctionBegin;
  NaCheck(s && s[0], comm, PETSC_ERR_USER_INPUT, "%s: needs a value", name);
  errno = 0;
  *v    = strtoll(s, &end, 10);
  NaCheck(end != s && !*end && !isspace((unsigned char)s[0]), comm, PETSC_ERR_USER_INPUT, "%s %s: not an integer", name,
          s);
  NaCheck(!(errno == ERANGE && *v > 0) && *v <= ub, comm, PETSC_ERR_USER_INPUT, "%s %s: too large (at most %lld)", name,
          s, ub);
  NaCheck(errno != ERANGE && *v >= lb, comm, PETSC_ERR_USER_INPUT, "%s %s: too small (at least %lld)", name, s, lb);
  PetscFunctionReturn(0);
}

static PetscErrorCode CheckReal(MPI_Comm comm, const char name[], const char s[])
{
  char  *end;
  double v;

  PetscFunctionBegin;
  NaCheck(s && s[0], comm, PETSC_ERR_USER_INPUT, "%s: needs a value", name);
  v = strtod(s, &end);
  NaCheck(end != s && !*end && !isspace((unsigned char)s[0]), comm, PETSC_ERR_USER_INPUT, "%s %s: not a number", name,
          s);
  NaCheck(isfinite(v), comm, PETSC_ERR_USER_INPUT, "%s %s: must be a finite number", name, s);
  PetscFunctionReturn(0);
}

PetscErrorCode NaOptionsInt_Private(PetscOptionItems *PetscOptionsObject, const char opt[], const char text[],
                                    const char man[], PetscInt current, PetscInt *value, PetscBool *set, PetscInt lb,
                                    PetscInt ub)
{
  char        name[256];
  const char *s;
  PetscBool   given;
  long long   v;

  PetscFunctionBegin;
  PetscCall(Raw(PetscOptionsObject, opt, name, sizeof name, &s, &given));
  if (given) PetscCall(CheckInt(PetscOptionsObject->comm, name, s, lb, ub, &v));
  PetscCall(PetscOptionsInt_Private(PetscOptionsObject, opt, text, man, current, value, set, lb, ub));
  PetscFunctionReturn(0);
}

PetscErrorCode NaOptionsInt64(PetscOptionItems *PetscOptionsObject, const char opt[], const char text[],
                              int64_t current, int64_t *value, PetscBool *set)
{
  char        name[256];
  const char *s;
  PetscBool   given;
  long long   v = current;

  PetscFunctionBegin;
  PetscCall(Raw(PetscOptionsObject, opt, name, sizeof name, &s, &given));
  if (given) PetscCall(CheckInt(PetscOptionsObject->comm, name, s, INT64_MIN, INT64_MAX, &v));
  if (PetscOptionsObject->printhelp && PetscOptionsObject->count == 1 && !PetscOptionsObject->alreadyprinted)
    PetscCall((*PetscHelpPrintf)(PetscOptionsObject->comm, "  %s <now %lld : formerly %lld>: %s\n", name, v,
                                 (long long)current, text));
  *value = v;
  if (set) *set = given;
  PetscFunctionReturn(0);
}

PetscErrorCode NaOptionsReal_Private(PetscOptionItems *PetscOptionsObject, const char opt[], const char text[],
                                     const char man[], PetscReal current, PetscReal *value, PetscBool *set)
{
  char        name[256];
  const char *s;
  PetscBool   given;

  PetscFunctionBegin;
  PetscCall(Raw(PetscOptionsObject, opt, name, sizeof name, &s, &given));
  if (given) PetscCall(CheckReal(PetscOptionsObject->comm, name, s));
  PetscCall(PetscOptionsReal_Private(PetscOptionsObject, opt, text, man, current, value, set));
  PetscFunctionReturn(0);
}

PetscErrorCode NaOptionsBool_Private(PetscOptionItems *PetscOptionsObject, const char opt[], const char text[],
                                     const char man[], PetscBool current, PetscBool *value, PetscBool *set)
{
  static const char *const words[] = {"true", "false", "yes", "no", "on", "off", "1", "0"};
  char                     name[256];
  const char              *s;
  PetscBool                given, ok = PETSC_FALSE;

  PetscFunctionBegin;
  PetscCall(Raw(PetscOptionsObject, opt, name, sizeof name, &s, &given));
  if (given && s) {
    for (size_t k = 0; k < sizeof words / sizeof words[0]; k++) ok = (PetscBool)(ok || !strcasecmp(s, words[k]));
    NaCheck(ok, PetscOptionsObject->comm, PETSC_ERR_USER_INPUT,
            "%s %s: a flag takes no value, or true or false (%s%s looks like a stray argument after the flag)", name,
            s[0] ? s : "\"\"", s[0] ? s : "\"\"", s[0] ? "" : " is an empty word; it");
  }
  PetscCall(PetscOptionsBool_Private(PetscOptionsObject, opt, text, man, current, value, set));
  PetscFunctionReturn(0);
}

PetscErrorCode NaOptionsString_Private(PetscOptionItems *PetscOptionsObject, const char opt[], const char text[],
                                       const char man[], const char current[], char value[], size_t len, PetscBool *set)
{
  char        name[256];
  const char *s;
  PetscBool   given;

  PetscFunctionBegin;
  PetscCall(Raw(PetscOptionsObject, opt, name, sizeof name, &s, &given));
  NaCheck(!given || (s && s[0]), PetscOptionsObject->comm, PETSC_ERR_USER_INPUT, "%s: needs a value", name);
  NaCheck(!given || strlen(s) < len, PetscOptionsObject->comm, PETSC_ERR_USER_INPUT,
          "%s %.40s%s: too long (%zu characters, at most %zu)", name, s, strlen(s) > 40 ? "..." : "", strlen(s),
          len - 1);
  PetscCall(PetscOptionsString_Private(PetscOptionsObject, opt, text, man, current, value, len, set));
  PetscFunctionReturn(0);
}

PetscErrorCode NaCheckCount(MPI_Comm comm, double count, const char fmt[], ...)
{
  char    what[512];
  va_list ap;

  PetscFunctionBegin;
  if (count <= (double)PETSC_MAX_INT) PetscFunctionReturn(0);
  va_start(ap, fmt);
  vsnprintf(what, sizeof what, fmt, ap);
  va_end(ap);
  NaSETERRQ(comm, PETSC_ERR_USER_INPUT,
            "%s would hold %.0f values, more than PETSc's %d-bit indices hold (%" PetscInt_FMT ")", what, count,
            (int)(8 * sizeof(PetscInt)), PETSC_MAX_INT);
}

/* ---- the nearest known name --------------------------------------------------------------------------------- */
/* optimal-string-alignment distance (Levenshtein with transpositions: "tpye" is 1 from "type") ignoring case (the first
 * 127 characters count): PETSc option names ignore case */
static size_t Distance(const char a[], const char b[])
{
  size_t d[128][128], la = strlen(a), lb = strlen(b);

  la = la > 127 ? 127 : la, lb = lb > 127 ? 127 : lb;
  for (size_t i = 0; i <= la; i++) d[i][0] = i;
  for (size_t j = 0; j <= lb; j++) d[0][j] = j;
  for (size_t i = 1; i <= la; i++)
    for (size_t j = 1; j <= lb; j++) {
      size_t sub = d[i - 1][j - 1] + (tolower((unsigned char)a[i - 1]) != tolower((unsigned char)b[j - 1]));
      size_t del = d[i - 1][j] + 1, ins = d[i][j - 1] + 1;
      d[i][j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
      if (i > 1 && j > 1 && tolower((unsigned char)a[i - 1]) == tolower((unsigned char)b[j - 2]) &&
          tolower((unsigned char)a[i - 2]) == tolower((unsigned char)b[j - 1]) && d[i - 2][j - 2] + 1 < d[i][j])
        d[i][j] = d[i - 2][j - 2] + 1;
    }
  return d[la][lb];
}

/* the known name nearest to typed, or NULL when none is close (within about a third of its length) */
static const char *Nearest(const char typed[], char **names, size_t n)
{
  const char *best  = NULL;
  size_t      bestd = (size_t)-1, len = strlen(typed), limit = len <= 5 ? 1 : (len <= 9 ? 2 : len / 3);

  for (size_t k = 0; k < n; k++) {
    size_t d = Distance(typed, names[k]);
    if (d && d < bestd && d <= limit) best = names[k], bestd = d;
  }
  return best;
}

/* PETSc's own options of a stepper (-ts_*, -ts_adapt_*, -snes_*, ...) under an options prefix: the help lines of a
 * throwaway TS of the type that prefix's -ts_type asks for, read under nastro_collect_ and that prefix (PETSc prints
 * each prefix's help once, and this one reads nothing the user gave) */
static const char na_collect_prefix[] = "nastro_collect_";

static void CollectLine(const char line[])
{
  const char *p = line;

  while (*p == ' ') p++;
  if (p[0] == '-' && !strncmp(p + 1, na_collect_prefix, sizeof na_collect_prefix - 1)) {
    char   name[256];
    size_t n = 1;
    name[0]  = '-';
    p += sizeof na_collect_prefix;
    while (*p && !isspace((unsigned char)*p) && *p != '<' && *p != ':' && n < sizeof name - 1) name[n++] = *p++;
    name[n] = 0;
    Know(name);
  }
}

/* PETSc prints help through PetscHelpPrintf, and lists of types through PetscFPrintf (PetscVFPrintf) */
static PetscErrorCode CollectHelp(MPI_Comm comm, const char fmt[], ...)
{
  char    line[1024];
  va_list ap;

  (void)comm;
  va_start(ap, fmt);
  vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  CollectLine(line);
  return 0;
}

static PetscErrorCode CollectVFPrintf(FILE *fd, const char fmt[], va_list ap)
{
  char line[1024];

  (void)fd;
  vsnprintf(line, sizeof line, fmt, ap);
  CollectLine(line);
  return 0;
}

static PetscErrorCode CollectStepperNames(const char prefix[])
{
  PetscErrorCode (*print)(MPI_Comm, const char[], ...)     = PetscHelpPrintf;
  PetscErrorCode (*vfprint)(FILE *, const char[], va_list) = PetscVFPrintf;
  char           type[64], own[192];
  PetscBool      set, help;
  TS             ts;
  PetscErrorCode ierr;

  PetscFunctionBegin;
  snprintf(own, sizeof own, "%s%s", na_collect_prefix, prefix);
  PetscCall(PetscOptionsHasHelp(NULL, &help));
  PetscCall(PetscOptionsGetString(NULL, prefix[0] ? prefix : NULL, "-ts_type", type, sizeof type, &set));
  PetscCall(TSCreate(PETSC_COMM_SELF, &ts));
  PetscCall(TSSetOptionsPrefix(ts, own));
  if (!help) PetscCall(PetscOptionsSetValue(NULL, "-help", NULL));
  PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL)); /* a failure here only costs the suggestion */
  PetscHelpPrintf = CollectHelp;
  PetscVFPrintf   = CollectVFPrintf;
  ierr            = set ? TSSetType(ts, type) : 0;
  if (!ierr) ierr = TSSetFromOptions(ts);
  PetscHelpPrintf = print;
  PetscVFPrintf   = vfprint;
  PetscCall(PetscPopErrorHandler());
  if (!help) PetscCall(PetscOptionsClearValue(NULL, "-help"));
  PetscCall(TSDestroy(&ts));
  PetscCall(ierr);
  PetscFunctionReturn(0);
}

/* the typed name's options prefix ("E_" of -E_ts_tpye) when names this run knows carry it, else "" */
static void KnownPrefix(const char typed[], char prefix[], size_t len)
{
  size_t n = strcspn(typed + 1, "_");

  prefix[0] = 0;
  if (!typed[1 + n] || n + 2 > len) return;
  for (size_t k = 0; k < na_nknown; k++)
    if (!strncasecmp(na_known[k] + 1, typed + 1, n + 1)) {
      snprintf(prefix, len, "%.*s", (int)(n + 1), typed + 1);
      return;
    }
}

PetscErrorCode NaCheckOptionsUsed(MPI_Comm comm)
{
  PetscInt    n;
  char      **names, **values, msg[768], shown[512], model[64] = "naam", other[64] = "";
  PetscBool   network;
  const char *near = NULL, *m = NaModelNames;

  PetscFunctionBegin;
  PetscCall(PetscOptionsLeftGet(NULL, &n, &names, &values));
  if (!n) {
    PetscCall(PetscOptionsLeftRestore(NULL, &n, &names, &values));
    PetscFunctionReturn(0);
  }
  snprintf(shown, sizeof shown, "-%s%s%s", names[0], values[0] ? " " : "", values[0] ? values[0] : "");
  snprintf(msg, sizeof msg, "-%s", names[0]);
  PetscCall(PetscOptionsLeftRestore(NULL, &n, &names, &values));

  /* an option of another model: its name starts with that model's prefix */
  PetscCall(PetscOptionsGetString(NULL, NULL, "-model", model, sizeof model, NULL));
  PetscCall(PetscOptionsHasName(NULL, NULL, "-network", &network));
  while (*m) {
    size_t len;
    while (*m == ' ') m++;
    len = strcspn(m, " ");
    if (len && len < sizeof other - 1 && !strncasecmp(msg + 1, m, len) && msg[1 + len] == '_' &&
        (network || strncasecmp(model, m, len) || model[len])) {
      snprintf(other, sizeof other, "%.*s", (int)len, m);
      break;
    }
    m += len;
  }
  if (other[0]) {
    char run[96];
    if (network)
      snprintf(run, sizeof run, "a network (-network)");
    else
      snprintf(run, sizeof run, "-model %s", model);
    NaSETERRQ(comm, PETSC_ERR_USER_INPUT, "%s: an option of -model %s; this run is %s", shown, other, run);
  }
  /* the nearest of the names nastro read in this run and PETSc's stepper options */
  {
    char prefix[64];
    KnownPrefix(msg, prefix, sizeof prefix);
    if (!CollectStepperNames("") && prefix[0]) (void)CollectStepperNames(prefix);
    near = Nearest(msg, na_known, na_nknown);
  }
  if (near)
    NaSETERRQ(comm, PETSC_ERR_USER_INPUT, "%s: no part of nastro reads this option; did you mean %s?", shown, near);
  NaSETERRQ(comm, PETSC_ERR_USER_INPUT,
            "%s: no part of nastro reads this option (misspelt, or one of a population?); -help lists them", shown);
  PetscFunctionReturn(0);
}
