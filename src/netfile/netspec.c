/* The network file (netspec.h): rank 0 reads it and broadcasts the bytes, every rank parses the same text with
 * libyaml into a small tree of its own, applies the -network_set overrides to that tree, and validates the tree
 * against the cell-model table (cellmodel.h) while it fills the NaNetSpec. Every bad input is exactly one
 * PETSC_ERR_USER_INPUT, raised alike on every rank before anything of the simulation exists:
 *   FILE:LINE: WHERE: KEY VALUE: PROBLEM
 * with WHERE "population E", "projection 1 (E -> E)" or "record.traces 0 (A)" (left out at the top level), KEY
 * the path of the key below WHERE as -network_set spells it (`delay`, `rule.pairwise_bernoulli.p`,
 * `third.in.weight`, `params.delta_IP3`), VALUE as written in the file, and an unknown name followed by the
 * valid ones and the nearest of them ("did you mean ...?").
 *
 * The file, and the defaults of what it leaves out:
 *   resolution 0.1 ms; t_stop 1000 ms (>= 0, a multiple of the resolution); seed 1 (a whole number >= 0);
 *   scale 1 (> 0: as in NEST's Brunel examples, every non-generator population's n becomes floor(n scale) and
 *     every pairwise_bernoulli p becomes p / scale, so in-degrees stay as written);
 *   populations (required, at least one): name, model, n (required), params, init, positions ({grid: {rows,
 *     spacing, origin}}, {random: {x, y, z: [lo, hi]}} or {file: PATH}; um). Values are numbers or
 *     {uniform: [a, b]} (a < b) or {normal: {mean: m, std: s}} / {normal: [m, s]} (s > 0; NEST's defaults
 *     mean 0, std 1); parameters also {timed: {dt, values, repeat}}, parameters and initial values also
 *     {cells: [v0, ..., v_{n-1}]} (one per cell, n after scale). spike_generator takes spike_times: [t, ...] or
 * spike_times_file: PATH (one time per line, # comments and blank lines allowed, PATH relative to the network file's
 * directory): times > 0, sorted, repeats allowed, each a multiple of the resolution within 1e-9 relative (NEST's grid
 * rule). projections: from, to (required); rule all_to_all (or one_to_one, {pairwise_bernoulli: {p}}, {fixed_indegree:
 * {K}}, {distance: {radius, p}} with p a number, {gaussian: {p0, sigma}} or {exponential: {p0, lambda}}, each with
 * allow_autapses, default true; or {pairs: {pre: [..], post: [..]}}, {pairs_file: PATH}); synapse static_synapse (or
 * tsodyks_synapse, {tsodyks_synapse: {U 0.5, tau_psc 3, tau_rec 800, tau_fac 0, x 1, y 0, u 0}}, sic_connection,
 * tm_glio_synapse, {gap_junction: {F 9e-5, I_Theta 0.3, omega_I 0.05}}: astrocyte_gchi to astrocyte_gchi, no weight,
 * delay or third); weight 1; delay 1 ms (NEST's default); third: population (required, astrocytes), p 1, pool_type
 * random, pool_size 1, in {synapse static_synapse, weight 1, delay 1}, out {synapse sic_connection, weight 1, delay 1}.
 *   record: spikes: [populations] (neurons and spike generators); traces: [{population, variables, interval
 *     (default: the resolution), cells (default all, or a list of indices)}].
 * Overrides (netspec.h) replace a node of the tree by a scalar, keeping its line for messages; the last key of a
 * path may also be new in an existing mapping (`t_stop=200` on a file without t_stop), any other path that
 * matches nothing is an error naming it. */
#define _POSIX_C_SOURCE 200809L
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <yaml.h>
#include "netspec.h"

#define NA_INT_MAX 2147483647.0 /* cells and counts are PetscInt; NEST's own limit is the same */
#define NA_MAX_DEPTH 64         /* nesting of the file (and the guard against recursive aliases) */

/* ---- the tree ------------------------------------------------------------------------------------------------ */

typedef struct YNode YNode;
struct YNode {
  yaml_node_type_t kind;  /* YAML_SCALAR_NODE, YAML_SEQUENCE_NODE or YAML_MAPPING_NODE */
  int              line;  /* 1-based line in the network file */
  char            *text;  /* scalars: the value */
  PetscBool        plain; /* scalars: written without quotes (so that an empty one is null) */
  PetscInt         n;     /* items of a sequence, pairs of a mapping */
  YNode          **key;   /* mappings: the keys (scalars) */
  YNode          **item;  /* sequences: the items; mappings: the values */
};

static void YFree(YNode *y)
{
  if (!y) return;
  for (PetscInt k = 0; k < y->n; k++) {
    if (y->key) YFree(y->key[k]);
    YFree(y->item[k]);
  }
  (void)PetscFree(y->key);
  (void)PetscFree(y->item);
  (void)PetscFree(y->text);
  (void)PetscFree(y);
}

static PetscBool YIsNull(const YNode *y)
{
  if (y->kind != YAML_SCALAR_NODE || !y->plain) return PETSC_FALSE;
  return (PetscBool)(!y->text[0] || !strcmp(y->text, "~") || !strcmp(y->text, "null") || !strcmp(y->text, "Null") ||
                     !strcmp(y->text, "NULL"));
}

/* the value of key in mapping y (NULL when absent; an explicit null counts as absent) */
static YNode *YGet(const YNode *y, const char key[])
{
  if (!y || y->kind != YAML_MAPPING_NODE) return NULL;
  for (PetscInt k = 0; k < y->n; k++)
    if (!strcmp(y->key[k]->text, key)) return YIsNull(y->item[k]) ? NULL : y->item[k];
  return NULL;
}

/* y written compactly in flow style, for messages */
static void YRender(const YNode *y, char buf[], size_t size)
{
  size_t len;
  if (size) buf[0] = 0;
  if (size < 8) return;
  if (y->kind == YAML_SCALAR_NODE) {
    snprintf(buf, size, "%s", y->text[0] ? y->text : "''");
    return;
  }
  strcat(buf, y->kind == YAML_MAPPING_NODE ? "{" : "[");
  for (PetscInt k = 0; k < y->n; k++) {
    len = strlen(buf);
    if (len + 8 >= size) break;
    if (k) strcat(buf, ", "), len += 2;
    if (y->kind == YAML_MAPPING_NODE) {
      snprintf(buf + len, size - len, "%s: ", y->key[k]->text);
      len = strlen(buf);
    }
    YRender(y->item[k], buf + len, size - len);
  }
  len = strlen(buf);
  if (len + 5 >= size) strcpy(buf + size - 5, "...");
  strcat(buf, y->kind == YAML_MAPPING_NODE ? "}" : "]");
}

/* ---- errors -------------------------------------------------------------------------------------------------- */

typedef struct {
  MPI_Comm    comm;
  const char *path; /* the network file as the user named it */
  NaNetSpec  *spec;
  char        where[192];      /* "population E: ", "projection 1 (E -> E): ", ... or "" */
  size_t      nodes, maxnodes; /* nodes of the tree, and their limit (aliases must not expand it unboundedly) */
  /* the -network_set items that replaced a value, and the line of the key they replaced: a replaced node's line is
   * -(k + 1), so that a message about it names both */
  char sets[64][256];
  int  setline[64], nsets;
} Ctx;

/* the one error of a bad input: "FILE:LINE: WHERE: MESSAGE" (no LINE when line is 0; "FILE:LINE (-network_set
 * KEY=VALUE): " for a value the command line set) */
static PetscErrorCode FailAt(Ctx *c, const char file[], int line, const char fmt[], ...) PETSC_ATTRIBUTE_FORMAT(4, 5);
static PetscErrorCode FailAt(Ctx *c, const char file[], int line, const char fmt[], ...)
{
  char    msg[1024];
  int     len;
  va_list ap;

  PetscFunctionBegin;
  if (line < 0 && -line <= c->nsets && c->setline[-line - 1] > 0)
    len = snprintf(msg, sizeof(msg), "%s:%d (-network_set %s): %s", file, c->setline[-line - 1], c->sets[-line - 1],
                   c->where);
  else if (line < 0 && -line <= c->nsets)
    len = snprintf(msg, sizeof(msg), "%s (-network_set %s): %s", file, c->sets[-line - 1], c->where);
  else if (line > 0)
    len = snprintf(msg, sizeof(msg), "%s:%d: %s", file, line, c->where);
  else
    len = snprintf(msg, sizeof(msg), "%s: %s", file, c->where);
  if (len < 0 || len >= (int)sizeof(msg)) len = (int)sizeof(msg) - 1; /* a path too long: the message is cut */
  va_start(ap, fmt);
  vsnprintf(msg + len, sizeof(msg) - (size_t)len, fmt, ap);
  va_end(ap);
  SETERRQ(c->comm, PETSC_ERR_USER_INPUT, "%s", msg);
}

#define Fail(c, line, ...) FailAt(c, (c)->path, line, __VA_ARGS__)

static void SetWhere(Ctx *c, const char fmt[], ...) PETSC_ATTRIBUTE_FORMAT(2, 3);
static void SetWhere(Ctx *c, const char fmt[], ...)
{
  va_list ap;
  size_t  len;
  va_start(ap, fmt);
  vsnprintf(c->where, sizeof(c->where) - 3, fmt, ap);
  va_end(ap);
  len = strlen(c->where);
  if (len) strcpy(c->where + len, ": ");
}

/* ---- names: choices and the nearest one ---------------------------------------------------------------------- */

typedef struct {
  PetscInt    n;
  const char *s[128];
} Names;

static void NamesAdd(Names *l, const char s[])
{
  if (l->n < (PetscInt)(sizeof(l->s) / sizeof(l->s[0]))) l->s[l->n++] = s;
}

static PetscBool NamesHas(const Names *l, const char s[])
{
  for (PetscInt k = 0; k < l->n; k++)
    if (!strcmp(l->s[k], s)) return PETSC_TRUE;
  return PETSC_FALSE;
}

static Names NamesOf(const char *const s[], PetscInt n)
{
  Names l = {0, {NULL}};
  for (PetscInt k = 0; k < n; k++) NamesAdd(&l, s[k]);
  return l;
}

/* Levenshtein distance from a to b ignoring case (names are short: only their first 63 characters count);
 * *prefix gets the distance from a to the nearest prefix of b (a truncated or misspelled long name) */
static PetscInt EditDistance(const char a[], const char b[], PetscInt *prefix)
{
  PetscInt d[64][64], la = (PetscInt)PetscMin(strlen(a), 63), lb = (PetscInt)PetscMin(strlen(b), 63);

  for (PetscInt i = 0; i <= la; i++) d[i][0] = i;
  for (PetscInt j = 0; j <= lb; j++) d[0][j] = j;
  for (PetscInt i = 1; i <= la; i++)
    for (PetscInt j = 1; j <= lb; j++) {
      PetscInt sub = d[i - 1][j - 1] + (tolower((unsigned char)a[i - 1]) != tolower((unsigned char)b[j - 1]));
      d[i][j]      = PetscMin(sub, PetscMin(d[i - 1][j], d[i][j - 1]) + 1);
    }
  *prefix = d[la][0];
  for (PetscInt j = 1; j <= lb; j++) *prefix = PetscMin(*prefix, d[la][j]);
  return d[la][lb];
}

/* the choice nearest to typed, or NULL when none is close: within about a third of the name's length, and never
 * a complete rewrite */
static const char *Nearest(const char typed[], const Names *l)
{
  const char *best  = NULL;
  PetscInt    bestd = PETSC_MAX_INT, len = (PetscInt)strlen(typed);
  PetscInt    limit = len <= 4 ? 1 : (len <= 8 ? 2 : len / 3);

  for (PetscInt k = 0; k < l->n; k++) {
    PetscInt pre, full = EditDistance(typed, l->s[k], &pre), d = PetscMin(full, pre + 1);
    if (d < bestd && d <= limit && full < PetscMax(len, (PetscInt)strlen(l->s[k]))) best = l->s[k], bestd = d;
  }
  return best;
}

/* "unknown WHAT; choose one of A, B, C; did you mean B?" */
static void Unknown(char buf[], size_t size, const char what[], const char typed[], const Names *l)
{
  const char *near = Nearest(typed, l);
  size_t      len;

  snprintf(buf, size, "unknown %s; choose one of ", what);
  for (PetscInt k = 0; k < l->n; k++) {
    len = strlen(buf);
    snprintf(buf + len, size - len, "%s%s", k ? ", " : "", l->s[k]);
  }
  len = strlen(buf);
  if (near) snprintf(buf + len, size - len, "; did you mean %s?", near);
}

/* every key of mapping y is one of l (prefix: the path of y, for messages) */
static PetscErrorCode CheckKeys(Ctx *c, const YNode *y, const char prefix[], const Names *l)
{
  char msg[768];

  PetscFunctionBegin;
  for (PetscInt k = 0; k < y->n; k++) {
    if (NamesHas(l, y->key[k]->text)) continue;
    if (!l->n)
      PetscCall(Fail(c, y->key[k]->line, "%s%s: unknown key; %.*s takes no options", prefix, y->key[k]->text,
                     (int)strlen(prefix) - 1, prefix));
    Unknown(msg, sizeof(msg), "key", y->key[k]->text, l);
    PetscCall(Fail(c, y->key[k]->line, "%s%s: %s", prefix, y->key[k]->text, msg));
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode ExpectMapping(Ctx *c, const YNode *y, const char label[], const char what[])
{
  char buf[256];

  PetscFunctionBegin;
  if (y->kind == YAML_MAPPING_NODE) PetscFunctionReturn(0);
  YRender(y, buf, sizeof(buf));
  PetscCall(Fail(c, y->line, "%s%s%s: expected %s", label, label[0] ? " " : "", buf, what));
  PetscFunctionReturn(0);
}

static PetscErrorCode ExpectSequence(Ctx *c, const YNode *y, const char label[], const char what[])
{
  char buf[256];

  PetscFunctionBegin;
  if (y->kind == YAML_SEQUENCE_NODE) PetscFunctionReturn(0);
  YRender(y, buf, sizeof(buf));
  PetscCall(Fail(c, y->line, "%s %s: expected %s", label, buf, what));
  PetscFunctionReturn(0);
}

static PetscErrorCode Require(Ctx *c, const YNode *y, const char label[], const char key[], const char why[], YNode **v)
{
  PetscFunctionBegin;
  *v = YGet(y, key);
  if (!*v) PetscCall(Fail(c, y->line, "%s%smissing key %s (%s)", label, label[0] ? ": " : "", key, why));
  PetscFunctionReturn(0);
}

/* ---- scalars ------------------------------------------------------------------------------------------------- */

static PetscErrorCode Number(Ctx *c, const YNode *y, const char label[], double *x)
{
  char      buf[256], *end;
  PetscBool ok;

  PetscFunctionBegin;
  if (y->kind != YAML_SCALAR_NODE) {
    YRender(y, buf, sizeof(buf));
    PetscCall(Fail(c, y->line, "%s %s: expected a number", label, buf));
  }
  *x = strtod(y->text, &end);
  ok = (PetscBool)(y->text[0] && end != y->text && !*end);
  if (!ok) PetscCall(Fail(c, y->line, "%s %s: not a number", label, y->text[0] ? y->text : "''"));
  if (!isfinite(*x)) PetscCall(Fail(c, y->line, "%s %s: must be a finite number", label, y->text));
  PetscFunctionReturn(0);
}

/* a whole number in [lo, hi] (written as 8000, 8000.0 or 8e3) */
static PetscErrorCode Whole(Ctx *c, const YNode *y, const char label[], double lo, double hi, PetscInt *v)
{
  double x;

  PetscFunctionBegin;
  PetscCall(Number(c, y, label, &x));
  if (x != floor(x)) PetscCall(Fail(c, y->line, "%s %s: must be a whole number", label, y->text));
  if (x < lo) PetscCall(Fail(c, y->line, "%s %s: must be at least %.0f", label, y->text, lo));
  if (x > hi) PetscCall(Fail(c, y->line, "%s %s: must be at most %.0f", label, y->text, hi));
  *v = (PetscInt)x;
  PetscFunctionReturn(0);
}

static PetscErrorCode Bool(Ctx *c, const YNode *y, const char label[], PetscBool *b)
{
  char buf[256];

  PetscFunctionBegin;
  YRender(y, buf, sizeof(buf));
  if (y->kind == YAML_SCALAR_NODE && (!strcmp(y->text, "true") || !strcmp(y->text, "True") || !strcmp(y->text, "TRUE")))
    *b = PETSC_TRUE;
  else if (y->kind == YAML_SCALAR_NODE &&
           (!strcmp(y->text, "false") || !strcmp(y->text, "False") || !strcmp(y->text, "FALSE")))
    *b = PETSC_FALSE;
  else
    PetscCall(Fail(c, y->line, "%s %s: must be true or false", label, buf));
  PetscFunctionReturn(0);
}

/* the seed: a whole number in [0, 2^64) */
static PetscErrorCode Seed(Ctx *c, const YNode *y, uint64_t *seed)
{
  const char *t = y->kind == YAML_SCALAR_NODE ? y->text : "";
  double      x;

  PetscFunctionBegin;
  if (t[0] && strspn(t, "0123456789") == strlen(t)) {
    errno = 0;
    *seed = strtoull(t, NULL, 10);
    if (errno == ERANGE) PetscCall(Fail(c, y->line, "seed %s: must be at most 18446744073709551615", t));
    PetscFunctionReturn(0);
  }
  PetscCall(Number(c, y, "seed", &x));
  if (x < 0) PetscCall(Fail(c, y->line, "seed %s: must not be negative", t));
  if (x != floor(x)) PetscCall(Fail(c, y->line, "seed %s: must be a whole number", t));
  if (x >= 18446744073709551616.0) PetscCall(Fail(c, y->line, "seed %s: must be at most 18446744073709551615", t));
  *seed = (uint64_t)x;
  PetscFunctionReturn(0);
}

/* x = k h for a whole k, within 1e-9 relative (NEST's rule for times on the grid) */
static PetscBool OnGrid(double x, double h, double *k)
{
  double q = x / h;
  *k       = round(q);
  return (PetscBool)(fabs(q - *k) <= 1e-9 * fabs(q));
}

/* ---- values: a constant or a distribution -------------------------------------------------------------------- */

static PetscErrorCode Uniform(Ctx *c, const YNode *y, const char label[], NaValue *v)
{
  char buf[256];

  PetscFunctionBegin;
  YRender(y, buf, sizeof(buf));
  if (y->kind != YAML_SEQUENCE_NODE || y->n != 2) PetscCall(Fail(c, y->line, "%s %s: expected [a, b]", label, buf));
  PetscCall(Number(c, y->item[0], label, &v->a));
  PetscCall(Number(c, y->item[1], label, &v->b));
  if (!(v->a < v->b)) PetscCall(Fail(c, y->line, "%s %s: needs a < b", label, buf));
  v->kind = NA_VALUE_UNIFORM;
  PetscFunctionReturn(0);
}

static PetscErrorCode Normal(Ctx *c, const YNode *y, const char label[], NaValue *v)
{
  static const char *const keys[] = {"mean", "std"};
  Names                    l      = NamesOf(keys, 2);
  char                     buf[256], lab[160];
  const YNode             *s = NULL;

  PetscFunctionBegin;
  YRender(y, buf, sizeof(buf));
  v->kind = NA_VALUE_NORMAL, v->a = 0.0, v->b = 1.0; /* NEST's defaults */
  if (y->kind == YAML_SEQUENCE_NODE && y->n == 2) {
    PetscCall(Number(c, y->item[0], label, &v->a));
    PetscCall(Number(c, y->item[1], label, &v->b));
    s = y->item[1];
  } else if (y->kind == YAML_MAPPING_NODE) {
    PetscCall(PetscSNPrintf(lab, sizeof(lab), "%s.", label));
    PetscCall(CheckKeys(c, y, lab, &l));
    PetscCall(PetscSNPrintf(lab, sizeof(lab), "%s.mean", label));
    if (YGet(y, "mean")) PetscCall(Number(c, YGet(y, "mean"), lab, &v->a));
    PetscCall(PetscSNPrintf(lab, sizeof(lab), "%s.std", label));
    if ((s = YGet(y, "std"))) PetscCall(Number(c, s, lab, &v->b));
  } else
    PetscCall(Fail(c, y->line, "%s %s: expected {mean: m, std: s} or [m, s]", label, buf));
  if (!(v->b > 0))
    PetscCall(Fail(c, s ? s->line : y->line, "%s %s: the standard deviation must be positive", label, buf));
  PetscFunctionReturn(0);
}

static PetscErrorCode Value(Ctx *c, const YNode *y, const char label[], NaValue *v)
{
  static const char *const dists[] = {"uniform", "normal"};
  Names                    l       = NamesOf(dists, 2);
  char                     buf[256], msg[512], lab[160];

  PetscFunctionBegin;
  if (y->kind == YAML_SCALAR_NODE) {
    v->kind = NA_VALUE_CONST, v->b = 0;
    PetscCall(Number(c, y, label, &v->a));
    PetscFunctionReturn(0);
  }
  YRender(y, buf, sizeof(buf));
  if (y->kind != YAML_MAPPING_NODE || y->n != 1)
    PetscCall(
        Fail(c, y->line, "%s %s: expected a number, {uniform: [a, b]} or {normal: {mean: m, std: s}}", label, buf));
  PetscCall(PetscSNPrintf(lab, sizeof(lab), "%s.%s", label, y->key[0]->text));
  if (!strcmp(y->key[0]->text, "uniform"))
    PetscCall(Uniform(c, y->item[0], lab, v));
  else if (!strcmp(y->key[0]->text, "normal"))
    PetscCall(Normal(c, y->item[0], lab, v));
  else {
    Unknown(msg, sizeof(msg), "distribution", y->key[0]->text, &l);
    PetscCall(Fail(c, y->key[0]->line, "%s: %s", lab, msg));
  }
  PetscFunctionReturn(0);
}

/* a cell parameter as a table of time (Brian's TimedArray): {timed: {dt: D, values: [v0, v1, ...], repeat: B}};
 * values[k] holds over [k D, (k + 1) D), the last one after the table (or, with repeat true, the table again); D
 * a positive multiple of the resolution, so the value changes on the grid */
static PetscErrorCode Timed(Ctx *c, const YNode *y, const char label[], NaValue *v, NaTimed *t)
{
  static const char *const keys[] = {"dt", "values", "repeat"};
  Names                    l      = NamesOf(keys, 3);
  char                     buf[256], lab[192];
  YNode                   *d, *vals, *rep;
  double                   dt, k = 0;

  PetscFunctionBegin;
  PetscCall(PetscSNPrintf(lab, sizeof(lab), "%s.", label));
  PetscCall(ExpectMapping(c, y, label, "a mapping {dt: D, values: [v0, v1, ...]}"));
  PetscCall(CheckKeys(c, y, lab, &l));
  PetscCall(Require(c, y, label, "dt", "a timed value needs dt and values", &d));
  PetscCall(Require(c, y, label, "values", "a timed value needs dt and values", &vals));
  PetscCall(PetscSNPrintf(lab, sizeof(lab), "%s.dt", label));
  PetscCall(Number(c, d, lab, &dt));
  if (!(dt > 0) || !OnGrid(dt, c->spec->resolution, &k) || k < 1)
    PetscCall(
        Fail(c, d->line, "%s %s: must be a positive multiple of the resolution %g", lab, d->text, c->spec->resolution));
  PetscCall(PetscSNPrintf(lab, sizeof(lab), "%s.values", label));
  YRender(vals, buf, sizeof(buf));
  if (vals->kind != YAML_SEQUENCE_NODE || !vals->n)
    PetscCall(Fail(c, vals->line, "%s %s: expected a non-empty list of numbers", lab, buf));
  v->kind   = NA_VALUE_TIMED;
  t->every  = (PetscInt)k;
  t->repeat = PETSC_FALSE;
  PetscCall(PetscMalloc1(vals->n, &t->table));
  for (PetscInt j = 0; j < vals->n; j++) PetscCall(Number(c, vals->item[j], lab, &t->table[j]));
  t->nt = vals->n;
  v->a  = t->table[0];
  v->b  = 0;
  if ((rep = YGet(y, "repeat"))) {
    PetscCall(PetscSNPrintf(lab, sizeof(lab), "%s.repeat", label));
    PetscCall(Bool(c, rep, lab, &t->repeat));
  }
  PetscFunctionReturn(0);
}

/* a cell parameter or initial value given per cell: {cells: [v0, ..., v_{n-1}]}, one number for each of the n
 * cells of the population (n after scale); cell i takes v_i (no draw) */
static PetscErrorCode Cells(Ctx *c, const YNode *y, const char label[], const NaPopSpec *p, NaNamedValue *nv)
{
  NaValue *v = &nv->value;

  char buf[256];

  PetscFunctionBegin;
  YRender(y, buf, sizeof(buf));
  if (y->kind != YAML_SEQUENCE_NODE) PetscCall(Fail(c, y->line, "%s %s: expected a list [v0, v1, ...]", label, buf));
  if (y->n != p->n)
    PetscCall(Fail(c, y->line,
                   "%s %s: %" PetscInt_FMT " value%s for the %" PetscInt_FMT
                   " cells of population %s (n after scale); give one value per cell",
                   label, buf, y->n, y->n == 1 ? "" : "s", p->n, p->name));
  PetscCall(PetscMalloc1(y->n, &nv->cells));
  for (PetscInt j = 0; j < y->n; j++) PetscCall(Number(c, y->item[j], label, &nv->cells[j]));
  v->kind = NA_VALUE_CELLS;
  v->a    = nv->cells[0];
  v->b    = 0;
  PetscFunctionReturn(0);
}

/* a mapping {KEY: ...} with the one key KEY */
static PetscBool IsForm(const YNode *v, const char key[])
{
  return (PetscBool)(v->kind == YAML_MAPPING_NODE && v->n == 1 && !strcmp(v->key[0]->text, key));
}

/* ---- files --------------------------------------------------------------------------------------------------- */

/* rank 0 reads the whole file at path, the others get its bytes: text[len] = 0; *err: 0, an errno (EISDIR for a
 * directory) and then text = NULL, alike on every rank */
static PetscErrorCode ReadShared(MPI_Comm comm, const char path[], char **text, size_t *len, int *err)
{
  PetscMPIInt rank;
  long long   info[2] = {0, 0};
  char       *buf     = NULL;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  if (!rank) {
    struct stat st;
    FILE       *f   = NULL;
    size_t      cap = 0, n = 0;
    if (stat(path, &st))
      info[0] = errno;
    else if (S_ISDIR(st.st_mode))
      info[0] = EISDIR;
    else if (!(f = fopen(path, "rb")))
      info[0] = errno;
    while (f) {
      if (n + 1 >= cap) {
        char *b;
        cap = cap ? 2 * cap : 65536;
        PetscCall(PetscMalloc1(cap, &b));
        if (n) PetscCall(PetscMemcpy(b, buf, n));
        PetscCall(PetscFree(buf));
        buf = b;
      }
      n += fread(buf + n, 1, cap - 1 - n, f);
      if (ferror(f)) info[0] = errno ? errno : EIO;
      if (feof(f) || ferror(f)) {
        fclose(f);
        f = NULL;
      }
    }
    info[1] = (long long)n;
    if (info[0]) PetscCall(PetscFree(buf));
  }
  PetscCallMPI(MPI_Bcast(info, 2, MPI_LONG_LONG, 0, comm));
  *err = (int)info[0], *len = (size_t)info[1], *text = NULL;
  if (*err) PetscFunctionReturn(0);
  if (rank) PetscCall(PetscMalloc1(*len + 1, &buf));
  for (size_t off = 0; off < *len; off += 1 << 30) {
    PetscMPIInt chunk = (PetscMPIInt)PetscMin((size_t)1 << 30, *len - off);
    PetscCallMPI(MPI_Bcast(buf + off, chunk, MPI_CHAR, 0, comm));
  }
  buf[*len] = 0;
  *text     = buf;
  PetscFunctionReturn(0);
}

/* the 1-based line of byte offset off of text */
static int LineOf(const char text[], size_t off)
{
  int line = 1;
  for (size_t i = 0; i < off; i++) line += text[i] == '\n';
  return line;
}

/* text must be UTF-8 without control characters other than tab, newline and carriage return (a binary file
 * is not a network file) */
static PetscErrorCode CheckText(Ctx *c, const char file[], const char text[])
{
  const unsigned char *s = (const unsigned char *)text;

  PetscFunctionBegin;
  for (size_t i = 0; s[i];) {
    unsigned char b    = s[i];
    int           more = b < 0x80 ? 0 : (b >> 5) == 6 ? 1 : (b >> 4) == 14 ? 2 : (b >> 3) == 30 ? 3 : -1;
    if (b < 0x20 && b != '\t' && b != '\n' && b != '\r')
      PetscCall(FailAt(c, file, LineOf(text, i), "not a text file (byte 0x%02x is a control character)", b));
    if (b == 0x7f) PetscCall(FailAt(c, file, LineOf(text, i), "not a text file (byte 0x7f is a control character)"));
    for (int k = 1; k <= more; k++)
      if ((s[i + k] >> 6) != 2) more = -1;
    if (more < 0) PetscCall(FailAt(c, file, LineOf(text, i), "not a text file (byte 0x%02x is not UTF-8)", b));
    i += (size_t)more + 1;
  }
  PetscFunctionReturn(0);
}

/* ---- YAML to the tree ---------------------------------------------------------------------------------------- */

static PetscErrorCode SyntaxError(Ctx *c, const yaml_parser_t *p)
{
  char ctx[256] = "";

  PetscFunctionBegin;
  if (p->error == YAML_MEMORY_ERROR) SETERRQ(c->comm, PETSC_ERR_MEM, "%s: out of memory while reading it", c->path);
  if (p->error == YAML_READER_ERROR)
    PetscCall(Fail(c, 0, "YAML error: %s (byte %zu)", p->problem ? p->problem : "cannot read", p->problem_offset));
  if (p->context) snprintf(ctx, sizeof(ctx), " (%s at line %d)", p->context, (int)p->context_mark.line + 1);
  PetscCall(
      Fail(c, (int)p->problem_mark.line + 1, "YAML syntax error: %s%s", p->problem ? p->problem : "bad YAML", ctx));
  PetscFunctionReturn(0);
}

static PetscErrorCode Convert(Ctx *c, yaml_document_t *doc, const yaml_node_t *in, int depth, YNode **out)
{
  YNode *y;

  PetscFunctionBegin;
  PetscCall(PetscNew(&y));
  *out    = y; /* attached before it is filled: the caller frees whatever was built when this fails */
  y->kind = in->type;
  y->line = (int)in->start_mark.line + 1;
  if (depth > NA_MAX_DEPTH) PetscCall(Fail(c, y->line, "nested too deeply (or a recursive alias)"));
  if (++c->nodes > c->maxnodes)
    PetscCall(Fail(c, y->line, "aliases expand to more values than the file has characters"));
  if (in->type == YAML_SCALAR_NODE) {
    PetscCall(PetscMalloc1(in->data.scalar.length + 1, &y->text));
    PetscCall(PetscMemcpy(y->text, in->data.scalar.value, in->data.scalar.length));
    y->text[in->data.scalar.length] = 0;
    y->plain                        = (PetscBool)(in->data.scalar.style == YAML_PLAIN_SCALAR_STYLE);
    if (strlen(y->text) != in->data.scalar.length) PetscCall(Fail(c, y->line, "a NUL character in a value"));
  } else if (in->type == YAML_SEQUENCE_NODE) {
    PetscInt n = (PetscInt)(in->data.sequence.items.top - in->data.sequence.items.start);
    PetscCall(PetscCalloc1(n, &y->item));
    for (PetscInt k = 0; k < n; k++) {
      y->n++;
      PetscCall(Convert(c, doc, yaml_document_get_node(doc, in->data.sequence.items.start[k]), depth + 1, &y->item[k]));
    }
  } else {
    PetscInt n = (PetscInt)(in->data.mapping.pairs.top - in->data.mapping.pairs.start);
    PetscCall(PetscCalloc1(n, &y->item));
    PetscCall(PetscCalloc1(n, &y->key));
    for (PetscInt k = 0; k < n; k++) {
      const yaml_node_pair_t *pr = in->data.mapping.pairs.start + k;
      y->n++;
      PetscCall(Convert(c, doc, yaml_document_get_node(doc, pr->key), depth + 1, &y->key[k]));
      if (y->key[k]->kind != YAML_SCALAR_NODE) PetscCall(Fail(c, y->key[k]->line, "a key must be a name"));
      for (PetscInt j = 0; j < k; j++)
        if (!strcmp(y->key[j]->text, y->key[k]->text))
          PetscCall(Fail(c, y->key[k]->line, "%s: given twice (also at line %d)", y->key[k]->text, y->key[j]->line));
      PetscCall(Convert(c, doc, yaml_document_get_node(doc, pr->value), depth + 1, &y->item[k]));
    }
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode LoadTree(Ctx *c, const char text[], YNode **root)
{
  yaml_parser_t   parser;
  yaml_document_t doc;
  yaml_node_t    *top;
  PetscErrorCode  ierr;

  PetscFunctionBegin;
  PetscCheck(yaml_parser_initialize(&parser), PETSC_COMM_SELF, PETSC_ERR_MEM, "cannot initialise libyaml");
  yaml_parser_set_input_string(&parser, (const unsigned char *)text, strlen(text));
  if (!yaml_parser_load(&parser, &doc)) {
    ierr = SyntaxError(c, &parser);
    yaml_parser_delete(&parser);
    PetscCall(ierr);
  }
  top = yaml_document_get_root_node(&doc);
  if (!top)
    ierr = Fail(c, 1, "the network file is empty (it needs at least populations)");
  else
    ierr = Convert(c, &doc, top, 0, root);
  yaml_document_delete(&doc);
  if (!ierr) { /* one document per file */
    if (!yaml_parser_load(&parser, &doc))
      ierr = SyntaxError(c, &parser);
    else {
      if ((top = yaml_document_get_root_node(&doc)))
        ierr = Fail(c, (int)top->start_mark.line + 1, "a second YAML document; a network file holds one");
      yaml_document_delete(&doc);
    }
  }
  yaml_parser_delete(&parser);
  PetscCall(ierr);
  PetscFunctionReturn(0);
}

/* ---- overrides ----------------------------------------------------------------------------------------------- */

static PetscErrorCode NewScalar(const char text[], int line, YNode **y)
{
  PetscFunctionBegin;
  PetscCall(PetscNew(y));
  (*y)->kind  = YAML_SCALAR_NODE;
  (*y)->line  = line;
  (*y)->plain = PETSC_TRUE;
  PetscCall(PetscStrallocpy(text, &(*y)->text));
  PetscFunctionReturn(0);
}

/* appends key to mapping y (its value: a null scalar to be replaced) */
static PetscErrorCode AddKey(YNode *y, const char key[], YNode ***slot)
{
  YNode **keys, **items;

  PetscFunctionBegin;
  PetscCall(PetscCalloc1(y->n + 1, &keys));
  PetscCall(PetscCalloc1(y->n + 1, &items));
  for (PetscInt k = 0; k < y->n; k++) keys[k] = y->key[k], items[k] = y->item[k];
  PetscCall(PetscFree(y->key));
  PetscCall(PetscFree(y->item));
  y->key = keys, y->item = items;
  PetscCall(NewScalar(key, y->line, &y->key[y->n]));
  PetscCall(NewScalar("", y->line, &y->item[y->n]));
  *slot = &y->item[y->n++];
  PetscFunctionReturn(0);
}

/* the item of sequence y called comp: the entry whose name is comp, else the entry of index comp */
static YNode **SequenceItem(YNode *y, const char comp[])
{
  for (PetscInt k = 0; k < y->n; k++) {
    const YNode *name = YGet(y->item[k], "name");
    if (name && name->kind == YAML_SCALAR_NODE && !strcmp(name->text, comp)) return &y->item[k];
  }
  if (comp[0] && strspn(comp, "0123456789") == strlen(comp) && strlen(comp) < 10 && atoi(comp) < y->n)
    return &y->item[atoi(comp)];
  return NULL;
}

/* sets path (a dotted KEY) to value; item: "KEY=VALUE" as given, for messages */
static PetscErrorCode Override(Ctx *c, YNode *root, char path[], const char value[], const char item[])
{
  YNode **slot = NULL, *y = root;
  char   *comp = path, *next;
  size_t  done;
  int     line;

  PetscFunctionBegin;
  for (; comp; comp = next) {
    if ((next = strchr(comp, '.'))) *next++ = 0;
    done = (size_t)(comp - path) ? (size_t)(comp - path) - 1 : 0; /* the path up to comp */
    if (!comp[0]) PetscCall(Fail(c, 0, "-network_set %s: an empty key in the path", item));
    if (y->kind == YAML_MAPPING_NODE) {
      slot = NULL;
      for (PetscInt k = 0; k < y->n; k++)
        if (!strcmp(y->key[k]->text, comp)) slot = &y->item[k];
      if (!slot && !next) PetscCall(AddKey(y, comp, &slot));
      if (!slot && done) PetscCall(Fail(c, 0, "-network_set %s: %.*s has no key %s", item, (int)done, path, comp));
      if (!slot) PetscCall(Fail(c, 0, "-network_set %s: the file has no key %s", item, comp));
    } else if (y->kind == YAML_SEQUENCE_NODE) {
      if (!(slot = SequenceItem(y, comp)))
        PetscCall(Fail(c, 0, "-network_set %s: %.*s has no entry %s", item, (int)done, path, comp));
    } else
      PetscCall(Fail(c, 0, "-network_set %s: %.*s is a single value, with no %s in it", item, (int)done, path, comp));
    y = *slot;
    if (next) next[-1] = '.';
  }
  line = (*slot)->line;
  if (c->nsets < (int)(sizeof c->sets / sizeof c->sets[0])) { /* else messages name the file's line only */
    snprintf(c->sets[c->nsets], sizeof c->sets[0], "%s", item);
    c->setline[c->nsets] = line;
    line                 = -++c->nsets;
  }
  YFree(*slot);
  *slot = NULL;
  PetscCall(NewScalar(value, line, slot));
  PetscFunctionReturn(0);
}

static char *Trim(char s[])
{
  char *e;
  while (*s == ' ' || *s == '\t') s++;
  e = s + strlen(s);
  while (e > s && (e[-1] == ' ' || e[-1] == '\t')) *--e = 0;
  return s;
}

static PetscErrorCode ApplyOverrides(Ctx *c, YNode *root, const char overrides[])
{
  char *all, *item, *next, *eq, given[256];

  PetscFunctionBegin;
  if (!overrides) PetscFunctionReturn(0);
  PetscCall(PetscStrallocpy(overrides, &all));
  for (item = all; item; item = next) {
    PetscErrorCode ierr = 0;
    if ((next = strchr(item, ','))) *next++ = 0;
    item = Trim(item);
    if (!item[0]) continue;
    PetscCall(PetscStrncpy(given, item, sizeof(given)));
    if (!(eq = strchr(item, '=')))
      ierr = Fail(c, 0, "-network_set %s: expected KEY=VALUE", given);
    else {
      *eq = 0;
      if (!Trim(eq + 1)[0])
        ierr = Fail(c, 0, "-network_set %s: no value after =", given);
      else
        ierr = Override(c, root, Trim(item), Trim(eq + 1), given);
    }
    if (ierr) PetscCall(PetscFree(all));
    PetscCall(ierr);
  }
  PetscCall(PetscFree(all));
  PetscFunctionReturn(0);
}

/* ---- populations --------------------------------------------------------------------------------------------- */

static PetscBool IsSpikeGenerator(const NaCellModel *m)
{
  return (PetscBool)!strcmp(m->name, "spike_generator");
}

/* neurons and spike generators spike (a poisson generator sends each target its own train, a dc generator
 * and an astrocyte send no spikes); astrocyte_gchi's releases are events recorded like spikes */
static PetscBool Spikes(const NaCellModel *m)
{
  return (PetscBool)(m->kind == NA_CELL_NEURON || IsSpikeGenerator(m) || m->emits_events);
}

static PetscErrorCode PopName(Ctx *c, const YNode *y, PetscInt k)
{
  NaNetSpec *s = c->spec;
  char       buf[256];

  PetscFunctionBegin;
  YRender(y, buf, sizeof(buf));
  if (y->kind != YAML_SCALAR_NODE) PetscCall(Fail(c, y->line, "name %s: expected a name", buf));
  if (!y->text[0] || strlen(y->text) >= sizeof(s->pops[k].name) ||
      strspn(y->text, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") != strlen(y->text) ||
      !(isalpha((unsigned char)y->text[0]) || y->text[0] == '_'))
    PetscCall(Fail(c, y->line, "name %s: must be 1 to 63 letters, digits, _ or -, starting with a letter or _", buf));
  for (PetscInt j = 0; j < k; j++)
    if (!strcasecmp(s->pops[j].name, y->text)) /* options ignore case: -E_ts_type would set e's too */
      PetscCall(Fail(c, y->line, "name %s: given twice (population %d at line %d; names may not differ in case only)",
                     y->text, (int)j, s->pops[j].line));
  PetscCall(PetscStrncpy(s->pops[k].name, y->text, sizeof(s->pops[k].name)));
  PetscFunctionReturn(0);
}

static PetscErrorCode Model(Ctx *c, const YNode *y, const NaCellModel **m)
{
  Names l = {0, {NULL}};
  char  msg[768], buf[256];

  PetscFunctionBegin;
  YRender(y, buf, sizeof(buf));
  if (y->kind != YAML_SCALAR_NODE) PetscCall(Fail(c, y->line, "model %s: expected a model name", buf));
  if ((*m = NaCellModelFind(y->text))) PetscFunctionReturn(0);
  for (PetscInt k = 0; k < NaCellModelCount(); k++) NamesAdd(&l, NaCellModelGet(k)->name);
  Unknown(msg, sizeof(msg), "model", y->text, &l);
  PetscCall(Fail(c, y->line, "model %s: %s", y->text, msg));
  PetscFunctionReturn(0);
}

/* a spike time t (text as written) after prev */
static PetscErrorCode CheckSpikeTime(Ctx *c, const char file[], int line, const char label[], const char text[],
                                     double t, double prev)
{
  double k;

  PetscFunctionBegin;
  if (!(t > 0)) PetscCall(FailAt(c, file, line, "%s %s: spike times must be positive", label, text));
  if (!OnGrid(t, c->spec->resolution, &k))
    PetscCall(
        FailAt(c, file, line, "%s %s: must be a multiple of the resolution %g", label, text, c->spec->resolution));
  if (t < prev)
    PetscCall(FailAt(c, file, line, "%s %s: not sorted (it follows %g); list spike times in order", label, text, prev));
  PetscFunctionReturn(0);
}

static PetscErrorCode SpikeList(Ctx *c, NaPopSpec *p, const YNode *y)
{
  const char *label = "params.spike_times";

  PetscFunctionBegin;
  PetscCall(ExpectSequence(c, y, label, "a list of times [ms]"));
  PetscCall(PetscMalloc1(y->n, &p->spike_times));
  for (PetscInt k = 0; k < y->n; k++) {
    double t;
    PetscCall(Number(c, y->item[k], label, &t));
    PetscCall(CheckSpikeTime(c, c->path, y->item[k]->line, label, y->item[k]->text, t, k ? p->spike_times[k - 1] : 0));
    p->spike_times[p->nspikes++] = t;
  }
  PetscFunctionReturn(0);
}

/* the times of a spike file, one a line: lines are rewritten in place */
static PetscErrorCode SpikeLines(Ctx *c, NaPopSpec *p, const char file[], char text[])
{
  const char *label = "params.spike_times_file";
  PetscInt    n     = 1;
  char       *line  = text, *next, *end;
  int         lno   = 1;

  PetscFunctionBegin;
  for (char *t = text; *t; t++) n += *t == '\n';
  PetscCall(PetscMalloc1(n, &p->spike_times));
  for (; line; line = next, lno++) {
    double t;
    if ((next = strchr(line, '\n'))) *next++ = 0;
    if ((end = strchr(line, '\r'))) *end = 0; /* CRLF */
    if ((end = strchr(line, '#'))) *end = 0;
    line = Trim(line);
    if (!line[0]) continue;
    t = strtod(line, &end);
    if (*end || !isfinite(t)) PetscCall(FailAt(c, file, lno, "%s: spike time %s: not a number", label, line));
    PetscCall(CheckSpikeTime(c, file, lno, "params.spike_times_file: spike time", line, t,
                             p->nspikes ? p->spike_times[p->nspikes - 1] : 0));
    p->spike_times[p->nspikes++] = t;
  }
  PetscFunctionReturn(0);
}

/* the text of file y names (label: its key), relative to the network file's directory; file: its path */
static PetscErrorCode ReadNear(Ctx *c, const YNode *y, const char label[], char file[PETSC_MAX_PATH_LEN], char **text)
{
  const char *slash = strrchr(c->path, '/');
  char        buf[256];
  size_t      len;
  int         err;

  PetscFunctionBegin;
  YRender(y, buf, sizeof(buf));
  if (y->kind != YAML_SCALAR_NODE || !y->text[0])
    PetscCall(Fail(c, y->line, "%s %s: expected a file name", label, buf));
  if (y->text[0] == '/' || !slash)
    PetscCall(PetscStrncpy(file, y->text, PETSC_MAX_PATH_LEN));
  else
    snprintf(file, PETSC_MAX_PATH_LEN, "%.*s/%s", (int)(slash - c->path), c->path, y->text);
  PetscCall(ReadShared(c->comm, file, text, &len, &err));
  if (err == EISDIR) PetscCall(Fail(c, y->line, "%s %s: %s is a directory", label, y->text, file));
  if (err) PetscCall(Fail(c, y->line, "%s %s: cannot read %s: %s", label, y->text, file, strerror(err)));
  if (strlen(*text) != len) {
    const int line = LineOf(*text, strlen(*text));
    PetscCall(PetscFree(*text));
    PetscCall(FailAt(c, file, line, "%s: not a text file (a NUL byte)", label));
  }
  PetscFunctionReturn(0);
}

/* spike_times_file: PATH, relative to the network file's directory */
static PetscErrorCode SpikeFile(Ctx *c, NaPopSpec *p, const YNode *y)
{
  char           file[PETSC_MAX_PATH_LEN], *text;
  PetscErrorCode ierr;

  PetscFunctionBegin;
  PetscCall(ReadNear(c, y, "params.spike_times_file", file, &text));
  ierr = SpikeLines(c, p, file, text);
  PetscCall(PetscFree(text));
  PetscCall(ierr);
  PetscFunctionReturn(0);
}

static PetscErrorCode UnknownParam(Ctx *c, const NaCellModel *m, const YNode *key)
{
  Names l = {0, {NULL}};
  char  msg[768], what[128];

  PetscFunctionBegin;
  for (PetscInt k = 0; k < m->nparams; k++) NamesAdd(&l, m->params[k].name);
  if (IsSpikeGenerator(m)) {
    if (!NamesHas(&l, "spike_times")) NamesAdd(&l, "spike_times");
    if (!NamesHas(&l, "spike_times_file")) NamesAdd(&l, "spike_times_file");
  }
  if (!l.n) PetscCall(Fail(c, key->line, "params.%s: unknown parameter; %s has no parameters", key->text, m->name));
  snprintf(what, sizeof(what), "parameter of %s", m->name);
  Unknown(msg, sizeof(msg), what, key->text, &l);
  PetscCall(Fail(c, key->line, "params.%s: %s", key->text, msg));
  PetscFunctionReturn(0);
}

static PetscErrorCode Params(Ctx *c, NaPopSpec *p, const YNode *y)
{
  const NaCellModel *m     = p->model;
  const YNode       *times = NULL, *file = NULL;
  char               lab[128];

  PetscFunctionBegin;
  PetscCall(ExpectMapping(c, y, "params", "a mapping of parameter names to values"));
  PetscCall(PetscCalloc1(y->n, &p->params));
  for (PetscInt k = 0; k < y->n; k++) {
    const YNode *key = y->key[k], *v = y->item[k];
    if (IsSpikeGenerator(m) && !strcmp(key->text, "spike_times"))
      times = v;
    else if (IsSpikeGenerator(m) && !strcmp(key->text, "spike_times_file"))
      file = v;
    else if (NaCellModelParamIndex(m, key->text) < 0)
      PetscCall(UnknownParam(c, m, key));
    else {
      PetscCall(PetscSNPrintf(lab, sizeof(lab), "params.%s", key->text));
      if (IsForm(v, "timed")) {
        PetscCall(PetscStrlcat(lab, ".timed", sizeof(lab)));
        PetscCall(Timed(c, v->item[0], lab, &p->params[p->nparams].value, &p->params[p->nparams].timed));
      } else if (IsForm(v, "cells")) {
        PetscCall(PetscStrlcat(lab, ".cells", sizeof(lab)));
        PetscCall(Cells(c, v->item[0], lab, p, &p->params[p->nparams]));
      } else
        PetscCall(Value(c, v, lab, &p->params[p->nparams].value));
      PetscCall(PetscStrncpy(p->params[p->nparams++].name, key->text, sizeof(p->params[0].name)));
    }
  }
  if (times && file)
    PetscCall(
        Fail(c, file->line, "params.spike_times_file %s: give spike_times or spike_times_file, not both", file->text));
  if (times && !YIsNull(times)) PetscCall(SpikeList(c, p, times));
  if (file) PetscCall(SpikeFile(c, p, file));
  PetscFunctionReturn(0);
}

static PetscErrorCode Init(Ctx *c, NaPopSpec *p, const YNode *y)
{
  const NaCellModel *m = p->model;
  Names              l = {0, {NULL}};
  char               lab[128], msg[768], what[128];

  PetscFunctionBegin;
  PetscCall(ExpectMapping(c, y, "init", "a mapping of state variables to initial values"));
  PetscCall(PetscCalloc1(y->n, &p->init));
  for (PetscInt k = 0; k < m->nstate; k++) NamesAdd(&l, m->state[k].name);
  for (PetscInt k = 0; k < y->n; k++) {
    const YNode *key = y->key[k];
    if (NaCellModelStateIndex(m, key->text) < 0) {
      if (!m->nstate)
        PetscCall(Fail(c, key->line, "init.%s: unknown state variable; %s has no state variables", key->text, m->name));
      snprintf(what, sizeof(what), "state variable of %s", m->name);
      Unknown(msg, sizeof(msg), what, key->text, &l);
      PetscCall(Fail(c, key->line, "init.%s: %s", key->text, msg));
    }
    PetscCall(PetscSNPrintf(lab, sizeof(lab), "init.%s", key->text));
    if (IsForm(y->item[k], "cells")) {
      PetscCall(PetscStrlcat(lab, ".cells", sizeof(lab)));
      PetscCall(Cells(c, y->item[k]->item[0], lab, p, &p->init[p->ninit]));
    } else
      PetscCall(Value(c, y->item[k], lab, &p->init[p->ninit].value));
    PetscCall(PetscStrncpy(p->init[p->ninit++].name, key->text, sizeof(p->init[0].name)));
  }
  PetscFunctionReturn(0);
}

/* name appears in msg as a word of its own */
static PetscBool HasWord(const char msg[], const char name[])
{
  size_t n = strlen(name);
  for (const char *at = strstr(msg, name); at; at = strstr(at + 1, name)) {
    PetscBool before = (PetscBool)(at == msg || !(isalnum((unsigned char)at[-1]) || at[-1] == '_'));
    PetscBool after  = (PetscBool) !(isalnum((unsigned char)at[n]) || at[n] == '_');
    if (before && after) return PETSC_TRUE;
  }
  return PETSC_FALSE;
}

/* the model's own check of its parameters: the constants of the file and the defaults of the rest; a uniform
 * parameter at its lower bound, then at its upper bound, a normal one at its mean (the bounds of a distribution
 * are all that can be checked before the draws) */
static PetscErrorCode CheckModel(Ctx *c, const NaPopSpec *p, const YNode *params, int line)
{
  const NaCellModel *m = p->model;
  double            *v;
  const double     **ptr;
  const char        *msg    = NULL;
  PetscBool          ranged = PETSC_FALSE;

  PetscFunctionBegin;
  if (!m->check || !m->nparams) PetscFunctionReturn(0);
  PetscCall(PetscMalloc2(m->nparams, &v, m->nparams, &ptr));
  for (int pass = 0; pass < 2 && !msg; pass++) {
    for (PetscInt k = 0; k < m->nparams; k++) v[k] = m->params[k].value, ptr[k] = &v[k];
    for (PetscInt k = 0; k < p->nparams; k++) {
      const NaValue *x                               = &p->params[k].value;
      v[NaCellModelParamIndex(m, p->params[k].name)] = x->kind == NA_VALUE_UNIFORM && pass ? x->b : x->a;
      ranged                                         = (PetscBool)(ranged || x->kind == NA_VALUE_UNIFORM);
    }
    msg = m->check(ptr, 0);
    if (!ranged) break;
  }
  for (PetscInt k = 0; k < p->nparams && !msg; k++) { /* every cell of a per-cell value, the rest as above */
    const NaValue *x  = &p->params[k].value;
    const PetscInt kk = NaCellModelParamIndex(m, p->params[k].name);
    if (x->kind != NA_VALUE_CELLS) continue;
    for (PetscInt j = 0; j < p->n && !msg; j++) {
      v[kk] = p->params[k].cells[j];
      if ((msg = m->check(ptr, 0))) {
        const YNode *t = YGet(YGet(params, p->params[k].name), "cells");
        PetscCall(PetscFree2(v, ptr));
        PetscCall(Fail(c, t->item[j]->line, "params.%s.cells %s: %s (cell %d)", p->params[k].name, t->item[j]->text,
                       msg, (int)j));
      }
    }
    v[kk] = x->a;
  }
  for (PetscInt k = 0; k < p->nparams && !msg; k++) { /* every entry of a table of time, the rest as above */
    const NaValue *x  = &p->params[k].value;
    const NaTimed *tt = &p->params[k].timed;
    const PetscInt kk = NaCellModelParamIndex(m, p->params[k].name);
    if (x->kind != NA_VALUE_TIMED) continue;
    for (PetscInt j = 0; j < tt->nt && !msg; j++) {
      v[kk] = tt->table[j];
      if ((msg = m->check(ptr, 0))) {
        const YNode *t = YGet(YGet(YGet(params, p->params[k].name), "timed"), "values");
        PetscCall(PetscFree2(v, ptr));
        PetscCall(Fail(c, t->item[j]->line, "params.%s.timed.values %s: %s (entry %d)", p->params[k].name,
                       t->item[j]->text, msg, (int)j));
      }
    }
    v[kk] = x->a;
  }
  PetscCall(PetscFree2(v, ptr));
  if (msg) {
    char         name[64], buf[256];
    const YNode *given;
    snprintf(name, sizeof(name), "%.*s", (int)strcspn(msg, " "), msg);
    given = YGet(params, name);
    for (PetscInt k = 0; k < p->nparams && !given; k++) /* a relation: the given parameter it names */
      if (HasWord(msg, p->params[k].name)) {
        given = YGet(params, p->params[k].name);
        PetscCall(PetscStrncpy(name, p->params[k].name, sizeof(name)));
      }
    if (given) {
      YRender(given, buf, sizeof(buf));
      PetscCall(Fail(c, given->line, "params.%s %s: %s", name, buf, msg));
    }
    PetscCall(Fail(c, line, "params: %s (with the defaults of %s)", msg, m->name));
  }
  PetscFunctionReturn(0);
}

/* a generator's start and stop, where given, are single times on the grid (NEST's rule for devices) */
static PetscErrorCode CheckDeviceTimes(Ctx *c, const NaPopSpec *p, const YNode *params)
{
  static const char *const keys[] = {"start", "stop"};
  double                   k;

  PetscFunctionBegin;
  for (int j = 0; j < 2; j++) {
    const YNode   *y = YGet(params, keys[j]);
    const NaValue *v = NaNetSpecParam(c->spec, p - c->spec->pops, keys[j]);
    char           buf[256];
    if (!y || !v) continue;
    YRender(y, buf, sizeof(buf));
    if (v->kind != NA_VALUE_CONST) PetscCall(Fail(c, y->line, "params.%s %s: must be a single time", keys[j], buf));
    if (!OnGrid(v->a, c->spec->resolution, &k))
      PetscCall(
          Fail(c, y->line, "params.%s %s: must be a multiple of the resolution %g", keys[j], buf, c->spec->resolution));
  }
  PetscFunctionReturn(0);
}

/* ---- positions (um) ------------------------------------------------------------------------------------------ */

/* a point [x, y] or [x, y, z] */
static PetscErrorCode Point(Ctx *c, const YNode *y, const char label[], double x[3])
{
  char buf[256], lab[128];

  PetscFunctionBegin;
  YRender(y, buf, sizeof(buf));
  if (y->kind != YAML_SEQUENCE_NODE || y->n < 2 || y->n > 3)
    PetscCall(Fail(c, y->line, "%s %s: expected [x, y] or [x, y, z] (um)", label, buf));
  x[2] = 0;
  for (PetscInt d = 0; d < y->n; d++) {
    PetscCall(PetscSNPrintf(lab, sizeof(lab), "%s.%d", label, (int)d));
    PetscCall(Number(c, y->item[d], lab, &x[d]));
  }
  PetscFunctionReturn(0);
}

/* {grid: {rows, spacing, origin}} */
static PetscErrorCode PositionsGrid(Ctx *c, NaPosSpec *ps, const YNode *o)
{
  static const char *const keys[] = {"rows", "spacing", "origin"};
  Names                    l      = NamesOf(keys, 3);
  YNode                   *v;

  PetscFunctionBegin;
  PetscCall(ExpectMapping(c, o, "positions.grid", "a mapping {rows: R, spacing: D, origin: [x0, y0]}"));
  PetscCall(CheckKeys(c, o, "positions.grid.", &l));
  ps->kind = NA_POS_GRID;
  PetscCall(Require(c, o, "positions.grid", "rows", "cells per column of the grid", &v));
  PetscCall(Whole(c, v, "positions.grid.rows", 1, NA_INT_MAX, &ps->rows));
  PetscCall(Require(c, o, "positions.grid", "spacing", "the distance between neighbours, um", &v));
  PetscCall(Number(c, v, "positions.grid.spacing", &ps->spacing));
  if (!(ps->spacing > 0)) PetscCall(Fail(c, v->line, "positions.grid.spacing %s: must be > 0", v->text));
  if ((v = YGet(o, "origin"))) PetscCall(Point(c, v, "positions.grid.origin", ps->origin));
  PetscFunctionReturn(0);
}

/* {random: {x: [lo, hi], y: [lo, hi], z: [lo, hi]}}: an axis left out is 0 */
static PetscErrorCode PositionsBox(Ctx *c, NaPosSpec *ps, const YNode *o)
{
  static const char *const keys[] = {"x", "y", "z"};
  Names                    l      = NamesOf(keys, 3);
  char                     lab[64], buf[256];

  PetscFunctionBegin;
  PetscCall(ExpectMapping(c, o, "positions.random", "a mapping {x: [lo, hi], y: [lo, hi], z: [lo, hi]}"));
  PetscCall(CheckKeys(c, o, "positions.random.", &l));
  if (!o->n) PetscCall(Fail(c, o->line, "positions.random {}: needs at least one of x, y, z: [lo, hi] (um)"));
  ps->kind = NA_POS_BOX;
  for (PetscInt d = 0; d < 3; d++) {
    const YNode *v = YGet(o, keys[d]);
    if (!v) continue;
    PetscCall(PetscSNPrintf(lab, sizeof(lab), "positions.random.%s", keys[d]));
    YRender(v, buf, sizeof(buf));
    if (v->kind != YAML_SEQUENCE_NODE || v->n != 2)
      PetscCall(Fail(c, v->line, "%s %s: expected [lo, hi] (um)", lab, buf));
    PetscCall(Number(c, v->item[0], lab, &ps->box[d][0]));
    PetscCall(Number(c, v->item[1], lab, &ps->box[d][1]));
    if (!(ps->box[d][0] <= ps->box[d][1])) PetscCall(Fail(c, v->line, "%s %s: needs lo <= hi", lab, buf));
  }
  PetscFunctionReturn(0);
}

/* the lines "x y [z]" of a positions file, one per cell: lines are rewritten in place */
static PetscErrorCode PositionLines(Ctx *c, const NaPopSpec *p, NaPosSpec *ps, const char file[], char text[])
{
  const char *label = "positions.file";
  PetscInt    n     = 0;
  char       *line  = text, *next, *end;
  int         lno = 1, last = 1;

  PetscFunctionBegin;
  PetscCall(PetscCalloc1(3 * (size_t)p->n, &ps->xyz));
  for (; line; line = next, lno++) {
    double   x[3] = {0, 0, 0};
    PetscInt d    = 0;
    if ((next = strchr(line, '\n'))) *next++ = 0;
    if ((end = strchr(line, '\r'))) *end = 0;
    if ((end = strchr(line, '#'))) *end = 0;
    line = Trim(line);
    if (!line[0]) continue;
    for (char *s = line; *s && d < 4; d++) {
      x[PetscMin(d, 2)] = strtod(s, &end);
      if (end == s || !isfinite(x[PetscMin(d, 2)]) || (*end && !isspace((unsigned char)*end)))
        PetscCall(FailAt(c, file, lno, "%s: %s: expected x y [z] (um), numbers", label, line));
      for (s = end; isspace((unsigned char)*s); s++) {}
    }
    if (d < 2 || d > 3) PetscCall(FailAt(c, file, lno, "%s: %s: expected x y [z] (um), 2 or 3 numbers", label, line));
    if (n == p->n)
      PetscCall(FailAt(c, file, lno, "%s: more lines than the %" PetscInt_FMT " cells of %s", label, p->n, p->name));
    PetscCall(PetscArraycpy(ps->xyz + 3 * n++, x, 3));
    last = lno;
  }
  if (n < p->n)
    PetscCall(FailAt(c, file, last, "%s: %" PetscInt_FMT " positions for the %" PetscInt_FMT " cells of %s", label, n,
                     p->n, p->name));
  PetscFunctionReturn(0);
}

/* positions: {grid: ...} | {random: ...} | {file: PATH} (PATH relative to the network file's directory) */
static PetscErrorCode Positions(Ctx *c, NaPopSpec *p, const YNode *y)
{
  static const char *const names[] = {"grid", "random", "file"};
  Names                    l       = NamesOf(names, 3);
  char                     buf[256], msg[512];

  PetscFunctionBegin;
  YRender(y, buf, sizeof(buf));
  if (y->kind != YAML_MAPPING_NODE || y->n != 1)
    PetscCall(Fail(c, y->line, "positions %s: expected {grid: {...}}, {random: {...}} or {file: PATH}", buf));
  if (p->model->kind == NA_CELL_GENERATOR)
    PetscCall(Fail(c, y->line, "positions %s: a generator (%s) has no positions", buf, p->model->name));
  if (!NamesHas(&l, y->key[0]->text)) {
    Unknown(msg, sizeof(msg), "kind of positions", y->key[0]->text, &l);
    PetscCall(Fail(c, y->key[0]->line, "positions.%s: %s", y->key[0]->text, msg));
  }
  if (!strcmp(y->key[0]->text, "grid"))
    PetscCall(PositionsGrid(c, &p->pos, y->item[0]));
  else if (!strcmp(y->key[0]->text, "random"))
    PetscCall(PositionsBox(c, &p->pos, y->item[0]));
  else {
    char          *text, file[PETSC_MAX_PATH_LEN];
    PetscErrorCode ierr;
    PetscCall(ReadNear(c, y->item[0], "positions.file", file, &text));
    p->pos.kind = NA_POS_FILE;
    ierr        = PositionLines(c, p, &p->pos, file, text);
    PetscCall(PetscFree(text));
    PetscCall(ierr);
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode Population(Ctx *c, const YNode *e, PetscInt k, double *total)
{
  static const char *const keys[] = {"name", "model", "n", "params", "init", "positions", "step_multiple"};
  Names                    l      = NamesOf(keys, 7);
  NaPopSpec               *p      = &c->spec->pops[k];
  const YNode             *name   = YGet(e, "name");
  YNode                   *v;

  PetscFunctionBegin;
  if (name && name->kind == YAML_SCALAR_NODE)
    SetWhere(c, "population %s", name->text);
  else
    SetWhere(c, "population %d", (int)k);
  p->line = e->line;
  PetscCall(ExpectMapping(c, e, "", "a mapping {name: ..., model: ..., n: ...}"));
  PetscCall(CheckKeys(c, e, "", &l));
  PetscCall(Require(c, e, "", "name", "every population needs name, model and n", &v));
  PetscCall(PopName(c, v, k));
  PetscCall(Require(c, e, "", "model", "every population needs name, model and n", &v));
  PetscCall(Model(c, v, &p->model));
  PetscCall(Require(c, e, "", "n", "every population needs name, model and n", &v));
  PetscCall(Whole(c, v, "n", 1, NA_INT_MAX, &p->n));
  if (c->spec->scale != 1 && p->model->kind != NA_CELL_GENERATOR) { /* NEST's examples: int(n * scale) */
    const double scaled = floor(p->n * c->spec->scale);
    if (scaled < 1 || scaled > NA_INT_MAX)
      PetscCall(Fail(c, v->line, "n %s: times scale %g gives %.0f cells; must be 1 .. %.0f", v->text, c->spec->scale,
                     scaled, NA_INT_MAX));
    p->n = (PetscInt)scaled;
  }
  *total += p->n;
  if (*total > NA_INT_MAX)
    PetscCall(Fail(c, v->line, "n %s: the populations add up to more than %.0f cells", v->text, NA_INT_MAX));
  if ((v = YGet(e, "params"))) PetscCall(Params(c, p, v));
  if ((v = YGet(e, "init"))) PetscCall(Init(c, p, v));
  PetscCall(CheckModel(c, p, YGet(e, "params"), e->line));
  if (p->model->kind == NA_CELL_GENERATOR) PetscCall(CheckDeviceTimes(c, p, YGet(e, "params")));
  if ((v = YGet(e, "positions"))) PetscCall(Positions(c, p, v));
  p->step_multiple = 1;
  if ((v = YGet(e, "step_multiple"))) {
    PetscCall(Whole(c, v, "step_multiple", 1, NA_INT_MAX, &p->step_multiple));
    if (p->step_multiple > 1 && p->model->kind != NA_CELL_ASTROCYTE)
      PetscCall(Fail(c, v->line, "step_multiple %s: only astrocytes may step slower than the resolution (%s is %s)",
                     v->text, p->name, p->model->name));
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode Populations(Ctx *c, const YNode *root)
{
  NaNetSpec *s     = c->spec;
  YNode     *y     = YGet(root, "populations");
  double     total = 0;

  PetscFunctionBegin;
  if (!y) PetscCall(Fail(c, root->line, "missing key populations (a network needs at least one population)"));
  PetscCall(ExpectSequence(c, y, "populations", "a list of populations"));
  if (!y->n) PetscCall(Fail(c, y->line, "populations []: a network needs at least one population"));
  PetscCall(PetscCalloc1(y->n, &s->pops));
  s->npops = y->n; /* all of them, so that NaNetSpecDestroy frees a partly parsed one */
  for (PetscInt k = 0; k < y->n; k++) PetscCall(Population(c, y->item[k], k, &total));
  c->where[0] = 0;
  PetscFunctionReturn(0);
}

/* the population called by scalar y (label: its key, for messages) */
static PetscErrorCode PopRef(Ctx *c, const YNode *y, const char label[], PetscInt *pop)
{
  const NaNetSpec *s = c->spec;
  Names            l = {0, {NULL}};
  char             msg[768], buf[256];

  PetscFunctionBegin;
  YRender(y, buf, sizeof(buf));
  if (y->kind != YAML_SCALAR_NODE) PetscCall(Fail(c, y->line, "%s %s: expected a population name", label, buf));
  if ((*pop = NaNetSpecFindPopulation(s, y->text)) >= 0) PetscFunctionReturn(0);
  for (PetscInt k = 0; k < s->npops; k++) NamesAdd(&l, s->pops[k].name);
  Unknown(msg, sizeof(msg), "population", y->text, &l);
  PetscCall(Fail(c, y->line, "%s %s: %s", label, y->text, msg));
  PetscFunctionReturn(0);
}

/* ---- projections --------------------------------------------------------------------------------------------- */

/* the distance rule's p: a number in [0, 1], {gaussian: {p0, sigma}} or {exponential: {p0, lambda}} */
static PetscErrorCode DistanceP(Ctx *c, const YNode *y, NaRuleSpec *r)
{
  static const char *const kinds[] = {"gaussian", "exponential"}, *gk[] = {"p0", "sigma"}, *ek[] = {"p0", "lambda"};
  Names                    lk = NamesOf(kinds, 2);
  char                     buf[256], msg[512], lab[96];
  const YNode             *o;
  YNode                   *v;

  PetscFunctionBegin;
  r->pdist = NA_PDIST_CONST;
  if (y->kind == YAML_SCALAR_NODE) {
    PetscCall(Number(c, y, "rule.distance.p", &r->p));
    if (!(r->p >= 0 && r->p <= 1)) PetscCall(Fail(c, y->line, "rule.distance.p %s: must be in [0, 1]", y->text));
    PetscFunctionReturn(0);
  }
  YRender(y, buf, sizeof(buf));
  if (y->kind != YAML_MAPPING_NODE || y->n != 1)
    PetscCall(Fail(c, y->line,
                   "rule.distance.p %s: expected a number, {gaussian: {p0, sigma}} or {exponential: {p0, lambda}}",
                   buf));
  if (!NamesHas(&lk, y->key[0]->text)) {
    Unknown(msg, sizeof(msg), "profile", y->key[0]->text, &lk);
    PetscCall(Fail(c, y->key[0]->line, "rule.distance.p.%s: %s", y->key[0]->text, msg));
  }
  const PetscBool gauss = (PetscBool)!strcmp(y->key[0]->text, "gaussian");
  Names           l     = NamesOf(gauss ? gk : ek, 2);
  const char     *len   = gauss ? "sigma" : "lambda";
  o                     = y->item[0];
  r->pdist              = gauss ? NA_PDIST_GAUSSIAN : NA_PDIST_EXPONENTIAL;
  PetscCall(PetscSNPrintf(lab, sizeof(lab), "rule.distance.p.%s", y->key[0]->text));
  PetscCall(ExpectMapping(c, o, lab, gauss ? "a mapping {p0: P, sigma: S}" : "a mapping {p0: P, lambda: L}"));
  PetscCall(PetscSNPrintf(lab, sizeof(lab), "rule.distance.p.%s.", y->key[0]->text));
  PetscCall(CheckKeys(c, o, lab, &l));
  r->p = 1;
  if ((v = YGet(o, "p0"))) {
    PetscCall(PetscSNPrintf(lab, sizeof(lab), "rule.distance.p.%s.p0", y->key[0]->text));
    PetscCall(Number(c, v, lab, &r->p));
    if (!(r->p >= 0 && r->p <= 1)) PetscCall(Fail(c, v->line, "%s %s: must be in [0, 1]", lab, v->text));
  }
  PetscCall(PetscSNPrintf(lab, sizeof(lab), "rule.distance.p.%s", y->key[0]->text));
  PetscCall(Require(c, o, lab, len, "the length scale of the profile, um", &v));
  PetscCall(PetscSNPrintf(lab, sizeof(lab), "rule.distance.p.%s.%s", y->key[0]->text, len));
  PetscCall(Number(c, v, lab, &r->length));
  if (!(r->length > 0)) PetscCall(Fail(c, v->line, "%s %s: must be > 0", lab, v->text));
  PetscFunctionReturn(0);
}

static PetscErrorCode RuleOptions(Ctx *c, const YNode *o, NaRuleSpec *r, const char name[])
{
  static const char *const all[] = {"allow_autapses"}, *bern[] = {"p", "allow_autapses"},
                           *ind[] = {"K", "allow_autapses"}, *dist[] = {"radius", "p", "allow_autapses"};
  Names  l = r->kind == NA_RULE_PAIRWISE_BERNOULLI ? NamesOf(bern, 2)
             : r->kind == NA_RULE_FIXED_INDEGREE   ? NamesOf(ind, 2)
             : r->kind == NA_RULE_DISTANCE         ? NamesOf(dist, 3)
                                                   : NamesOf(all, 1);
  char   lab[128], lab0[128];
  YNode *v;

  PetscFunctionBegin;
  PetscCall(PetscSNPrintf(lab0, sizeof(lab0), "rule.%s", name));
  PetscCall(PetscSNPrintf(lab, sizeof(lab), "rule.%s", name));
  PetscCall(ExpectMapping(c, o, lab, "a mapping of the rule's options"));
  PetscCall(PetscSNPrintf(lab, sizeof(lab), "rule.%s.", name));
  PetscCall(CheckKeys(c, o, lab, &l));
  if ((v = YGet(o, "allow_autapses"))) {
    PetscCall(PetscSNPrintf(lab, sizeof(lab), "rule.%s.allow_autapses", name));
    PetscCall(Bool(c, v, lab, &r->allow_autapses));
  }
  if (r->kind == NA_RULE_PAIRWISE_BERNOULLI) {
    PetscCall(PetscSNPrintf(lab, sizeof(lab), "rule.%s.p", name));
    PetscCall(Require(c, o, lab0, "p", "the probability of each connection", &v));
    PetscCall(Number(c, v, lab, &r->p));
    if (!(r->p >= 0 && r->p <= 1)) PetscCall(Fail(c, v->line, "%s %s: must be in [0, 1]", lab, v->text));
  } else if (r->kind == NA_RULE_FIXED_INDEGREE) {
    PetscCall(PetscSNPrintf(lab, sizeof(lab), "rule.%s.K", name));
    PetscCall(Require(c, o, lab0, "K", "the number of sources of each target", &v));
    PetscCall(Whole(c, v, lab, 1, NA_INT_MAX, &r->K));
  } else if (r->kind == NA_RULE_DISTANCE) {
    r->p = 1, r->pdist = NA_PDIST_CONST, r->radius = INFINITY;
    if ((v = YGet(o, "p"))) PetscCall(DistanceP(c, v, r));
    if ((v = YGet(o, "radius"))) {
      PetscCall(Number(c, v, "rule.distance.radius", &r->radius));
      if (!(r->radius > 0)) PetscCall(Fail(c, v->line, "rule.distance.radius %s: must be > 0 (um)", v->text));
    } else if (r->pdist == NA_PDIST_CONST)
      PetscCall(Fail(c, o->line, "rule.distance: needs radius (um), or a p that falls with distance"));
  }
  PetscFunctionReturn(0);
}

/* pre or post cell index x of pair k against the population's n (file: NULL for the network file) */
static PetscErrorCode PairIndex(Ctx *c, const char file[], int line, const char label[], const char text[], double x,
                                PetscInt k, const NaPopSpec *pop, PetscInt *v)
{
  PetscFunctionBegin;
  if (!(x >= 0 && x < pop->n && x == floor(x)))
    PetscCall(FailAt(c, file ? file : c->path, line,
                     "%s %s: pair %" PetscInt_FMT ": not a cell of %s (a whole number 0 to %" PetscInt_FMT ")", label,
                     text, k, pop->name, pop->n - 1));
  *v = (PetscInt)x;
  PetscFunctionReturn(0);
}

/* rule {pairs: {pre: [i0, i1, ...], post: [j0, j1, ...]}}: connections i_k -> j_k, in this order */
static PetscErrorCode Pairs(Ctx *c, const YNode *o, NaProjSpec *pr)
{
  static const char *const keys[] = {"pre", "post"};
  Names                    l      = NamesOf(keys, 2);
  NaRuleSpec              *r      = &pr->rule;
  YNode                   *pre, *post;
  char                     buf[256];

  PetscFunctionBegin;
  PetscCall(ExpectMapping(c, o, "rule.pairs", "a mapping {pre: [...], post: [...]}"));
  PetscCall(CheckKeys(c, o, "rule.pairs.", &l));
  PetscCall(Require(c, o, "rule.pairs", "pre", "the pairs rule needs pre and post, lists of cell indices", &pre));
  PetscCall(Require(c, o, "rule.pairs", "post", "the pairs rule needs pre and post, lists of cell indices", &post));
  YRender(pre, buf, sizeof(buf));
  if (pre->kind != YAML_SEQUENCE_NODE)
    PetscCall(Fail(c, pre->line, "rule.pairs.pre %s: expected a list of cells", buf));
  YRender(post, buf, sizeof(buf));
  if (post->kind != YAML_SEQUENCE_NODE)
    PetscCall(Fail(c, post->line, "rule.pairs.post %s: expected a list of cells", buf));
  if (pre->n != post->n)
    PetscCall(Fail(c, post->line,
                   "rule.pairs.post: %" PetscInt_FMT " entries, but pre has %" PetscInt_FMT
                   "; pre and post must have the same length",
                   post->n, pre->n));
  PetscCall(PetscMalloc2(PetscMax(pre->n, 1), &r->pre, PetscMax(pre->n, 1), &r->post));
  r->npairs = pre->n;
  for (PetscInt k = 0; k < pre->n; k++) {
    double x;
    PetscCall(Number(c, pre->item[k], "rule.pairs.pre", &x));
    PetscCall(PairIndex(c, NULL, pre->item[k]->line, "rule.pairs.pre", pre->item[k]->text, x, k,
                        &c->spec->pops[pr->from], &r->pre[k]));
    PetscCall(Number(c, post->item[k], "rule.pairs.post", &x));
    PetscCall(PairIndex(c, NULL, post->item[k]->line, "rule.pairs.post", post->item[k]->text, x, k,
                        &c->spec->pops[pr->to], &r->post[k]));
  }
  PetscFunctionReturn(0);
}

/* rule {pairs_file: PATH} (relative to the network file's directory): one pair "PRE POST" a line (blanks or a
 * comma between them), # comments and blank lines allowed */
static PetscErrorCode PairsFile(Ctx *c, const YNode *y, NaProjSpec *pr)
{
  const char    *label = "rule.pairs_file", *slash = strrchr(c->path, '/');
  NaRuleSpec    *r = &pr->rule;
  char           file[PETSC_MAX_PATH_LEN], buf[256], *text, *line, *next, *end;
  size_t         len;
  int            err, lno = 1;
  PetscInt       n    = 1;
  PetscErrorCode ierr = 0;

  PetscFunctionBegin;
  YRender(y, buf, sizeof(buf));
  if (y->kind != YAML_SCALAR_NODE || !y->text[0])
    PetscCall(Fail(c, y->line, "%s %s: expected a file name", label, buf));
  if (y->text[0] == '/' || !slash)
    PetscCall(PetscStrncpy(file, y->text, sizeof(file)));
  else
    snprintf(file, sizeof(file), "%.*s/%s", (int)(slash - c->path), c->path, y->text);
  PetscCall(ReadShared(c->comm, file, &text, &len, &err));
  if (err == EISDIR) PetscCall(Fail(c, y->line, "%s %s: %s is a directory", label, y->text, file));
  if (err) PetscCall(Fail(c, y->line, "%s %s: cannot read %s: %s", label, y->text, file, strerror(err)));
  if (strlen(text) != len) {
    ierr = FailAt(c, file, LineOf(text, strlen(text)), "%s: not a text file (a NUL byte)", label);
    PetscCall(PetscFree(text));
    PetscCall(ierr);
  }
  for (char *t = text; *t; t++) n += *t == '\n';
  PetscCall(PetscMalloc2(n, &r->pre, n, &r->post));
  r->npairs = 0;
  for (line = text; line && !ierr; line = next, lno++) {
    double a, b;
    char  *s2;
    if ((next = strchr(line, '\n'))) *next++ = 0;
    if ((end = strchr(line, '\r'))) *end = 0;
    if ((end = strchr(line, '#'))) *end = 0;
    line = Trim(line);
    if (!line[0]) continue;
    a  = strtod(line, &s2);
    s2 = s2 + strspn(s2, " \t,");
    b  = strtod(s2, &end);
    if (s2 == line || end == s2 || *Trim(end) || !isfinite(a) || !isfinite(b)) {
      ierr = FailAt(c, file, lno, "%s: line \"%s\": expected two cell indices, PRE POST", label, line);
      break;
    }
    if ((ierr = PairIndex(c, file, lno, "rule.pairs_file: pre", line, a, r->npairs, &c->spec->pops[pr->from],
                          &r->pre[r->npairs])))
      break;
    if ((ierr = PairIndex(c, file, lno, "rule.pairs_file: post", line, b, r->npairs, &c->spec->pops[pr->to],
                          &r->post[r->npairs])))
      break;
    r->npairs++;
  }
  PetscCall(PetscFree(text));
  PetscCall(ierr);
  PetscFunctionReturn(0);
}

static PetscErrorCode Rule(Ctx *c, const YNode *y, NaProjSpec *pr)
{
  static const char *const names[] = {"all_to_all", "one_to_one", "pairwise_bernoulli", "fixed_indegree",
                                      "distance",   "pairs",      "pairs_file"};
  Names                    l       = NamesOf(names, 7);
  NaRuleSpec              *r       = &pr->rule;
  const YNode             *name    = y;
  char                     msg[512], buf[256];
  PetscInt                 k;

  PetscFunctionBegin;
  r->kind = NA_RULE_ALL_TO_ALL, r->allow_autapses = PETSC_TRUE;
  if (!y) PetscFunctionReturn(0);
  YRender(y, buf, sizeof(buf));
  if (y->kind == YAML_MAPPING_NODE && y->n == 1)
    name = y->key[0];
  else if (y->kind != YAML_SCALAR_NODE)
    PetscCall(Fail(c, y->line, "rule %s: expected a rule name or {RULE: {options}}", buf));
  for (k = 0; k < 7; k++)
    if (!strcmp(name->text, names[k])) break;
  if (k == 7) {
    Unknown(msg, sizeof(msg), "rule", name->text, &l);
    PetscCall(Fail(c, name->line, "rule %s: %s", name->text, msg));
  }
  if (k >= 5) { /* explicit pairs */
    r->kind = NA_RULE_PAIRS;
    if (name == y)
      PetscCall(Fail(c, name->line, "rule %s: needs its %s, as in %s", name->text, k == 5 ? "lists" : "file",
                     k == 5 ? "{pairs: {pre: [0, 1], post: [1, 0]}}" : "{pairs_file: ring.txt}"));
    if (k == 5)
      PetscCall(Pairs(c, y->item[0], pr));
    else
      PetscCall(PairsFile(c, y->item[0], pr));
    PetscFunctionReturn(0);
  }
  r->kind = (NaRuleKind)k;
  if (name != y && !YIsNull(y->item[0]))
    PetscCall(RuleOptions(c, y->item[0], r, name->text));
  else if (r->kind == NA_RULE_PAIRWISE_BERNOULLI)
    PetscCall(Fail(c, name->line, "rule %s: needs p, as in {pairwise_bernoulli: {p: 0.1}}", name->text));
  else if (r->kind == NA_RULE_FIXED_INDEGREE)
    PetscCall(Fail(c, name->line, "rule %s: needs K, as in {fixed_indegree: {K: 100}}", name->text));
  else if (r->kind == NA_RULE_DISTANCE)
    PetscCall(Fail(c, name->line, "rule %s: needs radius, as in {distance: {radius: 75}}", name->text));
  PetscFunctionReturn(0);
}

/* the rule against the sizes of its populations */
static PetscErrorCode CheckRule(Ctx *c, const YNode *y, NaProjSpec *pr)
{
  const NaPopSpec *src = &c->spec->pops[pr->from], *tgt = &c->spec->pops[pr->to];

  PetscFunctionBegin;
  if (pr->rule.kind == NA_RULE_ONE_TO_ONE && src->n != tgt->n)
    PetscCall(Fail(c, y->line,
                   "rule one_to_one: %s has %" PetscInt_FMT " cells and %s %" PetscInt_FMT
                   "; one_to_one needs populations of the same size",
                   src->name, src->n, tgt->name, tgt->n));
  if (pr->rule.kind == NA_RULE_PAIRWISE_BERNOULLI && c->spec->scale != 1) { /* in-degrees kept as scale grows */
    if (pr->rule.p / c->spec->scale > 1)
      PetscCall(Fail(c, y->line, "rule.pairwise_bernoulli.p %g: divided by scale %g it exceeds 1", pr->rule.p,
                     c->spec->scale));
    pr->rule.p /= c->spec->scale;
  }
  if (pr->rule.kind == NA_RULE_DISTANCE)
    for (int e = 0; e < 2; e++)
      if ((e ? tgt : src)->pos.kind == NA_POS_NONE)
        PetscCall(Fail(c, y->line, "rule distance: the %s population %s has no positions (give it positions: ...)",
                       e ? "target" : "source", (e ? tgt : src)->name));
  if (pr->rule.kind == NA_RULE_FIXED_INDEGREE && !pr->rule.allow_autapses && pr->from == pr->to && src->n < 2)
    PetscCall(Fail(c, y->line, "rule fixed_indegree: without autapses, the 1 cell of %s has no source", src->name));
  PetscFunctionReturn(0);
}

/* tsodyks_synapse's parameters (NEST's names, defaults and checks) */
static PetscErrorCode Tsodyks(Ctx *c, const YNode *o, const char prefix[], NaTsodyksParams *tm)
{
  static const char *const keys[] = {"U", "tau_psc", "tau_rec", "tau_fac", "x", "y", "u"};
  Names                    l      = NamesOf(keys, 7);
  double                  *val[]  = {&tm->U, &tm->tau_psc, &tm->tau_rec, &tm->tau_fac, &tm->x, &tm->y, &tm->u};
  const YNode             *v[7]   = {NULL};
  char                     lab[7][160];
  int                      line = o ? o->line : 0;

  PetscFunctionBegin;
  if (o) PetscCall(CheckKeys(c, o, prefix, &l));
  for (int k = 0; k < 7; k++) {
    PetscCall(PetscSNPrintf(lab[k], sizeof(lab[k]), "%s%s", prefix, keys[k]));
    if (o && (v[k] = YGet(o, keys[k]))) PetscCall(Number(c, v[k], lab[k], val[k]));
  }
#define NA_TM_CHECK(k, ok, what)                                                                                       \
  if (!(ok)) PetscCall(Fail(c, v[k] ? v[k]->line : line, "%s %s: %s", lab[k], v[k] ? v[k]->text : "(default)", what))
  NA_TM_CHECK(0, tm->U > 0 && tm->U <= 1, "must be in (0, 1]");
  NA_TM_CHECK(1, tm->tau_psc > 0, "must be positive");
  NA_TM_CHECK(2, tm->tau_rec > 0, "must be positive");
  NA_TM_CHECK(3, tm->tau_fac >= 0, "must not be negative");
  NA_TM_CHECK(4, tm->x >= 0 && tm->x <= 1, "must be in [0, 1]");
  NA_TM_CHECK(5, tm->y >= 0 && tm->y <= 1, "must be in [0, 1]");
  NA_TM_CHECK(6, tm->u >= 0 && tm->u <= 1, "must be in [0, 1]");
  NA_TM_CHECK(5, tm->x + tm->y <= 1, "x + y must not exceed 1");
#undef NA_TM_CHECK
  if (tm->tau_psc == tm->tau_rec) {
    int k = v[1] ? 1 : 2;
    PetscCall(Fail(c, v[k] ? v[k]->line : line,
                   "%s %s: tau_psc and tau_rec must differ (tsodyks_synapse divides by their difference)", lab[k],
                   v[k] ? v[k]->text : "(default)"));
  }
  PetscFunctionReturn(0);
}

/* tm_glio_synapse's parameters (Brian's names and example values, in ms and uM) */
static PetscErrorCode GlioParams(Ctx *c, const YNode *o, const char prefix[], NaGlioParams *gl)
{
  static const char *const keys[] = {"U_0_star", "Omega_f", "Omega_d", "alpha", "rho_c", "Y_T"};
  Names                    l      = NamesOf(keys, 6);
  double                  *val[]  = {&gl->U_0_star, &gl->Omega_f, &gl->Omega_d, &gl->alpha, &gl->rho_c, &gl->Y_T};
  const YNode             *v[6]   = {NULL};
  char                     lab[6][160];
  int                      line = o ? o->line : 0;

  PetscFunctionBegin;
  gl->U_0_star = 0.6, gl->Omega_f = 3.33e-3, gl->Omega_d = 2.0e-3, gl->alpha = 0.0, gl->rho_c = 0.005, gl->Y_T = 500e3;
  if (o) PetscCall(CheckKeys(c, o, prefix, &l));
  for (int k = 0; k < 6; k++) {
    PetscCall(PetscSNPrintf(lab[k], sizeof(lab[k]), "%s%s", prefix, keys[k]));
    if (o && (v[k] = YGet(o, keys[k]))) PetscCall(Number(c, v[k], lab[k], val[k]));
  }
#define NA_GL_CHECK(k, ok, what)                                                                                       \
  if (!(ok)) PetscCall(Fail(c, v[k] ? v[k]->line : line, "%s %s: %s", lab[k], v[k] ? v[k]->text : "(default)", what))
  NA_GL_CHECK(0, gl->U_0_star > 0 && gl->U_0_star <= 1, "must be in (0, 1]");
  NA_GL_CHECK(1, gl->Omega_f >= 0, "must not be negative");
  NA_GL_CHECK(2, gl->Omega_d >= 0, "must not be negative");
  NA_GL_CHECK(3, gl->alpha >= 0 && gl->alpha <= 1, "must be in [0, 1]");
  NA_GL_CHECK(4, gl->rho_c >= 0, "must not be negative");
  NA_GL_CHECK(5, gl->Y_T >= 0, "must not be negative");
#undef NA_GL_CHECK
  PetscFunctionReturn(0);
}

/* gap_junction's parameters: F >= 0 [uM/ms], I_Theta >= 0 [uM], omega_I > 0 [uM]; defaults Brian's example 5 */
static PetscErrorCode GapJunction(Ctx *c, const YNode *o, const char prefix[], NaGapParams *g)
{
  static const char *const keys[] = {"F", "I_Theta", "omega_I"};
  Names                    l      = NamesOf(keys, 3);
  double                  *val[]  = {&g->F, &g->I_Theta, &g->omega_I};
  const YNode             *v[3]   = {NULL};
  char                     lab[3][160];

  PetscFunctionBegin;
  g->F = 0.09e-3, g->I_Theta = 0.3, g->omega_I = 0.05;
  if (o) PetscCall(CheckKeys(c, o, prefix, &l));
  for (int k = 0; k < 3; k++) {
    PetscCall(PetscSNPrintf(lab[k], sizeof(lab[k]), "%s%s", prefix, keys[k]));
    if (o && (v[k] = YGet(o, keys[k]))) PetscCall(Number(c, v[k], lab[k], val[k]));
  }
  if (!(g->F >= 0)) PetscCall(Fail(c, v[0]->line, "%s %s: must not be negative", lab[0], v[0]->text));
  if (!(g->I_Theta >= 0)) PetscCall(Fail(c, v[1]->line, "%s %s: must not be negative", lab[1], v[1]->text));
  if (!(g->omega_I > 0)) PetscCall(Fail(c, v[2]->line, "%s %s: must be positive", lab[2], v[2]->text));
  PetscFunctionReturn(0);
}

/* synapse: NAME or {NAME: {parameters}} at key synapse of mapping y */
static PetscErrorCode SynapseKind(Ctx *c, const YNode *y, const char prefix[], NaSynSpec *syn, const YNode **named)
{
  static const char *const names[] = {"static_synapse", "tsodyks_synapse", "sic_connection", "tm_glio_synapse",
                                      "gap_junction"};
  Names                    l       = NamesOf(names, 5);
  const YNode             *v = YGet(y, "synapse"), *name = v, *opts = NULL;
  char                     lab[160], msg[512], buf[256];
  PetscInt                 k;

  PetscFunctionBegin;
  *named = NULL;
  if (!v) PetscFunctionReturn(0);
  PetscCall(PetscSNPrintf(lab, sizeof(lab), "%ssynapse", prefix));
  YRender(v, buf, sizeof(buf));
  if (v->kind == YAML_MAPPING_NODE && v->n == 1)
    name = v->key[0], opts = YIsNull(v->item[0]) ? NULL : v->item[0];
  else if (v->kind != YAML_SCALAR_NODE)
    PetscCall(Fail(c, v->line, "%s %s: expected a synapse name or {SYNAPSE: {parameters}}", lab, buf));
  for (k = 0; k < 5; k++)
    if (!strcmp(name->text, names[k])) break;
  if (k == 5) {
    Unknown(msg, sizeof(msg), "synapse", name->text, &l);
    PetscCall(Fail(c, name->line, "%s %s: %s", lab, name->text, msg));
  }
  syn->kind = (NaSynKind)k;
  *named    = name;
  PetscCall(PetscSNPrintf(lab, sizeof(lab), "%ssynapse.%s", prefix, name->text));
  if (opts) PetscCall(ExpectMapping(c, opts, lab, "a mapping of synapse parameters"));
  PetscCall(PetscStrlcat(lab, ".", sizeof(lab)));
  if (syn->kind == NA_SYN_TSODYKS)
    PetscCall(Tsodyks(c, opts, lab, &syn->tm));
  else if (syn->kind == NA_SYN_GLIO)
    PetscCall(GlioParams(c, opts, lab, &syn->gl));
  else if (syn->kind == NA_SYN_GAP)
    PetscCall(GapJunction(c, opts, lab, &syn->gap));
  else if (opts) {
    Names none = {0, {NULL}};
    PetscCall(CheckKeys(c, opts, lab, &none));
  }
  PetscFunctionReturn(0);
}

/* the synapse against its source and target */
static PetscErrorCode CheckSynapse(Ctx *c, const NaSynSpec *syn, const char prefix[], int synline, const YNode *w,
                                   int line, PetscInt src, PetscInt tgt)
{
  const NaPopSpec *s = &c->spec->pops[src], *t = &c->spec->pops[tgt];
  const char      *name     = syn->kind == NA_SYN_SIC       ? "sic_connection"
                              : syn->kind == NA_SYN_TSODYKS ? "tsodyks_synapse"
                              : syn->kind == NA_SYN_GLIO    ? "tm_glio_synapse"
                                                            : "static_synapse";
  char             buf[256] = "1 (default)";
  PetscBool        negative;

  PetscFunctionBegin;
  if (syn->kind == NA_SYN_GAP) { /* IP3 flux between G-ChI astrocytes, nothing else */
    const NaPopSpec *bad = strcmp(s->model->name, "astrocyte_gchi")   ? s
                           : strcmp(t->model->name, "astrocyte_gchi") ? t
                                                                      : NULL;
    if (bad)
      PetscCall(Fail(c, synline,
                     "%ssynapse gap_junction: the %s %s is %s; gap junctions connect astrocyte_gchi populations only",
                     prefix, bad == s ? "source" : "target", bad->name, bad->model->name));
    PetscFunctionReturn(0);
  }
  if (syn->kind == NA_SYN_SIC && !s->model->emits_sic)
    PetscCall(Fail(c, synline,
                   "%ssynapse sic_connection: the source %s (%s) emits no SIC; sic_connection runs from astrocytes",
                   prefix, s->name, s->model->name));
  if (syn->kind == NA_SYN_SIC && !t->model->receives_sic)
    PetscCall(Fail(c, synline, "%ssynapse sic_connection: the target %s (%s) does not receive SIC", prefix, t->name,
                   t->model->name));
  if (syn->kind != NA_SYN_SIC && s->model->kind == NA_CELL_ASTROCYTE)
    PetscCall(Fail(c, synline,
                   "%ssynapse %s: the source %s is an astrocyte (%s), which connects only through sic_connection",
                   prefix, name, s->name, s->model->name));
  if (syn->kind != NA_SYN_STATIC && !strcmp(s->model->name, "dc_generator"))
    PetscCall(
        Fail(c, synline,
             "%ssynapse %s: the source %s is a dc_generator (a current), which connects only through static_synapse",
             prefix, name, s->name));
  /* spikes onto astrocytes raise IP3 by delta_IP3 x weight: a weight that can be negative is an error (a dc
   * generator's current into an astrocyte may have either sign) */
  negative = (PetscBool)(syn->weight.kind == NA_VALUE_NORMAL || syn->weight.a < 0);
  if (t->model->kind == NA_CELL_ASTROCYTE && negative && strcmp(s->model->name, "dc_generator")) {
    if (w) YRender(w, buf, sizeof(buf));
    PetscCall(Fail(c, w ? w->line : line,
                   "%sweight %s: %s onto the astrocytes %s (%s); spike weights onto astrocytes must not be negative",
                   prefix, buf, syn->weight.kind == NA_VALUE_CONST ? "negative" : "can be negative", t->name,
                   t->model->name));
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode Delay(Ctx *c, const YNode *v, const char label[], int line, double *d)
{
  double k, h = c->spec->resolution;

  PetscFunctionBegin;
  *d = 1.0; /* NEST's default */
  if (v) PetscCall(Number(c, v, label, d));
  if (!OnGrid(*d, h, &k) || k < 1)
    PetscCall(Fail(c, v ? v->line : line, "%s %s: must be a positive multiple of the resolution %g", label,
                   v ? v->text : "1 (default)", h));
  PetscFunctionReturn(0);
}

/* synapse, weight, delay of mapping y (NULL: all defaults) from src to tgt; prefix: the path of y */
static PetscErrorCode Synapse(Ctx *c, const YNode *y, int line, const char prefix[], NaSynKind kind, PetscInt src,
                              PetscInt tgt, NaSynSpec *syn)
{
  const NaTsodyksParams tm = {0.5, 3.0, 800.0, 0.0, 1.0, 0.0, 0.0};
  const YNode          *named, *w = YGet(y, "weight");
  char                  lab[160];

  PetscFunctionBegin;
  syn->kind = kind, syn->tm = tm;
  syn->weight.kind = NA_VALUE_CONST, syn->weight.a = 1.0, syn->weight.b = 0.0;
  PetscCall(SynapseKind(c, y, prefix, syn, &named));
  if (syn->kind == NA_SYN_GAP) { /* no weight (F is its strength), no delay (a continuous coupling) */
    const YNode *d = YGet(y, "delay");
    if (w)
      PetscCall(Fail(c, w->line,
                     "%sweight %s: a gap_junction has no weight; give its strength as synapse.gap_junction.F", prefix,
                     w->kind == YAML_SCALAR_NODE ? w->text : "(a mapping)"));
    if (d)
      PetscCall(
          Fail(c, d->line,
               "%sdelay %s: a gap_junction has no delay (its flux acts within each step of the target astrocytes)",
               prefix, d->kind == YAML_SCALAR_NODE ? d->text : "(a mapping)"));
    syn->delay = c->spec->resolution;
    PetscCall(CheckSynapse(c, syn, prefix, named->line, NULL, line, src, tgt));
    PetscFunctionReturn(0);
  }
  PetscCall(PetscSNPrintf(lab, sizeof(lab), "%sweight", prefix));
  if (w) PetscCall(Value(c, w, lab, &syn->weight));
  PetscCall(PetscSNPrintf(lab, sizeof(lab), "%sdelay", prefix));
  PetscCall(Delay(c, YGet(y, "delay"), lab, line, &syn->delay));
  PetscCall(CheckSynapse(c, syn, prefix, named ? named->line : line, w, line, src, tgt));
  PetscFunctionReturn(0);
}

/* third: tripartite connectivity. The block-pool rule is NEST 3.10's ThirdBernoulliWithPoolBuilder: block
 * pools need |targets| x pool_size == |astrocytes|, or pool_size 1 with |targets| a multiple of |astrocytes|
 * (target k then gets astrocytes k pool_size ... k pool_size + pool_size - 1, or k / (|targets| / |astrocytes|)) */
static PetscErrorCode Third(Ctx *c, const YNode *y, NaProjSpec *pr)
{
  static const char *const keys[]   = {"population", "p", "pool_type", "pool_size", "in", "out"},
                           *pools[] = {"random", "block"};
  static const char *const io[]     = {"synapse", "weight", "delay"};
  Names                    l = NamesOf(keys, 6), lp = NamesOf(pools, 2), lio = NamesOf(io, 3);
  NaThirdSpec             *t = &pr->third;
  const NaPopSpec         *a, *tgt = &c->spec->pops[pr->to];
  YNode                   *v, *pt;
  char                     msg[512];

  PetscFunctionBegin;
  PetscCall(ExpectMapping(c, y, "third", "a mapping {population: ..., p: ..., pool_type: ..., pool_size: ...}"));
  PetscCall(CheckKeys(c, y, "third.", &l));
  t->present = PETSC_TRUE, t->p = 1.0, t->pool_type = NA_POOL_RANDOM, t->pool_size = 1;
  PetscCall(Require(c, y, "third", "population", "the astrocytes of the tripartite synapses", &v));
  PetscCall(PopRef(c, v, "third.population", &t->pop));
  a = &c->spec->pops[t->pop];
  if (a->model->kind != NA_CELL_ASTROCYTE)
    PetscCall(Fail(c, v->line, "third.population %s: must be an astrocyte population (%s is %s)", v->text, a->name,
                   a->model->name));
  if ((v = YGet(y, "p"))) {
    PetscCall(Number(c, v, "third.p", &t->p));
    if (!(t->p >= 0 && t->p <= 1)) PetscCall(Fail(c, v->line, "third.p %s: must be in [0, 1]", v->text));
  }
  if ((pt = YGet(y, "pool_type"))) {
    if (pt->kind == YAML_SCALAR_NODE && !strcmp(pt->text, "block"))
      t->pool_type = NA_POOL_BLOCK;
    else if (pt->kind != YAML_SCALAR_NODE || strcmp(pt->text, "random")) {
      Unknown(msg, sizeof(msg), "pool type", pt->kind == YAML_SCALAR_NODE ? pt->text : "", &lp);
      PetscCall(
          Fail(c, pt->line, "third.pool_type %s: %s", pt->kind == YAML_SCALAR_NODE ? pt->text : "(not a name)", msg));
    }
  }
  if ((v = YGet(y, "pool_size"))) {
    PetscCall(Whole(c, v, "third.pool_size", 1, NA_INT_MAX, &t->pool_size));
    if (t->pool_size > a->n)
      PetscCall(Fail(c, v->line, "third.pool_size %s: must not exceed the %" PetscInt_FMT " astrocytes of %s", v->text,
                     a->n, a->name));
  }
  if (t->pool_type == NA_POOL_BLOCK &&
      !((double)tgt->n * t->pool_size == (double)a->n || (t->pool_size == 1 && tgt->n % a->n == 0)))
    PetscCall(Fail(c, pt->line,
                   "third.pool_type block: pool_size %" PetscInt_FMT " with the %" PetscInt_FMT
                   " targets of %s and the %" PetscInt_FMT
                   " astrocytes of %s does not fit; block pools need targets x pool_size = astrocytes, or pool_size 1 "
                   "and the targets a multiple of the astrocytes (else use random pools)",
                   t->pool_size, tgt->n, tgt->name, a->n, a->name));
  if ((v = YGet(y, "in"))) {
    PetscCall(ExpectMapping(c, v, "third.in", "a mapping {synapse: ..., weight: ..., delay: ...}"));
    PetscCall(CheckKeys(c, v, "third.in.", &lio));
  }
  PetscCall(Synapse(c, v, v ? v->line : y->line, "third.in.", NA_SYN_STATIC, pr->from, t->pop, &t->in));
  if (t->in.kind == NA_SYN_GLIO || t->in.kind == NA_SYN_SIC)
    PetscCall(Fail(c, v ? v->line : y->line, "third.in.synapse %s: third.in is static_synapse or tsodyks_synapse",
                   t->in.kind == NA_SYN_GLIO ? "tm_glio_synapse" : "sic_connection"));
  if ((v = YGet(y, "out"))) {
    PetscCall(ExpectMapping(c, v, "third.out", "a mapping {synapse: ..., weight: ..., delay: ...}"));
    PetscCall(CheckKeys(c, v, "third.out.", &lio));
  }
  PetscCall(Synapse(c, v, v ? v->line : y->line, "third.out.", NA_SYN_SIC, t->pop, pr->to, &t->out));
  PetscFunctionReturn(0);
}

/* glia: the astrocytes of a tm_glio_synapse projection's synapses, by target cell (netspec.h) */
/* glia.astrocyte nearest: each target's nearest astrocyte (both populations need positions; a tie goes to the lower
 * index). O(targets x astrocytes), once, at parse time. */
static PetscErrorCode GliaNearest(Ctx *c, const YNode *v, NaProjSpec *pr, const NaPopSpec *a, const NaPopSpec *tgt)
{
  NaGliaSpec    *g = &pr->glia;
  const PetscInt A = (PetscInt)(a - c->spec->pops), T = pr->to;
  double        *xa;

  PetscFunctionBegin;
  for (int k = 0; k < 2; k++)
    if ((k ? tgt : a)->pos.kind == NA_POS_NONE)
      PetscCall(Fail(c, v->line, "glia.astrocyte nearest: the %s population %s has no positions",
                     k ? "target" : "astrocyte", (k ? tgt : a)->name));
  g->mode  = NA_GLIA_LIST;
  g->nlist = tgt->n;
  PetscCall(PetscMalloc1(PetscMax(tgt->n, 1), &g->list));
  PetscCall(PetscMalloc1(3 * (size_t)a->n, &xa));
  for (PetscInt j = 0; j < a->n; j++) NaNetSpecPosition(c->spec, A, j, xa + 3 * j);
  for (PetscInt t = 0; t < tgt->n; t++) {
    double   xt[3], best = INFINITY;
    PetscInt bj = 0;
    NaNetSpecPosition(c->spec, T, t, xt);
    for (PetscInt j = 0; j < a->n; j++) {
      const double dx = xa[3 * j] - xt[0], dy = xa[3 * j + 1] - xt[1], dz = xa[3 * j + 2] - xt[2];
      const double d2 = dx * dx + dy * dy + dz * dz;
      if (d2 < best) best = d2, bj = j;
    }
    g->list[t] = bj;
  }
  PetscCall(PetscFree(xa));
  PetscFunctionReturn(0);
}

/* glia.astrocyte {brian_index: {spacing: D, columns: C}}: Brian 2's example 6 arithmetic, astrocyte index
 * int(int(x / D) + C int(y / D)) with int() truncating toward zero and C a real number (the example's N_a /
 * N_rows_a), from the target's position (a target without positions is at the origin, as Brian's unset x, y);
 * an index outside the astrocytes means none (Brian's `i == astrocyte_index_post` matches nothing). */
static PetscErrorCode GliaBrianIndex(Ctx *c, const YNode *o, NaProjSpec *pr, const NaPopSpec *a, const NaPopSpec *tgt)
{
  static const char *const keys[] = {"spacing", "columns"};
  Names                    l      = NamesOf(keys, 2);
  NaGliaSpec              *g      = &pr->glia;
  double                   D, C;
  YNode                   *v;

  PetscFunctionBegin;
  PetscCall(ExpectMapping(c, o, "glia.astrocyte.brian_index", "a mapping {spacing: D, columns: C}"));
  PetscCall(CheckKeys(c, o, "glia.astrocyte.brian_index.", &l));
  PetscCall(Require(c, o, "glia.astrocyte.brian_index", "spacing", "the grid distance D of the arithmetic, um", &v));
  PetscCall(Number(c, v, "glia.astrocyte.brian_index.spacing", &D));
  if (!(D > 0)) PetscCall(Fail(c, v->line, "glia.astrocyte.brian_index.spacing %s: must be > 0 (um)", v->text));
  PetscCall(Require(c, o, "glia.astrocyte.brian_index", "columns", "the factor C of int(y / D)", &v));
  PetscCall(Number(c, v, "glia.astrocyte.brian_index.columns", &C));
  g->mode  = NA_GLIA_LIST;
  g->nlist = tgt->n;
  PetscCall(PetscMalloc1(PetscMax(tgt->n, 1), &g->list));
  for (PetscInt t = 0; t < tgt->n; t++) {
    double xt[3], k;
    NaNetSpecPosition(c->spec, pr->to, t, xt);
    k          = trunc(trunc(xt[0] / D) + C * trunc(xt[1] / D));
    g->list[t] = k >= 0 && k < (double)a->n ? (PetscInt)k : -1;
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode Glia(Ctx *c, const YNode *y, NaProjSpec *pr)
{
  static const char *const keys[] = {"population", "astrocyte", "closed_loop", "normalize"};
  Names                    l      = NamesOf(keys, 4);
  NaGliaSpec              *g      = &pr->glia;
  const NaPopSpec         *a, *tgt = &c->spec->pops[pr->to];
  YNode                   *v;
  char                     buf[256];

  PetscFunctionBegin;
  PetscCall(ExpectMapping(c, y, "glia", "a mapping {population: ..., astrocyte: ..., closed_loop: ...}"));
  PetscCall(CheckKeys(c, y, "glia.", &l));
  if (pr->syn.kind != NA_SYN_GLIO)
    PetscCall(Fail(c, y->line,
                   "glia: only tm_glio_synapse synapses are modulated by astrocytes (this projection's "
                   "synapse is not)"));
  g->present = PETSC_TRUE, g->mode = NA_GLIA_ONE_TO_ONE;
  PetscCall(Require(c, y, "glia", "population", "the astrocytes that ensheathe the synapses", &v));
  PetscCall(PopRef(c, v, "glia.population", &g->pop));
  a = &c->spec->pops[g->pop];
  if (NaCellModelStateIndex(a->model, "Gamma_S") < 0)
    PetscCall(Fail(c, v->line, "glia.population %s: must be an astrocyte_gchi population (%s is %s)", v->text, a->name,
                   a->model->name));
  PetscCall(Require(c, y, "glia", "astrocyte", "one_to_one or a list of astrocyte indices, one per target cell", &v));
  YRender(v, buf, sizeof(buf));
  if (v->kind == YAML_SCALAR_NODE && !strcmp(v->text, "one_to_one")) {
    if (a->n != tgt->n)
      PetscCall(Fail(c, v->line,
                     "glia.astrocyte one_to_one: %s has %" PetscInt_FMT " astrocytes and the target %s %" PetscInt_FMT
                     " cells; one_to_one needs the same number",
                     a->name, a->n, tgt->name, tgt->n));
  } else if (v->kind == YAML_SEQUENCE_NODE) {
    char lab[64];
    g->mode = NA_GLIA_LIST;
    if (v->n != tgt->n)
      PetscCall(Fail(c, v->line, "glia.astrocyte %s: %" PetscInt_FMT " entries for the %" PetscInt_FMT " cells of %s",
                     buf, v->n, tgt->n, tgt->name));
    PetscCall(PetscMalloc1(PetscMax(v->n, 1), &g->list));
    g->nlist = v->n;
    for (PetscInt i = 0; i < v->n; i++) {
      PetscCall(PetscSNPrintf(lab, sizeof lab, "glia.astrocyte.%" PetscInt_FMT, i));
      PetscCall(Whole(c, v->item[i], lab, -1, NA_INT_MAX, &g->list[i]));
      if (g->list[i] >= a->n)
        PetscCall(Fail(c, v->item[i]->line,
                       "%s %s: outside the %" PetscInt_FMT " astrocytes of %s (0 .. %" PetscInt_FMT ", or -1 for none)",
                       lab, v->item[i]->text, a->n, a->name, a->n - 1));
    }
  } else if (v->kind == YAML_SCALAR_NODE && !strcmp(v->text, "nearest"))
    PetscCall(GliaNearest(c, v, pr, a, tgt));
  else if (v->kind == YAML_MAPPING_NODE && v->n == 1 && !strcmp(v->key[0]->text, "brian_index"))
    PetscCall(GliaBrianIndex(c, v->item[0], pr, a, tgt));
  else
    PetscCall(Fail(c, v->line,
                   "glia.astrocyte %s: expected one_to_one, nearest, {brian_index: {spacing, columns}} or a list of "
                   "astrocyte indices",
                   buf));
  if ((v = YGet(y, "closed_loop"))) PetscCall(Bool(c, v, "glia.closed_loop", &g->closed_loop));
  if ((v = YGet(y, "normalize"))) {
    PetscCall(Bool(c, v, "glia.normalize", &g->normalize));
    if (g->normalize && !g->closed_loop)
      PetscCall(Fail(c, v->line, "glia.normalize %s: divides the glutamate of a closed loop; needs closed_loop: true",
                     v->text));
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode Projection(Ctx *c, const YNode *e, PetscInt k)
{
  static const char *const keys[] = {"from", "to", "rule", "synapse", "weight", "delay", "third", "glia"};
  Names                    l      = NamesOf(keys, 8);
  NaProjSpec              *pr     = &c->spec->projs[k];
  const YNode             *from = YGet(e, "from"), *to = YGet(e, "to");
  const NaPopSpec         *tgt;
  YNode                   *v;

  PetscFunctionBegin;
  if (from && to && from->kind == YAML_SCALAR_NODE && to->kind == YAML_SCALAR_NODE)
    SetWhere(c, "projection %d (%s -> %s)", (int)k, from->text, to->text);
  else
    SetWhere(c, "projection %d", (int)k);
  pr->line = e->line;
  PetscCall(
      ExpectMapping(c, e, "", "a mapping {from: ..., to: ..., rule: ..., synapse: ..., weight: ..., delay: ...}"));
  PetscCall(CheckKeys(c, e, "", &l));
  PetscCall(Require(c, e, "", "from", "every projection needs from and to", &v));
  PetscCall(PopRef(c, v, "from", &pr->from));
  PetscCall(Require(c, e, "", "to", "every projection needs from and to", &v));
  PetscCall(PopRef(c, v, "to", &pr->to));
  tgt = &c->spec->pops[pr->to];
  if (tgt->model->kind == NA_CELL_GENERATOR)
    PetscCall(Fail(c, v->line, "to %s: %s is a generator (%s), which cannot receive connections", v->text, tgt->name,
                   tgt->model->name));
  PetscCall(Rule(c, YGet(e, "rule"), pr));
  PetscCall(CheckRule(c, YGet(e, "rule"), pr));
  PetscCall(Synapse(c, e, e->line, "", NA_SYN_STATIC, pr->from, pr->to, &pr->syn));
  if ((v = YGet(e, "third")) && pr->syn.kind == NA_SYN_GAP)
    PetscCall(Fail(c, v->line, "third: a gap_junction projection has no third factor"));
  if ((v = YGet(e, "third"))) PetscCall(Third(c, v, pr));
  if ((v = YGet(e, "glia"))) PetscCall(Glia(c, v, pr));
  if (pr->glia.present && pr->third.present)
    PetscCall(Fail(c, v->line, "glia: a projection is either tripartite (third) or modulated by glia, not both"));
  PetscFunctionReturn(0);
}

static PetscErrorCode Projections(Ctx *c, const YNode *root)
{
  NaNetSpec *s = c->spec;
  YNode     *y = YGet(root, "projections");

  PetscFunctionBegin;
  if (!y) PetscFunctionReturn(0);
  PetscCall(ExpectSequence(c, y, "projections", "a list of projections"));
  PetscCall(PetscCalloc1(y->n, &s->projs));
  for (PetscInt k = 0; k < y->n; k++, s->nprojs++) PetscCall(Projection(c, y->item[k], k));
  c->where[0] = 0;
  PetscFunctionReturn(0);
}

/* ---- record -------------------------------------------------------------------------------------------------- */

static PetscErrorCode RecordSpikes(Ctx *c, const YNode *y)
{
  NaNetSpec    *s = c->spec;
  const YNode  *one[1];
  YNode *const *items = y->kind == YAML_SEQUENCE_NODE ? y->item : (YNode *const *)one;
  PetscInt      n     = y->kind == YAML_SEQUENCE_NODE ? y->n : 1;

  PetscFunctionBegin;
  one[0] = y;
  PetscCall(PetscMalloc1(n, &s->spike_pops));
  for (PetscInt k = 0; k < n; k++) {
    const NaPopSpec *p;
    PetscInt         pop;
    PetscCall(PopRef(c, items[k], "record.spikes", &pop));
    p = &s->pops[pop];
    if (!Spikes(p->model))
      PetscCall(Fail(c, items[k]->line,
                     "record.spikes %s: %s has no spikes to record (only neurons, spike_generator and "
                     "astrocyte_gchi's releases)",
                     items[k]->text, p->model->name));
    for (PetscInt j = 0; j < s->nspike_pops; j++)
      if (s->spike_pops[j] == pop) PetscCall(Fail(c, items[k]->line, "record.spikes %s: listed twice", items[k]->text));
    s->spike_pops[s->nspike_pops++] = pop;
  }
  PetscFunctionReturn(0);
}

/* record.releases: [projection index, ...] of tm_glio_synapse projections */
static PetscErrorCode RecordReleases(Ctx *c, const YNode *y)
{
  NaNetSpec *s = c->spec;
  char       lab[64];

  PetscFunctionBegin;
  PetscCall(ExpectSequence(c, y, "record.releases", "a list of projection indices"));
  PetscCall(PetscMalloc1(PetscMax(y->n, 1), &s->release_projs));
  for (PetscInt k = 0; k < y->n; k++) {
    PetscInt j;
    PetscCall(PetscSNPrintf(lab, sizeof lab, "record.releases.%" PetscInt_FMT, k));
    PetscCall(Whole(c, y->item[k], lab, 0, NA_INT_MAX, &j));
    if (j >= s->nprojs)
      PetscCall(Fail(c, y->item[k]->line, "%s %s: there are %" PetscInt_FMT " projections", lab, y->item[k]->text,
                     s->nprojs));
    if (s->projs[j].syn.kind != NA_SYN_GLIO)
      PetscCall(Fail(c, y->item[k]->line, "%s %s: projection %" PetscInt_FMT " has no tm_glio_synapse releases", lab,
                     y->item[k]->text, j));
    for (PetscInt q = 0; q < s->nrelease_projs; q++)
      if (s->release_projs[q] == j) PetscCall(Fail(c, y->item[k]->line, "%s %s: listed twice", lab, y->item[k]->text));
    s->release_projs[s->nrelease_projs++] = j;
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode TraceVariables(Ctx *c, const YNode *y, NaTraceSpec *tr)
{
  const NaPopSpec *p = &c->spec->pops[tr->pop];
  Names            l = {0, {NULL}};
  char             msg[768], what[128];
  const YNode     *one[1] = {y};
  YNode *const    *items  = y->kind == YAML_SEQUENCE_NODE ? y->item : (YNode *const *)one;
  PetscInt         n      = y->kind == YAML_SEQUENCE_NODE ? y->n : 1;

  PetscFunctionBegin;
  for (PetscInt k = 0; k < p->model->nstate; k++) NamesAdd(&l, p->model->state[k].name);
  if (p->model->receives_sic) NamesAdd(&l, "I_SIC");
  if (!strcmp(p->model->name, "astrocyte_gchi")) NamesAdd(&l, "J_coupling"); /* gap junctions' IP3 flux */
  if (!n) PetscCall(Fail(c, y->line, "variables []: list at least one variable"));
  PetscCall(PetscCalloc1(n, &tr->vars));
  for (PetscInt k = 0; k < n; k++) {
    const YNode *v = items[k];
    if (v->kind != YAML_SCALAR_NODE) PetscCall(Fail(c, v->line, "variables: expected variable names"));
    if (!NamesHas(&l, v->text)) {
      snprintf(what, sizeof(what), "variable of %s", p->model->name);
      Unknown(msg, sizeof(msg), what, v->text, &l);
      PetscCall(Fail(c, v->line, "variables %s: %s", v->text, msg));
    }
    for (PetscInt j = 0; j < tr->nvars; j++)
      if (!strcmp(tr->vars[j], v->text)) PetscCall(Fail(c, v->line, "variables %s: listed twice", v->text));
    PetscCall(PetscStrncpy(tr->vars[tr->nvars++], v->text, sizeof(tr->vars[0])));
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode TraceCells(Ctx *c, const YNode *y, NaTraceSpec *tr)
{
  const NaPopSpec *p = &c->spec->pops[tr->pop];
  PetscInt        *at;

  PetscFunctionBegin;
  tr->ncells = -1;
  if (!y || (y->kind == YAML_SCALAR_NODE && !strcmp(y->text, "all"))) PetscFunctionReturn(0);
  PetscCall(ExpectSequence(c, y, "cells", "all or a list of cell indices"));
  if (!y->n) PetscCall(Fail(c, y->line, "cells []: list at least one cell, or write all"));
  PetscCall(PetscMalloc1(y->n, &tr->cells));
  tr->ncells = y->n;
  for (PetscInt k = 0; k < y->n; k++) {
    PetscCall(Whole(c, y->item[k], "cells", 0, NA_INT_MAX, &tr->cells[k]));
    if (tr->cells[k] >= p->n)
      PetscCall(Fail(c, y->item[k]->line, "cells %s: out of range (%s has cells 0 to %" PetscInt_FMT ")",
                     y->item[k]->text, p->name, p->n - 1));
  }
  PetscCall(PetscMalloc1(y->n, &at));
  for (PetscInt k = 0; k < y->n; k++) at[k] = k;
  PetscCall(PetscSortIntWithArray(y->n, tr->cells, at));
  for (PetscInt k = 1; k < y->n; k++)
    if (tr->cells[k] == tr->cells[k - 1]) {
      PetscInt later = PetscMax(at[k], at[k - 1]);
      PetscCall(PetscFree(at));
      PetscCall(Fail(c, y->item[later]->line, "cells %s: listed twice", y->item[later]->text));
    }
  PetscCall(PetscFree(at));
  PetscFunctionReturn(0);
}

static PetscErrorCode Trace(Ctx *c, const YNode *e, PetscInt k)
{
  static const char *const keys[] = {"population", "variables", "interval", "cells"};
  Names                    l      = NamesOf(keys, 4);
  NaTraceSpec             *tr     = &c->spec->traces[k];
  const YNode             *pop    = YGet(e, "population");
  const NaPopSpec         *p;
  YNode                   *v;
  double                   steps, h = c->spec->resolution;

  PetscFunctionBegin;
  if (pop && pop->kind == YAML_SCALAR_NODE)
    SetWhere(c, "record.traces %d (%s)", (int)k, pop->text);
  else
    SetWhere(c, "record.traces %d", (int)k);
  tr->ncells = -1, tr->interval = h;
  PetscCall(ExpectMapping(c, e, "", "a mapping {population: ..., variables: [...], interval: ..., cells: ...}"));
  PetscCall(CheckKeys(c, e, "", &l));
  PetscCall(Require(c, e, "", "population", "the population to trace", &v));
  PetscCall(PopRef(c, v, "population", &tr->pop));
  p = &c->spec->pops[tr->pop];
  for (PetscInt j = 0; j < k; j++)
    if (c->spec->traces[j].pop == tr->pop)
      PetscCall(Fail(c, v->line, "population %s: traced twice (record.traces %d); list all its variables in one entry",
                     v->text, (int)j));
  if (p->model->kind == NA_CELL_GENERATOR)
    PetscCall(Fail(c, v->line, "population %s: %s is a generator and has no state to trace", v->text, p->model->name));
  PetscCall(Require(c, e, "", "variables", "the variables to trace", &v));
  PetscCall(TraceVariables(c, v, tr));
  if ((v = YGet(e, "interval"))) {
    PetscCall(Number(c, v, "interval", &tr->interval));
    if (!OnGrid(tr->interval, h, &steps) || steps < 1)
      PetscCall(Fail(c, v->line, "interval %s: must be a positive multiple of the resolution %g", v->text, h));
  }
  PetscCall(TraceCells(c, YGet(e, "cells"), tr));
  PetscFunctionReturn(0);
}

static PetscErrorCode Record(Ctx *c, const YNode *root)
{
  static const char *const keys[] = {"spikes", "traces", "releases"};
  Names                    l      = NamesOf(keys, 3);
  NaNetSpec               *s      = c->spec;
  YNode                   *y      = YGet(root, "record"), *v;

  PetscFunctionBegin;
  if (!y) PetscFunctionReturn(0);
  PetscCall(ExpectMapping(c, y, "record", "a mapping {spikes: [...], traces: [...]}"));
  PetscCall(CheckKeys(c, y, "record.", &l));
  if ((v = YGet(y, "spikes"))) PetscCall(RecordSpikes(c, v));
  if ((v = YGet(y, "traces"))) {
    PetscCall(ExpectSequence(c, v, "record.traces", "a list of traces"));
    PetscCall(PetscCalloc1(v->n, &s->traces));
    s->ntraces = v->n;
    for (PetscInt k = 0; k < v->n; k++) PetscCall(Trace(c, v->item[k], k));
  }
  if ((v = YGet(y, "releases"))) PetscCall(RecordReleases(c, v));
  c->where[0] = 0;
  PetscFunctionReturn(0);
}

/* ---- the whole file ------------------------------------------------------------------------------------------ */

static PetscErrorCode Top(Ctx *c, const YNode *root)
{
  static const char *const keys[] = {"resolution", "t_stop", "seed", "scale", "populations", "projections", "record"};
  Names                    l      = NamesOf(keys, 7);
  NaNetSpec               *s      = c->spec;
  YNode                   *v;
  double                   k;

  PetscFunctionBegin;
  s->resolution = 0.1, s->t_stop = 1000.0, s->seed = 1, s->scale = 1;
  PetscCall(CheckKeys(c, root, "", &l));
  if ((v = YGet(root, "resolution"))) {
    PetscCall(Number(c, v, "resolution", &s->resolution));
    if (!(s->resolution > 0)) PetscCall(Fail(c, v->line, "resolution %s: must be positive", v->text));
  }
  v = YGet(root, "t_stop");
  if (v) PetscCall(Number(c, v, "t_stop", &s->t_stop));
  if (!(s->t_stop > 0)) PetscCall(Fail(c, v->line, "t_stop %s: must be positive", v->text));
  if (!OnGrid(s->t_stop, s->resolution, &k) && s->t_stop > 0)
    PetscCall(Fail(c, v ? v->line : root->line, "t_stop %s: must be a multiple of the resolution %g",
                   v ? v->text : "1000 (default)", s->resolution));
  if ((v = YGet(root, "seed"))) PetscCall(Seed(c, v, &s->seed));
  if ((v = YGet(root, "scale"))) {
    PetscCall(Number(c, v, "scale", &s->scale));
    if (!(s->scale > 0)) PetscCall(Fail(c, v->line, "scale %s: must be positive", v->text));
  }
  PetscCall(Populations(c, root));
  PetscCall(Projections(c, root));
  PetscCall(Record(c, root));
  PetscFunctionReturn(0);
}

static PetscErrorCode Build(Ctx *c, const char text[], const char overrides[], YNode **root)
{
  PetscFunctionBegin;
  PetscCall(CheckText(c, c->path, text));
  PetscCall(LoadTree(c, text, root));
  PetscCall(ExpectMapping(c, *root, "",
                          "a mapping with the keys resolution, t_stop, seed, populations, projections, record"));
  PetscCall(ApplyOverrides(c, *root, overrides));
  PetscCall(Top(c, *root));
  PetscFunctionReturn(0);
}

PetscErrorCode NaNetSpecParse(MPI_Comm comm, const char path[], const char text[], const char overrides[],
                              NaNetSpec **spec)
{
  Ctx            c;
  YNode         *root = NULL;
  NaNetSpec     *s;
  PetscErrorCode ierr;

  PetscFunctionBegin;
  *spec = NULL;
  PetscCall(PetscNew(&s));
  c.comm = comm, c.path = path, c.spec = s, c.where[0] = 0;
  c.nodes = 0, c.maxnodes = strlen(text) + 1024, c.nsets = 0;
  PetscCall(PetscStrncpy(s->path, path, sizeof(s->path)));
  PetscCall(PetscStrallocpy(text, &s->text));
  if (overrides) PetscCall(PetscStrallocpy(overrides, &s->overrides));
  ierr = Build(&c, text, overrides, &root);
  YFree(root);
  if (ierr) PetscCall(NaNetSpecDestroy(&s));
  PetscCall(ierr);
  *spec = s;
  PetscFunctionReturn(0);
}

PetscErrorCode NaNetSpecLoad(MPI_Comm comm, const char path[], const char overrides[], NaNetSpec **spec)
{
  char          *text;
  size_t         len;
  int            err;
  PetscErrorCode ierr;

  PetscFunctionBegin;
  *spec = NULL;
  PetscCheck(path && path[0], comm, PETSC_ERR_USER_INPUT, "no network file given");
  PetscCall(ReadShared(comm, path, &text, &len, &err));
  PetscCheck(err != EISDIR, comm, PETSC_ERR_USER_INPUT, "%s: is a directory, not a network file", path);
  PetscCheck(!err, comm, PETSC_ERR_USER_INPUT, "%s: cannot read the network file: %s", path, strerror(err));
  if (strlen(text) != len) { /* a binary file: its first byte that is no text, a NUL or one before it */
    Ctx c    = {.comm = comm, .path = path, .where = ""};
    int line = LineOf(text, strlen(text));
    ierr     = CheckText(&c, path, text);
    PetscCall(PetscFree(text));
    PetscCall(ierr);
    SETERRQ(comm, PETSC_ERR_USER_INPUT, "%s:%d: not a text file (byte 0x00)", path, line);
  }
  ierr = NaNetSpecParse(comm, path, text, overrides, spec);
  PetscCall(PetscFree(text));
  PetscCall(ierr);
  PetscFunctionReturn(0);
}

PetscErrorCode NaNetSpecDestroy(NaNetSpec **spec)
{
  NaNetSpec *s;

  PetscFunctionBegin;
  if (!spec || !*spec) PetscFunctionReturn(0);
  s = *spec;
  for (PetscInt k = 0; k < s->npops; k++) {
    for (PetscInt j = 0; j < s->pops[k].nparams; j++) PetscCall(PetscFree(s->pops[k].params[j].timed.table));
    for (PetscInt j = 0; j < s->pops[k].nparams; j++) PetscCall(PetscFree(s->pops[k].params[j].cells));
    for (PetscInt j = 0; j < s->pops[k].ninit; j++) PetscCall(PetscFree(s->pops[k].init[j].cells));
    PetscCall(PetscFree(s->pops[k].params));
    PetscCall(PetscFree(s->pops[k].init));
    PetscCall(PetscFree(s->pops[k].spike_times));
    PetscCall(PetscFree(s->pops[k].pos.xyz));
  }
  for (PetscInt k = 0; k < s->ntraces; k++) {
    PetscCall(PetscFree(s->traces[k].vars));
    PetscCall(PetscFree(s->traces[k].cells));
  }
  for (PetscInt k = 0; k < s->nprojs; k++) PetscCall(PetscFree(s->projs[k].glia.list));
  PetscCall(PetscFree(s->release_projs));
  for (PetscInt k = 0; k < s->nprojs; k++) PetscCall(PetscFree2(s->projs[k].rule.pre, s->projs[k].rule.post));
  PetscCall(PetscFree(s->pops));
  PetscCall(PetscFree(s->projs));
  PetscCall(PetscFree(s->spike_pops));
  PetscCall(PetscFree(s->traces));
  PetscCall(PetscFree(s->text));
  PetscCall(PetscFree(s->overrides));
  PetscCall(PetscFree(*spec));
  PetscFunctionReturn(0);
}

PetscInt NaNetSpecFindPopulation(const NaNetSpec *spec, const char name[])
{
  for (PetscInt k = 0; k < spec->npops; k++)
    if (!strcmp(spec->pops[k].name, name)) return k;
  return -1;
}

static const NaValue *FindValue(PetscInt n, const NaNamedValue *v, const char name[])
{
  for (PetscInt k = 0; k < n; k++)
    if (!strcmp(v[k].name, name)) return &v[k].value;
  return NULL;
}

const NaValue *NaNetSpecParam(const NaNetSpec *spec, PetscInt pop, const char name[])
{
  if (pop < 0 || pop >= spec->npops) return NULL;
  return FindValue(spec->pops[pop].nparams, spec->pops[pop].params, name);
}

const NaTimed *NaNetSpecTimed(const NaNetSpec *spec, PetscInt pop, const char name[])
{
  const NaPopSpec *p = &spec->pops[pop];
  for (PetscInt k = 0; k < p->nparams; k++)
    if (!strcmp(p->params[k].name, name)) return p->params[k].value.kind == NA_VALUE_TIMED ? &p->params[k].timed : NULL;
  return NULL;
}

const double *NaNetSpecCells(const NaNetSpec *spec, PetscInt pop, const char name[], PetscBool init)
{
  const NaPopSpec    *p = &spec->pops[pop];
  const NaNamedValue *v = init ? p->init : p->params;
  const PetscInt      n = init ? p->ninit : p->nparams;
  for (PetscInt k = 0; k < n; k++)
    if (!strcmp(v[k].name, name)) return v[k].cells;
  return NULL;
}

const NaValue *NaNetSpecInit(const NaNetSpec *spec, PetscInt pop, const char name[])
{
  if (pop < 0 || pop >= spec->npops) return NULL;
  return FindValue(spec->pops[pop].ninit, spec->pops[pop].init, name);
}

void NaNetSpecPosition(const NaNetSpec *spec, PetscInt pop, PetscInt i, double xyz[3])
{
  const NaPosSpec *ps = &spec->pops[pop].pos;
  NaRng            r;

  switch (ps->kind) {
  case NA_POS_GRID:
    xyz[0] = ps->origin[0] + (double)(i / ps->rows) * ps->spacing;
    xyz[1] = ps->origin[1] + (double)(i % ps->rows) * ps->spacing;
    xyz[2] = ps->origin[2];
    break;
  case NA_POS_BOX:
    NaRngSeedKeyed(&r, spec->seed, NA_STREAM_POSITION, (uint64_t)pop, (uint64_t)i);
    for (int d = 0; d < 3; d++) xyz[d] = ps->box[d][0] + (ps->box[d][1] - ps->box[d][0]) * NaRngUniform(&r);
    break;
  case NA_POS_FILE:
    for (int d = 0; d < 3; d++) xyz[d] = ps->xyz[3 * i + d];
    break;
  default:
    xyz[0] = xyz[1] = xyz[2] = 0;
  }
}
