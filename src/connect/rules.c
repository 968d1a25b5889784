/* NaConnectBuild: the synapses of every projection of a network file, built on their target's rank from random
 * streams keyed by (seed, projection, target cell), so the network is the same on any rank count (connect.h).
 *
 * Rules (NEST's semantics, models.md 3.5): all_to_all, one_to_one, pairwise_bernoulli (each ordered pair with
 * probability p, drawn by geometric skipping: O(in-degree) per target), fixed_indegree (K sources uniform with
 * replacement: NEST's default allow_multapses). Autapses (source == target, same population) are dropped when the
 * rule disallows them; the trial of the diagonal pair is simply discarded, so every other pair keeps probability p.
 *
 * Streams of target t (global cell id) in projection k: NA_STREAM_CONNECT its sources; NA_STREAM_WEIGHT the
 * weights of its synapses in the order they were made, then for each pairing the third_in and third_out weights;
 * NA_STREAM_POOL its astrocyte pool; NA_STREAM_PAIR the pairing draws.
 *
 * Tripartite (NEST's third_factor_bernoulli_with_pool): each primary synapse s -> t, in order, is paired with
 * probability p with an astrocyte drawn uniformly from t's pool (with replacement across pairings); the pool is
 * drawn once per target: `random` pool_size distinct astrocytes uniform, `block` astrocytes [t pool_size, (t + 1)
 * pool_size), or t / (|T| / |A|) for pool_size 1. A pairing makes s -> a (third_in, on a's rank: one
 * MPI_Alltoallv) and a -> t (third_out, sic_connection, here).
 *
 * Construction is two passes over the local targets with the same streams: the first counts the synapses of each
 * source, the second writes every synapse straight into its CSR slot (a stable counting sort), so no temporary
 * per-synapse storage and no per-synapse allocation. */
#include "connect.h"
#include "naerrors.h"
#include "nalimits.h"
#include <petscviewer.h>
#include <string.h>

/* the sources of one target under one rule */
typedef struct {
  NaRuleKind        kind;
  PetscInt          nsrc, K;
  double            p, lq;  /* pairwise_bernoulli: p and log(1 - p) */
  PetscBool         noself; /* autapses disallowed and the source population is the target population */
  const NaNetSpec  *spec;   /* distance: the positions of populations src and tgt, and the rule */
  PetscInt          src, tgt;
  const NaRuleSpec *rs;
  PetscInt *poff, *psrc; /* pairs: the sources of target t are psrc[poff[t] .. poff[t + 1]), in the file's order */
} Rule;

/* the distance rule's probability at distance d (below the radius) */
static inline double DistanceP(const NaRuleSpec *r, double d)
{
  switch (r->pdist) {
  case NA_PDIST_GAUSSIAN:
    return r->p * exp(-d * d / (2 * r->length * r->length));
  case NA_PDIST_EXPONENTIAL:
    return r->p * exp(-d / r->length);
  default:
    return r->p;
  }
}

/* a growable buffer of source indices (grows by doubling; reused over all targets) */
typedef struct {
  PetscInt *v;
  PetscInt  n, cap;
} Scratch;

/* one pairing s -> t with astrocyte a, made on t's rank */
typedef struct {
  PetscInt s, a, t;
  double   w_in, w_out;
} Pairing;

typedef struct {
  Pairing *v;
  int64_t  n, cap;
} PairBuf;

/* a third_in synapse on its way to the astrocyte's rank */
typedef struct {
  PetscInt s, a, t;
  double   w;
} ThirdRec;

static PetscErrorCode ScratchGrow(Scratch *b, int64_t need)
{
  PetscInt *v;
  int64_t   cap = PetscMax(2 * (int64_t)b->cap, PetscMax(need, 64));

  PetscFunctionBegin;
  if (need <= b->cap) PetscFunctionReturn(0);
  if (cap > PETSC_MAX_INT) cap = PETSC_MAX_INT;
  PetscCheck(need <= cap, PETSC_COMM_SELF, PETSC_ERR_SUP, "more than %" PetscInt_FMT " sources for one target",
             PETSC_MAX_INT);
  PetscCall(PetscMalloc1(cap, &v));
  if (b->n) PetscCall(PetscArraycpy(v, b->v, b->n));
  PetscCall(PetscFree(b->v));
  b->v   = v;
  b->cap = (PetscInt)cap;
  PetscFunctionReturn(0);
}

static PetscErrorCode PairPush(PairBuf *b, const Pairing *q)
{
  PetscFunctionBegin;
  if (b->n == b->cap) {
    Pairing *v;
    int64_t  cap = PetscMax(b->cap + b->cap / 2, 1024);
    PetscCall(PetscMalloc1(cap, &v));
    if (b->n) PetscCall(PetscArraycpy(v, b->v, b->n));
    PetscCall(PetscFree(b->v));
    b->v   = v;
    b->cap = cap;
  }
  b->v[b->n++] = *q;
  PetscFunctionReturn(0);
}

/* the sources of target t (index in its population) in the order the rule makes them, into b */
static PetscErrorCode Sources(const Rule *R, NaRng *rng, PetscInt t, Scratch *b)
{
  PetscFunctionBegin;
  b->n = 0;
  switch (R->kind) {
  case NA_RULE_PAIRS:
    PetscCall(ScratchGrow(b, R->poff[t + 1] - R->poff[t]));
    for (PetscInt k = R->poff[t]; k < R->poff[t + 1]; k++) b->v[b->n++] = R->psrc[k];
    break;
  case NA_RULE_ONE_TO_ONE:
    PetscCall(ScratchGrow(b, 1));
    if (!R->noself) b->v[b->n++] = t;
    break;
  case NA_RULE_FIXED_INDEGREE:
    PetscCall(ScratchGrow(b, R->K));
    for (PetscInt k = 0; k < R->K; k++) {
      PetscInt s;
      do s = (PetscInt)NaRngBelow(rng, (uint64_t)R->nsrc);
      while (R->noself && s == t);
      b->v[b->n++] = s;
    }
    break;
  case NA_RULE_PAIRWISE_BERNOULLI:
    if (R->p <= 0) break;
    if (R->p < 1) {
      /* the gap before the next connected source is geometric: floor(log U / log(1 - p)) failures, U in (0, 1] */
      const int64_t n = R->nsrc;
      for (int64_t j = -1;;) {
        const double g = log(1.0 - NaRngUniform(rng)) / R->lq;
        if (!(g < (double)(n - 1 - j))) break;
        j += 1 + (int64_t)g;
        if (R->noself && j == t) continue;
        if (b->n == b->cap) PetscCall(ScratchGrow(b, (int64_t)b->cap + 1));
        b->v[b->n++] = (PetscInt)j;
      }
      break;
    }
    /* p = 1: every source, as all_to_all */
  /* fall through */
  case NA_RULE_ALL_TO_ALL:
    PetscCall(ScratchGrow(b, R->nsrc));
    for (PetscInt s = 0; s < R->nsrc; s++)
      if (!(R->noself && s == t)) b->v[b->n++] = s;
    break;
  case NA_RULE_DISTANCE: {
    /* every source in order: those nearer than the radius, each with its probability (a draw only where it is
     * below 1), so the streams are the same on any rank count. O(sources) per target. */
    double xt[3], xs[3];
    NaNetSpecPosition(R->spec, R->tgt, t, xt);
    for (PetscInt s = 0; s < R->nsrc; s++) {
      double d2 = 0, d, q;
      if (R->noself && s == t) continue;
      NaNetSpecPosition(R->spec, R->src, s, xs);
      for (int k = 0; k < 3; k++) d2 += (xs[k] - xt[k]) * (xs[k] - xt[k]);
      d = sqrt(d2);
      if (!(d < R->rs->radius)) continue;
      q = DistanceP(R->rs, d);
      if (q < 1 && !(NaRngUniform(rng) < q)) continue;
      if (b->n == b->cap) PetscCall(ScratchGrow(b, (int64_t)b->cap + 1));
      b->v[b->n++] = s;
    }
  } break;
  }
  PetscFunctionReturn(0);
}

/* t's pool of astrocytes (indices in the astrocyte population), sorted; mark: [nA] zeros, left zero */
static void DrawPool(const NaThirdSpec *th, NaRng *rng, PetscInt t, PetscInt ntgt, PetscInt nA, unsigned char *mark,
                     PetscInt *pool)
{
  const PetscInt k = th->pool_size;

  if (th->pool_type == NA_POOL_BLOCK) {
    /* NEST's get_first_pool_index_: t pool_size, or t / (|T| / |A|) (integer division) for pool_size 1 */
    const PetscInt first = k > 1 ? t * k : t / (ntgt / nA);
    for (PetscInt i = 0; i < k; i++) pool[i] = first + i;
    return;
  }
  if (k == nA) {
    for (PetscInt i = 0; i < k; i++) pool[i] = i;
    return;
  }
  /* Floyd's algorithm: a uniform k-subset of [0, nA) in k draws */
  for (PetscInt j = nA - k, m = 0; j < nA; j++) {
    PetscInt r = (PetscInt)NaRngBelow(rng, (uint64_t)j + 1);
    if (mark[r]) r = j;
    mark[r]   = 1;
    pool[m++] = r;
  }
  if ((int64_t)k * 16 >= nA) { /* dense: collect in order by a scan */
    for (PetscInt i = 0, m = 0; i < nA; i++)
      if (mark[i]) pool[m++] = i, mark[i] = 0;
  } else {
    for (PetscInt i = 0; i < k; i++) mark[pool[i]] = 0;
    (void)PetscSortInt(k, pool);
  }
}

static void ProjName(const NaNetSpec *spec, PetscInt k, char buf[], size_t len)
{
  const NaProjSpec *q    = &spec->projs[k];
  const char       *from = q->from >= 0 && q->from < spec->npops ? spec->pops[q->from].name : "?";
  const char       *to   = q->to >= 0 && q->to < spec->npops ? spec->pops[q->to].name : "?";
  snprintf(buf, len, "projection %d (%s -> %s, line %d)", (int)k, from, to, q->line);
}

static PetscErrorCode DelaySteps(MPI_Comm comm, const NaNetSpec *spec, const char name[], const char what[], double d,
                                 PetscInt *steps)
{
  const double s = round(d / spec->resolution);

  PetscFunctionBegin;
  NaCheck(s >= 1 && s <= PETSC_MAX_INT, comm, PETSC_ERR_ARG_OUTOFRANGE,
          "%s: %s delay %g ms is not a positive multiple of the resolution %g ms", name, what, d, spec->resolution);
  *steps = (PetscInt)s;
  PetscFunctionReturn(0);
}

static PetscErrorCode CheckCount(const char name[], const char what[], int64_t n, PetscMPIInt rank)
{
  PetscFunctionBegin;
  PetscCheck(n <= PETSC_MAX_INT, PETSC_COMM_SELF, PETSC_ERR_SUP,
             "%s: %lld %s synapses on rank %d, more than a %d-bit PetscInt holds (%" PetscInt_FMT
             "): use more ranks or a PETSc with 64-bit indices (meson setup -Dpetsc=PETSc64)",
             name, (long long)n, what, rank, (int)(8 * sizeof(PetscInt)), PETSC_MAX_INT);
  PetscFunctionReturn(0);
}

/* the tsodyks state of P: one per source of this rank's block of the source population, unless the source is a
 * poisson_generator (connect.h) */
static PetscErrorCode InitTsodyks(const NaNetSpec *spec, const NaLayout *L, NaProjection *P)
{
  PetscInt n, lo, hi;

  PetscFunctionBegin;
  P->tms_shared = strcmp(spec->pops[P->src_pop].model->name, "poisson_generator") ? PETSC_TRUE : PETSC_FALSE;
  NaLayoutLocal(L, P->src_pop, &lo, &hi);
  P->tms_lo = P->tms_shared ? lo : 0;
  P->tms_n  = P->tms_shared ? hi - lo : 0;
  n         = P->tms_shared ? P->tms_n : P->nsyn;
  PetscCall(PetscMalloc1(PetscMax(n, 1), &P->tms));
  for (PetscInt i = 0; i < n; i++) {
    P->tms[i].x      = P->tm.x;
    P->tms[i].y      = P->tm.y;
    P->tms[i].u      = P->tm.u;
    P->tms[i].t_last = 0.0;
  }
  PetscFunctionReturn(0);
}

/* tm_glio_synapse: one state per synapse (connect.h), Brian's initial u_S 0, x_S 1 */
static PetscErrorCode InitGlio(NaProjection *P)
{
  PetscFunctionBegin;
  P->tms_shared = PETSC_FALSE;
  P->tms_lo = P->tms_n = 0;
  PetscCall(PetscMalloc1(PetscMax(P->nsyn, 1), &P->tms));
  for (PetscInt j = 0; j < P->nsyn; j++) P->tms[j] = (NaTsodyksState){1.0, 0.0, 0.0, 0.0};
  PetscFunctionReturn(0);
}

/* weights: an array, or none when the file gives a constant (its draws then consume no random numbers) */
static PetscErrorCode InitWeights(const NaValue *w, NaProjection *P)
{
  PetscFunctionBegin;
  P->w0 = w->a;
  if (w->kind != NA_VALUE_CONST) PetscCall(PetscMalloc1(PetscMax(P->nsyn, 1), &P->weight));
  PetscFunctionReturn(0);
}

/* checks a projection's description against the populations (the same on every rank: errors are collective) */
static PetscErrorCode CheckProjection(MPI_Comm comm, const NaNetSpec *spec, const NaLayout *L, PetscInt k)
{
  const NaProjSpec *q = &spec->projs[k];
  char              name[256];

  PetscFunctionBegin;
  ProjName(spec, k, name, sizeof name);
  PetscCheck(q->from >= 0 && q->from < spec->npops && q->to >= 0 && q->to < spec->npops, comm, PETSC_ERR_ARG_OUTOFRANGE,
             "%s: no such population", name);
  PetscCheck(!L->replicated[q->to], comm, PETSC_ERR_ARG_WRONG, "%s: the target %s is a generator", name,
             spec->pops[q->to].name);
  const PetscInt  nsrc = L->n[q->from], ntgt = L->n[q->to];
  const PetscBool noself = !q->rule.allow_autapses && q->from == q->to;
  switch (q->rule.kind) {
  case NA_RULE_ONE_TO_ONE:
    PetscCheck(nsrc == ntgt, comm, PETSC_ERR_ARG_INCOMP,
               "%s: one_to_one needs populations of one size, not %" PetscInt_FMT " and %" PetscInt_FMT, name, nsrc,
               ntgt);
    break;
  case NA_RULE_PAIRWISE_BERNOULLI:
    NaCheck(q->rule.p >= 0 && q->rule.p <= 1, comm, PETSC_ERR_ARG_OUTOFRANGE,
            "%s: pairwise_bernoulli p = %g is not in [0, 1]", name, q->rule.p);
    break;
  case NA_RULE_FIXED_INDEGREE:
    PetscCheck(q->rule.K >= 0, comm, PETSC_ERR_ARG_OUTOFRANGE, "%s: fixed_indegree K = %" PetscInt_FMT " < 0", name,
               q->rule.K);
    PetscCheck(q->rule.K == 0 || nsrc > (noself ? 1 : 0), comm, PETSC_ERR_ARG_INCOMP,
               "%s: fixed_indegree K = %" PetscInt_FMT " from %" PetscInt_FMT " source(s)%s", name, q->rule.K, nsrc,
               noself ? " without autapses" : "");
    break;
  case NA_RULE_DISTANCE:
    NaCheck(q->rule.radius > 0, comm, PETSC_ERR_ARG_OUTOFRANGE, "%s: distance radius %g um is not > 0", name,
            q->rule.radius);
    PetscCheck(spec->pops[q->from].pos.kind != NA_POS_NONE && spec->pops[q->to].pos.kind != NA_POS_NONE, comm,
               PETSC_ERR_ARG_WRONG, "%s: the distance rule needs positions of both populations", name);
    break;
  case NA_RULE_PAIRS:
    for (PetscInt j = 0; j < q->rule.npairs; j++)
      PetscCheck(q->rule.pre[j] >= 0 && q->rule.pre[j] < nsrc && q->rule.post[j] >= 0 && q->rule.post[j] < ntgt, comm,
                 PETSC_ERR_ARG_OUTOFRANGE,
                 "%s: pair %" PetscInt_FMT " (%" PetscInt_FMT " -> %" PetscInt_FMT ") is out of range", name, j,
                 q->rule.pre[j], q->rule.post[j]);
    break;
  case NA_RULE_ALL_TO_ALL:
    break;
  }
  if (q->third.present) {
    const NaThirdSpec *th = &q->third;
    PetscCheck(th->pop >= 0 && th->pop < spec->npops, comm, PETSC_ERR_ARG_OUTOFRANGE,
               "%s: no such third-factor population", name);
    PetscCheck(!L->replicated[th->pop], comm, PETSC_ERR_ARG_WRONG, "%s: the third factor %s is a generator", name,
               spec->pops[th->pop].name);
    const PetscInt nA = L->n[th->pop], ps = th->pool_size;
    NaCheck(th->p >= 0 && th->p <= 1, comm, PETSC_ERR_ARG_OUTOFRANGE, "%s: third factor p = %g is not in [0, 1]", name,
            th->p);
    PetscCheck(ps >= 1 && ps <= nA, comm, PETSC_ERR_ARG_OUTOFRANGE,
               "%s: pool_size %" PetscInt_FMT " is not in [1, %" PetscInt_FMT "] (the astrocytes of %s)", name, ps, nA,
               spec->pops[th->pop].name);
    PetscCheck(th->pool_type != NA_POOL_BLOCK || (int64_t)ntgt * ps == nA || (ps == 1 && ntgt % nA == 0), comm,
               PETSC_ERR_ARG_INCOMP,
               "%s: block pools need |targets| x pool_size = |astrocytes|, or pool_size 1 and |targets| a multiple of "
               "|astrocytes| (here %" PetscInt_FMT " targets, pool_size %" PetscInt_FMT ", %" PetscInt_FMT
               " astrocytes): use random pools",
               name, ntgt, ps, nA);
  }
  PetscFunctionReturn(0);
}

/* the primary synapses of projection k on this rank; pairs: NULL, or the tripartite pairings made here */
static PetscErrorCode BuildPrimary(MPI_Comm comm, const NaNetSpec *spec, const NaLayout *L, PetscInt k, NaProjection *P,
                                   PairBuf *pairs)
{
  const NaProjSpec  *q  = &spec->projs[k];
  const NaThirdSpec *th = &q->third;
  const PetscInt     t0 = L->offset[q->to];
  Rule               R;
  Scratch            src = {NULL, 0, 0};
  PetscInt          *off, *pool = NULL, nA = 0;
  unsigned char     *mark  = NULL;
  int64_t            total = 0;
  PetscMPIInt        rank;
  char               name[256];

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  ProjName(spec, k, name, sizeof name);
  P->spec     = k;
  P->role     = NA_PROJ_PRIMARY;
  P->kind     = q->syn.kind;
  P->tm       = q->syn.tm;
  P->gl       = q->syn.gl;
  P->glia_pop = q->glia.present ? q->glia.pop : -1;
  P->src_pop  = q->from;
  P->tgt_pop  = q->to;
  P->nsrc     = L->n[q->from];
  NaLayoutLocal(L, q->to, &P->tlo, &P->thi);
  PetscCall(DelaySteps(comm, spec, name, "the", q->syn.delay, &P->delay));
  R.kind   = q->rule.kind;
  R.nsrc   = P->nsrc;
  R.K      = q->rule.K;
  R.p      = q->rule.p;
  R.lq     = log1p(-q->rule.p);
  R.noself = !q->rule.allow_autapses && q->from == q->to;
  R.spec   = spec;
  R.src    = q->from;
  R.tgt    = q->to;
  R.rs     = &q->rule;
  R.poff = R.psrc = NULL;
  if (R.kind == NA_RULE_PAIRS) { /* the pairs by target, each target's in the file's order (a stable counting sort) */
    const PetscInt ntgt = L->n[q->to];
    PetscCall(PetscCalloc1(ntgt + 1, &R.poff));
    PetscCall(PetscMalloc1(PetscMax(q->rule.npairs, 1), &R.psrc));
    for (PetscInt j = 0; j < q->rule.npairs; j++) R.poff[q->rule.post[j] + 1]++;
    for (PetscInt t = 0; t < ntgt; t++) R.poff[t + 1] += R.poff[t];
    for (PetscInt j = 0; j < q->rule.npairs; j++) R.psrc[R.poff[q->rule.post[j]]++] = q->rule.pre[j];
    for (PetscInt t = ntgt; t > 0; t--) R.poff[t] = R.poff[t - 1];
    R.poff[0] = 0;
  }
  if (pairs) {
    nA = L->n[th->pop];
    PetscCall(PetscMalloc1(th->pool_size, &pool));
    PetscCall(PetscCalloc1(nA, &mark));
  }

  /* the dense rules' counts are known: refuse before any work */
  if (R.kind == NA_RULE_ALL_TO_ALL || (R.kind == NA_RULE_PAIRWISE_BERNOULLI && R.p >= 1))
    PetscCall(CheckCount(name, "primary", ((int64_t)R.nsrc - (R.noself ? 1 : 0)) * (P->thi - P->tlo), rank));
  if (R.kind == NA_RULE_FIXED_INDEGREE) PetscCall(CheckCount(name, "primary", (int64_t)R.K * (P->thi - P->tlo), rank));

  /* pass 1: the synapses of each source s, in off[s + 1] */
  PetscCall(PetscCalloc1(P->nsrc + 1, &P->off));
  off = P->off;
  for (PetscInt t = P->tlo; t < P->thi; t++) {
    NaRng r;
    NaRngSeedKeyed(&r, spec->seed, NA_STREAM_CONNECT, (uint64_t)k, (uint64_t)(t0 + t));
    PetscCall(Sources(&R, &r, t, &src));
    total += src.n;
    PetscCall(CheckCount(name, "primary", total, rank));
    for (PetscInt i = 0; i < src.n; i++) off[src.v[i] + 1]++;
  }
  for (PetscInt s = 0; s < P->nsrc; s++) off[s + 1] += off[s];
  P->nsyn = (PetscInt)total;
  PetscCall(PetscMalloc1(P->nsyn, &P->tgt));
  PetscCall(InitWeights(&q->syn.weight, P));
  if (pairs) { /* room for the expected pairings and 5 standard deviations, so the buffer rarely grows */
    pairs->cap = (int64_t)(th->p * total + 5 * sqrt(th->p * total) + 1024);
    PetscCall(PetscMalloc1(pairs->cap, &pairs->v));
  }

  /* pass 2: the same sources again, each synapse into its slot (off[s] is the cursor of source s) */
  for (PetscInt t = P->tlo; t < P->thi; t++) {
    NaRng r, w;
    NaRngSeedKeyed(&r, spec->seed, NA_STREAM_CONNECT, (uint64_t)k, (uint64_t)(t0 + t));
    NaRngSeedKeyed(&w, spec->seed, NA_STREAM_WEIGHT, (uint64_t)k, (uint64_t)(t0 + t));
    PetscCall(Sources(&R, &r, t, &src));
    for (PetscInt i = 0; i < src.n; i++) {
      const PetscInt pos = off[src.v[i]]++;
      P->tgt[pos]        = t;
      if (P->weight) P->weight[pos] = NaValueDraw(&q->syn.weight, &w);
    }
    if (pairs && src.n) {
      NaRng     pr, pl;
      PetscBool drawn = PETSC_FALSE;
      NaRngSeedKeyed(&pr, spec->seed, NA_STREAM_PAIR, (uint64_t)k, (uint64_t)(t0 + t));
      for (PetscInt i = 0; i < src.n; i++) {
        Pairing c;
        if (!(NaRngUniform(&pr) < th->p)) continue;
        if (!drawn) { /* the pool, drawn once, at the first pairing (its stream is its own) */
          NaRngSeedKeyed(&pl, spec->seed, NA_STREAM_POOL, (uint64_t)k, (uint64_t)(t0 + t));
          DrawPool(th, &pl, t, L->n[q->to], nA, mark, pool);
          drawn = PETSC_TRUE;
        }
        c.s     = src.v[i];
        c.a     = pool[th->pool_size == 1 ? 0 : (PetscInt)NaRngBelow(&pr, (uint64_t)th->pool_size)];
        c.t     = t;
        c.w_in  = NaValueDraw(&th->in.weight, &w);
        c.w_out = NaValueDraw(&th->out.weight, &w);
        PetscCall(PairPush(pairs, &c));
      }
    }
  }
  for (PetscInt s = P->nsrc; s > 0; s--) off[s] = off[s - 1];
  off[0] = 0;
  if (P->kind == NA_SYN_TSODYKS) PetscCall(InitTsodyks(spec, L, P));
  if (P->kind == NA_SYN_GLIO) PetscCall(InitGlio(P));
  PetscCall(PetscFree(R.poff));
  PetscCall(PetscFree(R.psrc));
  PetscCall(PetscFree(src.v));
  PetscCall(PetscFree(pool));
  PetscCall(PetscFree(mark));
  PetscFunctionReturn(0);
}

/* the third_in (on the astrocytes' ranks) and third_out (here) synapses of tripartite projection k from the
 * pairings made on this rank (in the order of their targets, then of their making), which it frees */
static PetscErrorCode BuildThird(MPI_Comm comm, const NaNetSpec *spec, const NaLayout *L, PetscInt k, PairBuf *pairs,
                                 NaProjection *In, NaProjection *Out)
{
  const NaProjSpec  *q  = &spec->projs[k];
  const NaThirdSpec *th = &q->third;
  const PetscInt     nA = L->n[th->pop];
  PetscMPIInt        size, rank, *scount, *sdispl, *rcount, *rdispl;
  ThirdRec          *send, *recv, *bya;
  MPI_Datatype       rtype;
  PetscInt           nrecv, *cnt, alo, ahi;
  int64_t            nr = 0;
  char               name[256];

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_size(comm, &size));
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  ProjName(spec, k, name, sizeof name);

  /* third_out a -> t: by astrocyte, stable (targets, then pairings, in order) */
  Out->spec    = k;
  Out->role    = NA_PROJ_THIRD_OUT;
  Out->kind    = NA_SYN_SIC;
  Out->src_pop = th->pop;
  Out->tgt_pop = q->to;
  Out->nsrc    = nA;
  NaLayoutLocal(L, q->to, &Out->tlo, &Out->thi);
  PetscCall(DelaySteps(comm, spec, name, "the third_out", th->out.delay, &Out->delay));
  PetscCall(CheckCount(name, "third_out", pairs->n, rank));
  { /* they go to the astrocytes' ranks in one MPI_Alltoallv, whose counts are int (nalimits.h) */
    PetscMPIInt nsend;
    PetscCall(NaMPICount(PETSC_COMM_SELF, pairs->n, &nsend, "%s: the third_in pairings of rank %d", name, rank));
  }
  Out->nsyn = (PetscInt)pairs->n;
  PetscCall(PetscCalloc1(nA + 1, &Out->off));
  PetscCall(PetscMalloc1(Out->nsyn, &Out->tgt));
  PetscCall(PetscMalloc1(Out->nsyn, &Out->weight));
  for (int64_t i = 0; i < pairs->n; i++) Out->off[pairs->v[i].a + 1]++;
  for (PetscInt a = 0; a < nA; a++) Out->off[a + 1] += Out->off[a];
  for (int64_t i = 0; i < pairs->n; i++) {
    const PetscInt pos = Out->off[pairs->v[i].a]++;
    Out->tgt[pos]      = pairs->v[i].t;
    Out->weight[pos]   = pairs->v[i].w_out;
  }
  for (PetscInt a = nA; a > 0; a--) Out->off[a] = Out->off[a - 1];
  Out->off[0] = 0;

  /* third_in s -> a: each pairing to a's rank, packed by rank in the order made */
  PetscCall(PetscMalloc4(size, &scount, size + 1, &sdispl, size, &rcount, size + 1, &rdispl));
  PetscCall(PetscArrayzero(scount, size));
  for (int64_t i = 0; i < pairs->n; i++) scount[NaLayoutOwner(L, th->pop, pairs->v[i].a)]++;
  sdispl[0] = 0;
  for (PetscMPIInt r = 0; r < size; r++) sdispl[r + 1] = sdispl[r] + scount[r];
  PetscCall(PetscMalloc1(pairs->n, &send));
  for (int64_t i = 0; i < pairs->n; i++) {
    const Pairing *c = &pairs->v[i];
    ThirdRec      *d = &send[sdispl[NaLayoutOwner(L, th->pop, c->a)]++];
    d->s             = c->s;
    d->a             = c->a;
    d->t             = c->t;
    d->w             = c->w_in;
  }
  for (PetscMPIInt r = size; r > 0; r--) sdispl[r] = sdispl[r - 1];
  sdispl[0] = 0;
  PetscCall(PetscFree(pairs->v));
  pairs->n = pairs->cap = 0;
  PetscCallMPI(MPI_Alltoall(scount, 1, MPI_INT, rcount, 1, MPI_INT, comm));
  for (PetscMPIInt r = 0; r < size; r++) nr += rcount[r];
  PetscCall(CheckCount(name, "third_in", nr, rank));
  {
    PetscMPIInt nin;
    PetscCall(NaMPICount(PETSC_COMM_SELF, nr, &nin, "%s: the third_in pairings to rank %d", name, rank));
  }
  nrecv     = (PetscInt)nr;
  rdispl[0] = 0;
  for (PetscMPIInt r = 0; r < size; r++) rdispl[r + 1] = rdispl[r] + rcount[r];
  PetscCall(PetscMalloc1(nrecv, &recv));
  PetscCallMPI(MPI_Type_contiguous((int)sizeof(ThirdRec), MPI_BYTE, &rtype));
  PetscCallMPI(MPI_Type_commit(&rtype));
  PetscCallMPI(MPI_Alltoallv(send, scount, sdispl, rtype, recv, rcount, rdispl, rtype, comm));
  PetscCallMPI(MPI_Type_free(&rtype));
  PetscCall(PetscFree(send));

  /* The ranks own increasing blocks of targets and each sent its pairings in target order, so recv is in the order
   * (t, pairing) on any rank count; two stable counting sorts (by astrocyte, then by source) order it by
   * (s, a, t, pairing): the CSR is the same on any rank count. */
  In->spec    = k;
  In->role    = NA_PROJ_THIRD_IN;
  In->kind    = th->in.kind;
  In->tm      = th->in.tm;
  In->src_pop = q->from;
  In->tgt_pop = th->pop;
  In->nsrc    = L->n[q->from];
  NaLayoutLocal(L, th->pop, &alo, &ahi);
  In->tlo = alo;
  In->thi = ahi;
  PetscCall(DelaySteps(comm, spec, name, "the third_in", th->in.delay, &In->delay));
  In->nsyn = nrecv;
  PetscCall(PetscMalloc1(nrecv, &bya));
  PetscCall(PetscCalloc1(ahi - alo + 1, &cnt));
  for (PetscInt i = 0; i < nrecv; i++) {
    PetscCheck(i == 0 || recv[i - 1].t <= recv[i].t, PETSC_COMM_SELF, PETSC_ERR_PLIB,
               "%s: third_in records arrived out of target order", name);
    cnt[recv[i].a - alo + 1]++;
  }
  for (PetscInt a = 0; a < ahi - alo; a++) cnt[a + 1] += cnt[a];
  for (PetscInt i = 0; i < nrecv; i++) bya[cnt[recv[i].a - alo]++] = recv[i];
  PetscCall(PetscFree(cnt));
  PetscCall(PetscFree(recv));
  PetscCall(PetscCalloc1(In->nsrc + 1, &In->off));
  PetscCall(PetscMalloc1(nrecv, &In->tgt));
  PetscCall(InitWeights(&th->in.weight, In));
  for (PetscInt i = 0; i < nrecv; i++) In->off[bya[i].s + 1]++;
  for (PetscInt s = 0; s < In->nsrc; s++) In->off[s + 1] += In->off[s];
  for (PetscInt i = 0; i < nrecv; i++) {
    const PetscInt pos = In->off[bya[i].s]++;
    In->tgt[pos]       = bya[i].a;
    if (In->weight) In->weight[pos] = bya[i].w;
  }
  for (PetscInt s = In->nsrc; s > 0; s--) In->off[s] = In->off[s - 1];
  In->off[0] = 0;
  if (In->kind == NA_SYN_TSODYKS) PetscCall(InitTsodyks(spec, L, In));
  PetscCall(PetscFree(bya));
  PetscCall(PetscFree4(scount, sdispl, rcount, rdispl));
  PetscFunctionReturn(0);
}

PetscErrorCode NaConnectBuild(MPI_Comm comm, const NaNetSpec *spec, const NaLayout *layout, PetscInt *nproj,
                              NaProjection **proj)
{
  PetscInt      n = 0, j = 0;
  NaProjection *P;
  int64_t      *cnt;

  PetscFunctionBegin;
  for (PetscInt k = 0; k < spec->nprojs; k++) {
    PetscCall(CheckProjection(comm, spec, layout, k));
    n += spec->projs[k].third.present ? 3 : 1;
  }
  PetscCall(PetscCalloc1(PetscMax(n, 1), &P));
  for (PetscInt k = 0; k < spec->nprojs; k++) {
    if (spec->projs[k].third.present) {
      PairBuf pairs = {NULL, 0, 0};
      PetscCall(BuildPrimary(comm, spec, layout, k, &P[j], &pairs));
      PetscCall(BuildThird(comm, spec, layout, k, &pairs, &P[j + 1], &P[j + 2]));
      PetscCall(PetscFree(pairs.v));
      j += 3;
    } else
      PetscCall(BuildPrimary(comm, spec, layout, k, &P[j++], NULL));
  }
  PetscCall(PetscMalloc1(PetscMax(n, 1), &cnt));
  for (PetscInt i = 0; i < n; i++) cnt[i] = P[i].nsyn;
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, cnt, (int)n, MPI_INT64_T, MPI_SUM, comm));
  for (PetscInt i = 0; i < n; i++) {
    char name[256];
    ProjName(spec, P[i].spec, name, sizeof name);
    PetscCheck(cnt[i] <= PETSC_MAX_INT, comm, PETSC_ERR_SUP,
               "%s: %lld synapses in all, more than a %d-bit PetscInt holds (%" PetscInt_FMT
               "): use a PETSc with 64-bit indices (meson setup -Dpetsc=PETSc64)",
               name, (long long)cnt[i], (int)(8 * sizeof(PetscInt)), PETSC_MAX_INT);
    P[i].nglobal = (PetscInt)cnt[i];
  }
  PetscCall(PetscFree(cnt));
  *nproj = n;
  *proj  = P;
  PetscFunctionReturn(0);
}

double NaProjectionBytes(const NaProjection *P)
{
  return (double)(P->nsrc + 1) * sizeof(PetscInt) + (double)P->nsyn * sizeof(PetscInt) +
         (P->weight ? (double)P->nsyn * sizeof(double) : 0) +
         (P->tms ? (double)(P->tms_shared ? P->tms_n : P->nsyn) * sizeof(NaTsodyksState) : 0);
}

PetscErrorCode NaConnectDestroy(PetscInt nproj, NaProjection **proj)
{
  PetscFunctionBegin;
  if (!*proj) PetscFunctionReturn(0);
  for (PetscInt i = 0; i < nproj; i++) {
    PetscCall(PetscFree((*proj)[i].off));
    PetscCall(PetscFree((*proj)[i].tgt));
    PetscCall(PetscFree((*proj)[i].weight));
    PetscCall(PetscFree((*proj)[i].tms));
  }
  PetscCall(PetscFree(*proj));
  PetscFunctionReturn(0);
}

static const char *RoleName(NaProjRole r)
{
  return r == NA_PROJ_PRIMARY ? "primary" : r == NA_PROJ_THIRD_IN ? "third_in" : "third_out";
}

static const char *SynName(NaSynKind k)
{
  return k == NA_SYN_TSODYKS ? "tsodyks_synapse"
         : k == NA_SYN_SIC   ? "sic_connection"
         : k == NA_SYN_GLIO  ? "tm_glio_synapse"
         : k == NA_SYN_GAP   ? "gap_junction"
                             : "static_synapse";
}

/* the network statistics of a run: per projection its synapses and mean in-degree, for a tripartite one its
 * pairings, and the bytes the connectivity takes per synapse; collective */
PetscErrorCode NaConnectView(MPI_Comm comm, const NaNetSpec *spec, PetscInt nproj, const NaProjection *proj,
                             PetscViewer viewer)
{
  double  bytes = 0, all[2];
  int64_t nsyn  = 0;

  PetscFunctionBegin;
  for (PetscInt i = 0; i < nproj; i++) {
    const NaProjection *P    = &proj[i];
    const PetscInt      ntgt = spec->pops[P->tgt_pop].n;

    PetscCall(NaViewerPrintf(viewer, "%s -> %s (%s, %s): %" PetscInt_FMT " synapses, mean in-degree %.6g\n",
                             spec->pops[P->src_pop].name, spec->pops[P->tgt_pop].name, RoleName(P->role),
                             SynName(P->kind), P->nglobal, ntgt ? (double)P->nglobal / ntgt : 0.0));
    if (P->role == NA_PROJ_THIRD_OUT && i >= 2) {
      const NaProjection *prim = &proj[i - 2];
      const NaThirdSpec  *th   = &spec->projs[P->spec].third;
      PetscCall(NaViewerPrintf(viewer,
                               "  tripartite via %s: %" PetscInt_FMT " pairings, %.6g of the %" PetscInt_FMT
                               " primary synapses paired (p %.6g, %s pools of %" PetscInt_FMT ")\n",
                               spec->pops[th->pop].name, P->nglobal,
                               prim->nglobal ? (double)P->nglobal / prim->nglobal : 0.0, prim->nglobal, th->p,
                               th->pool_type == NA_POOL_BLOCK ? "block" : "random", th->pool_size));
    }
    nsyn += P->nsyn;
    bytes += NaProjectionBytes(P);
  }
  all[0] = (double)nsyn;
  all[1] = bytes;
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, all, 2, MPI_DOUBLE, MPI_SUM, comm));
  PetscCall(NaViewerPrintf(viewer, "synapses: %.0f stored, %.4g bytes per synapse (%.4g MiB in all)\n", all[0],
                           all[0] > 0 ? all[1] / all[0] : 0.0, all[1] / 1048576.0));
  PetscFunctionReturn(0);
}
