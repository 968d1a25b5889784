/* Unit tests of the distributed layout and the connection rules (connect.h, models.md 3.5 and 3.8 items 2 and 4),
 * on one rank, from network descriptions built directly in C: in-degree histograms against Binomial (chi^2 at
 * the 0.1 % level), exact counts of the deterministic rules, autapses, weights, the tripartite pairing fraction,
 * pools and pool usage, NEST's block pools, and the tsodyks_synapse closed form against an RK4 integration. */
#include "common.h"
#include "connect.h"
#include <petscviewer.h>
#include <petsctime.h>
#include <string.h>

/* ---- building networks ------------------------------------------------------------------------------------ */

/* the models connect.c looks at (only their kind), when the registry does not know the name */
static const NaCellModel fallback[3] = {
    {.name = "aeif_cond_alpha_astro", .kind = NA_CELL_NEURON},
    {.name = "astrocyte_lr_1994", .kind = NA_CELL_ASTROCYTE},
    {.name = "poisson_generator", .kind = NA_CELL_GENERATOR},
};
static const NaCellModel *Model(NaCellKind kind)
{
  const NaCellModel *m = NaCellModelFind(fallback[kind].name);
  cr_assert(!m || m->kind == kind, "%s has the wrong kind", fallback[kind].name);
  return m ? m : &fallback[kind];
}

typedef struct {
  NaNetSpec     spec;
  NaPopSpec     pops[8];
  NaProjSpec    projs[8];
  NaLayout     *layout;
  PetscInt      nproj;
  NaProjection *proj;
} Net;

static void NetInit(Net *n, uint64_t seed)
{
  memset(n, 0, sizeof *n);
  n->spec.resolution = 0.1;
  n->spec.t_stop     = 100;
  n->spec.seed       = seed;
  n->spec.pops       = n->pops;
  n->spec.projs      = n->projs;
}

static PetscInt AddPop(Net *n, const char *name, NaCellKind kind, PetscInt cells)
{
  NaPopSpec *p = &n->pops[n->spec.npops];
  snprintf(p->name, sizeof p->name, "%s", name);
  p->model = Model(kind);
  p->n     = cells;
  return n->spec.npops++;
}

/* a static projection of weight 1, delay 1 ms, autapses allowed; the caller sets the rule's parameters */
static NaProjSpec *AddProj(Net *n, PetscInt from, PetscInt to, NaRuleKind rule)
{
  NaProjSpec *q          = &n->projs[n->spec.nprojs];
  q->from                = from;
  q->to                  = to;
  q->rule.kind           = rule;
  q->rule.allow_autapses = PETSC_TRUE;
  q->syn.kind            = NA_SYN_STATIC;
  q->syn.weight.kind     = NA_VALUE_CONST;
  q->syn.weight.a        = 1.0;
  q->syn.delay           = 1.0;
  q->line                = 10 + (int)n->spec.nprojs;
  n->spec.nprojs++;
  return q;
}

/* a tripartite projection's third factor: p, pool, third_in tsodyks 1 / 2 ms, third_out sic 0.05 / 1 ms */
static void AddThird(NaProjSpec *q, PetscInt astro, double p, NaPoolKind type, PetscInt pool_size)
{
  NaTsodyksParams tm  = {.U = 0.5, .tau_psc = 3, .tau_rec = 800, .tau_fac = 0, .x = 1, .y = 0, .u = 0};
  q->third.present    = PETSC_TRUE;
  q->third.pop        = astro;
  q->third.p          = p;
  q->third.pool_type  = type;
  q->third.pool_size  = pool_size;
  q->third.in.kind    = NA_SYN_TSODYKS;
  q->third.in.tm      = tm;
  q->third.in.weight  = (NaValue){NA_VALUE_CONST, 1.0, 0};
  q->third.in.delay   = 2.0;
  q->third.out.kind   = NA_SYN_SIC;
  q->third.out.weight = (NaValue){NA_VALUE_CONST, 0.05, 0};
  q->third.out.delay  = 1.0;
}

static void Build(Net *n)
{
  TCall(NaLayoutCreate(PETSC_COMM_WORLD, &n->spec, &n->layout));
  TCall(NaConnectBuild(PETSC_COMM_WORLD, &n->spec, n->layout, &n->nproj, &n->proj));
}

static void Free(Net *n)
{
  TCall(NaConnectDestroy(n->nproj, &n->proj));
  TCall(NaLayoutDestroy(&n->layout));
}

/* in-degree of every target of P (which is on one rank: all of them) */
static PetscInt *InDegrees(const NaProjection *P, PetscInt ntgt)
{
  PetscInt *d = calloc((size_t)ntgt, sizeof *d);
  for (PetscInt s = 0; s < P->nsrc; s++)
    for (PetscInt j = P->off[s]; j < P->off[s + 1]; j++) d[P->tgt[j]]++;
  return d;
}

/* CSR invariants: off monotone from 0 to nsyn, targets in [tlo, thi) and non-decreasing within a source */
static void CheckCSR(const NaProjection *P)
{
  cr_assert_eq(P->off[0], 0);
  cr_assert_eq(P->off[P->nsrc], P->nsyn);
  cr_assert_eq(P->nglobal, P->nsyn, "one rank: nglobal %d, nsyn %d", (int)P->nglobal, (int)P->nsyn);
  for (PetscInt s = 0; s < P->nsrc; s++) {
    cr_assert(P->off[s] <= P->off[s + 1]);
    for (PetscInt j = P->off[s]; j < P->off[s + 1]; j++) {
      cr_assert(P->tgt[j] >= P->tlo && P->tgt[j] < P->thi);
      if (j > P->off[s]) cr_assert(P->tgt[j - 1] <= P->tgt[j], "source %d: targets out of order", (int)s);
    }
  }
}

/* ---- statistics ------------------------------------------------------------------------------------------- */

/* the 99.9 % quantile of chi^2 with k degrees of freedom (Wilson-Hilferty; z = 3.0902 at 0.999) */
static double Chi2Crit(double k)
{
  const double a = 2.0 / (9.0 * k), z = 3.090232306;
  return k * pow(1.0 - a + z * sqrt(a), 3);
}

static double BinomPmf(PetscInt n, double p, PetscInt k)
{
  return exp(lgamma(n + 1.0) - lgamma(k + 1.0) - lgamma(n - k + 1.0) + k * log(p) + (n - k) * log1p(-p));
}

/* chi^2 of a histogram of in-degrees (ntgt of them) against Binomial(n, p), the tails merged into bins with an
 * expected count >= 5; returns the statistic and its degrees of freedom */
static double Chi2Binomial(const PetscInt *deg, PetscInt ntgt, PetscInt n, double p, double *df)
{
  double *obs = calloc((size_t)n + 1, sizeof *obs), *exq = calloc((size_t)n + 1, sizeof *exq), chi2 = 0, eo = 0, ee = 0;
  int     bins = 0;
  for (PetscInt t = 0; t < ntgt; t++) obs[deg[t]] += 1;
  for (PetscInt k = 0; k <= n; k++) exq[k] = ntgt * BinomPmf(n, p, k);
  /* accumulate bins from the left until each holds >= 5 expected; the remainder joins the last bin */
  for (PetscInt k = 0; k <= n; k++) {
    eo += obs[k], ee += exq[k];
    if (ee >= 5) {
      double rest = 0, resto = 0;
      for (PetscInt j = k + 1; j <= n; j++) rest += exq[j], resto += obs[j];
      if (rest < 5) { ee += rest, eo += resto, k = n; }
      chi2 += (eo - ee) * (eo - ee) / ee, bins++;
      eo = ee = 0;
    }
  }
  free(obs);
  free(exq);
  *df = bins - 1;
  return chi2;
}

/* chi^2 of counts against equal expectation */
static double Chi2Uniform(const double *cnt, PetscInt n)
{
  double sum = 0, chi2 = 0;
  for (PetscInt i = 0; i < n; i++) sum += cnt[i];
  for (PetscInt i = 0; i < n; i++) chi2 += (cnt[i] - sum / n) * (cnt[i] - sum / n) / (sum / n);
  return chi2;
}

/* ---- the layout ------------------------------------------------------------------------------------------- */

Test(connect, layout_blocks_owner_and_ids, .init = test_init, .fini = test_fini)
{
  Net n;
  NetInit(&n, 1);
  AddPop(&n, "E", NA_CELL_NEURON, 7);
  AddPop(&n, "P", NA_CELL_GENERATOR, 3);
  AddPop(&n, "A", NA_CELL_ASTROCYTE, 5);
  TCall(NaLayoutCreate(PETSC_COMM_WORLD, &n.spec, &n.layout));
  const NaLayout *L = n.layout;
  cr_assert_eq(L->offset[0], 0);
  cr_assert_eq(L->offset[1], 7);
  cr_assert_eq(L->offset[2], 10);
  cr_assert(!L->replicated[0] && L->replicated[1] && !L->replicated[2]);
  for (PetscInt p = 0; p < 3; p++) {
    PetscInt lo, hi;
    NaLayoutLocal(L, p, &lo, &hi);
    cr_assert(lo == 0 && hi == L->n[p]);
  }
  TCall(NaLayoutDestroy(&n.layout));

  /* the owner of every cell, on a hand-made layout of P ranks with the contract's blocks */
  for (PetscMPIInt P = 1; P <= 9; P++)
    for (PetscInt cells = 0; cells <= 40; cells += (cells < 12 ? 1 : 7)) {
      PetscInt  start[10];
      PetscBool rep = PETSC_FALSE;
      NaLayout  l   = {.size = P, .rank = 0, .npops = 1, .n = &cells, .start = start, .replicated = &rep};
      for (PetscMPIInt r = 0; r <= P; r++) start[r] = (PetscInt)((int64_t)cells * r / P);
      for (PetscInt i = 0; i < cells; i++) {
        PetscInt    lo, hi;
        PetscMPIInt o = NaLayoutOwner(&l, 0, i);
        NaLayoutBlock(&l, 0, o, &lo, &hi);
        cr_assert(lo <= i && i < hi, "P %d n %d: cell %d given to rank %d [%d, %d)", P, (int)cells, (int)i, o, (int)lo,
                  (int)hi);
      }
    }
}

/* ---- pairwise_bernoulli ----------------------------------------------------------------------------------- */

Test(connect, pairwise_bernoulli_indegree_is_binomial, .init = test_init, .fini = test_fini)
{
  const PetscInt NS = 1000, NT = 5000;
  const double   p = 0.1;
  double         df, chi2, chi2_wrong, df_wrong;
  Net            n;

  NetInit(&n, 12345);
  PetscInt E = AddPop(&n, "E", NA_CELL_NEURON, NS), T = AddPop(&n, "T", NA_CELL_NEURON, NT);
  AddProj(&n, E, T, NA_RULE_PAIRWISE_BERNOULLI)->rule.p = p;
  Build(&n);
  cr_assert_eq(n.nproj, 1);
  CheckCSR(&n.proj[0]);
  PetscInt *deg = InDegrees(&n.proj[0], NT);
  chi2          = Chi2Binomial(deg, NT, NS, p, &df);
  chi2_wrong    = Chi2Binomial(deg, NT, NS, 1.1 * p, &df_wrong);
  cr_log_info("in-degree chi^2 %.1f (df %.0f, 0.1 %% critical %.1f); against p x 1.1: %.1f (df %.0f)", chi2, df,
              Chi2Crit(df), chi2_wrong, df_wrong);
  cr_assert(df >= 20, "df %g", df);
  cr_assert(chi2 < Chi2Crit(df), "in-degrees are not Binomial(%d, %g): chi^2 %g >= %g (df %g)", (int)NS, p, chi2,
            Chi2Crit(df), df);
  /* the test has the power to see a wrong p */
  cr_assert(chi2_wrong > Chi2Crit(df_wrong), "chi^2 %g does not reject p x 1.1", chi2_wrong);
  free(deg);
  Free(&n);
}

Test(connect, pairwise_bernoulli_autapses_and_extreme_p, .init = test_init, .fini = test_fini)
{
  const PetscInt N = 400;
  double         df, chi2;
  Net            n;

  NetInit(&n, 7);
  PetscInt    E = AddPop(&n, "E", NA_CELL_NEURON, N);
  NaProjSpec *q = AddProj(&n, E, E, NA_RULE_PAIRWISE_BERNOULLI);
  q->rule.p = 0.3, q->rule.allow_autapses = PETSC_FALSE;
  AddProj(&n, E, E, NA_RULE_PAIRWISE_BERNOULLI)->rule.p = 0.0;
  AddProj(&n, E, E, NA_RULE_PAIRWISE_BERNOULLI)->rule.p = 1.0;
  q                                                     = AddProj(&n, E, E, NA_RULE_PAIRWISE_BERNOULLI);
  q->rule.p = 1.0, q->rule.allow_autapses = PETSC_FALSE;
  q         = AddProj(&n, E, E, NA_RULE_PAIRWISE_BERNOULLI);
  q->rule.p = 0.9, q->rule.allow_autapses = PETSC_TRUE;
  Build(&n);
  cr_assert_eq(n.nproj, 5);
  for (PetscInt k = 0; k < 5; k++) CheckCSR(&n.proj[k]);
  /* no autapses, and the other N - 1 pairs each with p */
  const NaProjection *P = &n.proj[0];
  for (PetscInt s = 0; s < N; s++)
    for (PetscInt j = P->off[s]; j < P->off[s + 1]; j++)
      cr_assert_neq(P->tgt[j], s, "autapse %d -> %d", (int)s, (int)s);
  PetscInt *deg = InDegrees(P, N);
  chi2          = Chi2Binomial(deg, N, N - 1, 0.3, &df);
  cr_assert(chi2 < Chi2Crit(df), "without autapses in-degrees are not Binomial(N - 1, p): chi^2 %g (df %g)", chi2, df);
  free(deg);
  /* p = 0 and p = 1 exact */
  cr_assert_eq(n.proj[1].nglobal, 0);
  cr_assert_eq(n.proj[2].nglobal, N * N);
  cr_assert_eq(n.proj[3].nglobal, N * (N - 1));
  for (PetscInt s = 0; s < N; s++)
    for (PetscInt j = n.proj[3].off[s]; j < n.proj[3].off[s + 1]; j++) cr_assert_neq(n.proj[3].tgt[j], s);
  /* with autapses allowed the diagonal is drawn like any pair */
  PetscInt self = 0;
  for (PetscInt s = 0; s < N; s++)
    for (PetscInt j = n.proj[4].off[s]; j < n.proj[4].off[s + 1]; j++) self += n.proj[4].tgt[j] == s;
  cr_assert(self > 0.9 * N - 4 * sqrt(0.09 * N) && self < 0.9 * N + 4 * sqrt(0.09 * N), "%d autapses", (int)self);
  Free(&n);
}

/* ---- fixed_indegree, one_to_one, all_to_all ------------------------------------------------------------------ */

Test(connect, fixed_indegree_exact_and_uniform, .init = test_init, .fini = test_fini)
{
  const PetscInt NS = 100, NT = 2000, K = 50;
  Net            n;

  NetInit(&n, 5);
  PetscInt S = AddPop(&n, "S", NA_CELL_NEURON, NS), T = AddPop(&n, "T", NA_CELL_NEURON, NT);
  AddProj(&n, S, T, NA_RULE_FIXED_INDEGREE)->rule.K = K;
  NaProjSpec *q                                     = AddProj(&n, T, T, NA_RULE_FIXED_INDEGREE);
  q->rule.K = 30, q->rule.allow_autapses = PETSC_FALSE;
  Build(&n);
  CheckCSR(&n.proj[0]);
  CheckCSR(&n.proj[1]);
  cr_assert_eq(n.proj[0].nglobal, NT * K);
  PetscInt *deg = InDegrees(&n.proj[0], NT);
  for (PetscInt t = 0; t < NT; t++) cr_assert_eq(deg[t], K, "target %d has %d sources", (int)t, (int)deg[t]);
  free(deg);
  double *use = calloc((size_t)NS, sizeof *use);
  for (PetscInt s = 0; s < NS; s++) use[s] = n.proj[0].off[s + 1] - n.proj[0].off[s];
  const double chi2 = Chi2Uniform(use, NS);
  cr_log_info("fixed_indegree source usage chi^2 %.1f (df %d, critical %.1f)", chi2, (int)NS - 1, Chi2Crit(NS - 1));
  cr_assert(chi2 < Chi2Crit(NS - 1), "source usage not uniform: chi^2 %g", chi2);
  free(use);
  deg = InDegrees(&n.proj[1], NT);
  for (PetscInt t = 0; t < NT; t++) cr_assert_eq(deg[t], 30);
  for (PetscInt s = 0; s < NT; s++)
    for (PetscInt j = n.proj[1].off[s]; j < n.proj[1].off[s + 1]; j++) cr_assert_neq(n.proj[1].tgt[j], s);
  free(deg);
  Free(&n);
}

Test(connect, one_to_one_and_all_to_all_exact, .init = test_init, .fini = test_fini)
{
  const PetscInt N = 60, M = 45;
  Net            n;

  NetInit(&n, 3);
  PetscInt E = AddPop(&n, "E", NA_CELL_NEURON, N), Ipop = AddPop(&n, "I", NA_CELL_NEURON, M),
           G = AddPop(&n, "G", NA_CELL_GENERATOR, 2);
  AddProj(&n, E, E, NA_RULE_ONE_TO_ONE);
  AddProj(&n, E, E, NA_RULE_ONE_TO_ONE)->rule.allow_autapses = PETSC_FALSE;
  AddProj(&n, E, Ipop, NA_RULE_ALL_TO_ALL);
  AddProj(&n, Ipop, Ipop, NA_RULE_ALL_TO_ALL)->rule.allow_autapses = PETSC_FALSE;
  AddProj(&n, G, E, NA_RULE_ALL_TO_ALL);
  Build(&n);
  cr_assert_eq(n.nproj, 5);
  for (PetscInt k = 0; k < 5; k++) CheckCSR(&n.proj[k]);
  for (PetscInt s = 0; s < N; s++) {
    cr_assert_eq(n.proj[0].off[s + 1] - n.proj[0].off[s], 1);
    cr_assert_eq(n.proj[0].tgt[n.proj[0].off[s]], s);
  }
  cr_assert_eq(n.proj[1].nglobal, 0);
  cr_assert_eq(n.proj[2].nglobal, N * M);
  for (PetscInt s = 0; s < N; s++)
    for (PetscInt t = 0; t < M; t++) cr_assert_eq(n.proj[2].tgt[n.proj[2].off[s] + t], t);
  cr_assert_eq(n.proj[3].nglobal, M * (M - 1));
  for (PetscInt s = 0; s < M; s++) {
    cr_assert_eq(n.proj[3].off[s + 1] - n.proj[3].off[s], M - 1);
    for (PetscInt j = n.proj[3].off[s], t = 0; j < n.proj[3].off[s + 1]; j++, t++)
      cr_assert_eq(n.proj[3].tgt[j], t < s ? t : t + 1);
  }
  /* a generator source: replicated, all of its cells */
  cr_assert_eq(n.proj[4].nsrc, 2);
  cr_assert_eq(n.proj[4].nglobal, 2 * N);
  Free(&n);
}

Test(connect, weights_delays_and_tsodyks_state, .init = test_init, .fini = test_fini)
{
  const PetscInt NS = 500, NT = 500;
  Net            n;

  NetInit(&n, 5);
  PetscInt    S = AddPop(&n, "S", NA_CELL_NEURON, NS), T = AddPop(&n, "T", NA_CELL_NEURON, NT);
  NaProjSpec *q = AddProj(&n, S, T, NA_RULE_PAIRWISE_BERNOULLI);
  q->rule.p     = 0.2;
  q->syn.weight = (NaValue){NA_VALUE_UNIFORM, 0.5, 2.5};
  q->syn.delay  = 1.5;
  q             = AddProj(&n, S, T, NA_RULE_FIXED_INDEGREE);
  q->rule.K     = 40;
  q->syn.kind   = NA_SYN_TSODYKS;
  q->syn.tm = (NaTsodyksParams){.U = 0.5, .tau_psc = 3, .tau_rec = 800, .tau_fac = 0, .x = 0.9, .y = 0.05, .u = 0.2};
  q->syn.weight = (NaValue){NA_VALUE_NORMAL, -2.0, 0.5};
  q->syn.delay  = 0.3;
  Build(&n);
  const NaProjection *P = &n.proj[0];
  double              m = 0, m2 = 0;
  for (PetscInt i = 0; i < P->nsyn; i++) {
    cr_assert(P->weight[i] >= 0.5 && P->weight[i] < 2.5);
    m += P->weight[i];
  }
  m /= P->nsyn;
  cr_assert(fabs(m - 1.5) < 4 * (2.0 / sqrt(12.0)) / sqrt((double)P->nsyn), "uniform weights: mean %g", m);
  cr_assert_eq(P->delay, 15);
  cr_assert_null(P->tms);
  P = &n.proj[1];
  cr_assert_eq(P->delay, 3);
  cr_assert_eq(P->kind, NA_SYN_TSODYKS);
  m = 0;
  for (PetscInt i = 0; i < P->nsyn; i++) m += P->weight[i], m2 += P->weight[i] * P->weight[i];
  /* the synapses of one (neuron) source share their state: one per source (connect.h) */
  cr_assert(P->tms_shared);
  for (PetscInt s = 0; s < NS; s++)
    cr_assert(P->tms[s].x == 0.9 && P->tms[s].y == 0.05 && P->tms[s].u == 0.2 && P->tms[s].t_last == 0);
  m /= P->nsyn;
  const double sd = sqrt(m2 / P->nsyn - m * m);
  cr_assert(fabs(m + 2.0) < 4 * 0.5 / sqrt((double)P->nsyn), "normal weights: mean %g", m);
  cr_assert(fabs(sd - 0.5) < 0.02, "normal weights: sd %g", sd);
  Free(&n);

  /* the same seed gives the same network, another seed another one */
  Net a, b;
  for (int k = 0; k < 2; k++) {
    Net *x = k ? &b : &a;
    NetInit(x, k ? 6 : 5);
    PetscInt S2 = AddPop(x, "S", NA_CELL_NEURON, NS), T2 = AddPop(x, "T", NA_CELL_NEURON, NT);
    q         = AddProj(x, S2, T2, NA_RULE_PAIRWISE_BERNOULLI);
    q->rule.p = 0.2, q->syn.weight = (NaValue){NA_VALUE_UNIFORM, 0.5, 2.5};
    Build(x);
  }
  NetInit(&n, 5);
  S = AddPop(&n, "S", NA_CELL_NEURON, NS), T = AddPop(&n, "T", NA_CELL_NEURON, NT);
  q         = AddProj(&n, S, T, NA_RULE_PAIRWISE_BERNOULLI);
  q->rule.p = 0.2, q->syn.weight = (NaValue){NA_VALUE_UNIFORM, 0.5, 2.5};
  Build(&n);
  cr_assert_eq(n.proj[0].nsyn, a.proj[0].nsyn);
  cr_assert(!memcmp(n.proj[0].tgt, a.proj[0].tgt, sizeof(PetscInt) * a.proj[0].nsyn));
  cr_assert(!memcmp(n.proj[0].weight, a.proj[0].weight, sizeof(double) * a.proj[0].nsyn));
  cr_assert(b.proj[0].nsyn != a.proj[0].nsyn ||
            memcmp(b.proj[0].tgt, a.proj[0].tgt, sizeof(PetscInt) * a.proj[0].nsyn));
  Free(&n), Free(&a), Free(&b);
}

Test(connect, bad_projections_are_refused, .init = test_init, .fini = test_fini)
{
  Net n;
  TCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
  NetInit(&n, 1);
  PetscInt E = AddPop(&n, "E", NA_CELL_NEURON, 50000), Ipop = AddPop(&n, "I", NA_CELL_NEURON, 10);
  AddProj(&n, E, E, NA_RULE_ALL_TO_ALL); /* 2.5e9 synapses: more than a 32-bit PetscInt */
  TCall(NaLayoutCreate(PETSC_COMM_WORLD, &n.spec, &n.layout));
#if !defined(PETSC_USE_64BIT_INDICES) /* with PETSc64 they fit (20 GB): the engine's memory check refuses them */
  cr_assert_neq(NaConnectBuild(PETSC_COMM_WORLD, &n.spec, n.layout, &n.nproj, &n.proj), 0);
#endif
  n.projs[0].rule.kind = NA_RULE_ONE_TO_ONE, n.projs[0].to = Ipop; /* sizes differ */
  cr_assert_neq(NaConnectBuild(PETSC_COMM_WORLD, &n.spec, n.layout, &n.nproj, &n.proj), 0);
  n.projs[0].rule.kind = NA_RULE_PAIRWISE_BERNOULLI, n.projs[0].rule.p = 0.1, n.projs[0].syn.delay = 0.04;
  cr_assert_neq(NaConnectBuild(PETSC_COMM_WORLD, &n.spec, n.layout, &n.nproj, &n.proj), 0);
  TCall(NaLayoutDestroy(&n.layout));
  TCall(PetscPopErrorHandler());
}

/* ---- tripartite ------------------------------------------------------------------------------------------- */

/* the index of the primary, third_in and third_out projections of the first tripartite projection */
static void Roles(const Net *n, PetscInt k, const NaProjection **P, const NaProjection **In, const NaProjection **Out)
{
  PetscInt j = 0;
  while (n->proj[j].spec != k) j++;
  *P   = &n->proj[j];
  *In  = &n->proj[j + 1];
  *Out = &n->proj[j + 2];
  cr_assert(n->proj[j].role == NA_PROJ_PRIMARY && n->proj[j + 1].role == NA_PROJ_THIRD_IN &&
            n->proj[j + 2].role == NA_PROJ_THIRD_OUT);
}

Test(connect, tripartite_pairing_fraction_and_matching, .init = test_init, .fini = test_fini)
{
  const PetscInt      NS = 500, NT = 400, NA = 200;
  const double        pt = 0.3;
  Net                 n;
  const NaProjection *P, *In, *Out;

  NetInit(&n, 5);
  PetscInt S = AddPop(&n, "S", NA_CELL_NEURON, NS), T = AddPop(&n, "T", NA_CELL_NEURON, NT),
           A    = AddPop(&n, "A", NA_CELL_ASTROCYTE, NA);
  NaProjSpec *q = AddProj(&n, S, T, NA_RULE_PAIRWISE_BERNOULLI);
  q->rule.p     = 0.2;
  AddThird(q, A, pt, NA_POOL_RANDOM, 5);
  Build(&n);
  cr_assert_eq(n.nproj, 3);
  Roles(&n, 0, &P, &In, &Out);
  CheckCSR(P), CheckCSR(In), CheckCSR(Out);
  cr_assert(In->src_pop == S && In->tgt_pop == A && In->nsrc == NS && In->kind == NA_SYN_TSODYKS && In->delay == 20);
  cr_assert(Out->src_pop == A && Out->tgt_pop == T && Out->nsrc == NA && Out->kind == NA_SYN_SIC && Out->delay == 10);
  cr_assert_eq(In->nglobal, Out->nglobal);
  /* the pairing fraction: Binomial(primary, p), 4 sigma */
  const double np = P->nglobal, sig = sqrt(np * pt * (1 - pt));
  cr_log_info("%d primary, %d paired (%.4f)", (int)P->nglobal, (int)Out->nglobal, Out->nglobal / np);
  cr_assert(fabs(Out->nglobal - pt * np) < 4 * sig, "%d of %g paired, p %g", (int)Out->nglobal, np, pt);
  /* constant weights are stored once (connect.h); the third_out ones are summed later, so they stay an array */
  cr_assert(!In->weight && In->w0 == 1.0 && In->tms_shared);
  for (PetscInt s = 0; s < NS; s++) cr_assert(In->tms[s].x == 1 && In->tms[s].y == 0 && In->tms[s].u == 0);
  cr_assert_not_null(Out->weight);
  for (PetscInt i = 0; i < Out->nsyn; i++) cr_assert(Out->weight[i] == 0.05);
  /* every third_in s -> a has a primary s -> t and a third_out a -> t; the counts per astrocyte agree */
  unsigned char *prim = calloc((size_t)NS * NT, 1), *out = calloc((size_t)NA * NT, 1);
  PetscInt      *nin = calloc((size_t)NA, sizeof *nin);
  for (PetscInt s = 0; s < NS; s++)
    for (PetscInt j = P->off[s]; j < P->off[s + 1]; j++) prim[s * NT + P->tgt[j]] = 1;
  for (PetscInt a = 0; a < NA; a++)
    for (PetscInt j = Out->off[a]; j < Out->off[a + 1]; j++) {
      out[a * NT + Out->tgt[j]] = 1;
      cr_assert_lt(Out->tgt[j], NT);
    }
  for (PetscInt s = 0; s < NS; s++)
    for (PetscInt j = In->off[s]; j < In->off[s + 1]; j++) {
      const PetscInt a     = In->tgt[j];
      PetscBool      found = PETSC_FALSE;
      for (PetscInt t = 0; t < NT && !found; t++) found = prim[s * NT + t] && out[a * NT + t];
      cr_assert(found, "third_in %d -> %d has no primary %d -> t with third_out %d -> t", (int)s, (int)a, (int)s,
                (int)a);
      nin[a]++;
    }
  for (PetscInt a = 0; a < NA; a++) cr_assert_eq(nin[a], Out->off[a + 1] - Out->off[a], "astrocyte %d", (int)a);
  free(prim), free(out), free(nin);
  /* no pairing at p = 0, every one at p = 1 */
  Free(&n);
  for (int k = 0; k < 2; k++) {
    NetInit(&n, 11);
    S = AddPop(&n, "S", NA_CELL_NEURON, NS), T = AddPop(&n, "T", NA_CELL_NEURON, NT);
    A         = AddPop(&n, "A", NA_CELL_ASTROCYTE, NA);
    q         = AddProj(&n, S, T, NA_RULE_PAIRWISE_BERNOULLI);
    q->rule.p = 0.05;
    AddThird(q, A, k, NA_POOL_RANDOM, 3);
    Build(&n);
    Roles(&n, 0, &P, &In, &Out);
    cr_assert_eq(Out->nglobal, k ? P->nglobal : 0);
    cr_assert_eq(In->nglobal, Out->nglobal);
    Free(&n);
  }
}

Test(connect, tripartite_random_pools, .init = test_init, .fini = test_fini)
{
  /* all_to_all from 200 sources, every synapse paired: each pool member of a target is used (a member is missed
   * with probability (4/5)^200), so a target's third_out sources are its pool */
  const PetscInt      NS = 200, NT = 300, NA = 100, K = 5;
  Net                 n;
  const NaProjection *P, *In, *Out;

  NetInit(&n, 5);
  PetscInt S = AddPop(&n, "S", NA_CELL_NEURON, NS), T = AddPop(&n, "T", NA_CELL_NEURON, NT),
           A    = AddPop(&n, "A", NA_CELL_ASTROCYTE, NA);
  NaProjSpec *q = AddProj(&n, S, T, NA_RULE_ALL_TO_ALL);
  AddThird(q, A, 1.0, NA_POOL_RANDOM, K);
  Build(&n);
  Roles(&n, 0, &P, &In, &Out);
  cr_assert_eq(Out->nglobal, NS * NT);
  PetscInt *use = calloc((size_t)NA * NT, sizeof *use);
  for (PetscInt a = 0; a < NA; a++)
    for (PetscInt j = Out->off[a]; j < Out->off[a + 1]; j++) use[Out->tgt[j] * NA + a]++;
  double *member = calloc((size_t)NA, sizeof *member), chi2_use = 0;
  for (PetscInt t = 0; t < NT; t++) {
    PetscInt size = 0;
    double   cnt[100];
    for (PetscInt a = 0; a < NA; a++)
      if (use[t * NA + a]) cnt[size++] = use[t * NA + a], member[a]++;
    cr_assert_eq(size, K, "target %d: a pool of %d distinct astrocytes, not %d", (int)t, (int)size, (int)K);
    chi2_use += Chi2Uniform(cnt, K);
  }
  const double chi2_member = Chi2Uniform(member, NA);
  cr_log_info("pool membership chi^2 %.1f (df %d, critical %.1f); usage chi^2 %.1f (df %d, critical %.1f)", chi2_member,
              (int)NA - 1, Chi2Crit(NA - 1), chi2_use, (int)(NT * (K - 1)), Chi2Crit(NT * (K - 1)));
  cr_assert(chi2_member < Chi2Crit(NA - 1), "pool membership not uniform over astrocytes: chi^2 %g", chi2_member);
  cr_assert(chi2_use < Chi2Crit(NT * (K - 1)), "pool usage not uniform within pools: chi^2 %g", chi2_use);
  free(use), free(member);
  Free(&n);

  /* a pool of all astrocytes, and a dense one (collected by a scan) */
  for (PetscInt ps = 60; ps <= NA; ps += 40) {
    NetInit(&n, 78);
    S = AddPop(&n, "S", NA_CELL_NEURON, 50), T = AddPop(&n, "T", NA_CELL_NEURON, 20);
    A         = AddPop(&n, "A", NA_CELL_ASTROCYTE, NA);
    q         = AddProj(&n, S, T, NA_RULE_FIXED_INDEGREE);
    q->rule.K = 2000;
    AddThird(q, A, 1.0, NA_POOL_RANDOM, ps);
    Build(&n);
    Roles(&n, 0, &P, &In, &Out);
    for (PetscInt t = 0; t < 20; t++) {
      PetscInt size = 0;
      for (PetscInt a = 0; a < NA; a++) {
        PetscBool hit = PETSC_FALSE;
        for (PetscInt j = Out->off[a]; j < Out->off[a + 1]; j++) hit |= Out->tgt[j] == t;
        size += hit;
      }
      cr_assert_eq(size, ps, "pool_size %d: target %d uses %d astrocytes", (int)ps, (int)t, (int)size);
    }
    Free(&n);
  }
}

Test(connect, tripartite_block_pools_are_nest_s, .init = test_init, .fini = test_fini)
{
  Net                 n;
  const NaProjection *P, *In, *Out;

  /* pool_size 2: |T| pool_size = |A|, target t gets astrocytes 2t, 2t + 1 */
  NetInit(&n, 8);
  PetscInt S = AddPop(&n, "S", NA_CELL_NEURON, 100), T = AddPop(&n, "T", NA_CELL_NEURON, 50),
           A = AddPop(&n, "A", NA_CELL_ASTROCYTE, 100);
  AddThird(AddProj(&n, S, T, NA_RULE_ALL_TO_ALL), A, 1.0, NA_POOL_BLOCK, 2);
  /* pool_size 1: |T| / |A| = 3 targets per astrocyte, target t gets t / 3 */
  PetscInt T3 = AddPop(&n, "T3", NA_CELL_NEURON, 300);
  AddThird(AddProj(&n, S, T3, NA_RULE_ALL_TO_ALL), A, 0.5, NA_POOL_BLOCK, 1);
  Build(&n);
  cr_assert_eq(n.nproj, 6);
  Roles(&n, 0, &P, &In, &Out);
  PetscInt used[50][2] = {{0}};
  for (PetscInt a = 0; a < 100; a++)
    for (PetscInt j = Out->off[a]; j < Out->off[a + 1]; j++) {
      const PetscInt t = Out->tgt[j];
      cr_assert(a / 2 == t, "block pool_size 2: astrocyte %d -> target %d", (int)a, (int)t);
      used[t][a % 2]++;
    }
  for (PetscInt t = 0; t < 50; t++) cr_assert(used[t][0] > 0 && used[t][1] > 0 && used[t][0] + used[t][1] == 100);
  Roles(&n, 1, &P, &In, &Out);
  for (PetscInt a = 0; a < 100; a++)
    for (PetscInt j = Out->off[a]; j < Out->off[a + 1]; j++)
      cr_assert(Out->tgt[j] / 3 == a, "block pool_size 1: astrocyte %d -> target %d", (int)a, (int)Out->tgt[j]);
  Free(&n);

  /* sizes that do not fit block pools are refused, as NEST does */
  TCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
  NetInit(&n, 8);
  S = AddPop(&n, "S", NA_CELL_NEURON, 100), T = AddPop(&n, "T", NA_CELL_NEURON, 40);
  A = AddPop(&n, "A", NA_CELL_ASTROCYTE, 100);
  AddThird(AddProj(&n, S, T, NA_RULE_ALL_TO_ALL), A, 1.0, NA_POOL_BLOCK, 2);
  TCall(NaLayoutCreate(PETSC_COMM_WORLD, &n.spec, &n.layout));
  cr_assert_neq(NaConnectBuild(PETSC_COMM_WORLD, &n.spec, n.layout, &n.nproj, &n.proj), 0);
  TCall(NaLayoutDestroy(&n.layout));
  TCall(PetscPopErrorHandler());
}

Test(connect, view_prints_the_statistics, .init = test_init, .fini = test_fini)
{
  Net         n;
  PetscViewer v;
  char        buf[4096], path[64];
  FILE       *f;
  size_t      len;

  NetInit(&n, 3);
  PetscInt E = AddPop(&n, "E", NA_CELL_NEURON, 100), A = AddPop(&n, "A", NA_CELL_ASTROCYTE, 20);
  AddThird(AddProj(&n, E, E, NA_RULE_ALL_TO_ALL), A, 1.0, NA_POOL_RANDOM, 4);
  Build(&n);
  snprintf(path, sizeof path, "/tmp/nastro-connect-%d.txt", (int)getpid());
  TCall(PetscViewerASCIIOpen(PETSC_COMM_WORLD, path, &v));
  TCall(NaConnectView(PETSC_COMM_WORLD, &n.spec, n.nproj, n.proj, v));
  TCall(PetscViewerDestroy(&v));
  f = fopen(path, "r");
  cr_assert(f);
  len      = fread(buf, 1, sizeof buf - 1, f);
  buf[len] = 0;
  fclose(f);
  unlink(path);
  cr_log_info("%s", buf);
  cr_assert(strstr(buf, "E -> E (primary, static_synapse): 10000 synapses, mean in-degree 100"), "%s", buf);
  cr_assert(strstr(buf, "E -> A (third_in, tsodyks_synapse): 10000 synapses, mean in-degree 500"), "%s", buf);
  cr_assert(strstr(buf, "A -> E (third_out, sic_connection): 10000 synapses"), "%s", buf);
  cr_assert(strstr(buf, "10000 pairings, 1 of the 10000 primary synapses paired"), "%s", buf);
  cr_assert(strstr(buf, "bytes per synapse"), "%s", buf);
  Free(&n);
}

/* ---- construction speed ----------------------------------------------------------------------------------- */

Test(connect, construction_time_10000_by_800, .init = test_init, .fini = test_fini)
{
  Net            n;
  PetscLogDouble t0, t1, t2, t3;

  NetInit(&n, 42);
  PetscInt E                                            = AddPop(&n, "E", NA_CELL_NEURON, 10000);
  AddProj(&n, E, E, NA_RULE_PAIRWISE_BERNOULLI)->rule.p = 0.08;
  TCall(PetscTime(&t0));
  Build(&n);
  TCall(PetscTime(&t1));
  cr_assert(fabs(n.proj[0].nglobal - 8e6) < 5 * sqrt(8e6));
  Free(&n);
  NetInit(&n, 42);
  E                                                 = AddPop(&n, "E", NA_CELL_NEURON, 10000);
  AddProj(&n, E, E, NA_RULE_FIXED_INDEGREE)->rule.K = 800;
  TCall(PetscTime(&t2));
  Build(&n);
  TCall(PetscTime(&t3));
  cr_assert_eq(n.proj[0].nglobal, 8000000);
  Free(&n);
  fprintf(stderr, "construction of 10000 targets x 800 in-degree: pairwise_bernoulli %.3f s, fixed_indegree %.3f s\n",
          t1 - t0, t3 - t2);
}

/* ---- tsodyks_synapse ---------------------------------------------------------------------------------------- */

/* x, y, u from t0 to t1 by RK4 with steps of at most h (dx/dt = z/tau_rec, dy/dt = -y/tau_psc, du/dt = -u/tau_fac);
 * checks x + y <= 1 on the way */
static void Rk4(const NaTsodyksParams *p, double v[3], double t0, double t1, double h)
{
  const long   n  = (long)ceil((t1 - t0) / h);
  const double dt = (t1 - t0) / n;
  for (long i = 0; i < n; i++) {
    double k[4][3], w[3];
    for (int st = 0; st < 4; st++) {
      const double c = st == 0 ? 0 : st == 3 ? 1 : 0.5;
      for (int j = 0; j < 3; j++) w[j] = v[j] + (st ? c * dt * k[st - 1][j] : 0);
      k[st][0] = (1 - w[0] - w[1]) / p->tau_rec;
      k[st][1] = -w[1] / p->tau_psc;
      k[st][2] = p->tau_fac > 0 ? -w[2] / p->tau_fac : 0;
    }
    for (int j = 0; j < 3; j++) v[j] += dt / 6 * (k[0][j] + 2 * k[1][j] + 2 * k[2][j] + k[3][j]);
    cr_assert(v[0] + v[1] <= 1 + 1e-12);
  }
}

Test(connect, tsodyks_closed_form_equals_ode, .init = test_init, .fini = test_fini)
{
  const NaTsodyksParams set[3] = {
      {.U = 0.5, .tau_psc = 3, .tau_rec = 800, .tau_fac = 0, .x = 1, .y = 0, .u = 0},       /* NEST's defaults */
      {.U = 0.1, .tau_psc = 2, .tau_rec = 100, .tau_fac = 1000, .x = 1, .y = 0, .u = 0},    /* facilitating */
      {.U = 0.8, .tau_psc = 5, .tau_rec = 20, .tau_fac = 30, .x = 0.7, .y = 0.2, .u = 0.1}, /* fast, mid state */
  };
  NaRng  r;
  double maxerr = 0;

  NaRngSeed(&r, 31, 0);
  for (int k = 0; k < 3; k++) {
    const NaTsodyksParams *p    = &set[k];
    NaTsodyksState         s    = {p->x, p->y, p->u, 0};
    double                 v[3] = {p->x, p->y, p->u}, t = 0;
    for (int spike = 0; spike < 60; spike++) {
      t += 0.1 * ceil(-log(1 - NaRngUniform(&r)) * 150); /* a spike train on the 0.1 ms grid, mean ISI 15 ms */
      Rk4(p, v, s.t_last, t, 0.002);
      /* the jump at the spike: u is facilitated first, then the release D = u x */
      if (p->tau_fac == 0) v[2] = 0;
      v[2] += p->U * (1 - v[2]);
      const double D_ode = v[2] * v[0];
      v[0] -= D_ode;
      v[1] += D_ode;
      const double D = NaTsodyksSpike(p, &s, t);
      const double e = fmax(fmax(fabs(D - D_ode), fabs(s.x - v[0])), fmax(fabs(s.y - v[1]), fabs(s.u - v[2])));
      maxerr         = fmax(maxerr, e);
      cr_assert(e < 1e-9, "set %d spike %d at %g ms: closed form and ODE differ by %g", k, spike, t, e);
      cr_assert(s.x + s.y <= 1.0, "x + y = %.17g > 1", s.x + s.y);
      cr_assert(s.x >= 0 && s.y >= 0 && s.u >= 0 && s.u <= 1);
      cr_assert_eq(s.t_last, t);
    }
  }
  cr_log_info("tsodyks closed form vs RK4: max difference %.3g", maxerr);

  /* x + y <= 1 on long random trains, including bursts at the resolution */
  for (int k = 0; k < 3; k++) {
    NaTsodyksState s = {1, 0, 0, 0};
    double         t = 0;
    for (int spike = 0; spike < 100000; spike++) {
      t += 0.1 * (1 + (double)NaRngBelow(&r, spike % 100 < 20 ? 3 : 500));
      (void)NaTsodyksSpike(&set[k], &s, t);
      cr_assert(s.x + s.y <= 1.0, "set %d spike %d: x + y = %.17g > 1", k, spike, s.x + s.y);
    }
  }
}

/* ---- positions and the distance rule ---------------------------------------------------------------------- */

static void Grid(NaPopSpec *p, PetscInt rows, double spacing, double x0, double y0)
{
  p->pos.kind      = NA_POS_GRID;
  p->pos.rows      = rows;
  p->pos.spacing   = spacing;
  p->pos.origin[0] = x0;
  p->pos.origin[1] = y0;
}

/* within the radius, p = 1: exactly the pairs nearer than the radius, against a brute force over positions computed
 * here from the grid formula (Brian 2's: x = (i // rows) d + x0, y = (i % rows) d + y0), without autapses */
Test(connect, distance_radius_connects_exactly_the_near_pairs, .init = test_init, .fini = test_fini)
{
  const PetscInt N = 300, rows = 12;
  const double   d = 50, R = 75; /* 4 neighbours on the grid (the diagonals are at 70.7 < 75: 8) */
  Net            n;

  NetInit(&n, 99);
  PetscInt A = AddPop(&n, "A", NA_CELL_ASTROCYTE, N);
  Grid(&n.pops[A], rows, d, -300, -275);
  NaProjSpec *q          = AddProj(&n, A, A, NA_RULE_DISTANCE);
  q->rule.p              = 1;
  q->rule.radius         = R;
  q->rule.allow_autapses = PETSC_FALSE;
  Build(&n);
  CheckCSR(&n.proj[0]);
  const NaProjection *P     = &n.proj[0];
  PetscInt            count = 0;
  for (PetscInt s = 0; s < N; s++) {
    PetscInt j = P->off[s];
    for (PetscInt t = 0; t < N; t++) {
      const double    dx = (double)(s / rows - t / rows) * d, dy = (double)(s % rows - t % rows) * d;
      const PetscBool near = (PetscBool)(s != t && sqrt(dx * dx + dy * dy) < R);
      const PetscBool made = (PetscBool)(j < P->off[s + 1] && P->tgt[j] == t);
      cr_assert_eq(made, near, "source %d target %d (distance %g): made %d, expected %d", (int)s, (int)t,
                   sqrt(dx * dx + dy * dy), made, near);
      if (made) j++, count++;
    }
  }
  cr_log_info("distance rule, radius %g on a %g um grid: %d synapses", R, d, (int)count);
  cr_assert_eq(count, P->nsyn);
  double xyz[3];
  NaNetSpecPosition(&n.spec, A, 13, xyz);
  cr_assert(xyz[0] == -300 + 50 && xyz[1] == -275 + 50 && xyz[2] == 0, "cell 13 at %g %g %g", xyz[0], xyz[1], xyz[2]);
  Free(&n);
}

/* a Gaussian profile: the synapses made in each distance bin against their expectation, the sum over the bin's pairs
 * of p0 exp(-d^2 / (2 sigma^2)) (chi^2 with each bin's variance, the sum of p (1 - p)), and against a profile 20 %
 * wider (the test sees it) */
Test(connect, distance_gaussian_profile, .init = test_init, .fini = test_fini)
{
  const PetscInt NS = 400, NT = 300, nb = 12;
  const double   sigma = 60, p0 = 0.7, bw = 20;
  double         made[12] = {0}, e[2][12] = {{0}}, v[2][12] = {{0}}, chi2[2] = {0, 0}, df = nb;
  Net            n;

  NetInit(&n, 5);
  PetscInt S = AddPop(&n, "S", NA_CELL_NEURON, NS), T = AddPop(&n, "T", NA_CELL_NEURON, NT);
  for (PetscInt k = 0; k < 2; k++) {
    NaPosSpec *ps = &n.pops[k ? T : S].pos;
    ps->kind      = NA_POS_BOX;
    ps->box[0][0] = 0, ps->box[0][1] = 500, ps->box[1][0] = 0, ps->box[1][1] = 500;
  }
  NaProjSpec *q  = AddProj(&n, S, T, NA_RULE_DISTANCE);
  q->rule.p      = p0;
  q->rule.pdist  = NA_PDIST_GAUSSIAN;
  q->rule.length = sigma;
  q->rule.radius = INFINITY;
  Build(&n);
  CheckCSR(&n.proj[0]);
  const NaProjection *P = &n.proj[0];
  for (PetscInt s = 0; s < NS; s++) {
    double   xs[3], xt[3];
    PetscInt j = P->off[s];
    NaNetSpecPosition(&n.spec, S, s, xs);
    cr_assert(xs[0] >= 0 && xs[0] < 500 && xs[1] >= 0 && xs[1] < 500 && xs[2] == 0, "source %d at %g %g %g", (int)s,
              xs[0], xs[1], xs[2]);
    for (PetscInt t = 0; t < NT; t++) {
      NaNetSpecPosition(&n.spec, T, t, xt);
      const double    dist = hypot(xs[0] - xt[0], xs[1] - xt[1]);
      const PetscBool m    = (PetscBool)(j < P->off[s + 1] && P->tgt[j] == t);
      if (m) j++;
      if (dist >= nb * bw) continue;
      const int b = (int)(dist / bw);
      made[b] += m;
      for (int w = 0; w < 2; w++) {
        const double sg = w ? 1.2 * sigma : sigma, pr = p0 * exp(-dist * dist / (2 * sg * sg));
        e[w][b] += pr, v[w][b] += pr * (1 - pr);
      }
    }
  }
  for (PetscInt b = 0; b < nb; b++)
    for (int w = 0; w < 2; w++) chi2[w] += (made[b] - e[w][b]) * (made[b] - e[w][b]) / v[w][b];
  cr_log_info("distance rule, Gaussian profile: chi^2 %.1f over %.0f bins (0.1 %% critical %.1f); 20 %% wider: %.1f",
              chi2[0], df, Chi2Crit(df), chi2[1]);
  cr_assert(chi2[0] < Chi2Crit(df), "synapses per bin are not those of p0 exp(-d^2/2 sigma^2): chi^2 %g >= %g", chi2[0],
            Chi2Crit(df));
  cr_assert(chi2[1] > Chi2Crit(df), "chi^2 %g does not reject a profile 20 %% wider", chi2[1]);
  Free(&n);
}
