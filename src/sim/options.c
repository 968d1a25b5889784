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

/* ---- the registries of names -------------------------------------------------------------------------------- */
typedef struct {
  char **v;
  size_t n, cap;
} Names;
static Names na_known; /* every option name this run reads (nastro's and PETSc's stepper options) */
static Names na_petsc; /* PETSc's stepper-family options among them (the help of a throwaway TS) */
static Names na_ints;  /* PETSc's integer options among those (their values go through PETSc's own parser) */

static void Add(Names *r, const char name[])
{
  for (size_t k = 0; k < r->n; k++)
    if (!strcasecmp(r->v[k], name)) return;
  if (r->n == r->cap) {
    size_t cap  = r->cap ? 2 * r->cap : 256;
    char **more = realloc(r->v, cap * sizeof *more);
    if (!more) return; /* the registry only feeds suggestions and a check PETSc's parser also half makes */
    r->v = more, r->cap = cap;
  }
  if ((r->v[r->n] = strdup(name))) r->n++;
}

static void Know(const char name[])
{
  Add(&na_known, name);
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

static void CollectLine(const char line[], PetscBool integer)
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
    Add(&na_petsc, name);
    if (integer) Add(&na_ints, name);
  }
}

/* PETSc prints help through PetscHelpPrintf, and lists of types through PetscFPrintf (PetscVFPrintf); the help line
 * of an integer option (PetscOptionsInt) has the format "  -%s%s <now %" PetscInt_FMT " : formerly ..." */
static PetscErrorCode CollectHelp(MPI_Comm comm, const char fmt[], ...)
{
  char    line[1024];
  va_list ap;

  (void)comm;
  va_start(ap, fmt);
  vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  CollectLine(line, strstr(fmt, "<now %" PetscInt_FMT " ") ? PETSC_TRUE : PETSC_FALSE);
  return 0;
}

static PetscErrorCode CollectVFPrintf(FILE *fd, const char fmt[], va_list ap)
{
  char line[1024];

  (void)fd;
  vsnprintf(line, sizeof line, fmt, ap);
  CollectLine(line, PETSC_FALSE);
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

/* the typed name's options prefix ("E_" of -E_ts_tpye) when names nastro reads in this run carry it, else ""; the
 * stepper family's own namespaces are no prefix ("ts_" of -ts_rk_type, although nastro reads -ts_bs3ls_safety) */
static void KnownPrefix(const char typed[], char prefix[], size_t len)
{
  size_t n = strcspn(typed + 1, "_");

  static const char *const family[] = {"ts_", "snes_", "ksp_", "pc_"};

  prefix[0] = 0;
  if (!typed[1 + n] || n + 2 > len) return;
  for (size_t f = 0; f < sizeof family / sizeof family[0]; f++)
    if (!strncasecmp(typed + 1, family[f], n + 1) && strlen(family[f]) == n + 1) return;
  for (size_t k = 0; k < na_known.n; k++)
    if (!strncasecmp(na_known.v[k] + 1, typed + 1, n + 1)) {
      snprintf(prefix, len, "%.*s", (int)(n + 1), typed + 1);
      return;
    }
}

/* whether option (with any options prefix: -E_ts_max_reject) is one of PETSc's integer options */
/* name is -n or -PREFIX_n */
static PetscBool Suffix(const char name[], const char n[])
{
  size_t lo = strlen(name), ln = strlen(n);
  return (PetscBool)(lo > ln && !strcasecmp(name + lo - ln, n) &&
                     (name[lo - ln - 1] == '-' || name[lo - ln - 1] == '_'));
}

static PetscBool IsPetscInt(const char option[])
{
  for (size_t k = 0; k < na_ints.n; k++)
    if (Suffix(option, na_ints.v[k] + 1)) return PETSC_TRUE;
  return PETSC_FALSE;
}

/* PETSc reads its own integer options (-ts_max_reject, -snes_max_it, ...) with strtol cast to PetscInt, so on 32-bit
 * indices 4294967297 silently becomes 1: each one given with a whole number is range-checked here (PETSc has already
 * refused values that are not whole numbers) */
PetscErrorCode NaCheckPetscIntOptions(MPI_Comm comm)
{
  char *all = NULL, *save = NULL, *key = NULL;

  PetscFunctionBegin;
  if (CollectStepperNames("")) PetscFunctionReturn(0); /* no list: PETSc's own parser stays the only check */
  PetscCall(PetscOptionsGetAll(NULL, &all));
  for (char *tok = strtok_r(all, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
    char     *end;
    long long v;
    if (tok[0] == '-' && isalpha((unsigned char)tok[1])) {
      key = tok;
      continue;
    }
    if (!key || !IsPetscInt(key)) continue;
    errno = 0;
    v     = strtoll(tok, &end, 10);
    if (end == tok || *end) continue;
    if (errno == ERANGE || v > PETSC_MAX_INT || v < PETSC_MIN_INT) {
      char msg[512], wrap[64] = ""; /* beyond 64 bits strtoll saturates; within them PETSc casts to PetscInt */
      if (errno != ERANGE) snprintf(wrap, sizeof wrap, "; PETSc would wrap it to %" PetscInt_FMT, (PetscInt)v);
      snprintf(msg, sizeof msg, "%s %s: too %s (at %s %lld%s)", key, tok, v > 0 ? "large" : "small",
               v > 0 ? "most" : "least", v > 0 ? (long long)PETSC_MAX_INT : (long long)PETSC_MIN_INT, wrap);
      PetscCall(PetscFree(all));
      NaSETERRQ(comm, PETSC_ERR_USER_INPUT, "%s", msg);
    }
    key = NULL;
  }
  PetscCall(PetscFree(all));
  PetscFunctionReturn(0);
}

/* an option PETSc reads only after the check, when a stepper, SNES or KSP solves or at PetscFinalize: a viewer or
 * converged-reason option of the stepper family (-ts_view, -E_ksp_view, -snes_converged_reason), or one of
 * PetscFinalize's own */
static PetscBool ReadLater(const char name[])
{
  static const char *const final[] = {"-options_left", "-options_view", "-objects_dump", "-malloc_dump",
                                      "-malloc_view",  "-memory_view",  "-citations"};
  /* read by TSSolve, SNESSolve and KSPSolve, not listed by -help */
  static const char *const solve[] = {"ts_view",      "ts_view_pre",         "ts_view_solution",
                                      "snes_view",    "snes_view_pre",       "snes_converged_reason",
                                      "ksp_view_pre", "ksp_converged_reason"};

  for (size_t k = 0; k < sizeof final / sizeof final[0]; k++)
    if (!strcasecmp(name, final[k])) return PETSC_TRUE;
  for (size_t k = 0; k < sizeof solve / sizeof solve[0]; k++)
    if (Suffix(name, solve[k])) return PETSC_TRUE;
  for (size_t k = 0; k < na_petsc.n; k++) /* the viewers -help lists (-ksp_view_mat, ...) */
    if (strstr(na_petsc.v[k], "_view") && Suffix(name, na_petsc.v[k] + 1)) return PETSC_TRUE;
  return PETSC_FALSE;
}

PetscErrorCode NaCheckOptionsUsed(MPI_Comm comm)
{
  PetscInt    n, left;
  char      **names, **values, msg[768], shown[512], model[64] = "naam", other[64] = "";
  PetscBool   network;
  const char *near = NULL, *m = NaModelNames;

  PetscFunctionBegin;
  PetscCall(PetscOptionsLeftGet(NULL, &n, &names, &values));
  for (left = 0; left < n; left++) { /* the first that nothing will read */
    char full[512];
    snprintf(full, sizeof full, "-%s", names[left]);
    if (!ReadLater(full)) break;
  }
  if (left == n) {
    PetscCall(PetscOptionsLeftRestore(NULL, &n, &names, &values));
    PetscFunctionReturn(0);
  }
  snprintf(shown, sizeof shown, "-%s%s%s", names[left], values[left] ? " " : "", values[left] ? values[left] : "");
  snprintf(msg, sizeof msg, "-%s", names[left]);
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
    char        prefix[64];
    const char *rest;
    KnownPrefix(msg, prefix, sizeof prefix);
    /* an option of another stepper type: -ts_rk_type with a bs3ls run (PETSc reads it only for -ts_type rk) */
    rest = msg + 1 + strlen(prefix);
    if (!strncasecmp(rest, "ts_", 3)) {
      const char **types = NULL;
      int          nt    = 0;
      char         t[64];
      size_t       nw = strcspn(rest + 3, "_");
      snprintf(t, sizeof t, "%.*s", (int)(nw < sizeof t ? nw : sizeof t - 1), rest + 3);
      if (rest[3 + nw] == '_' && !PetscFunctionListGet(TSList, &types, &nt)) {
        PetscBool found = PETSC_FALSE;
        for (int k = 0; k < nt; k++) found = (PetscBool)(found || (types[k] && !strcasecmp(types[k], t)));
        PetscFree(types);
        if (found)
          NaSETERRQ(
              comm, PETSC_ERR_USER_INPUT,
              "%s: an option of -%sts_type %s, and this run's %sstepper is another type (-help lists its options)",
              shown, prefix, t, prefix[0] ? "population's " : "");
      }
    }
    if (!CollectStepperNames("") && prefix[0]) (void)CollectStepperNames(prefix);
    near = Nearest(msg, na_known.v, na_known.n);
  }
  if (near)
    NaSETERRQ(comm, PETSC_ERR_USER_INPUT, "%s: no part of nastro reads this option; did you mean %s?", shown, near);
  NaSETERRQ(comm, PETSC_ERR_USER_INPUT,
            "%s: no part of nastro reads this option (misspelt, or one of a population?); -help lists them", shown);
  PetscFunctionReturn(0);
}
