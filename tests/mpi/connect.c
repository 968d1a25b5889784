/* Multi-rank test (run under mpiexec by connect.sh, judged by exit status and by its output): a small tripartite
 * network built on any number of ranks is the same network. Prints one line per projection with its global count
 * and an order-independent checksum of every synapse (source id, target id, weight bits, delay, tsodyks state bits
 * and its rank among the synapses of the same (source, target) pair, so the order the rule made multapses in is
 * checked too), summed over all ranks; connect.sh asserts the lines are identical on 1-4 ranks. Checks on every
 * rank: the layout's blocks, the CSR invariants, and that the counts add up to nglobal. */
#include "connect.h"
#include <petscviewer.h>
#include <string.h>

static int failures = 0;
#define EXPECT(cond, ...)                                                                                              \
  do {                                                                                                                 \
    if (!(cond)) {                                                                                                     \
      fprintf(stderr, "connect: FAIL: " __VA_ARGS__);                                                                  \
      fprintf(stderr, "\n");                                                                                           \
      failures++;                                                                                                      \
    }                                                                                                                  \
  } while (0)

static inline uint64_t Mix(uint64_t z) /* splitmix64's finaliser */
{
  z += 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

static uint64_t Bits(double x)
{
  uint64_t b;
  memcpy(&b, &x, sizeof b);
  return b;
}

static const NaCellModel fallback[3] = {
    {.name = "aeif_cond_alpha_astro", .kind = NA_CELL_NEURON},
    {.name = "astrocyte_lr_1994", .kind = NA_CELL_ASTROCYTE},
    {.name = "poisson_generator", .kind = NA_CELL_GENERATOR},
};
static const NaCellModel *Model(NaCellKind kind)
{
  const NaCellModel *m = NaCellModelFind(fallback[kind].name);
  return m && m->kind == kind ? m : &fallback[kind];
}

static NaPopSpec  pops[8];
static NaProjSpec projs[12];

static PetscInt Pop(NaNetSpec *s, const char *name, NaCellKind kind, PetscInt n)
{
  NaPopSpec *p = &pops[s->npops];
  snprintf(p->name, sizeof p->name, "%s", name);
  p->model = Model(kind);
  p->n     = n;
  return s->npops++;
}

static NaProjSpec *Proj(NaNetSpec *s, PetscInt from, PetscInt to, NaRuleKind rule, NaValue w, double delay)
{
  NaProjSpec *q          = &projs[s->nprojs];
  q->from                = from;
  q->to                  = to;
  q->rule.kind           = rule;
  q->rule.allow_autapses = PETSC_TRUE;
  q->syn.kind            = NA_SYN_STATIC;
  q->syn.weight          = w;
  q->syn.delay           = delay;
  q->line                = 1 + (int)s->nprojs;
  s->nprojs++;
  return q;
}

static void Third(NaProjSpec *q, PetscInt astro, double p, NaPoolKind type, PetscInt pool_size)
{
  q->third.present    = PETSC_TRUE;
  q->third.pop        = astro;
  q->third.p          = p;
  q->third.pool_type  = type;
  q->third.pool_size  = pool_size;
  q->third.in.kind    = NA_SYN_TSODYKS;
  q->third.in.tm      = (NaTsodyksParams){.U = 0.5, .tau_psc = 3, .tau_rec = 800, .tau_fac = 0, .x = 1, .y = 0, .u = 0};
  q->third.in.weight  = (NaValue){NA_VALUE_UNIFORM, 0.5, 1.5};
  q->third.in.delay   = 1.0;
  q->third.out.kind   = NA_SYN_SIC;
  q->third.out.weight = (NaValue){NA_VALUE_NORMAL, 0.05, 0.01};
  q->third.out.delay  = 0.5;
}

int main(int argc, char **argv)
{
  NaNetSpec             spec = {0};
  NaLayout             *L;
  NaProjection         *P;
  PetscInt              nproj;
  PetscMPIInt           size, rank;
  const NaTsodyksParams tm = {.U = 0.3, .tau_psc = 3, .tau_rec = 500, .tau_fac = 20, .x = 1, .y = 0, .u = 0.3};

  PetscCall(PetscInitialize(&argc, &argv, NULL, NULL));
  PetscCallMPI(MPI_Comm_size(PETSC_COMM_WORLD, &size));
  PetscCallMPI(MPI_Comm_rank(PETSC_COMM_WORLD, &rank));
  spec.resolution  = 0.1;
  spec.t_stop      = 100;
  spec.seed        = 20240917;
  spec.pops        = pops;
  spec.projs       = projs;
  const PetscInt E = Pop(&spec, "E", NA_CELL_NEURON, 200), Inh = Pop(&spec, "I", NA_CELL_NEURON, 50);
  const PetscInt A = Pop(&spec, "A", NA_CELL_ASTROCYTE, 100), G = Pop(&spec, "P", NA_CELL_GENERATOR, 1);
  const PetscInt S = Pop(&spec, "S", NA_CELL_NEURON, 3); /* fewer cells than ranks: empty blocks */
  NaProjSpec    *q;
  q                      = Proj(&spec, E, E, NA_RULE_PAIRWISE_BERNOULLI, (NaValue){NA_VALUE_UNIFORM, 0.5, 1.5}, 1.5);
  q->rule.p              = 0.1;
  q->rule.allow_autapses = PETSC_FALSE;
  q->syn.kind            = NA_SYN_TSODYKS;
  q->syn.tm              = tm;
  Third(q, A, 0.5, NA_POOL_RANDOM, 5);
  Proj(&spec, E, Inh, NA_RULE_PAIRWISE_BERNOULLI, (NaValue){NA_VALUE_NORMAL, 1.0, 0.2}, 1.0)->rule.p = 0.1;
  Proj(&spec, Inh, E, NA_RULE_FIXED_INDEGREE, (NaValue){NA_VALUE_UNIFORM, -5, -3}, 0.8)->rule.K      = 10;
  q                      = Proj(&spec, Inh, Inh, NA_RULE_FIXED_INDEGREE, (NaValue){NA_VALUE_CONST, -4, 0}, 0.1);
  q->rule.K              = 5;
  q->rule.allow_autapses = PETSC_FALSE;
  Third(q, A, 0.5, NA_POOL_BLOCK, 2);
  Proj(&spec, G, E, NA_RULE_ALL_TO_ALL, (NaValue){NA_VALUE_CONST, 1, 0}, 0.1);
  Third(Proj(&spec, G, Inh, NA_RULE_ALL_TO_ALL, (NaValue){NA_VALUE_CONST, 1, 0}, 0.1), A, 1.0, NA_POOL_RANDOM, 3);
  Proj(&spec, E, E, NA_RULE_ONE_TO_ONE, (NaValue){NA_VALUE_UNIFORM, 0, 1}, 2.0);
  Proj(&spec, E, A, NA_RULE_PAIRWISE_BERNOULLI, (NaValue){NA_VALUE_CONST, 1, 0}, 1.0)->rule.p = 0.05;
  q         = Proj(&spec, E, S, NA_RULE_FIXED_INDEGREE, (NaValue){NA_VALUE_UNIFORM, 1, 2}, 0.3);
  q->rule.K = 20;
  Third(q, A, 0.7, NA_POOL_RANDOM, 3);
  /* distance rules: E on a grid, A uniform in a box (positions drawn per cell, so the same on any rank count) */
  pops[E].pos = (NaPosSpec){.kind = NA_POS_GRID, .rows = 15, .spacing = 20, .origin = {-100, -50, 5}};
  pops[A].pos = (NaPosSpec){.kind = NA_POS_BOX, .box = {{-150, 150}, {-100, 200}, {0, 30}}};
  q           = Proj(&spec, E, E, NA_RULE_DISTANCE, (NaValue){NA_VALUE_UNIFORM, 1, 2}, 0.5);
  q->rule.p = 0.6, q->rule.radius = 45, q->rule.allow_autapses = PETSC_FALSE;
  q         = Proj(&spec, E, A, NA_RULE_DISTANCE, (NaValue){NA_VALUE_CONST, 1, 0}, 1.0);
  q->rule.p = 0.9, q->rule.pdist = NA_PDIST_EXPONENTIAL, q->rule.length = 30, q->rule.radius = INFINITY;

  PetscCall(NaLayoutCreate(PETSC_COMM_WORLD, &spec, &L));
  /* the layout: blocks as the contract says, owners consistent with them */
  for (PetscInt p = 0; p < spec.npops; p++) {
    PetscInt lo, hi;
    NaLayoutLocal(L, p, &lo, &hi);
    if (L->replicated[p])
      EXPECT(lo == 0 && hi == L->n[p], "population %d: replicated [%d, %d)", (int)p, (int)lo, (int)hi);
    else {
      EXPECT(lo == (PetscInt)((int64_t)L->n[p] * rank / size) && hi == (PetscInt)((int64_t)L->n[p] * (rank + 1) / size),
             "population %d: block [%d, %d) on rank %d of %d", (int)p, (int)lo, (int)hi, rank, size);
      for (PetscInt i = 0; i < L->n[p]; i++) {
        PetscMPIInt o = NaLayoutOwner(L, p, i);
        NaLayoutBlock(L, p, o, &lo, &hi);
        EXPECT(lo <= i && i < hi, "population %d: cell %d owned by %d [%d, %d)", (int)p, (int)i, o, (int)lo, (int)hi);
      }
    }
  }
  PetscCall(NaConnectBuild(PETSC_COMM_WORLD, &spec, L, &nproj, &P));
  EXPECT(nproj == 11 + 2 * 4, "%d projections", (int)nproj);

  for (PetscInt k = 0; k < nproj; k++) {
    const NaProjection *pr  = &P[k];
    uint64_t            sum = 0, all = 0;
    int64_t             n = pr->nsyn, nall = 0;
    PetscInt            lo, hi;

    NaLayoutLocal(L, pr->tgt_pop, &lo, &hi);
    EXPECT(pr->tlo == lo && pr->thi == hi, "projection %d: target block", (int)k);
    EXPECT(pr->nsrc == L->n[pr->src_pop], "projection %d: nsrc", (int)k);
    EXPECT(pr->off[0] == 0 && pr->off[pr->nsrc] == pr->nsyn, "projection %d: offsets", (int)k);
    for (PetscInt s = 0; s < pr->nsrc; s++) {
      PetscInt occ = 0;
      for (PetscInt j = pr->off[s]; j < pr->off[s + 1]; j++) {
        const uint64_t sg = (uint64_t)(L->offset[pr->src_pop] + s),
                       tg = (uint64_t)(L->offset[pr->tgt_pop] + pr->tgt[j]);
        uint64_t h;
        EXPECT(pr->tgt[j] >= pr->tlo && pr->tgt[j] < pr->thi, "projection %d: target %d off block", (int)k,
               (int)pr->tgt[j]);
        if (j > pr->off[s]) {
          EXPECT(pr->tgt[j - 1] <= pr->tgt[j], "projection %d source %d: targets out of order", (int)k, (int)s);
          occ = pr->tgt[j - 1] == pr->tgt[j] ? occ + 1 : 0;
        }
        h = Mix(Mix(Mix(Mix(sg) ^ tg) ^ Bits(NaProjWeight(pr, j))) ^ ((uint64_t)pr->delay | (uint64_t)occ << 32));
        if (pr->tms && !pr->tms_shared) {
          const NaTsodyksState *st = &pr->tms[j];
          h                        = Mix(h ^ Bits(st->x) ^ Mix(Bits(st->y) ^ Mix(Bits(st->u))));
        }
        sum += h;
      }
    }
    if (pr->tms && pr->tms_shared) { /* one state per source, on the rank of the source's block */
      PetscInt slo, shi;
      NaLayoutLocal(L, pr->src_pop, &slo, &shi);
      EXPECT(pr->tms_lo == slo && pr->tms_n == shi - slo, "projection %d: tsodyks state of the source block", (int)k);
      for (PetscInt s = 0; s < pr->tms_n && (!L->replicated[pr->src_pop] || rank == 0); s++) {
        const NaTsodyksState *st = &pr->tms[s];
        sum += Mix(Mix((uint64_t)(L->offset[pr->src_pop] + pr->tms_lo + s)) ^ Bits(st->x) ^
                   Mix(Bits(st->y) ^ Mix(Bits(st->u))));
      }
    }
    PetscCallMPI(MPI_Reduce(&sum, &all, 1, MPI_UINT64_T, MPI_SUM, 0, PETSC_COMM_WORLD));
    PetscCallMPI(MPI_Reduce(&n, &nall, 1, MPI_INT64_T, MPI_SUM, 0, PETSC_COMM_WORLD));
    if (rank == 0) {
      EXPECT(nall == pr->nglobal, "projection %d: %lld synapses on the ranks, nglobal %d", (int)k, (long long)nall,
             (int)pr->nglobal);
      EXPECT(pr->nglobal > 0, "projection %d is empty", (int)k);
      printf("projection %2d (spec %d, %s -> %s, role %d, kind %d, delay %d): %8d synapses, checksum %016llx\n", (int)k,
             (int)pr->spec, pops[pr->src_pop].name, pops[pr->tgt_pop].name, (int)pr->role, (int)pr->kind,
             (int)pr->delay, (int)pr->nglobal, (unsigned long long)all);
    }
  }
  PetscCall(NaConnectView(PETSC_COMM_WORLD, &spec, nproj, P, PETSC_VIEWER_STDERR_WORLD));
  PetscCall(NaConnectDestroy(nproj, &P));
  PetscCall(NaLayoutDestroy(&L));
  PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, &failures, 1, MPI_INT, MPI_SUM, PETSC_COMM_WORLD));
  if (rank == 0) printf("%s\n", failures ? "FAILED" : "all checks passed");
  PetscCall(PetscFinalize());
  return failures ? 1 : 0;
}
