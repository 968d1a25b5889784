/* Unit tests of the network file (netspec.h): the example of the issue parsed against the real cell models,
 * defaults, distributions, spike times (inline and from a file), -network_set overrides, the files of
 * tests/data, and every bad input: each must give exactly one PETSC_ERR_USER_INPUT whose whole message is
 * known (file:line, where, key and value, the problem), return no spec and leak nothing (PETSc's malloc
 * tracing, switched on below, counts the bytes). */
#include "common.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "netspec.h"

static void init(void)
{
  setenv("PETSC_OPTIONS", "-malloc_debug", 1); /* PetscMallocGetCurrentUsage counts what is allocated */
  test_init();
}

/* what PETSc itself keeps until PetscFinalize is no leak of ours: no dump of it */
static void fini(void)
{
  PetscOptionsSetValue(NULL, "-malloc_dump", "false");
  test_fini();
}

TestSuite(netspec, .init = init, .fini = fini);

/* ---- helpers ------------------------------------------------------------------------------------------------ */

static char last[2048]; /* the message of the last error raised */
static int  raised;     /* errors raised (PETSC_ERROR_INITIAL calls) */

static PetscErrorCode Catch(MPI_Comm comm, int line, const char *fun, const char *file, PetscErrorCode n,
                            PetscErrorType p, const char *mess, void *ctx)
{
  (void)comm, (void)line, (void)fun, (void)file, (void)ctx;
  if (p == PETSC_ERROR_INITIAL) {
    raised++;
    snprintf(last, sizeof last, "%s", mess ? mess : "");
  }
  return n;
}

static PetscLogDouble usage(void)
{
  PetscLogDouble u;
  TCall(PetscMallocGetCurrentUsage(&u));
  return u;
}

/* NaNetSpecParse (path "net.yaml") or NaNetSpecLoad (text NULL, path a file) must fail with exactly want */
static void expect_error_at(const char *path, const char *text, const char *overrides, const char *want)
{
  NaNetSpec     *spec   = (NaNetSpec *)&raised;
  PetscLogDouble before = usage();
  PetscErrorCode e;

  raised  = 0;
  last[0] = 0;
  TCall(PetscPushErrorHandler(Catch, NULL));
  if (text)
    e = NaNetSpecParse(PETSC_COMM_WORLD, path, text, overrides, &spec);
  else
    e = NaNetSpecLoad(PETSC_COMM_WORLD, path, overrides, &spec);
  TCall(PetscPopErrorHandler());
  cr_expect_eq(e, PETSC_ERR_USER_INPUT, "error code %d, expected PETSC_ERR_USER_INPUT, for: %s", (int)e, want);
  cr_expect_eq(raised, 1, "%d errors raised for: %s", raised, want);
  cr_expect_null(spec, "a spec was returned for: %s", want);
  cr_expect_str_eq(last, want);
  cr_expect_eq(usage(), before, "%g bytes leaked for: %s", usage() - before, want);
}

static void expect_error(const char *text, const char *overrides, const char *want)
{
  expect_error_at("net.yaml", text, overrides, want);
}

static NaNetSpec *parse_at(const char *path, const char *text, const char *overrides)
{
  NaNetSpec *spec = NULL;
  TCall(NaNetSpecParse(PETSC_COMM_WORLD, path, text, overrides, &spec));
  cr_assert_not_null(spec);
  return spec;
}

static NaNetSpec *parse(const char *text, const char *overrides)
{
  return parse_at("net.yaml", text, overrides);
}

/* text with the first occurrence of old replaced by new (the caller frees it) */
static char *subst(const char *text, const char *old, const char *new)
{
  const char *at = strstr(text, old);
  cr_assert_not_null(at, "'%s' is not in the text", old);
  size_t n   = strlen(text) - strlen(old) + strlen(new) + 1;
  char  *out = malloc(n);
  snprintf(out, n, "%.*s%s%s", (int)(at - text), text, new, at + strlen(old));
  return out;
}

/* BASE with old replaced by new must fail with want */
static const char BASE[] =
    "resolution: 0.1\n"                                                                      /* 1 */
    "t_stop: 100\n"                                                                          /* 2 */
    "seed: 1\n"                                                                              /* 3 */
    "populations:\n"                                                                         /* 4 */
    "  - {name: A, model: astrocyte_lr_1994, n: 10}\n"                                       /* 5 */
    "  - {name: E, model: aeif_cond_alpha_astro, n: 20}\n"                                   /* 6 */
    "  - {name: drive, model: spike_generator, n: 1, params: {spike_times: [1.0, 2.0]}}\n"   /* 7 */
    "  - {name: noise, model: poisson_generator, n: 1, params: {rate: 100.0}}\n"             /* 8 */
    "projections:\n"                                                                         /* 9 */
    "  - {from: noise, to: E, weight: 1.0, delay: 0.1}\n"                                    /* 10 */
    "  - {from: E, to: E, rule: {pairwise_bernoulli: {p: 0.1}}, synapse: tsodyks_synapse,\n" /* 11 */
    "     weight: 1.0, delay: 2.0, third: {population: A, p: 0.5, pool_size: 2}}\n"          /* 12 */
    "record:\n"                                                                              /* 13 */
    "  spikes: [E]\n"                                                                        /* 14 */
    "  traces:\n"                                                                            /* 15 */
    "    - {population: A, variables: [IP3], interval: 1.0}\n";                              /* 16 */

static void expect_base_error(const char *old, const char *new, const char *want)
{
  char *text = subst(BASE, old, new);
  expect_error(text, NULL, want);
  free(text);
}

/* a network of BASE's populations plus the projection (or record entry) given, for the checks of one line */
static void expect_proj_error(const char *proj, const char *want)
{
  char text[4096];
  snprintf(text, sizeof text,
           "populations:\n"                                                       /* 1 */
           "  - {name: A, model: astrocyte_lr_1994, n: 10}\n"                     /* 2 */
           "  - {name: E, model: aeif_cond_alpha_astro, n: 20}\n"                 /* 3 */
           "  - {name: I, model: iaf_cond_exp, n: 5}\n"                           /* 4 */
           "  - {name: drive, model: spike_generator, n: 1}\n"                    /* 5 */
           "  - {name: noise, model: poisson_generator, n: 1}\n"                  /* 6 */
           "  - {name: dc, model: dc_generator, n: 1, params: {amplitude: 10}}\n" /* 7 */
           "projections:\n"                                                       /* 8 */
           "  - %s\n",                                                            /* 9 */
           proj);
  expect_error(text, NULL, want);
}

static void expect_record_error(const char *record, const char *want)
{
  char text[4096];
  snprintf(text, sizeof text,
           "populations:\n"                                       /* 1 */
           "  - {name: A, model: astrocyte_lr_1994, n: 10}\n"     /* 2 */
           "  - {name: E, model: aeif_cond_alpha_astro, n: 20}\n" /* 3 */
           "  - {name: drive, model: spike_generator, n: 1}\n"    /* 4 */
           "  - {name: noise, model: poisson_generator, n: 1}\n"  /* 5 */
           "  - {name: dc, model: dc_generator, n: 1}\n"          /* 6 */
           "record:\n"                                            /* 7 */
           "  %s\n",                                              /* 8 */
           record);
  expect_error(text, NULL, want);
}

static void expect_value(const NaValue *v, NaValueKind kind, double a, double b)
{
  cr_assert_not_null(v);
  cr_expect_eq(v->kind, kind);
  cr_expect_float_eq(v->a, a, 1e-15);
  if (kind != NA_VALUE_CONST) cr_expect_float_eq(v->b, b, 1e-15);
}

/* a scratch directory, removed by rm_tree */
static void scratch(char dir[64])
{
  snprintf(dir, 64, "/tmp/nastro-netspec-XXXXXX");
  cr_assert_not_null(mkdtemp(dir));
}

/* len: the bytes of text to write, or 0 for all up to its NUL */
static void write_file(const char *dir, const char *name, const char *text, size_t len)
{
  if (!len) len = strlen(text);
  char  path[256];
  FILE *f;
  snprintf(path, sizeof path, "%s/%s", dir, name);
  cr_assert_not_null(f = fopen(path, "wb"));
  cr_assert_eq(fwrite(text, 1, len, f), len);
  fclose(f);
}

static void rm_tree(const char *dir)
{
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  cr_expect_eq(system(cmd), 0);
}

/* ---- what a good file gives --------------------------------------------------------------------------------- */

static const char EXAMPLE[] =
    "resolution: 0.1            # ms (default 0.1)\n"
    "t_stop: 1000.0             # ms\n"
    "seed: 1\n"
    "populations:\n"
    "  - {name: A, model: astrocyte_lr_1994, n: 10000, params: {delta_IP3: 0.0002}, init: {IP3: 0.4}}\n"
    "  - {name: E, model: aeif_cond_alpha_astro, n: 8000, params: {tau_syn_ex: 2.0}, init: {V_m: {uniform: [-70, "
    "-50]}}}\n"
    "  - {name: drive, model: spike_generator, n: 1, params: {spike_times: [10.0, 20.5]}}\n"
    "  - {name: noise, model: poisson_generator, n: 1, params: {rate: 2000.0}}\n"
    "projections:\n"
    "  - {from: noise, to: E, rule: all_to_all, synapse: static_synapse, weight: 1.0, delay: 0.1}\n"
    "  - from: E\n"
    "    to: E\n"
    "    rule: {pairwise_bernoulli: {p: 0.1}}\n"
    "    synapse: {tsodyks_synapse: {U: 0.5, tau_psc: 2.0}}\n"
    "    weight: 1.0\n"
    "    delay: 2.0\n"
    "    third: {population: A, p: 0.5, pool_type: random, pool_size: 10,\n"
    "            in: {synapse: tsodyks_synapse, weight: 1.0, delay: 2.0},\n"
    "            out: {synapse: sic_connection, weight: 0.05, delay: 1.0}}\n"
    "record:\n"
    "  spikes: [E]\n"
    "  traces:\n"
    "    - {population: A, variables: [IP3, Ca_astro, h_IP3R], interval: 1.0, cells: all}\n";

Test(netspec, example)
{
  PetscLogDouble before = usage();
  NaNetSpec     *s      = parse(EXAMPLE, NULL);

  cr_expect_float_eq(s->resolution, 0.1, 1e-15);
  cr_expect_float_eq(s->t_stop, 1000.0, 1e-12);
  cr_expect_eq(s->seed, 1);
  cr_expect_str_eq(s->path, "net.yaml");
  cr_expect_str_eq(s->text, EXAMPLE);
  cr_expect_null(s->overrides);
  cr_assert_eq(s->npops, 4);
  cr_expect_str_eq(s->pops[0].name, "A");
  cr_expect_eq(s->pops[0].model, NaCellModelFind("astrocyte_lr_1994"));
  cr_expect_eq(s->pops[0].n, 10000);
  cr_expect_eq(s->pops[0].line, 5);
  cr_expect_eq(s->pops[0].nparams, 1);
  expect_value(NaNetSpecParam(s, 0, "delta_IP3"), NA_VALUE_CONST, 0.0002, 0);
  expect_value(NaNetSpecInit(s, 0, "IP3"), NA_VALUE_CONST, 0.4, 0);
  cr_expect_null(NaNetSpecParam(s, 0, "tau_IP3"));
  cr_expect_null(NaNetSpecInit(s, 0, "Ca_astro"));
  cr_expect_eq(s->pops[1].model, NaCellModelFind("aeif_cond_alpha_astro"));
  expect_value(NaNetSpecParam(s, 1, "tau_syn_ex"), NA_VALUE_CONST, 2.0, 0);
  expect_value(NaNetSpecInit(s, 1, "V_m"), NA_VALUE_UNIFORM, -70, -50);
  cr_expect_eq(s->pops[2].model, NaCellModelFind("spike_generator"));
  cr_assert_eq(s->pops[2].nspikes, 2);
  cr_expect_float_eq(s->pops[2].spike_times[0], 10.0, 1e-15);
  cr_expect_float_eq(s->pops[2].spike_times[1], 20.5, 1e-15);
  cr_expect_eq(s->pops[2].nparams, 0);
  expect_value(NaNetSpecParam(s, 3, "rate"), NA_VALUE_CONST, 2000.0, 0);
  cr_expect_eq(NaNetSpecFindPopulation(s, "noise"), 3);
  cr_expect_eq(NaNetSpecFindPopulation(s, "nope"), -1);

  cr_assert_eq(s->nprojs, 2);
  NaProjSpec *p = &s->projs[0];
  cr_expect(p->from == 3 && p->to == 1 && p->line == 10);
  cr_expect_eq(p->rule.kind, NA_RULE_ALL_TO_ALL);
  cr_expect_eq(p->syn.kind, NA_SYN_STATIC);
  expect_value(&p->syn.weight, NA_VALUE_CONST, 1.0, 0);
  cr_expect_float_eq(p->syn.delay, 0.1, 1e-15);
  cr_expect_not(p->third.present);
  p = &s->projs[1];
  cr_expect(p->from == 1 && p->to == 1 && p->line == 11);
  cr_expect_eq(p->rule.kind, NA_RULE_PAIRWISE_BERNOULLI);
  cr_expect_float_eq(p->rule.p, 0.1, 1e-15);
  cr_expect(p->rule.allow_autapses);
  cr_expect_eq(p->syn.kind, NA_SYN_TSODYKS);
  cr_expect(p->syn.tm.U == 0.5 && p->syn.tm.tau_psc == 2.0 && p->syn.tm.tau_rec == 800.0 && p->syn.tm.tau_fac == 0);
  cr_expect(p->syn.tm.x == 1 && p->syn.tm.y == 0 && p->syn.tm.u == 0);
  cr_expect_float_eq(p->syn.delay, 2.0, 1e-15);
  cr_expect(p->third.present);
  cr_expect_eq(p->third.pop, 0);
  cr_expect_float_eq(p->third.p, 0.5, 1e-15);
  cr_expect_eq(p->third.pool_type, NA_POOL_RANDOM);
  cr_expect_eq(p->third.pool_size, 10);
  cr_expect_eq(p->third.in.kind, NA_SYN_TSODYKS);
  cr_expect(p->third.in.tm.tau_psc == 3.0 && p->third.in.tm.tau_rec == 800.0); /* NEST's defaults */
  expect_value(&p->third.in.weight, NA_VALUE_CONST, 1.0, 0);
  cr_expect_float_eq(p->third.in.delay, 2.0, 1e-15);
  cr_expect_eq(p->third.out.kind, NA_SYN_SIC);
  expect_value(&p->third.out.weight, NA_VALUE_CONST, 0.05, 0);
  cr_expect_float_eq(p->third.out.delay, 1.0, 1e-15);

  cr_assert_eq(s->nspike_pops, 1);
  cr_expect_eq(s->spike_pops[0], 1);
  cr_assert_eq(s->ntraces, 1);
  cr_expect_eq(s->traces[0].pop, 0);
  cr_assert_eq(s->traces[0].nvars, 3);
  cr_expect_str_eq(s->traces[0].vars[0], "IP3");
  cr_expect_str_eq(s->traces[0].vars[1], "Ca_astro");
  cr_expect_str_eq(s->traces[0].vars[2], "h_IP3R");
  cr_expect_float_eq(s->traces[0].interval, 1.0, 1e-15);
  cr_expect_eq(s->traces[0].ncells, -1);
  TCall(NaNetSpecDestroy(&s));
  cr_expect_null(s);
  cr_expect_eq(usage(), before, "%g bytes leaked", usage() - before); /* every field freed */
}

Test(netspec, defaults)
{
  NaNetSpec *s = parse("populations:\n"
                       "  - {name: E, model: aeif_cond_alpha_astro, n: 3}\n"
                       "  - {name: A, model: astrocyte_lr_1994, n: 3}\n"
                       "projections:\n"
                       "  - {from: E, to: E}\n"
                       "  - {from: E, to: E, synapse: tsodyks_synapse, rule: {fixed_indegree: {K: 2, allow_autapses: "
                       "false}}, third: {population: A}}\n"
                       "record:\n"
                       "  traces: [{population: E, variables: [V_m, I_SIC], cells: [2, 0]}]\n",
                       NULL);
  cr_expect_float_eq(s->resolution, 0.1, 1e-15);
  cr_expect_float_eq(s->t_stop, 1000.0, 1e-12); /* t_stop's default */
  cr_expect_eq(s->seed, 1);
  cr_expect_eq(s->pops[0].nparams, 0);
  cr_expect_eq(s->pops[0].ninit, 0);
  cr_expect_eq(s->pops[0].nspikes, 0);
  NaProjSpec *p = &s->projs[0];
  cr_expect_eq(p->rule.kind, NA_RULE_ALL_TO_ALL);
  cr_expect(p->rule.allow_autapses);
  cr_expect_eq(p->syn.kind, NA_SYN_STATIC);
  expect_value(&p->syn.weight, NA_VALUE_CONST, 1.0, 0);
  cr_expect_float_eq(p->syn.delay, 1.0, 1e-15); /* NEST's default delay */
  cr_expect_not(p->third.present);
  p = &s->projs[1];
  cr_expect_eq(p->rule.kind, NA_RULE_FIXED_INDEGREE);
  cr_expect_eq(p->rule.K, 2);
  cr_expect_not(p->rule.allow_autapses);
  NaTsodyksParams tm = p->syn.tm;
  cr_expect(tm.U == 0.5 && tm.tau_psc == 3 && tm.tau_rec == 800 && tm.tau_fac == 0 && tm.x == 1 && tm.y == 0 &&
            tm.u == 0);
  cr_expect(p->third.present);
  cr_expect_eq(p->third.pop, 1);
  cr_expect_float_eq(p->third.p, 1.0, 1e-15);
  cr_expect_eq(p->third.pool_type, NA_POOL_RANDOM);
  cr_expect_eq(p->third.pool_size, 1);
  cr_expect_eq(p->third.in.kind, NA_SYN_STATIC);
  expect_value(&p->third.in.weight, NA_VALUE_CONST, 1.0, 0);
  cr_expect_float_eq(p->third.in.delay, 1.0, 1e-15);
  cr_expect_eq(p->third.out.kind, NA_SYN_SIC);
  expect_value(&p->third.out.weight, NA_VALUE_CONST, 1.0, 0);
  cr_expect_float_eq(p->third.out.delay, 1.0, 1e-15);
  cr_expect_eq(s->nspike_pops, 0);
  cr_assert_eq(s->ntraces, 1);
  cr_expect_float_eq(s->traces[0].interval, 0.1, 1e-15); /* the resolution */
  cr_expect_str_eq(s->traces[0].vars[1], "I_SIC");       /* E receives SIC */
  cr_assert_eq(s->traces[0].ncells, 2);
  cr_expect(s->traces[0].cells[0] == 0 && s->traces[0].cells[1] == 2); /* sorted */
  TCall(NaNetSpecDestroy(&s));

  /* an empty network file section is no section, and another resolution moves the default interval */
  s = parse("resolution: 0.25\nt_stop: 0.5\nseed: 18446744073709551615\nprojections:\nrecord:\n"
            "populations: [{name: E, model: iaf_cond_exp, n: 1}]\n",
            NULL);
  cr_expect_float_eq(s->resolution, 0.25, 1e-15);
  cr_expect_float_eq(s->t_stop, 0.5, 0);
  cr_expect_eq(s->seed, UINT64_MAX);
  cr_expect_eq(s->nprojs, 0);
  cr_expect_eq(s->ntraces, 0);
  TCall(NaNetSpecDestroy(&s));
}

Test(netspec, distributions)
{
  NaNetSpec *s = parse("populations:\n"
                       "  - name: E\n"
                       "    model: aeif_cond_alpha_astro\n"
                       "    n: 4\n"
                       "    params: {V_reset: {uniform: [-65, -55]}, b: {normal: {mean: 80, std: 5}}, a: {normal: [4, "
                       "0.5]}, I_e: {normal: {std: 2}}}\n"
                       "    init: {V_m: {normal: {mean: -65, std: 2}}, w: 1e1}\n"
                       "projections:\n"
                       "  - {from: E, to: E, weight: {uniform: [0.5, 1.5]}}\n"
                       "  - {from: E, to: E, weight: {normal: {mean: -1, std: 0.25}}}\n"
                       "  - {from: E, to: E, weight: {normal: [2, 3]}, rule: one_to_one}\n",
                       NULL);
  expect_value(NaNetSpecParam(s, 0, "V_reset"), NA_VALUE_UNIFORM, -65, -55);
  expect_value(NaNetSpecParam(s, 0, "b"), NA_VALUE_NORMAL, 80, 5);
  expect_value(NaNetSpecParam(s, 0, "a"), NA_VALUE_NORMAL, 4, 0.5);
  expect_value(NaNetSpecParam(s, 0, "I_e"), NA_VALUE_NORMAL, 0, 2); /* NEST's default mean 0 */
  expect_value(NaNetSpecInit(s, 0, "V_m"), NA_VALUE_NORMAL, -65, 2);
  expect_value(NaNetSpecInit(s, 0, "w"), NA_VALUE_CONST, 10, 0);
  expect_value(&s->projs[0].syn.weight, NA_VALUE_UNIFORM, 0.5, 1.5);
  expect_value(&s->projs[1].syn.weight, NA_VALUE_NORMAL, -1, 0.25);
  expect_value(&s->projs[2].syn.weight, NA_VALUE_NORMAL, 2, 3);
  cr_expect_eq(s->projs[2].rule.kind, NA_RULE_ONE_TO_ONE);

  /* a draw is reproducible from its key */
  NaRng r1, r2;
  NaRngSeedKeyed(&r1, s->seed, NA_STREAM_WEIGHT, 0, 3);
  NaRngSeedKeyed(&r2, s->seed, NA_STREAM_WEIGHT, 0, 3);
  double w = NaValueDraw(&s->projs[0].syn.weight, &r1);
  cr_expect(w >= 0.5 && w < 1.5);
  cr_expect_eq(w, NaValueDraw(&s->projs[0].syn.weight, &r2));
  TCall(NaNetSpecDestroy(&s));
}

Test(netspec, overrides)
{
  NaNetSpec *s = parse(EXAMPLE, "t_stop=200, populations.E.n=4000,populations.A.params.delta_IP3=0.5,"
                                "projections.1.weight=2,projections.1.rule.pairwise_bernoulli.p=0.2,"
                                "populations.A.init.IP3=0.3,projections.1.third.out.weight=0.1,"
                                "populations.E.params.a=2,seed=9");
  cr_expect_float_eq(s->t_stop, 200.0, 1e-12);
  cr_expect_eq(s->pops[1].n, 4000);
  expect_value(NaNetSpecParam(s, 0, "delta_IP3"), NA_VALUE_CONST, 0.5, 0);
  expect_value(&s->projs[1].syn.weight, NA_VALUE_CONST, 2, 0);
  cr_expect_float_eq(s->projs[1].rule.p, 0.2, 1e-15);
  expect_value(NaNetSpecInit(s, 0, "IP3"), NA_VALUE_CONST, 0.3, 0);
  expect_value(&s->projs[1].third.out.weight, NA_VALUE_CONST, 0.1, 0);
  expect_value(NaNetSpecParam(s, 1, "a"), NA_VALUE_CONST, 2, 0); /* a new key in an existing mapping */
  expect_value(NaNetSpecParam(s, 1, "tau_syn_ex"), NA_VALUE_CONST, 2.0, 0);
  cr_expect_eq(s->seed, 9);
  cr_expect_str_eq(s->text, EXAMPLE); /* the file verbatim, not the tree after the overrides */
  cr_expect_str_eq(s->overrides, "t_stop=200, populations.E.n=4000,populations.A.params.delta_IP3=0.5,"
                                 "projections.1.weight=2,projections.1.rule.pairwise_bernoulli.p=0.2,"
                                 "populations.A.init.IP3=0.3,projections.1.third.out.weight=0.1,"
                                 "populations.E.params.a=2,seed=9");
  TCall(NaNetSpecDestroy(&s));

  /* a population by index too; a distribution replaced by a constant */
  PetscLogDouble before = usage();
  s                     = parse(EXAMPLE, "populations.0.n=50,populations.E.init.V_m=-60");
  cr_expect_eq(s->pops[0].n, 50);
  expect_value(NaNetSpecInit(s, 1, "V_m"), NA_VALUE_CONST, -60, 0);
  TCall(NaNetSpecDestroy(&s));
  cr_expect_eq(usage(), before, "%g bytes leaked", usage() - before);
}

/* scale (NEST's Brunel examples): sizes of cell populations times scale, truncated; Bernoulli p divided by it */
Test(netspec, scale)
{
  NaNetSpec *s = parse(BASE, "scale=2.5");
  cr_expect_float_eq(s->scale, 2.5, 0);
  cr_expect_eq(s->pops[0].n, 25);
  cr_expect_eq(s->pops[1].n, 50);
  cr_expect_eq(s->pops[3].n, 1); /* generators keep theirs */
  cr_expect_float_eq(s->projs[1].rule.p, 0.04, 1e-15);
  TCall(NaNetSpecDestroy(&s));
  s = parse(BASE, "scale=0.33");
  cr_expect_eq(s->pops[1].n, 6); /* floor(6.6) */
  TCall(NaNetSpecDestroy(&s));
  expect_error(BASE, "scale=0.15,projections.1.rule.pairwise_bernoulli.p=0.2",
               "net.yaml:11: projection 1 (E -> E): rule.pairwise_bernoulli.p 0.2: divided by scale 0.15 it exceeds 1");
  expect_error(BASE, "scale=0.01",
               "net.yaml:5: population A: n 10: times scale 0.01 gives 0 cells; must be 1 .. 2147483647");
  expect_error(BASE, "scale=-1", "net.yaml:1 (-network_set scale=-1): scale -1: must be positive");
}

Test(netspec, override_errors)
{
  /* an overridden value keeps the line of the value it replaces */
  expect_error(EXAMPLE, "projections.1.delay=0.15",
               "net.yaml:16 (-network_set projections.1.delay=0.15): projection 1 (E -> E): delay 0.15: must be a "
               "positive multiple of the resolution 0.1");
  expect_error(EXAMPLE, "populations.E.n=0",
               "net.yaml:6 (-network_set populations.E.n=0): population E: n 0: must be at least 1");
  expect_error(EXAMPLE, "populations.X.n=5", "net.yaml: -network_set populations.X.n=5: populations has no entry X");
  expect_error(EXAMPLE, "projections.7.weight=1",
               "net.yaml: -network_set projections.7.weight=1: projections has no entry 7");
  expect_error(EXAMPLE, "populations.E.parms.a=1",
               "net.yaml: -network_set populations.E.parms.a=1: populations.E has no key parms");
  expect_error(EXAMPLE, "tstop.x=1", "net.yaml: -network_set tstop.x=1: the file has no key tstop");
  expect_error(EXAMPLE, "seed.x=1", "net.yaml: -network_set seed.x=1: seed is a single value, with no x in it");
  expect_error(EXAMPLE, "t_stop", "net.yaml: -network_set t_stop: expected KEY=VALUE");
  expect_error(EXAMPLE, "t_stop=", "net.yaml: -network_set t_stop=: no value after =");
  expect_error(EXAMPLE, "t_stop=1,populations..n=2",
               "net.yaml: -network_set populations..n=2: an empty key in the path");
  /* a new key is checked as any other */
  expect_error(
      EXAMPLE, "populations.E.params.tau_syn_exc=1",
      "net.yaml:6: population E: params.tau_syn_exc: unknown parameter of aeif_cond_alpha_astro; choose one of "
      "C_m, g_L, E_L, V_th, Delta_T, V_peak, V_reset, E_ex, E_in, tau_w, a, b, t_ref, tau_syn_ex, tau_syn_in, "
      "I_e; did you mean tau_syn_ex?");
  expect_error(
      EXAMPLE, "t_stpo=1",
      "net.yaml:1: t_stpo: unknown key; choose one of resolution, t_stop, seed, scale, populations, projections, "
      "record; did you mean t_stop?");
}

Test(netspec, spike_times)
{
  char dir[64], path[128];
  scratch(dir);
  snprintf(path, sizeof path, "%s/net.yaml", dir);
  PetscLogDouble before = usage();
  write_file(dir, "times.txt", "# input\n1.5\n\n2.0  \r\n2.0\n  3e1 # thirty\n", 0);
  write_file(dir, "bad.txt", "1.0\n2.0\nabc\n", 0);
  write_file(dir, "unsorted.txt", "1.0\n0.5\n", 0);
  write_file(dir, "nul.txt", "1.0\n\0\n", 6);
  NaNetSpec *s =
      parse_at(path,
               "populations:\n"
               "  - {name: a, model: spike_generator, n: 1, params: {spike_times_file: times.txt}}\n"
               "  - {name: b, model: spike_generator, n: 2, params: {spike_times: [0.1, 0.1, 0.30000000001]}}\n"
               "  - {name: c, model: spike_generator, n: 1, params: {spike_times: []}}\n",
               NULL);
  cr_assert_eq(s->pops[0].nspikes, 4);
  cr_expect(s->pops[0].spike_times[0] == 1.5 && s->pops[0].spike_times[1] == 2.0 && s->pops[0].spike_times[2] == 2.0 &&
            s->pops[0].spike_times[3] == 30.0);
  cr_assert_eq(s->pops[1].nspikes, 3); /* a repeated time: multiplicity 2 */
  cr_expect_eq(s->pops[1].spike_times[0], 0.1);
  cr_expect_eq(s->pops[2].nspikes, 0);
  TCall(NaNetSpecDestroy(&s));
  cr_expect_eq(usage(), before, "%g bytes leaked", usage() - before);

  const char *pop = "populations:\n  - {name: d, model: spike_generator, n: 1, params: {%s}}\n";
  char        text[512], want[512];
#define SPIKES(param, ...)                                                                                             \
  do {                                                                                                                 \
    snprintf(text, sizeof text, pop, param);                                                                           \
    snprintf(want, sizeof want, __VA_ARGS__);                                                                          \
    expect_error_at(path, text, NULL, want);                                                                           \
  } while (0)
  SPIKES("spike_times: [1.0, -2.0]", "%s:2: population d: params.spike_times -2.0: spike times must be positive", path);
  SPIKES("spike_times: [0]", "%s:2: population d: params.spike_times 0: spike times must be positive", path);
  SPIKES("spike_times: [2.0, 1.0]",
         "%s:2: population d: params.spike_times 1.0: not sorted (it follows 2); list spike times in order", path);
  SPIKES("spike_times: [1.05]", "%s:2: population d: params.spike_times 1.05: must be a multiple of the resolution 0.1",
         path);
  SPIKES("spike_times: [1, x]", "%s:2: population d: params.spike_times x: not a number", path);
  SPIKES("spike_times: 1.0", "%s:2: population d: params.spike_times 1.0: expected a list of times [ms]", path);
  SPIKES(
      "spike_times_file: missing.txt",
      "%s:2: population d: params.spike_times_file missing.txt: cannot read %s/missing.txt: No such file or directory",
      path, dir);
  SPIKES("spike_times_file: .", "%s:2: population d: params.spike_times_file .: %s/. is a directory", path, dir);
  SPIKES("spike_times_file: bad.txt",
         "%s/bad.txt:3: population d: params.spike_times_file: spike time abc: not a number", dir);
  SPIKES("spike_times_file: unsorted.txt",
         "%s/unsorted.txt:2: population d: params.spike_times_file: spike time 0.5: not sorted (it follows 1); list "
         "spike times in order",
         dir);
  SPIKES("spike_times_file: nul.txt",
         "%s/nul.txt:2: population d: params.spike_times_file: not a text file (a NUL byte)", dir);
  SPIKES("spike_times: [1], spike_times_file: bad.txt",
         "%s:2: population d: params.spike_times_file bad.txt: give spike_times or spike_times_file, not both", path);
  SPIKES("spike_time: [1]",
         "%s:2: population d: params.spike_time: unknown parameter of spike_generator; choose one of spike_times, "
         "spike_times_file; did you mean spike_times?",
         path);
#undef SPIKES
  /* an absolute file name is taken as it is */
  snprintf(text, sizeof text,
           "populations: [{name: d, model: spike_generator, n: 1, params: {spike_times_file: %s/times.txt}}]", dir);
  s = parse_at("elsewhere/net.yaml", text, NULL);
  cr_expect_eq(s->pops[0].nspikes, 4);
  TCall(NaNetSpecDestroy(&s));
  rm_tree(dir);
}

/* the network files of tests/data (written for the engine's tests) load */
Test(netspec, data_files)
{
  const char *dir     = getenv("NASTRO_TEST_DATA");
  const char *files[] = {"net_astrocyte_single.yaml", "net_astrocyte_interaction.yaml", "net_brunel_small.yaml",
                         "net_fI.yaml", "net_tsodyks.yaml"};
  char        path[4096];
  cr_assert(dir, "NASTRO_TEST_DATA is not set (meson test sets it)");
  for (size_t k = 0; k < sizeof files / sizeof files[0]; k++) {
    NaNetSpec *s = NULL;
    snprintf(path, sizeof path, "%s/%s", dir, files[k]);
    if (access(path, R_OK)) continue;
    TCall(NaNetSpecLoad(PETSC_COMM_WORLD, path, NULL, &s));
    cr_expect_gt(s->npops, 0, "%s", files[k]);
    if (!strcmp(files[k], "net_brunel_small.yaml")) {
      cr_expect_eq(s->seed, 7);
      cr_expect_eq(s->nprojs, 6);
      cr_expect_eq(s->projs[2].third.pool_size, 10);
      cr_expect_eq(s->traces[1].ncells, 6);
      cr_expect_float_eq(s->traces[1].interval, 0.5, 1e-15);
    }
    if (!strcmp(files[k], "net_astrocyte_single.yaml")) cr_expect_gt(s->pops[0].nspikes, 10);
    TCall(NaNetSpecDestroy(&s));
  }
}

/* ---- bad input: one error each, naming file, line, where, key and value ---------------------------------- */

Test(netspec, files)
{
  char dir[64], path[128], want[512];
  scratch(dir);
  snprintf(path, sizeof path, "%s/missing.yaml", dir);
  snprintf(want, sizeof want, "%s: cannot read the network file: No such file or directory", path);
  expect_error_at(path, NULL, NULL, want);
  snprintf(want, sizeof want, "%s: is a directory, not a network file", dir);
  expect_error_at(dir, NULL, NULL, want);
  write_file(dir, "nul.yaml", "seed: 1\nt_stop: \0\n", 18);
  snprintf(path, sizeof path, "%s/nul.yaml", dir);
  snprintf(want, sizeof want, "%s:2: not a text file (byte 0x00)", path);
  expect_error_at(path, NULL, NULL, want);
  write_file(dir, "png.yaml", "\x89PNG\r\n\x1a\n", 8);
  snprintf(path, sizeof path, "%s/png.yaml", dir);
  snprintf(want, sizeof want, "%s:1: not a text file (byte 0x89 is not UTF-8)", path);
  expect_error_at(path, NULL, NULL, want);
  write_file(dir, "empty.yaml", "\n", 0);
  snprintf(path, sizeof path, "%s/empty.yaml", dir);
  snprintf(want, sizeof want, "%s:1: the network file is empty (it needs at least populations)", path);
  expect_error_at(path, NULL, NULL, want);
  write_file(dir, "good.yaml", "populations: [{name: E, model: iaf_cond_exp, n: 2}]\n", 0);
  snprintf(path, sizeof path, "%s/good.yaml", dir);
  NaNetSpec *s = NULL;
  TCall(NaNetSpecLoad(PETSC_COMM_WORLD, path, "populations.E.n=3", &s));
  cr_expect_eq(s->pops[0].n, 3);
  cr_expect_str_eq(s->path, path);
  TCall(NaNetSpecDestroy(&s));
  rm_tree(dir);
  expect_error("seed: 1\nt_stop: 1\xff\n", NULL, "net.yaml:2: not a text file (byte 0xff is not UTF-8)");
  expect_error("seed: 1\n\x01\n", NULL, "net.yaml:2: not a text file (byte 0x01 is a control character)");
  expect_error("seed: 1\n\xc3(\n", NULL, "net.yaml:2: not a text file (byte 0xc3 is not UTF-8)");
}

Test(netspec, yaml_syntax)
{
  expect_error(
      "seed: 1\npopulations: [{name: E, model: iaf_cond_exp\n", NULL,
      "net.yaml:3: YAML syntax error: did not find expected ',' or '}' (while parsing a flow mapping at line 2)");
  expect_error("seed: 1\n  t_stop: 2\n", NULL,
               "net.yaml:2: YAML syntax error: mapping values are not allowed in this context");
  expect_error("seed: 1\nseed: 2\n", NULL, "net.yaml:2: seed: given twice (also at line 1)");
  expect_error(
      "- 1\n- 2\n", NULL,
      "net.yaml:1: [1, 2]: expected a mapping with the keys resolution, t_stop, seed, populations, projections, "
      "record");
  expect_error("seed: 1\n---\nseed: 2\n", NULL, "net.yaml:3: a second YAML document; a network file holds one");
  expect_error("? [a]\n: 1\n", NULL, "net.yaml:1: a key must be a name");
  expect_error("seed: 1\n", NULL, "net.yaml:1: missing key populations (a network needs at least one population)");
  expect_error("populations: []\n", NULL, "net.yaml:1: populations []: a network needs at least one population");
  expect_error("populations: {E: 1}\n", NULL, "net.yaml:1: populations {E: 1}: expected a list of populations");
  expect_error("a: &x [*x]\n", NULL, "net.yaml:1: nested too deeply (or a recursive alias)");
  expect_error("a: &a [1, 1, 1, 1, 1, 1, 1, 1]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a]\n"
               "c: &c [*b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c]\n",
               NULL, "net.yaml:1: aliases expand to more values than the file has characters");
}

Test(netspec, top_level)
{
  expect_base_error(
      "t_stop: 100", "t_stpo: 100",
      "net.yaml:2: t_stpo: unknown key; choose one of resolution, t_stop, seed, scale, populations, projections, "
      "record; did you mean t_stop?");
  expect_base_error(
      "t_stop: 100", "duration: 100",
      "net.yaml:2: duration: unknown key; choose one of resolution, t_stop, seed, scale, populations, projections, "
      "record");
  expect_base_error("resolution: 0.1", "resolution: 0", "net.yaml:1: resolution 0: must be positive");
  expect_base_error("resolution: 0.1", "resolution: -0.1", "net.yaml:1: resolution -0.1: must be positive");
  expect_base_error("resolution: 0.1", "resolution: fast", "net.yaml:1: resolution fast: not a number");
  expect_base_error("resolution: 0.1", "resolution: nan", "net.yaml:1: resolution nan: must be a finite number");
  expect_base_error("resolution: 0.1", "resolution: .inf", "net.yaml:1: resolution .inf: not a number");
  expect_base_error("resolution: 0.1", "resolution: [0.1]", "net.yaml:1: resolution [0.1]: expected a number");
  expect_base_error("t_stop: 100", "t_stop: -1", "net.yaml:2: t_stop -1: must be positive");
  expect_base_error("t_stop: 100", "t_stop: 0", "net.yaml:2: t_stop 0: must be positive");
  expect_base_error(
      "    - {population: A, variables: [IP3], interval: 1.0}\n",
      "    - {population: A, variables: [IP3], interval: 1.0}\n    - {population: A, variables: [Ca_astro]}\n",
      "net.yaml:17: record.traces 1 (A): population A: traced twice (record.traces 0); list all its "
      "variables in one entry");
  expect_base_error("{name: E, model: aeif", "{name: a, model: aeif",
                    "net.yaml:6: population a: name a: given twice (population 0 at line 5; names may not differ in "
                    "case only)");
  expect_base_error("t_stop: 100", "t_stop: 10.05",
                    "net.yaml:2: t_stop 10.05: must be a multiple of the resolution 0.1");
  expect_base_error("t_stop: 100", "t_stop: inf", "net.yaml:2: t_stop inf: must be a finite number");
  expect_base_error("resolution: 0.1", "resolution: 0.3",
                    "net.yaml:2: t_stop 100: must be a multiple of the resolution 0.3");
  expect_base_error("seed: 1", "seed: -1", "net.yaml:3: seed -1: must not be negative");
  expect_base_error("seed: 1", "seed: 1.5", "net.yaml:3: seed 1.5: must be a whole number");
  expect_base_error("seed: 1", "seed: one", "net.yaml:3: seed one: not a number");
  expect_base_error("seed: 1", "seed: 18446744073709551616",
                    "net.yaml:3: seed 18446744073709551616: must be at most 18446744073709551615");
  expect_error("resolution: 0.3\npopulations: [{name: E, model: iaf_cond_exp, n: 1}]\n", NULL,
               "net.yaml:1: t_stop 1000 (default): must be a multiple of the resolution 0.3");
}

Test(netspec, populations)
{
  expect_base_error("n: 10}", "nn: 10}",
                    "net.yaml:5: population A: nn: unknown key; choose one of name, model, n, params, init, positions, "
                    "step_multiple; did you "
                    "mean n?");
  expect_base_error("{name: A, ", "{",
                    "net.yaml:5: population 0: missing key name (every population needs name, model and n)");
  expect_base_error("model: astrocyte_lr_1994, ", "",
                    "net.yaml:5: population A: missing key model (every population needs name, model and n)");
  expect_base_error(", n: 10}", "}",
                    "net.yaml:5: population A: missing key n (every population needs name, model and n)");
  expect_base_error("  - {name: A, model: astrocyte_lr_1994, n: 10}", "  - A",
                    "net.yaml:5: population 0: A: expected a mapping {name: ..., model: ..., n: ...}");
  expect_base_error(
      "name: E,", "name: A,",
      "net.yaml:6: population A: name A: given twice (population 0 at line 5; names may not differ in case only)");
  expect_base_error("name: E,", "name: E.1,",
                    "net.yaml:6: population E.1: name E.1: must be 1 to 63 letters, digits, _ or -, starting with a "
                    "letter or _");
  expect_base_error("name: E,", "name: 1,",
                    "net.yaml:6: population 1: name 1: must be 1 to 63 letters, digits, _ or -, starting with a letter "
                    "or _");
  expect_base_error(
      "aeif_cond_alpha_astro", "aeif_cond_alfa",
      "net.yaml:6: population E: model aeif_cond_alfa: unknown model; choose one of aeif_cond_alpha_astro, "
      "iaf_cond_exp, astrocyte_lr_1994, astrocyte_gchi, poisson_generator, spike_generator, dc_generator; did you "
      "mean "
      "aeif_cond_alpha_astro?");
  expect_base_error("aeif_cond_alpha_astro", "hh_psc_alpha",
                    "net.yaml:6: population E: model hh_psc_alpha: unknown model; choose one of aeif_cond_alpha_astro, "
                    "iaf_cond_exp, astrocyte_lr_1994, astrocyte_gchi, poisson_generator, spike_generator, "
                    "dc_generator");
  expect_base_error("n: 20", "n: 0", "net.yaml:6: population E: n 0: must be at least 1");
  expect_base_error("n: 20", "n: -3", "net.yaml:6: population E: n -3: must be at least 1");
  expect_base_error("n: 20", "n: 2.5", "net.yaml:6: population E: n 2.5: must be a whole number");
  expect_base_error("n: 20", "n: 3e9", "net.yaml:6: population E: n 3e9: must be at most 2147483647");
  expect_base_error("n: 20", "n: twenty", "net.yaml:6: population E: n twenty: not a number");
  expect_base_error("n: 10}", "n: 2147483640}",
                    "net.yaml:6: population E: n 20: the populations add up to more than 2147483647 cells");
  expect_base_error(
      "n: 20}", "n: 20, params: {tau_syn_exc: 2}}",
      "net.yaml:6: population E: params.tau_syn_exc: unknown parameter of aeif_cond_alpha_astro; choose one "
      "of C_m, g_L, E_L, V_th, Delta_T, V_peak, V_reset, E_ex, E_in, tau_w, a, b, t_ref, tau_syn_ex, "
      "tau_syn_in, I_e; did you mean tau_syn_ex?");
  expect_base_error("n: 20}", "n: 20, params: [1]}",
                    "net.yaml:6: population E: params [1]: expected a mapping of parameter names to values");
  expect_base_error("n: 20}", "n: 20, params: {C_m: abc}}", "net.yaml:6: population E: params.C_m abc: not a number");
  expect_base_error("n: 20}", "n: 20, params: {C_m: {uniform: [1]}}}",
                    "net.yaml:6: population E: params.C_m.uniform [1]: expected [a, b]");
  expect_base_error("n: 20}", "n: 20, params: {C_m: {uniform: [300, 200]}}}",
                    "net.yaml:6: population E: params.C_m.uniform [300, 200]: needs a < b");
  expect_base_error(
      "n: 20}", "n: 20, params: {C_m: {unifrom: [200, 300]}}}",
      "net.yaml:6: population E: params.C_m.unifrom: unknown distribution; choose one of uniform, normal; "
      "did you mean uniform?");
  expect_base_error(
      "n: 20}", "n: 20, params: {C_m: {normal: {mean: 200, sd: 3}}}}",
      "net.yaml:6: population E: params.C_m.normal.sd: unknown key; choose one of mean, std; did you mean std?");
  expect_base_error("n: 20}", "n: 20, params: {C_m: {normal: [200, 0]}}}",
                    "net.yaml:6: population E: params.C_m.normal [200, 0]: the standard deviation must be positive");
  expect_base_error("n: 20}", "n: 20, params: {C_m: {normal: {std: -1}}}}",
                    "net.yaml:6: population E: params.C_m.normal {std: -1}: the standard deviation must be positive");
  expect_base_error(
      "n: 20}", "n: 20, params: {C_m: {uniform: [1, 2], normal: [1, 2]}}}",
      "net.yaml:6: population E: params.C_m {uniform: [1, 2], normal: [1, 2]}: expected a number, {uniform: "
      "[a, b]} or {normal: {mean: m, std: s}}");
  /* the model's own checks: a constant, a bound of a uniform distribution, a default */
  expect_base_error("n: 10}", "n: 10, params: {tau_IP3: 0}}",
                    "net.yaml:5: population A: params.tau_IP3 0: tau_IP3 must be > 0");
  expect_base_error("n: 10}", "n: 10, params: {Ca_tot: {uniform: [-1, 2]}}}",
                    "net.yaml:5: population A: params.Ca_tot {uniform: [-1, 2]}: Ca_tot must be > 0");
  expect_base_error("n: 20}", "n: 20, params: {a: 2, V_peak: -65}}", /* a relation: the given parameter it names */
                    "net.yaml:6: population E: params.V_peak -65: V_reset must be < V_peak");
  expect_base_error("n: 20}", "n: 20, params: {V_reset: {uniform: [-70, 10]}}}", /* the upper bound */
                    "net.yaml:6: population E: params.V_reset {uniform: [-70, 10]}: V_reset must be < V_peak");
  expect_base_error("rate: 100.0", "rate: -5", "net.yaml:8: population noise: params.rate -5: rate must be >= 0");
  expect_base_error("rate: 100.0", "rate: 1, start: 20, stop: 10",
                    "net.yaml:8: population noise: params.stop 10: stop must be >= start");
  expect_base_error("rate: 100.0", "rate: 1, start: 0.05",
                    "net.yaml:8: population noise: params.start 0.05: must be a multiple of the resolution 0.1");
  expect_base_error("rate: 100.0", "rate: 1, stop: {uniform: [1, 2]}",
                    "net.yaml:8: population noise: params.stop {uniform: [1, 2]}: must be a single time");
  /* initial values */
  expect_base_error("n: 20}", "n: 20, init: {V: -70}}",
                    "net.yaml:6: population E: init.V: unknown state variable of aeif_cond_alpha_astro; choose one of "
                    "V_m, dg_ex, g_ex, dg_in, g_in, w; did you mean V_m?");
  expect_base_error(
      "n: 10}", "n: 10, init: {Ca: 0.1}}",
      "net.yaml:5: population A: init.Ca: unknown state variable of astrocyte_lr_1994; choose one of IP3, "
      "Ca_astro, h_IP3R; did you mean Ca_astro?");
  expect_base_error("rate: 100.0}", "rate: 100.0}, init: {V_m: 1}",
                    "net.yaml:8: population noise: init.V_m: unknown state variable; poisson_generator has no state "
                    "variables");
  expect_base_error("n: 20}", "n: 20, init: {V_m: -inf}}",
                    "net.yaml:6: population E: init.V_m -inf: must be a finite number");
  expect_base_error("n: 20}", "n: 20, init: V_m}",
                    "net.yaml:6: population E: init V_m: expected a mapping of state variables to initial values");
}

Test(netspec, projections)
{
  expect_base_error("delay: 2.0", "dealy: 2.0",
                    "net.yaml:12: projection 1 (E -> E): dealy: unknown key; choose one of from, to, rule, synapse, "
                    "weight, delay, third, glia; did you mean delay?");
  expect_base_error("{from: noise, ", "{",
                    "net.yaml:10: projection 0: missing key from (every projection needs from and to)");
  expect_base_error("to: E, weight: 1.0, delay: 0.1", "weight: 1.0, delay: 0.1",
                    "net.yaml:10: projection 0: missing key to (every projection needs from and to)");
  expect_base_error(
      "from: noise", "from: nosie",
      "net.yaml:10: projection 0 (nosie -> E): from nosie: unknown population; choose one of A, E, drive, "
      "noise; did you mean noise?");
  expect_base_error(
      "to: E, weight: 1.0", "to: F, weight: 1.0",
      "net.yaml:10: projection 0 (noise -> F): to F: unknown population; choose one of A, E, drive, noise");
  expect_base_error(
      "to: E, weight: 1.0", "to: drive, weight: 1.0",
      "net.yaml:10: projection 0 (noise -> drive): to drive: drive is a generator (spike_generator), which "
      "cannot receive connections");
  expect_base_error(
      "delay: 0.1", "delay: 0.15",
      "net.yaml:10: projection 0 (noise -> E): delay 0.15: must be a positive multiple of the resolution 0.1");
  expect_base_error(
      "delay: 0.1", "delay: 0",
      "net.yaml:10: projection 0 (noise -> E): delay 0: must be a positive multiple of the resolution 0.1");
  expect_base_error(
      "delay: 0.1", "delay: -1",
      "net.yaml:10: projection 0 (noise -> E): delay -1: must be a positive multiple of the resolution 0.1");
  expect_base_error("delay: 0.1", "delay: {uniform: [1, 2]}",
                    "net.yaml:10: projection 0 (noise -> E): delay {uniform: [1, 2]}: expected a number");
  expect_base_error("resolution: 0.1", "resolution: 0.25",
                    "net.yaml:10: projection 0 (noise -> E): delay 0.1: must be a positive multiple of the resolution "
                    "0.25");
  expect_base_error("weight: 1.0, delay: 0.1", "weight: heavy, delay: 0.1",
                    "net.yaml:10: projection 0 (noise -> E): weight heavy: not a number");
  expect_base_error("weight: 1.0, delay: 0.1", "weight: nan, delay: 0.1",
                    "net.yaml:10: projection 0 (noise -> E): weight nan: must be a finite number");
  /* rules */
  expect_base_error("{p: 0.1}", "{p: 1.5}",
                    "net.yaml:11: projection 1 (E -> E): rule.pairwise_bernoulli.p 1.5: must be in [0, 1]");
  expect_base_error("{p: 0.1}", "{p: -0.1}",
                    "net.yaml:11: projection 1 (E -> E): rule.pairwise_bernoulli.p -0.1: must be in [0, 1]");
  expect_base_error("{p: 0.1}", "{q: 0.1}",
                    "net.yaml:11: projection 1 (E -> E): rule.pairwise_bernoulli.q: unknown key; choose one of p, "
                    "allow_autapses");
  expect_base_error(
      "{p: 0.1}", "{allow_autapses: false}",
      "net.yaml:11: projection 1 (E -> E): rule.pairwise_bernoulli: missing key p (the probability of each "
      "connection)");
  expect_base_error(
      "{p: 0.1}", "{p: 0.1, allow_autapse: false}",
      "net.yaml:11: projection 1 (E -> E): rule.pairwise_bernoulli.allow_autapse: unknown key; choose one "
      "of p, allow_autapses; did you mean allow_autapses?");
  expect_base_error("{p: 0.1}", "{p: 0.1, allow_autapses: maybe}",
                    "net.yaml:11: projection 1 (E -> E): rule.pairwise_bernoulli.allow_autapses maybe: must be true or "
                    "false");
  expect_base_error(
      "{pairwise_bernoulli: {p: 0.1}}", "pairwise_bernouli",
      "net.yaml:11: projection 1 (E -> E): rule pairwise_bernouli: unknown rule; choose one of all_to_all, "
      "one_to_one, pairwise_bernoulli, fixed_indegree, distance, pairs, pairs_file; did you mean pairwise_bernoulli?");
  expect_base_error("{pairwise_bernoulli: {p: 0.1}}", "pairwise_bernoulli",
                    "net.yaml:11: projection 1 (E -> E): rule pairwise_bernoulli: needs p, as in {pairwise_bernoulli: "
                    "{p: 0.1}}");
  expect_base_error("{pairwise_bernoulli: {p: 0.1}}", "{fixed_indegree: {K: 0}}",
                    "net.yaml:11: projection 1 (E -> E): rule.fixed_indegree.K 0: must be at least 1");
  expect_base_error("{pairwise_bernoulli: {p: 0.1}}", "{fixed_indegree: {K: 2.5}}",
                    "net.yaml:11: projection 1 (E -> E): rule.fixed_indegree.K 2.5: must be a whole number");
  expect_base_error("{pairwise_bernoulli: {p: 0.1}}", "fixed_indegree",
                    "net.yaml:11: projection 1 (E -> E): rule fixed_indegree: needs K, as in {fixed_indegree: {K: "
                    "100}}");
  expect_base_error("{pairwise_bernoulli: {p: 0.1}}", "[all_to_all]",
                    "net.yaml:11: projection 1 (E -> E): rule [all_to_all]: expected a rule name or {RULE: {options}}");
  expect_proj_error("{from: E, to: A, rule: one_to_one}",
                    "net.yaml:9: projection 0 (E -> A): rule one_to_one: E has 20 cells and A 10; one_to_one needs "
                    "populations of the same size");
  /* synapses */
  expect_base_error(
      "synapse: tsodyks_synapse", "synapse: tsodyks",
      "net.yaml:11: projection 1 (E -> E): synapse tsodyks: unknown synapse; choose one of static_synapse, "
      "tsodyks_synapse, sic_connection, tm_glio_synapse, gap_junction; did you mean tsodyks_synapse?");
  expect_base_error(
      "synapse: tsodyks_synapse", "synapse: {tsodyks_synapse: {tau_pcs: 2}}",
      "net.yaml:11: projection 1 (E -> E): synapse.tsodyks_synapse.tau_pcs: unknown key; choose one of U, "
      "tau_psc, tau_rec, tau_fac, x, y, u; did you mean tau_psc?");
  expect_base_error("synapse: tsodyks_synapse", "synapse: {static_synapse: {U: 0.5}}",
                    "net.yaml:11: projection 1 (E -> E): synapse.static_synapse.U: unknown key; synapse.static_synapse "
                    "takes no options");
  expect_base_error("synapse: tsodyks_synapse", "synapse: {tsodyks_synapse: {tau_psc: 800}}",
                    "net.yaml:11: projection 1 (E -> E): synapse.tsodyks_synapse.tau_psc 800: tau_psc and tau_rec must "
                    "differ (tsodyks_synapse divides by their difference)");
  expect_base_error("synapse: tsodyks_synapse", "synapse: {tsodyks_synapse: {tau_rec: 3}}",
                    "net.yaml:11: projection 1 (E -> E): synapse.tsodyks_synapse.tau_rec 3: tau_psc and tau_rec must "
                    "differ (tsodyks_synapse divides by their difference)");
  expect_base_error("synapse: tsodyks_synapse", "synapse: {tsodyks_synapse: {tau_psc: 0}}",
                    "net.yaml:11: projection 1 (E -> E): synapse.tsodyks_synapse.tau_psc 0: must be positive");
  expect_base_error("synapse: tsodyks_synapse", "synapse: {tsodyks_synapse: {tau_rec: -1}}",
                    "net.yaml:11: projection 1 (E -> E): synapse.tsodyks_synapse.tau_rec -1: must be positive");
  expect_base_error("synapse: tsodyks_synapse", "synapse: {tsodyks_synapse: {tau_fac: -1}}",
                    "net.yaml:11: projection 1 (E -> E): synapse.tsodyks_synapse.tau_fac -1: must not be negative");
  expect_base_error("synapse: tsodyks_synapse", "synapse: {tsodyks_synapse: {U: 0}}",
                    "net.yaml:11: projection 1 (E -> E): synapse.tsodyks_synapse.U 0: must be in (0, 1]");
  expect_base_error("synapse: tsodyks_synapse", "synapse: {tsodyks_synapse: {U: 1.5}}",
                    "net.yaml:11: projection 1 (E -> E): synapse.tsodyks_synapse.U 1.5: must be in (0, 1]");
  expect_base_error("synapse: tsodyks_synapse", "synapse: {tsodyks_synapse: {x: 0.8, y: 0.5}}",
                    "net.yaml:11: projection 1 (E -> E): synapse.tsodyks_synapse.y 0.5: x + y must not exceed 1");
  expect_base_error("synapse: tsodyks_synapse", "synapse: {tsodyks_synapse: {U: big}}",
                    "net.yaml:11: projection 1 (E -> E): synapse.tsodyks_synapse.U big: not a number");
  expect_base_error(
      "synapse: tsodyks_synapse", "synapse: [tsodyks_synapse]",
      "net.yaml:11: projection 1 (E -> E): synapse [tsodyks_synapse]: expected a synapse name or {SYNAPSE: "
      "{parameters}}");
  expect_proj_error("{from: E, to: E, synapse: sic_connection}",
                    "net.yaml:9: projection 0 (E -> E): synapse sic_connection: the source E (aeif_cond_alpha_astro) "
                    "emits no SIC; sic_connection runs from astrocytes");
  expect_proj_error("{from: A, to: I, synapse: sic_connection}",
                    "net.yaml:9: projection 0 (A -> I): synapse sic_connection: the target I (iaf_cond_exp) does not "
                    "receive SIC");
  expect_proj_error(
      "{from: A, to: A, synapse: sic_connection}",
      "net.yaml:9: projection 0 (A -> A): synapse sic_connection: the target A (astrocyte_lr_1994) does not "
      "receive SIC");
  expect_proj_error("{from: A, to: E}",
                    "net.yaml:9: projection 0 (A -> E): synapse static_synapse: the source A is an astrocyte "
                    "(astrocyte_lr_1994), which connects only through sic_connection");
  expect_proj_error("{from: A, to: E, synapse: tsodyks_synapse}",
                    "net.yaml:9: projection 0 (A -> E): synapse tsodyks_synapse: the source A is an astrocyte "
                    "(astrocyte_lr_1994), which connects only through sic_connection");
  expect_proj_error("{from: dc, to: E, synapse: tsodyks_synapse}",
                    "net.yaml:9: projection 0 (dc -> E): synapse tsodyks_synapse: the source dc is a dc_generator (a "
                    "current), which connects only through static_synapse");
  expect_proj_error("{from: E, to: noise}",
                    "net.yaml:9: projection 0 (E -> noise): to noise: noise is a generator (poisson_generator), which "
                    "cannot receive connections");
  /* weights onto astrocytes */
  expect_proj_error("{from: E, to: A, weight: -1}",
                    "net.yaml:9: projection 0 (E -> A): weight -1: negative onto the astrocytes A (astrocyte_lr_1994); "
                    "spike weights onto astrocytes must not be negative");
  expect_proj_error(
      "{from: drive, to: A, weight: {uniform: [-1, 1]}}",
      "net.yaml:9: projection 0 (drive -> A): weight {uniform: [-1, 1]}: can be negative onto the astrocytes "
      "A (astrocyte_lr_1994); spike weights onto astrocytes must not be negative");
  expect_proj_error(
      "{from: noise, to: A, weight: {normal: {mean: 5, std: 1}}}",
      "net.yaml:9: projection 0 (noise -> A): weight {normal: {mean: 5, std: 1}}: can be negative onto the "
      "astrocytes A (astrocyte_lr_1994); spike weights onto astrocytes must not be negative");
}

Test(netspec, third)
{
  expect_base_error("pool_size: 2}", "pool_sise: 2}",
                    "net.yaml:12: projection 1 (E -> E): third.pool_sise: unknown key; choose one of population, p, "
                    "pool_type, pool_size, in, out; did you mean pool_size?");
  expect_base_error(
      "{population: A, ", "{",
      "net.yaml:12: projection 1 (E -> E): third: missing key population (the astrocytes of the tripartite "
      "synapses)");
  expect_base_error("population: A, p", "population: B, p",
                    "net.yaml:12: projection 1 (E -> E): third.population B: unknown population; choose one of A, E, "
                    "drive, noise");
  expect_base_error("population: A, p", "population: E, p",
                    "net.yaml:12: projection 1 (E -> E): third.population E: must be an astrocyte population (E is "
                    "aeif_cond_alpha_astro)");
  expect_base_error("p: 0.5", "p: 2", "net.yaml:12: projection 1 (E -> E): third.p 2: must be in [0, 1]");
  expect_base_error("p: 0.5", "p: -0.1", "net.yaml:12: projection 1 (E -> E): third.p -0.1: must be in [0, 1]");
  expect_base_error("pool_size: 2", "pool_size: 0",
                    "net.yaml:12: projection 1 (E -> E): third.pool_size 0: must be at least 1");
  expect_base_error("pool_size: 2", "pool_size: 11",
                    "net.yaml:12: projection 1 (E -> E): third.pool_size 11: must not exceed the 10 astrocytes of A");
  expect_base_error(
      "pool_size: 2", "pool_size: 2, pool_type: blocks",
      "net.yaml:12: projection 1 (E -> E): third.pool_type blocks: unknown pool type; choose one of random, "
      "block; did you mean block?");
  expect_base_error(
      "pool_size: 2", "pool_size: 2, pool_type: block",
      "net.yaml:12: projection 1 (E -> E): third.pool_type block: pool_size 2 with the 20 targets of E and "
      "the 10 astrocytes of A does not fit; block pools need targets x pool_size = astrocytes, or pool_size "
      "1 and the targets a multiple of the astrocytes (else use random pools)");
  expect_proj_error(
      "{from: E, to: I, third: {population: A, pool_type: block}}",
      "net.yaml:9: projection 0 (E -> I): third.pool_type block: pool_size 1 with the 5 targets of I and "
      "the 10 astrocytes of A does not fit; block pools need targets x pool_size = astrocytes, or pool_size "
      "1 and the targets a multiple of the astrocytes (else use random pools)");
  expect_base_error("pool_size: 2", "pool_size: 2, in: {synapse: static_synapse, weight: -1}",
                    "net.yaml:12: projection 1 (E -> E): third.in.weight -1: negative onto the astrocytes A "
                    "(astrocyte_lr_1994); spike weights onto astrocytes must not be negative");
  expect_base_error(
      "pool_size: 2", "pool_size: 2, in: {delay: 0.25}",
      "net.yaml:12: projection 1 (E -> E): third.in.delay 0.25: must be a positive multiple of the resolution "
      "0.1");
  expect_base_error("pool_size: 2", "pool_size: 2, in: {wieght: 1}",
                    "net.yaml:12: projection 1 (E -> E): third.in.wieght: unknown key; choose one of synapse, weight, "
                    "delay; did you mean weight?");
  expect_base_error("pool_size: 2", "pool_size: 2, in: {synapse: sic_connection}",
                    "net.yaml:12: projection 1 (E -> E): third.in.synapse sic_connection: the source E "
                    "(aeif_cond_alpha_astro) emits no SIC; sic_connection runs from astrocytes");
  expect_base_error(
      "pool_size: 2", "pool_size: 2, out: {synapse: static_synapse}",
      "net.yaml:12: projection 1 (E -> E): third.out.synapse static_synapse: the source A is an astrocyte "
      "(astrocyte_lr_1994), which connects only through sic_connection");
  expect_base_error("pool_size: 2", "pool_size: 2, out: 1",
                    "net.yaml:12: projection 1 (E -> E): third.out 1: expected a mapping {synapse: ..., weight: ..., "
                    "delay: ...}");
  expect_base_error("pool_size: 2}", "pool_size: 2, out: {delay: 1.05}}",
                    "net.yaml:12: projection 1 (E -> E): third.out.delay 1.05: must be a positive multiple of the "
                    "resolution 0.1");
  expect_proj_error(
      "{from: E, to: I, third: {population: A}}",
      "net.yaml:9: projection 0 (E -> I): third.out.synapse sic_connection: the target I (iaf_cond_exp) does "
      "not receive SIC");
}

Test(netspec, third_block_pools)
{
  /* NEST's rule: targets x pool_size = astrocytes, or pool_size 1 and the targets a multiple of the astrocytes */
  const char *ok[]   = {"{population: A, pool_type: block}", "{population: A, pool_type: block, pool_size: 2}"};
  const char *nets[] = {
      "  - {name: A, model: astrocyte_lr_1994, n: 5}\n  - {name: E, model: aeif_cond_alpha_astro, n: 20}\n",
      "  - {name: A, model: astrocyte_lr_1994, n: 40}\n  - {name: E, model: aeif_cond_alpha_astro, n: 20}\n"};
  for (int k = 0; k < 2; k++) {
    char text[1024];
    snprintf(text, sizeof text, "populations:\n%sprojections:\n  - {from: E, to: E, third: %s}\n", nets[k], ok[k]);
    NaNetSpec *s = parse(text, NULL);
    cr_expect_eq(s->projs[0].third.pool_type, NA_POOL_BLOCK);
    TCall(NaNetSpecDestroy(&s));
  }
}

Test(netspec, record)
{
  expect_record_error(
      "spike: [E]",
      "net.yaml:8: record.spike: unknown key; choose one of spikes, traces, releases; did you mean spikes?");
  expect_record_error("spikes: [F]",
                      "net.yaml:8: record.spikes F: unknown population; choose one of A, E, drive, noise, dc");
  expect_record_error(
      "spikes: [A]",
      "net.yaml:8: record.spikes A: astrocyte_lr_1994 has no spikes to record (only neurons, spike_generator and "
      "astrocyte_gchi's releases)");
  expect_record_error("spikes: [noise]",
                      "net.yaml:8: record.spikes noise: poisson_generator has no spikes to record (only neurons, "
                      "spike_generator and astrocyte_gchi's releases)");
  expect_record_error("spikes: [dc]",
                      "net.yaml:8: record.spikes dc: dc_generator has no spikes to record (only neurons, "
                      "spike_generator and astrocyte_gchi's releases)");
  expect_record_error("spikes: [E, E]", "net.yaml:8: record.spikes E: listed twice");
  expect_record_error(
      "traces: [{population: A, variables: [Ca]}]",
      "net.yaml:8: record.traces 0 (A): variables Ca: unknown variable of astrocyte_lr_1994; choose one of "
      "IP3, Ca_astro, h_IP3R; did you mean Ca_astro?");
  expect_record_error(
      "traces: [{population: A, variables: [I_SIC]}]",
      "net.yaml:8: record.traces 0 (A): variables I_SIC: unknown variable of astrocyte_lr_1994; choose one "
      "of IP3, Ca_astro, h_IP3R");
  expect_record_error("traces: [{population: E, variables: [V_m, V_m]}]",
                      "net.yaml:8: record.traces 0 (E): variables V_m: listed twice");
  expect_record_error("traces: [{population: E, variables: []}]",
                      "net.yaml:8: record.traces 0 (E): variables []: list at least one variable");
  expect_record_error(
      "traces: [{population: drive, variables: [V_m]}]",
      "net.yaml:8: record.traces 0 (drive): population drive: spike_generator is a generator and has no "
      "state to trace");
  expect_record_error(
      "traces: [{population: X, variables: [V_m]}]",
      "net.yaml:8: record.traces 0 (X): population X: unknown population; choose one of A, E, drive, noise, dc");
  expect_record_error("traces: [{variables: [V_m]}]",
                      "net.yaml:8: record.traces 0: missing key population (the population to trace)");
  expect_record_error("traces: [{population: E}]",
                      "net.yaml:8: record.traces 0 (E): missing key variables (the variables to trace)");
  expect_record_error(
      "traces: [{population: E, variables: [V_m], interval: 0.15}]",
      "net.yaml:8: record.traces 0 (E): interval 0.15: must be a positive multiple of the resolution 0.1");
  expect_record_error("traces: [{population: E, variables: [V_m], interval: 0}]",
                      "net.yaml:8: record.traces 0 (E): interval 0: must be a positive multiple of the resolution 0.1");
  expect_record_error("traces: [{population: E, variables: [V_m], intervall: 1}]",
                      "net.yaml:8: record.traces 0 (E): intervall: unknown key; choose one of population, variables, "
                      "interval, cells; did you mean interval?");
  expect_record_error("traces: [{population: A, variables: [IP3], cells: [3, 10]}]",
                      "net.yaml:8: record.traces 0 (A): cells 10: out of range (A has cells 0 to 9)");
  expect_record_error("traces: [{population: A, variables: [IP3], cells: [-1]}]",
                      "net.yaml:8: record.traces 0 (A): cells -1: must be at least 0");
  expect_record_error("traces: [{population: A, variables: [IP3], cells: [4, 2, 4]}]",
                      "net.yaml:8: record.traces 0 (A): cells 4: listed twice");
  expect_record_error("traces: [{population: A, variables: [IP3], cells: []}]",
                      "net.yaml:8: record.traces 0 (A): cells []: list at least one cell, or write all");
  expect_record_error("traces: [{population: A, variables: [IP3], cells: some}]",
                      "net.yaml:8: record.traces 0 (A): cells some: expected all or a list of cell indices");
  expect_record_error("traces: {population: A}",
                      "net.yaml:8: record.traces {population: A}: expected a list of traces");

  /* what is recordable */
  NaNetSpec *s = parse("populations:\n"
                       "  - {name: E, model: aeif_cond_alpha_astro, n: 2}\n"
                       "  - {name: I, model: iaf_cond_exp, n: 2}\n"
                       "  - {name: drive, model: spike_generator, n: 1}\n"
                       "record: {spikes: [drive, I, E], traces: [{population: E, variables: I_SIC, cells: [1]}]}\n",
                       NULL);
  cr_assert_eq(s->nspike_pops, 3);
  cr_expect(s->spike_pops[0] == 2 && s->spike_pops[1] == 1 && s->spike_pops[2] == 0);
  cr_expect_eq(s->traces[0].nvars, 1);
  TCall(NaNetSpecDestroy(&s));
}

/* a parameter as a table of time (Brian's TimedArray): the table, its steps per entry, repeat; the value drawn is
 * its first entry; out-of-table steps hold the last entry, or wrap with repeat; an override replaces it */
Test(netspec, timed)
{
  const char     text[] = "resolution: 0.1\n"
                          "t_stop: 10\n"
                          "populations:\n"
                          "  - {name: G, model: astrocyte_gchi, n: 2,\n"
                          "     params: {I_bias: {timed: {dt: 0.5, values: [1, 0, 2]}},\n"
                          "              O_beta: {timed: {dt: 1, values: [0.1, 0.2], repeat: true}}}}\n";
  NaNetSpec     *s      = parse(text, NULL);
  const NaTimed *t = NaNetSpecTimed(s, 0, "I_bias"), *r = NaNetSpecTimed(s, 0, "O_beta");
  cr_assert(t && r);
  cr_assert_null(NaNetSpecTimed(s, 0, "C_T"));
  expect_value(NaNetSpecParam(s, 0, "I_bias"), NA_VALUE_TIMED, 1.0, 0.0);
  cr_assert_eq(t->nt, 3);
  cr_assert_eq(t->every, 5);
  cr_assert(!t->repeat && r->repeat);
  const double want[] = {1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 2, 2, 2, 2, 2, 2};
  for (int n = 0; n < 16; n++) cr_assert_eq(NaTimedAtStep(t, n), want[n], "step %d", n);
  cr_assert_eq(NaTimedAtStep(t, 1000000), 2.0, "after the table: its last value (Brian's TimedArray)");
  cr_assert_eq(NaTimedAtStep(r, 9), 0.1);
  cr_assert_eq(NaTimedAtStep(r, 10), 0.2);
  cr_assert_eq(NaTimedAtStep(r, 20), 0.1, "repeat: the table again");
  cr_assert_eq(NaTimedAtStep(r, 35), 0.2);
  TCall(NaNetSpecDestroy(&s));
  s = parse(text, "populations.G.params.I_bias=0.5");
  expect_value(NaNetSpecParam(s, 0, "I_bias"), NA_VALUE_CONST, 0.5, 0.0);
  cr_assert_null(NaNetSpecTimed(s, 0, "I_bias"));
  TCall(NaNetSpecDestroy(&s));
}
