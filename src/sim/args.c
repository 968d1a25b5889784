/* The command line and the options files it names, checked before PetscInitialize reads them (PETSc skips a word
 * that is no option's value, fails on bad files with a multi-line traceback before nastro's error handler exists,
 * recurses without end into a file that includes itself, and accepts a YAML file whose top level is a list or that
 * is binary). The petscrc files PETSc reads (~/.petscrc, ./.petscrc, ./petscrc), the environment's PETSC_OPTIONS_YAML
 * and the words of its PETSC_OPTIONS are walked too. The walk follows PETSc 3.18's own
 * (PetscOptionsInsertArgs, PetscOptionsInsertFile): a word is an option when PetscOptionsValidKey says so, and an
 * option's value is the next word unless that is an option. */
#define _POSIX_C_SOURCE 200809L
#include "naerrors.h"
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

#define NA_MAX_DEPTH 16

typedef struct {
  char  *msg;
  size_t len;
  int    failed;
  char  *stack[NA_MAX_DEPTH]; /* real paths of the options files being read, outermost first */
  int    depth;
  char   prefix[256]; /* -prefix_push */
  /* options given, name (with prefix) and value, for the given-twice rule: [0] on the command line, [1] in options
   * files (with where: "FILE:LINE: "); a file's value may be overridden on the command line */
  struct {
    char **names, **values, **where;
    int    n;
  } seen[2];
} Walk;

static int Fail(Walk *w, const char fmt[], ...) PETSC_ATTRIBUTE_FORMAT(2, 3);
static int Fail(Walk *w, const char fmt[], ...)
{
  va_list ap;

  if (w->failed) return 1;
  va_start(ap, fmt);
  vsnprintf(w->msg, w->len, fmt, ap);
  va_end(ap);
  w->failed = 1;
  return 1;
}

/* PetscOptionsValidKey: "-" (or "--") and a letter, and not a number such as -inf or -1e3 */
static int IsKey(const char s[])
{
  const char *k = s;
  char       *end;

  if (!s || s[0] != '-') return 0;
  if (k[1] == '-') k++;
  if (!isalpha((unsigned char)k[1])) return 0;
  (void)strtod(k, &end);
  if (end != k && !(*end == '_' || isalnum((unsigned char)*end))) return 0;
  return 1;
}

static const char *Shown(const char s[])
{
  return s ? (s[0] ? s : "\"\"") : "";
}

static int CheckOptionsFile(Walk *w, const char where[], const char path[]);
static int CheckYAMLFile(Walk *w, const char where[], const char path[]);

/* an option given twice on the command line, or twice in options files, with different values is an error (PETSc
 * would keep the last); list: 0 the command line, 1 the files */
static int Remember(Walk *w, int list, const char where[], const char key[], const char value[])
{
  char   name[512];
  char **n2, **v2, **w2;
  int   *n = &w->seen[list].n;

  snprintf(name, sizeof name, "-%s%s", w->prefix, key + (key[1] == '-' ? 2 : 1));
  for (int k = 0; k < *n; k++)
    if (!strcasecmp(w->seen[list].names[k], name)) {
      const char *v0 = w->seen[list].values[k];
      if ((!value && !v0) || (value && v0 && !strcmp(value, v0))) return 0;
      return Fail(w, "%s%s%s%s: given twice (%s%s%s%s before); give each option once%s", where, name, value ? " " : "",
                  Shown(value), w->seen[list].where[k], w->seen[list].names[k], v0 ? " " : "", Shown(v0),
                  list ? " in the options files (the command line may override a file's value)" : "");
    }
  n2 = realloc(w->seen[list].names, (size_t)(*n + 1) * sizeof *n2);
  if (n2) w->seen[list].names = n2;
  v2 = realloc(w->seen[list].values, (size_t)(*n + 1) * sizeof *v2);
  if (v2) w->seen[list].values = v2;
  w2 = realloc(w->seen[list].where, (size_t)(*n + 1) * sizeof *w2);
  if (w2) w->seen[list].where = w2;
  if (!n2 || !v2 || !w2) return 0; /* the check is lost, the run is not */
  w->seen[list].names[*n]  = strdup(name);
  w->seen[list].values[*n] = value ? strdup(value) : NULL;
  w->seen[list].where[*n]  = strdup(where);
  (*n)++;
  return 0;
}

/* argv-like words; where: "" for the command line, "FILE:LINE: " in a file; list: the given-twice list they go
 * into (0 the command line, 1 the options files), -1 none (PETSC_OPTIONS) */
static int WalkWords(Walk *w, const char where[], int n, char **a, int list)
{
  const char *last = NULL, *lastvalue = NULL;

  for (int i = 0; i < n && !w->failed;) {
    const char *s    = a[i];
    const char *next = i + 1 < n && !IsKey(a[i + 1]) ? a[i + 1] : NULL;

    if (!IsKey(s)) {
      if (last)
        return Fail(w, "%s%s: a stray argument after %s%s%s (an option takes at most one value)", where, Shown(s), last,
                    lastvalue ? " " : "", lastvalue ? Shown(lastvalue) : "");
      return Fail(w, "%s%s: a stray argument (options are -NAME VALUE; -o FILE names the output)", where, Shown(s));
    }
    if (!strcasecmp(s, "-options_file") || !strcasecmp(s, "-options_file_yaml")) {
      int yaml = !strcasecmp(s, "-options_file_yaml");
      if (i + 1 >= n || a[i + 1][0] == '-') return Fail(w, "%s%s: needs a file", where, s);
      if (yaml ? CheckYAMLFile(w, where, a[i + 1]) : CheckOptionsFile(w, where, a[i + 1])) return 1;
    } else if (!strcasecmp(s, "-prefix_push")) {
      size_t len = strlen(w->prefix);
      if (i + 1 >= n || a[i + 1][0] == '-') return Fail(w, "%s-prefix_push: needs a prefix", where);
      snprintf(w->prefix + len, sizeof w->prefix - len, "%s", a[i + 1]);
    } else if (!strcasecmp(s, "-prefix_pop")) {
      w->prefix[0] = 0; /* nastro's files do not nest prefixes; PETSc checks the rest */
      last = s, lastvalue = NULL, i++;
      continue;
    } else if (!strcasecmp(s, "-options_string_yaml")) {
    } else if (list >= 0 && Remember(w, list, where, s, next))
      return 1;
    last = s, lastvalue = next;
    i += next ? 2 : 1;
  }
  return w->failed;
}

/* the file's text (NUL-terminated, *size bytes), or NULL with the reason in the walk */
static char *ReadAll(Walk *w, const char where[], const char option[], const char path[], size_t *size)
{
  struct stat st;
  FILE       *f;
  char       *text;

  if (stat(path, &st)) {
    Fail(w, "%s%s %s: cannot read (%s)", where, option, path, strerror(errno));
    return NULL;
  }
  if (S_ISDIR(st.st_mode)) {
    Fail(w, "%s%s %s: is a directory", where, option, path);
    return NULL;
  }
  if (!(f = fopen(path, "rb"))) {
    Fail(w, "%s%s %s: cannot read (%s)", where, option, path, strerror(errno));
    return NULL;
  }
  text  = malloc((size_t)st.st_size + 1);
  *size = text ? fread(text, 1, (size_t)st.st_size, f) : 0;
  fclose(f);
  if (!text) {
    Fail(w, "%s%s %s: no memory to read it", where, option, path);
    return NULL;
  }
  text[*size] = 0;
  return text;
}

static int LineOf(const char text[], size_t at)
{
  int line = 1;
  for (size_t i = 0; i < at; i++) line += text[i] == '\n';
  return line;
}

/* UTF-8 without control characters other than tab, newline and carriage return: a binary file is not options */
static int CheckText(Walk *w, const char path[], const char text[], size_t size)
{
  for (size_t i = 0; i < size; i++) {
    unsigned char b = (unsigned char)text[i];
    int           more;
    if (b < 0x80) {
      if ((b < 0x20 && b != '\t' && b != '\n' && b != '\r') || b == 0x7f)
        return Fail(w, "%s:%d: not a text file (byte 0x%02x is a control character)", path, LineOf(text, i), b);
      continue;
    }
    more = b >= 0xc2 && b <= 0xdf ? 1 : (b >= 0xe0 && b <= 0xef ? 2 : (b >= 0xf0 && b <= 0xf4 ? 3 : -1));
    for (int k = 1; k <= more; k++)
      if (i + (size_t)k >= size || ((unsigned char)text[i + (size_t)k] & 0xc0) != 0x80) more = -1;
    if (more < 0) return Fail(w, "%s:%d: not a text file (byte 0x%02x is not UTF-8)", path, LineOf(text, i), b);
    i += (size_t)more;
  }
  return 0;
}

/* pushes path's real path on the stack of files being read; a file already on it includes itself */
static int Enter(Walk *w, const char where[], const char option[], const char path[])
{
  char real[PATH_MAX];

  if (!realpath(path, real)) snprintf(real, sizeof real, "%s", path);
  for (int k = 0; k < w->depth; k++)
    if (!strcmp(w->stack[k], real)) {
      if (k == w->depth - 1) return Fail(w, "%s%s %s: includes itself", where, option, path);
      return Fail(w, "%s%s %s: includes %s, which includes it (a loop)", where, option, path, w->stack[k]);
    }
  if (w->depth == NA_MAX_DEPTH) return Fail(w, "%s%s %s: nested too deeply (%d files)", where, option, path, w->depth);
  w->stack[w->depth++] = strdup(real);
  return 0;
}

static void Leave(Walk *w)
{
  free(w->stack[--w->depth]);
}

/* PETSc's options file: one option per line ("-name value"), "alias -a -b" lines, '#' comments */
static int CheckOptionsFile(Walk *w, const char where[], const char path[])
{
  size_t size;
  char  *text, *line, *save = NULL;
  int    lineno = 0;

  if (!(text = ReadAll(w, where, "-options_file", path, &size))) return 1;
  if (CheckText(w, path, text, size) || Enter(w, where, "-options_file", path)) {
    free(text);
    return 1;
  }
  for (char *p = text; p && !w->failed; p = line) {
    char here[PATH_MAX + 32], *words[64], *hash, *tok;
    int  nw = 0;
    line    = strchr(p, '\n');
    if (line) *line++ = 0;
    lineno++;
    if ((hash = strchr(p, '#'))) *hash = 0;
    for (tok = strtok_r(p, " \t\r", &save); tok && nw < 64; tok = strtok_r(NULL, " \t\r", &save)) words[nw++] = tok;
    if (!nw) continue;
    snprintf(here, sizeof here, "%s:%d: ", path, lineno);
    if (!strcasecmp(words[0], "alias")) {
      if (nw != 3) Fail(w, "%salias: needs two option names (alias -new -old)", here);
      continue;
    }
    if (!IsKey(words[0])) {
      Fail(w, "%s%s: not an option (a line holds one option, -NAME VALUE)", here, words[0]);
      break;
    }
    if (nw > 1 && (words[1][0] == '"' || words[1][0] == '\'')) nw = 2; /* a quoted value may hold spaces */
    WalkWords(w, here, nw, words, 1);
  }
  Leave(w);
  free(text);
  return w->failed;
}

static const char *NodeKind(const yaml_node_t *n)
{
  return n->type == YAML_SEQUENCE_NODE ? "a list" : (n->type == YAML_SCALAR_NODE ? "a single value" : "empty");
}

/* the options of a YAML mapping (PETSc's: a nested mapping adds its key and "_" to the names) into the given-twice
 * list of the files */
static void RememberYAML(Walk *w, yaml_document_t *doc, const yaml_node_t *map, const char path[], const char pre[])
{
  for (yaml_node_pair_t *q = map->data.mapping.pairs.start; q < map->data.mapping.pairs.top && !w->failed; q++) {
    const yaml_node_t *k = yaml_document_get_node(doc, q->key), *v = yaml_document_get_node(doc, q->value);
    char               name[512], here[PATH_MAX + 32];
    if (!k || !v || k->type != YAML_SCALAR_NODE) continue;
    snprintf(name, sizeof name, "-%s%s", pre, (const char *)k->data.scalar.value);
    if (v->type == YAML_MAPPING_NODE) {
      snprintf(name, sizeof name, "%s%s_", pre, (const char *)k->data.scalar.value);
      RememberYAML(w, doc, v, path, name);
    } else if (v->type == YAML_SCALAR_NODE) {
      snprintf(here, sizeof here, "%s:%d: ", path, (int)k->start_mark.line + 1);
      (void)Remember(w, 1, here, name, v->data.scalar.length ? (const char *)v->data.scalar.value : NULL);
    }
  }
}

/* PETSc's YAML options: a mapping at the top; path names the text in messages (a file, or PETSC_OPTIONS_YAML) */
static int CheckYAMLText(Walk *w, const char path[], const char text[], size_t size)
{
  yaml_parser_t   parser;
  yaml_document_t doc;
  yaml_node_t    *root;

  if (CheckText(w, path, text, size)) return 1;
  if (!yaml_parser_initialize(&parser)) return Fail(w, "%s: cannot start the YAML parser", path);
  yaml_parser_set_input_string(&parser, (const unsigned char *)text, size);
  if (!yaml_parser_load(&parser, &doc)) {
    Fail(w, "%s:%d: YAML syntax error (%s)", path, (int)parser.problem_mark.line + 1,
         parser.problem ? parser.problem : "unknown");
  } else {
    root = yaml_document_get_root_node(&doc);
    if (root && root->type != YAML_MAPPING_NODE)
      Fail(w, "%s:%d: the top level is %s; expected a mapping of options (name: value)", path,
           (int)root->start_mark.line + 1, NodeKind(root));
    else if (root)
      RememberYAML(w, &doc, root, path, "");
    yaml_document_delete(&doc);
  }
  yaml_parser_delete(&parser);
  return w->failed;
}

static int CheckYAMLFile(Walk *w, const char where[], const char path[])
{
  size_t size;
  char  *text;

  if (!(text = ReadAll(w, where, "-options_file_yaml", path, &size))) return 1;
  CheckYAMLText(w, path, text, size);
  free(text);
  return w->failed;
}

/* a petscrc file PETSc reads when it is there (it skips one it cannot read, and reads none with -skip_petscrc) */
static int CheckPetscrc(Walk *w, const char path[])
{
  struct stat st;

  if (stat(path, &st) || !S_ISREG(st.st_mode) || access(path, R_OK)) return 0;
  return CheckOptionsFile(w, "", path);
}

int NaCheckArguments(int argc, char **argv, char msg[], size_t len)
{
  Walk w;
  int  skip = 0;

  memset(&w, 0, sizeof w);
  w.msg = msg, w.len = len, msg[0] = 0;
  /* in PETSc's order: the petscrc files (given-twice list of the files), PETSC_OPTIONS_YAML, the command line and the
   * files it names, PETSC_OPTIONS */
  for (int i = 1; i < argc; i++) skip = skip || !strcasecmp(argv[i], "-skip_petscrc");
  if (!skip) {
    char        rc[PATH_MAX];
    const char *home = getenv("HOME");
    if (home && home[0]) {
      snprintf(rc, sizeof rc, "%s/.petscrc", home);
      CheckPetscrc(&w, rc);
    }
    if (!w.failed) CheckPetscrc(&w, ".petscrc");
    if (!w.failed) CheckPetscrc(&w, "petscrc");
  }
  if (!w.failed && getenv("PETSC_OPTIONS_YAML")) {
    const char *y = getenv("PETSC_OPTIONS_YAML");
    CheckYAMLText(&w, "PETSC_OPTIONS_YAML", y, strlen(y));
  }
  if (!w.failed) WalkWords(&w, "", argc - 1, argv + 1, 0);
  if (!w.failed && getenv("PETSC_OPTIONS")) { /* PETSc inserts these words too (before the command line) */
    char *env = strdup(getenv("PETSC_OPTIONS")), *words[256], *save = NULL;
    int   nw = 0;
    for (char *t = env ? strtok_r(env, " \t\n", &save) : NULL; t && nw < 256; t = strtok_r(NULL, " \t\n", &save))
      words[nw++] = t;
    w.prefix[0] = 0;
    WalkWords(&w, "PETSC_OPTIONS: ", nw, words, -1);
    free(env);
  }
  for (int l = 0; l < 2; l++) {
    for (int k = 0; k < w.seen[l].n; k++) free(w.seen[l].names[k]), free(w.seen[l].values[k]), free(w.seen[l].where[k]);
    free(w.seen[l].names), free(w.seen[l].values), free(w.seen[l].where);
  }
  while (w.depth) Leave(&w);
  return w.failed;
}
