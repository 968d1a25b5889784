/* NaEngine: the event engine of spiking networks (models.md 3.1).
 *
 * Time runs on the grid of the resolution h; step n integrates [n h, (n + 1) h]. An event produced at the end of
 * step m (a spike, stamped (m + 1) h; an astrocyte's SIC) with a delay of D steps lands in ring slot m + D: spike
 * weights are added at the end of step m + D (they act from t + d, as in NEST), currents are held during step
 * m + D + 1. Every delay between cells is at least d_min steps, so the ranks only exchange once per slice of M =
 * d_min steps (or of -slice_steps, fewer; d_min / 2 with -exchange_overlap): each gathers everyone's spikes and SIC
 * values, sorts the spikes by (step, cell id) and delivers them projection by projection in order of decreasing delay,
 * each in that order. Generators run on every rank for the local targets, from streams keyed by synapse, while the
 * slice is stepped (their delays may be shorter than a slice), into rings of their own; a closed loop's glutamate
 * (glio.c) has its own too. At its step a slot's sum is the network's, plus the generators', plus the glutamate's, each
 * added in (source step, projection, source, synapse) order: an order that depends neither on the rank count nor on
 * when the events were delivered, so the same run gives the same spikes, bit for bit, on any number of ranks and for
 * any slice length, and with -exchange_overlap, where a slice's exchange runs while the next slice is stepped and
 * its events are delivered after that (Slices; docs/networks.md, "Time, delays and the event grid"). */
#include "engineimpl.h"
#include "naerrors.h"
#include <nastro/nastro.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static PetscLogEvent NA_EVENT_UPDATE, NA_EVENT_EXCHANGE, NA_EVENT_DELIVER;

PetscErrorCode NaEngineCreate(MPI_Comm comm, NaEngine *engine)
{
  NaEngine e;

  PetscFunctionBegin;
  PetscCall(PetscNew(&e));
  e->comm = comm;
  PetscCallMPI(MPI_Comm_size(comm, &e->size));
  PetscCallMPI(MPI_Comm_rank(comm, &e->rank));
  e->file              = -1;
  e->ck.keep           = 2;
  e->progress_interval = 5;
  e->rate_bin          = 10;
  PetscCall(PetscStrncpy(e->output, "nastro.h5", sizeof(e->output)));
  if (!NA_EVENT_UPDATE) {
    PetscClassId id;
    PetscCall(PetscClassIdRegister("NaEngine", &id));
    PetscCall(PetscLogEventRegister("NaCellUpdate", id, &NA_EVENT_UPDATE));
    PetscCall(PetscLogEventRegister("NaExchange", id, &NA_EVENT_EXCHANGE));
    PetscCall(PetscLogEventRegister("NaDeliver", id, &NA_EVENT_DELIVER));
  }
  *engine = e;
  PetscFunctionReturn(0);
}

PetscErrorCode NaEngineSetFromOptions(NaEngine e)
{
  PetscBool set;

  PetscFunctionBegin;
  PetscOptionsBegin(e->comm, NULL, "Spiking network (docs/networks.md)", NULL);
  PetscCall(PetscOptionsString("-network", "network file (YAML)", NULL, e->path, e->path, sizeof(e->path), &set));
  PetscCall(PetscOptionsString("-network_set", "overrides KEY=VALUE,... of the network file", NULL, e->overrides,
                               e->overrides, sizeof(e->overrides), NULL));
  PetscCall(PetscOptionsString("-o", "output HDF5 file", NULL, e->output, e->output, sizeof(e->output), NULL));
  PetscCall(PetscOptionsBool("-quiet", "no progress output", NULL, e->quiet, &e->quiet, NULL));
  PetscCall(PetscOptionsReal("-progress_interval", "wall seconds between progress lines", NULL, e->progress_interval,
                             &e->progress_interval, NULL));
  PetscCall(PetscOptionsReal("-rate_bin", "bin width of the population rates in /rates [ms]", NULL, e->rate_bin,
                             &e->rate_bin, NULL));
  PetscCall(NaCheckpointOptionsRead(PetscOptionsObject, e->comm, "simulated ms between checkpoints (0: none)", &e->ck));
  PetscCall(PetscOptionsBoundedInt("-slice_steps",
                                   "steps between exchanges, at most d_min / h (0: d_min / h); the results do not "
                                   "depend on it",
                                   NULL, e->slice_steps, &e->slice_steps, NULL, 0));
  PetscCall(PetscOptionsBool("-exchange_overlap",
                             "exchange a slice while the next is stepped, in slices of d_min / 2 (default: when the "
                             "ranks span nodes); the results do not depend on it",
                             NULL, e->overlap, &e->overlap, &e->overlap_set));
  PetscOptionsEnd();
  PetscCall(NaExchangeSetFromOptions(e));
  PetscCall(PetscOptionsHasName(NULL, NULL, "-o", &e->output_set));
  PetscCall(NaCheckPath(e->comm, "-o", e->output));
  if (e->output[0]) PetscCall(NaCheckOutputFile(e->comm, e->output));
  PetscCall(NaCheckPath(e->comm, "-network", e->path));
  if (e->ck.walltime_limit == 0) { /* under Slurm, the job's end */
    const char *end = getenv("SLURM_JOB_END_TIME");
    if (end && atof(end) > 0) e->ck.walltime_limit = atof(end) - (double)time(NULL);
  }
  PetscCheck(e->path[0], e->comm, PETSC_ERR_USER_INPUT, "-network: a network file is required (docs/networks.md)");
  PetscCheck(e->output[0], e->comm, PETSC_ERR_USER_INPUT, "-o: an output file name is required");
  PetscCall(NaCheckPositive(e->comm, "", "progress_interval", e->progress_interval, PETSC_TRUE));
  PetscCall(NaCheckPositive(e->comm, "", "rate_bin", e->rate_bin, PETSC_TRUE));
  PetscFunctionReturn(0);
}

/* ----------------------------------------------------------------------------------------------------------------
 * Populations */

static PetscErrorCode PopRHS(TS ts, PetscReal t, Vec Y, Vec F, void *ctx)
{
  NaPop             *p = (NaPop *)ctx;
  const PetscScalar *y;
  PetscScalar       *f;

  PetscFunctionBegin;
  (void)ts;
  (void)t;
  PetscCall(VecGetArrayRead(Y, &y));
  PetscCall(VecGetArrayWrite(F, &f));
  p->model->rhs(&p->io, y, f);
  PetscCall(VecRestoreArrayWrite(F, &f));
  PetscCall(VecRestoreArrayRead(Y, &y));
  PetscFunctionReturn(0);
}

/* an adaptive stepper's proposal for its next step, kept across the steps of the resolution (the last step of
 * each is cut to land on the grid) */
static PetscErrorCode PopPostStep(TS ts)
{
  NaPop *p;

  PetscFunctionBegin;
  PetscCall(TSGetApplicationContext(ts, &p));
  PetscCall(TSGetTimeStep(ts, &p->dt_next));
  PetscFunctionReturn(0);
}

/* parameters and initial values of the local cells, each cell from its own streams */
static PetscErrorCode PopDraw(NaEngine e, NaPop *p, double *y)
{
  const NaCellModel *m = p->model;
  const NaValue    **pv, **iv;
  const double     **pc, **ic; /* per-cell values ({cells: [...]}), else NULL */

  PetscFunctionBegin;
  PetscCall(PetscMalloc4(m->nparams, &pv, m->nstate, &iv, m->nparams, &pc, m->nstate, &ic));
  for (PetscInt k = 0; k < m->nparams; k++) pv[k] = NaNetSpecParam(e->spec, p->index, m->params[k].name);
  for (PetscInt v = 0; v < m->nstate; v++) iv[v] = NaNetSpecInit(e->spec, p->index, m->state[v].name);
  for (PetscInt k = 0; k < m->nparams; k++) pc[k] = NaNetSpecCells(e->spec, p->index, m->params[k].name, PETSC_FALSE);
  for (PetscInt v = 0; v < m->nstate; v++) ic[v] = NaNetSpecCells(e->spec, p->index, m->state[v].name, PETSC_TRUE);
  for (PetscInt i = 0; i < p->n; i++) {
    NaRng r;
    NaRngSeedKeyed(&r, e->spec->seed, NA_STREAM_PARAM, (uint64_t)p->index, (uint64_t)(p->lo + i));
    for (PetscInt k = 0; k < m->nparams; k++)
      p->par[k][i] = pc[k] ? pc[k][p->lo + i] : pv[k] ? NaValueDraw(pv[k], &r) : m->params[k].value;
    NaRngSeedKeyed(&r, e->spec->seed, NA_STREAM_INIT, (uint64_t)p->index, (uint64_t)(p->lo + i));
    for (PetscInt v = 0; v < m->nstate; v++)
      y[v * p->n + i] = ic[v] ? ic[v][p->lo + i] : iv[v] ? NaValueDraw(iv[v], &r) : m->state[v].value;
  }
  PetscCall(PetscFree4(pv, iv, pc, ic));
  p->ntimed = 0;
  for (PetscInt k = 0; k < m->nparams; k++) p->ntimed += NaNetSpecTimed(e->spec, p->index, m->params[k].name) != NULL;
  PetscCall(PetscMalloc2(PetscMax(p->ntimed, 1), &p->timed_k, PetscMax(p->ntimed, 1), &p->timed));
  for (PetscInt k = 0, j = 0; k < m->nparams; k++) {
    const NaTimed *t = NaNetSpecTimed(e->spec, p->index, m->params[k].name);
    if (!t) continue;
    p->timed_k[j] = k;
    p->timed[j++] = t;
  }
  if (m->check) {
    const char *why = NULL;
    PetscInt    bad = -1;
    for (PetscInt i = 0; i < p->n && !why; i++)
      if ((why = m->check((const double *const *)p->par, i))) bad = p->lo + i;
    PetscInt64 first = why ? bad : PETSC_MAX_INT, all;
    PetscCallMPI(MPI_Allreduce(&first, &all, 1, MPIU_INT64, MPI_MIN, e->comm));
    if (all != PETSC_MAX_INT) {
      /* the owner of the first bad cell names it; rank 0 reports */
      char msg[256] = "";
      if (why && bad == all) PetscCall(PetscSNPrintf(msg, sizeof msg, "%s", why));
      PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, msg, sizeof msg, MPI_CHAR, MPI_MAX, e->comm));
      SETERRQ(e->comm, PETSC_ERR_USER_INPUT, "%s: population %s, cell %" PetscInt64_FMT ": %s", e->spec->path,
              p->spec->name, all, msg);
    }
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode PopCreate(NaEngine e, PetscInt index, NaPop *p)
{
  const NaPopSpec   *ps = &e->spec->pops[index];
  const NaCellModel *m  = ps->model;
  PetscInt           hi, nr = e->nring;
  PetscScalar       *y;
  char               prefix[80];

  PetscFunctionBegin;
  p->spec   = ps;
  p->model  = m;
  p->index  = index;
  p->gid0   = e->layout->offset[index];
  p->stride = PetscMax(1, ps->step_multiple); /* the file's step_multiple; -<population>_step_multiple overrides it */
  for (PetscInt k = 0; k < e->spec->nspike_pops; k++)
    if (e->spec->spike_pops[k] == index) p->recorded = PETSC_TRUE;
  NaLayoutLocal(e->layout, index, &p->lo, &hi);
  p->n = hi - p->lo;
  PetscCall(PetscMalloc1(PetscMax(m->nparams, 1), &p->par));
  for (PetscInt k = 0; k < m->nparams; k++) PetscCall(PetscMalloc1(PetscMax(p->n, 1), &p->par[k]));
  if (m->kind == NA_CELL_GENERATOR) {
    double dummy;
    p->gen    = !strcmp(m->name, "poisson_generator") ? NA_GEN_POISSON
                : !strcmp(m->name, "dc_generator")    ? NA_GEN_DC
                                                      : NA_GEN_SPIKE;
    p->kvalue = NaCellModelParamIndex(m, p->gen == NA_GEN_POISSON ? "rate" : "amplitude");
    p->kstart = NaCellModelParamIndex(m, "start");
    p->kstop  = NaCellModelParamIndex(m, "stop");
    PetscCall(PopDraw(e, p, &dummy));
    PetscFunctionReturn(0);
  }
  PetscCall(PetscCalloc5(p->n, &p->I_stim, p->n, &p->I_sic, p->n, &p->sic, p->n, &p->refr, p->n, &p->spiked));
  if (m->emits_sic) PetscCall(PetscCalloc1((size_t)p->n * e->M, &p->sic_rows));
  PetscCall(PetscCalloc4((size_t)nr * p->n, &p->ring_ex, (size_t)nr * p->n, &p->ring_in, (size_t)nr * p->n,
                         &p->ring_stim, (size_t)nr * p->n, &p->ring_sic));
  { /* the generators' and the closed-loop glutamate's own rings, where they have targets here */
    PetscBool gen = PETSC_FALSE, fb = PETSC_FALSE;
    for (PetscInt k = 0; k < e->nproj; k++) {
      const NaProjection *pr = &e->proj[k];
      const NaCellModel  *sm = e->spec->pops[pr->src_pop].model;
      if (pr->tgt_pop == index && pr->kind != NA_SYN_GLIO && sm->kind == NA_CELL_GENERATOR &&
          strcmp(sm->name, "dc_generator"))
        gen = PETSC_TRUE;
      if (pr->kind == NA_SYN_GLIO && pr->glia_pop == index && e->spec->projs[pr->spec].glia.closed_loop)
        fb = PETSC_TRUE;
    }
    p->gen_rings = gen;
    p->fb_ring   = fb;
    if (gen) PetscCall(PetscCalloc2((size_t)nr * p->n, &p->ring_gex, (size_t)nr * p->n, &p->ring_gin));
    if (fb) PetscCall(PetscCalloc1((size_t)nr * p->n, &p->ring_fb));
  }
  PetscCall(VecCreateMPI(e->comm, p->n * m->nstate, PETSC_DETERMINE, &p->Y));
  PetscCall(VecGetArray(p->Y, &y));
  PetscCall(PopDraw(e, p, y));
  PetscCall(VecRestoreArray(p->Y, &y));
  p->io.n      = p->n;
  p->io.h      = e->h;
  p->io.par    = (const double *const *)p->par;
  p->io.I_stim = p->I_stim;
  p->io.I_sic  = m->receives_sic ? p->I_sic : NULL;
  p->io.refr   = m->kind == NA_CELL_NEURON ? p->refr : NULL;
  p->io.sic    = p->sic;
  if (m->noise) { /* keep y0 and draw only where some local cell is noisy (a timed noise may switch on later) */
    PetscBool on = NaNetSpecTimed(e->spec, index, m->params[m->knoise].name) != NULL;
    for (PetscInt i = 0; i < p->n && !on; i++) on = p->par[m->knoise][i] != 0;
    if (on) PetscCall(PetscMalloc2((size_t)p->n * m->nstate, &p->y0, p->n, &p->xi));
  }

  /* the stepper: -<population>_ts_*; by default classic RK4 with one step of h (stride h with
   * -<population>_step_multiple) */
  PetscCall(PetscSNPrintf(prefix, sizeof prefix, "%s_", ps->name));
  PetscOptionsBegin(e->comm, prefix, "Population stepping", NULL);
  PetscCall(PetscOptionsInt("-step_multiple", "integrate every K steps over K h", NULL, p->stride, &p->stride, NULL));
  PetscOptionsEnd();
  PetscCheck(p->stride >= 1, e->comm, PETSC_ERR_USER_INPUT, "-%sstep_multiple %" PetscInt_FMT ": must be at least 1",
             prefix, p->stride);
  PetscCheck(p->stride == 1 || m->kind == NA_CELL_ASTROCYTE, e->comm, PETSC_ERR_USER_INPUT,
             "-%sstep_multiple %" PetscInt_FMT ": only astrocytes may step slower than the resolution (%s is %s, whose "
             "spikes need every step)",
             prefix, p->stride, ps->name, m->name);
  PetscCall(TSCreate(e->comm, &p->ts));
  PetscCall(TSSetProblemType(p->ts, TS_NONLINEAR));
  PetscCall(TSSetRHSFunction(p->ts, NULL, PopRHS, p));
  PetscCall(TSSetType(p->ts, TSRK));
  PetscCall(TSRKSetType(p->ts, TSRK4));
  PetscCall(TSSetTimeStep(p->ts, p->stride * e->h));
  PetscCall(TSSetExactFinalTime(p->ts, TS_EXACTFINALTIME_MATCHSTEP));
  PetscCall(TSSetMaxSteps(p->ts, PETSC_MAX_INT));
  /* -network_ts_* for every population, then -<population>_ts_* for this one */
  PetscCall(TSSetOptionsPrefix(p->ts, "network_"));
  PetscCall(TSSetFromOptions(p->ts));
  PetscCall(TSSetOptionsPrefix(p->ts, prefix));
  PetscCall(TSSetFromOptions(p->ts));
  PetscCall(TSSetSolution(p->ts, p->Y));
  PetscCall(TSSetUp(p->ts));
  {
    TSAdapt     adapt;
    TSAdaptType atype;
    PetscCall(TSGetAdapt(p->ts, &adapt));
    PetscCall(TSAdaptGetType(adapt, &atype));
    PetscCall(PetscStrcmp(atype, TSADAPTNONE, &p->adaptive));
    p->adaptive = !p->adaptive;
    PetscCall(TSGetTimeStep(p->ts, &p->dt_next));
    if (p->adaptive) PetscCall(TSSetPostStep(p->ts, PopPostStep));
    PetscCall(TSSetApplicationContext(p->ts, p));
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode PopDestroy(NaPop *p)
{
  PetscFunctionBegin;
  for (PetscInt k = 0; p->par && k < p->model->nparams; k++) PetscCall(PetscFree(p->par[k]));
  PetscCall(PetscFree(p->par));
  PetscCall(PetscFree(p->tmproj));
  PetscCall(PetscFree2(p->timed_k, p->timed));
  if (p->model && p->model->kind == NA_CELL_GENERATOR) PetscFunctionReturn(0);
  PetscCall(PetscFree5(p->I_stim, p->I_sic, p->sic, p->refr, p->spiked));
  PetscCall(PetscFree(p->gap));
  PetscCall(PetscFree2(p->y0, p->xi));
  PetscCall(NaExchangeSicDestroy(p));
  PetscCall(VecScatterDestroy(&p->sic_scatter));
  PetscCall(VecDestroy(&p->Xsic));
  PetscCall(VecDestroy(&p->Ysic));
  PetscCall(PetscFree(p->need));
  PetscCall(PetscFree(p->sic_rows));
  PetscCall(PetscFree4(p->ring_ex, p->ring_in, p->ring_stim, p->ring_sic));
  PetscCall(PetscFree2(p->ring_gex, p->ring_gin));
  PetscCall(PetscFree(p->ring_fb));
  PetscCall(VecDestroy(&p->Y));
  PetscCall(TSDestroy(&p->ts));
  PetscFunctionReturn(0);
}

/* ----------------------------------------------------------------------------------------------------------------
 * Set-up */

static PetscBool IsGenerator(NaEngine e, PetscInt pop)
{
  return e->spec->pops[pop].model->kind == NA_CELL_GENERATOR ? PETSC_TRUE : PETSC_FALSE;
}

/* d_min over the connections whose events cross ranks (generators run locally), and the longest delay */
static void Delays(NaEngine e, PetscInt *dmin, PetscInt *dmax)
{
  *dmin = PETSC_MAX_INT;
  *dmax = 1;
  for (PetscInt k = 0; k < e->nproj; k++) {
    const NaProjection *pr = &e->proj[k];
    if (pr->kind == NA_SYN_GAP) continue; /* no events: exchanged at every step of its target (GapJunctions) */
    if (!IsGenerator(e, pr->src_pop) || pr->kind == NA_SYN_GLIO) *dmin = PetscMin(*dmin, pr->delay); /* glio.c */
    *dmax = PetscMax(*dmax, pr->delay);
  }
  if (*dmin == PETSC_MAX_INT) *dmin = *dmax;
}

/* the expected number of synapses of projection k of the file (primary, and each of the two tripartite ones) */
static void ExpectedSynapses(const NaNetSpec *s, PetscInt k, double *primary, double *paired)
{
  const NaProjSpec *pj = &s->projs[k];
  const double      ns = (double)s->pops[pj->from].n, nt = (double)s->pops[pj->to].n;

  switch (pj->rule.kind) {
  case NA_RULE_ALL_TO_ALL:
    *primary = ns * nt;
    break;
  case NA_RULE_ONE_TO_ONE:
    *primary = nt;
    break;
  case NA_RULE_PAIRWISE_BERNOULLI:
    *primary = pj->rule.p * ns * nt;
    break;
  case NA_RULE_DISTANCE: /* not known before the positions are looked at: left out of the check */
    *primary = 0;
    break;
  case NA_RULE_PAIRS:
    *primary = (double)pj->rule.npairs;
    break;
  default:
    *primary = (double)pj->rule.K * nt;
  }
  *paired = pj->third.present ? pj->third.p * *primary : 0;
}

/* Connections are the bulk of a network: before any is made, compare what every rank of each node will hold at
 * the peak of construction (4 bytes a synapse, 8 with 64-bit indices, 8 more for a weight that is not constant; 64 (80)
 * per pairing while pairings are made and sent to their astrocytes; Tsodyks state is per source: connect.h) with what
 * the node has, and stop with one line if it cannot fit. */
static PetscErrorCode CheckMemory(NaEngine e)
{
  const NaNetSpec *s     = e->spec;
  double           bytes = 0, avail = NaMemAvailable(), per_rank, need;
  MPI_Comm         node;
  PetscMPIInt      nranks;

  PetscFunctionBegin;
  for (PetscInt k = 0; k < s->nprojs; k++) {
    double prim, paired;
    ExpectedSynapses(s, k, &prim, &paired);
    bytes += prim * (sizeof(PetscInt) + (s->projs[k].syn.weight.kind == NA_VALUE_CONST ? 0 : 8));
    bytes += paired * (sizeof(PetscInt) == 4 ? 64 : 80); /* its records hold 3 PetscInt: 8 bytes more with PETSc64 */
  }
  for (PetscInt p = 0; p < s->npops; p++) bytes += 300.0 * (double)s->pops[p].n;
  per_rank = bytes / e->size;
  if (avail <= 0) PetscFunctionReturn(0);
  PetscCallMPI(MPI_Comm_split_type(e->comm, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node));
  PetscCallMPI(MPI_Comm_size(node, &nranks));
  PetscCallMPI(MPI_Comm_free(&node));
  need = per_rank * nranks;
  NaCheck(need <= avail, e->comm, PETSC_ERR_USER_INPUT,
          "%s: the network does not fit: its synapses and cells need about %.3g GB on a node running %d rank%s, "
          "which has %.3g GB available; use more nodes or a smaller network",
          s->path, 1e-9 * need, (int)nranks, NaPlural(nranks), 1e-9 * avail);
  PetscFunctionReturn(0);
}

static PetscErrorCode SicPlan(NaEngine, NaPop *);
static PetscErrorCode GapPlan(NaEngine);

/* the tsodyks projections whose shared state the source's rank holds (not a generator's: connect.h), by source
 * population: their efficacies' places in a spike's record */
static PetscErrorCode TsodyksSlots(NaEngine e)
{
  PetscFunctionBegin;
  for (PetscInt k = 0; k < e->nproj; k++) { /* each projection's slot in its source population's list */
    NaProjection   *pr    = &e->proj[k];
    NaPop          *sp    = &e->pops[pr->src_pop];
    const PetscBool owner = pr->tms && pr->tms_shared && sp->model->kind != NA_CELL_GENERATOR;
    pr->tm_slot           = owner ? sp->ntm++ : -1;
  }
  e->ntm = 0;
  for (PetscInt p = 0; p < e->npops; p++) {
    PetscCall(PetscMalloc1(PetscMax(e->pops[p].ntm, 1), &e->pops[p].tmproj));
    e->ntm = PetscMax(e->ntm, e->pops[p].ntm);
  }
  for (PetscInt k = 0; k < e->nproj; k++)
    if (e->proj[k].tm_slot >= 0) e->pops[e->proj[k].src_pop].tmproj[e->proj[k].tm_slot] = k;
  PetscFunctionReturn(0);
}

/* one Poisson stream per synapse from a poisson_generator, keyed by (projection, target, generator, the
 * synapse's rank among that generator's synapses onto that target): independent trains into every target and
 * every multapse, as NEST's */
static PetscErrorCode PoissonStreams(NaEngine e)
{
  PetscFunctionBegin;
  PetscCall(PetscCalloc1(e->nproj, &e->poisson));
  for (PetscInt k = 0; k < e->nproj; k++) {
    const NaProjection *pr = &e->proj[k];
    if (e->pops[pr->src_pop].gen != NA_GEN_POISSON) continue;
    PetscCall(PetscMalloc1(PetscMax(pr->nsyn, 1), &e->poisson[k]));
    for (PetscInt g = 0; g < pr->nsrc; g++)
      for (PetscInt j = pr->off[g], m = 0; j < pr->off[g + 1]; j++) {
        m = j > pr->off[g] && pr->tgt[j] == pr->tgt[j - 1] ? m + 1 : 0; /* within a row, targets are sorted */
        NaRngSeedKeyed(&e->poisson[k][j], e->spec->seed, NA_STREAM_POISSON, (uint64_t)k,
                       NaMix64(((uint64_t)pr->tgt[j] << 32) ^ (uint64_t)g) + (uint64_t)m);
      }
  }
  PetscFunctionReturn(0);
}

/* SIC connections carry no state and deliver weight x the astrocyte's SIC in every step it is above threshold,
 * and pairings drawn with replacement from a pool make many of them parallel (one astrocyte, one target, one
 * delay): each group is stored as one synapse with the summed weight (summed in creation order), which makes
 * their delivery as many times cheaper. nglobal still counts the connections made. */
static PetscErrorCode MergeSicMultapses(NaProjection *pr)
{
  PetscInt at = 0;

  PetscFunctionBegin;
  if (pr->kind != NA_SYN_SIC) PetscFunctionReturn(0);
  if (!pr->weight) { /* merged weights differ: an array of them */
    PetscCall(PetscMalloc1(PetscMax(pr->nsyn, 1), &pr->weight));
    for (PetscInt j = 0; j < pr->nsyn; j++) pr->weight[j] = pr->w0;
  }
  for (PetscInt s = 0, j = 0; s < pr->nsrc; s++) {
    const PetscInt end = pr->off[s + 1];
    pr->off[s]         = at;
    for (; j < end; j++) {
      if (at > pr->off[s] && pr->tgt[at - 1] == pr->tgt[j])
        pr->weight[at - 1] += pr->weight[j];
      else {
        pr->tgt[at]    = pr->tgt[j];
        pr->weight[at] = pr->weight[j];
        at++;
      }
    }
  }
  pr->off[pr->nsrc] = at;
  pr->nsyn          = at;
  PetscFunctionReturn(0);
}

/* -exchange_overlap (Slices): it needs slices of at most d_min / 2 (so d_min of two steps or more), and no
 * tm_glio_synapse projection (its closed loops are exchanged with the slice they close); by default it is on where
 * it can be and the exchange spans more than one node, where the links' time is what it hides */
static PetscErrorCode Overlap(NaEngine e)
{
  PetscBool glio = PETSC_FALSE;

  PetscFunctionBegin;
  for (PetscInt k = 0; k < e->nproj; k++) glio |= e->proj[k].kind == NA_SYN_GLIO;
  if (!e->overlap_set) {
    e->overlap = e->xspans && e->dmin >= 2 && !glio && 2 * e->slice_steps <= e->dmin ? PETSC_TRUE : PETSC_FALSE;
    PetscFunctionReturn(0);
  }
  if (!e->overlap) PetscFunctionReturn(0);
  NaCheck(e->dmin >= 2, e->comm, PETSC_ERR_USER_INPUT,
          "-exchange_overlap: d_min is one step (%g ms), and the overlap needs slices of half of it", e->dmin * e->h);
  NaCheck(!glio, e->comm, PETSC_ERR_USER_INPUT,
          "-exchange_overlap: not with tm_glio_synapse projections (their closed loops are exchanged with the slice)");
  NaCheck(2 * e->slice_steps <= e->dmin, e->comm, PETSC_ERR_USER_INPUT,
          "-slice_steps %" PetscInt_FMT ": with -exchange_overlap at most d_min / (2 resolution) = %" PetscInt_FMT,
          e->slice_steps, e->dmin / 2);
  PetscFunctionReturn(0);
}

PetscErrorCode NaEngineSetUp(NaEngine e)
{
  PetscLogDouble t0, t1;
  PetscInt       dmin, dmax;

  PetscFunctionBegin;
  if (e->setupcalled) PetscFunctionReturn(0);
  PetscCall(PetscTime(&t0));
  e->wall0 = t0;
  PetscCall(NaNetSpecLoad(e->comm, e->path, e->overrides[0] ? e->overrides : NULL, &e->spec));
  e->h      = e->spec->resolution;
  e->nsteps = (PetscInt64)llround(e->spec->t_stop / e->h);
  PetscCall(NaLayoutCreate(e->comm, e->spec, &e->layout));
  PetscCall(CheckMemory(e));
  PetscCall(PetscTime(&t1));
  PetscCall(NaConnectBuild(e->comm, e->spec, e->layout, &e->nproj, &e->proj));
  for (PetscInt k = 0; k < e->nproj; k++) PetscCall(MergeSicMultapses(&e->proj[k]));
  PetscCall(PetscTime(&e->t_build));
  e->t_build -= t1;
  Delays(e, &dmin, &dmax);
  e->dmin = dmin;
  NaCheck(e->slice_steps >= 0 && e->slice_steps <= dmin, e->comm, PETSC_ERR_USER_INPUT,
          "-slice_steps %" PetscInt_FMT ": not in 0..%" PetscInt_FMT
          " (at most d_min / resolution = %g ms / %g ms; 0: d_min)",
          e->slice_steps, dmin, dmin * e->h, e->h);
  PetscCall(PetscMalloc2(e->size, &e->counts, e->size, &e->displs));
  PetscCall(PetscMalloc1(e->size, &e->hdrs));
  PetscCall(NaExchangeSetUp(e)); /* before the populations: the overlap's default asks whether it spans nodes */
  PetscCall(Overlap(e));
  e->M     = e->slice_steps ? e->slice_steps : e->overlap ? dmin / 2 : dmin;
  e->nring = dmax + dmin + 1;
  PetscCall(PetscMalloc1(PetscMax(e->nproj, 1), &e->dorder)); /* projections by decreasing delay, then index */
  for (PetscInt k = 0; k < e->nproj; k++) {
    PetscInt d = k;
    for (; d > 0 && e->proj[e->dorder[d - 1]].delay < e->proj[k].delay; d--) e->dorder[d] = e->dorder[d - 1];
    e->dorder[d] = k;
  }
  e->npops = e->spec->npops;
  PetscCall(PetscCalloc1(e->npops, &e->pops));
  for (PetscInt p = 0; p < e->npops; p++) PetscCall(PopCreate(e, p, &e->pops[p]));
  PetscCall(PoissonStreams(e));
  for (PetscInt p = 0; p < e->npops; p++)
    if (e->pops[p].model->emits_sic) PetscCall(SicPlan(e, &e->pops[p]));
  PetscCall(GapPlan(e));
  PetscCall(TsodyksSlots(e));
  PetscCall(NaGlioSetUp(e));
  PetscCall(PetscTime(&t1));
  e->t_setup     = t1 - t0;
  e->setupcalled = PETSC_TRUE;
  PetscFunctionReturn(0);
}

PetscErrorCode NaEngineView(NaEngine e, PetscViewer viewer)
{
  PetscInt64 cells = 0;

  PetscFunctionBegin;
  for (PetscInt p = 0; p < e->npops; p++) cells += e->spec->pops[p].n;
  PetscCall(NaViewerPrintf(viewer,
                           "network %s: %d populations (%lld cells), resolution %g ms, t_stop %g ms, d_min %g ms (%d "
                           "steps a slice%s), %d rank%s\n",
                           e->spec->path, (int)e->npops, (long long)cells, e->h, e->spec->t_stop, e->dmin * e->h,
                           (int)e->M, e->overlap ? ", each exchanged while the next is stepped" : "", e->size,
                           NaPlural(e->size)));
  for (PetscInt p = 0; p < e->npops; p++) {
    const NaPopSpec *ps = &e->spec->pops[p];
    PetscCall(NaViewerPrintf(viewer, "  population %s: %s, %d cell%s", ps->name, ps->model->name, (int)ps->n,
                             NaPlural(ps->n)));
    if (e->pops[p].ts) {
      TSType type;
      PetscCall(TSGetType(e->pops[p].ts, &type));
      PetscCall(NaViewerPrintf(viewer, ", stepper %s%s, every %g ms", type, e->pops[p].adaptive ? " (adaptive)" : "",
                               e->pops[p].stride * e->h));
    }
    PetscCall(PetscViewerASCIIPrintf(viewer, "\n"));
  }
  PetscCall(NaConnectView(e->comm, e->spec, e->nproj, e->proj, viewer));
  PetscCall(NaViewerPrintf(viewer, "  construction %.3g s (connections %.3g s)\n", e->t_setup, e->t_build));
  PetscFunctionReturn(0);
}

/* ----------------------------------------------------------------------------------------------------------------
 * One step */

/* adds weight w, arriving in step arrive, to local cell i of population p: spike weights by sign (astrocytes:
 * all excitatory, the parser refuses negative weights onto them) */
static inline void AddSpike(NaEngine e, NaPop *p, PetscInt i, PetscInt64 arrive, double w, PetscBool gen)
{
  const size_t at = (size_t)NaSlot(e, arrive) * p->n + i;
  if (w >= 0)
    (gen ? p->ring_gex : p->ring_ex)[at] += w;
  else
    (gen ? p->ring_gin : p->ring_in)[at] -= w;
}

static PetscErrorCode PushSpike(NaEngine, PetscInt64, PetscInt64);

/* a spike of source src, emitted in step n, through the synapses of pr into the ring buffers (gen: a generator's,
 * into the generators' rings), with the fraction D of the weight its shared tsodyks state gave (connect.h; 1 for
 * other synapses) */
static void DeliverSpike(NaEngine e, const NaProjection *pr, PetscInt src, PetscInt64 n, double D, PetscBool gen)
{
  NaPop         *tp = &e->pops[pr->tgt_pop];
  const PetscInt j0 = pr->off[src], j1 = pr->off[src + 1];
  const PetscInt lo = tp->lo;
  const size_t   at = (size_t)NaSlot(e, n + pr->delay) * tp->n;

  if (!pr->weight) { /* one weight, one sign: one buffer */
    const double w = pr->w0 * D;
    double      *r = w >= 0 ? (gen ? tp->ring_gex : tp->ring_ex) + at : (gen ? tp->ring_gin : tp->ring_in) + at;
    const double a = w >= 0 ? w : -w;
    for (PetscInt j = j0; j < j1; j++) r[pr->tgt[j] - lo] += a;
  } else
    for (PetscInt j = j0; j < j1; j++) AddSpike(e, tp, pr->tgt[j] - tp->lo, n + pr->delay, pr->weight[j] * D, gen);
}

/* the generators' output produced in step n, straight into the local targets' generator rings (a generator's delay
 * may be shorter than the slice) */
static void RunGenerators(NaEngine e, PetscInt64 n)
{
  for (PetscInt k = 0; k < e->nproj; k++) {
    const NaProjection *pr = &e->proj[k];
    NaPop              *g = &e->pops[pr->src_pop], *tp = &e->pops[pr->tgt_pop];

    if (g->gen == NA_GEN_NONE || (!pr->nsyn && !pr->tms_shared)) continue; /* shared state steps on every rank */
    if (pr->kind == NA_SYN_GLIO) continue;                                 /* at the slice's end (glio.c) */
    if (g->gen == NA_GEN_POISSON) {
      for (PetscInt c = 0; c < pr->nsrc; c++) {
        const double mu = g->par[g->kvalue][c] * e->h * 1e-3, p0 = exp(-mu);
        if (!NaGenActive(g, c, n, e->h) || mu <= 0) continue;
        for (PetscInt j = pr->off[c]; j < pr->off[c + 1]; j++) {
          const PetscInt cnt = NaPoissonDraw(&e->poisson[k][j], mu, p0);
          const double   wj  = NaProjWeight(pr, j);
          double         w   = cnt * wj;
          if (!cnt) continue;
          if (pr->tms) { /* each of the step's spikes through the synapse (its own state: connect.h) */
            w = 0;
            for (PetscInt q = 0; q < cnt; q++) w += wj * NaTsodyksSpike(&pr->tm, &pr->tms[j], (n + 1) * e->h);
          }
          AddSpike(e, tp, pr->tgt[j] - tp->lo, n + pr->delay, w, PETSC_TRUE);
        }
      }
    } else if (g->gen == NA_GEN_DC) {
      double *slot = tp->ring_stim + (size_t)NaSlot(e, n + pr->delay) * tp->n;
      for (PetscInt c = 0; c < pr->nsrc; c++) {
        if (!NaGenActive(g, c, n, e->h)) continue;
        for (PetscInt j = pr->off[c]; j < pr->off[c + 1]; j++)
          slot[pr->tgt[j] - tp->lo] += NaProjWeight(pr, j) * g->par[g->kvalue][c];
      }
    } else { /* spike_generator: the spikes of step n, found by the population's cursor (SpikeTrains) */
      for (PetscInt q = g->sg_lo; q < g->sg_hi; q++) {
        const double t = g->spec->spike_times[q];
        for (PetscInt c = 0; c < pr->nsrc; c++) /* a replicated population: every rank holds every state */
          DeliverSpike(e, pr, c, n, pr->tms ? NaTsodyksSpike(&pr->tm, &pr->tms[c - pr->tms_lo], t) : 1.0, PETSC_TRUE);
      }
    }
  }
}

/* the parameters given as tables of time take their values of step n (time n h), held over the step; every cell
 * of the population the same (a table is not drawn) */
static void TimedParams(NaEngine e, PetscInt64 n)
{
  for (PetscInt p = 0; p < e->npops; p++) {
    NaPop *pp = &e->pops[p];
    for (PetscInt j = 0; j < pp->ntimed; j++) {
      const double v = NaTimedAtStep(pp->timed[j], n);
      double      *x = pp->par[pp->timed_k[j]];
      for (PetscInt i = 0; i < pp->n; i++) x[i] = v;
    }
  }
}

/* every spike_generator's spikes of step n: those at time (n + 1) h (each cell of a population emits the same
 * train, as a NEST spike_generator created n times with the same spike_times); rank 0 queues them for the output
 * when the population's spikes are recorded */
static PetscErrorCode SpikeTrains(NaEngine e, PetscInt64 n)
{
  PetscFunctionBegin;
  for (PetscInt p = 0; p < e->npops; p++) {
    NaPop           *g  = &e->pops[p];
    const NaPopSpec *gs = g->spec;
    if (!gs->nspikes) continue;
    g->sg_lo = g->sg_next;
    while (g->sg_next < gs->nspikes && llround(gs->spike_times[g->sg_next] / e->h) - 1 <= n) g->sg_next++;
    g->sg_hi = g->sg_next;
    if (e->rank == 0 && g->recorded)
      for (PetscInt q = g->sg_lo; q < g->sg_hi; q++)
        for (PetscInt c = 0; c < gs->n; c++) PetscCall(PushSpike(e, g->gid0 + c, n));
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode PushSpike(NaEngine e, PetscInt64 gid, PetscInt64 step)
{
  PetscFunctionBegin;
  if (e->nmy == e->capmy) {
    NaSpike *grown;
    double  *grownD;
    e->capmy = PetscMax(1024, 2 * e->capmy);
    PetscCall(PetscMalloc1(e->capmy, &grown));
    PetscCall(PetscMalloc1(e->capmy * PetscMax(e->ntm, 1), &grownD));
    if (e->nmy) PetscCall(PetscArraycpy(grown, e->myspikes, e->nmy));
    if (e->nmy && e->ntm) PetscCall(PetscArraycpy(grownD, e->myD, e->nmy * e->ntm));
    PetscCall(PetscFree(e->myspikes));
    PetscCall(PetscFree(e->myD));
    e->myspikes = grown;
    e->myD      = grownD;
  }
  e->myspikes[e->nmy].gid  = gid;
  e->myspikes[e->nmy].step = step;
  for (PetscInt q = 0; q < e->ntm; q++) e->myD[e->nmy * e->ntm + q] = 0; /* a generator's: no tsodyks state */
  e->nmy++;
  PetscFunctionReturn(0);
}

/* step n of population p: integrate, then threshold/reset and this step's inputs, then the currents of the
 * next step; the spikes and SIC values it emits are queued for the exchange */
static PetscErrorCode PopStep(NaEngine e, NaPop *p, PetscInt64 n)
{
  const size_t   at = (size_t)NaSlot(e, n) * p->n;
  PetscScalar   *y;
  const PetscInt N = p->n;

  PetscFunctionBegin;
  if (n % p->stride == 0) {
    const double t0 = n * e->h, t1 = PetscMin(n + p->stride, e->nsteps) * e->h;
    PetscInt     steps;
    PetscCall(TSSetTime(p->ts, t0));
    PetscCall(TSSetMaxTime(p->ts, t1));
    PetscCall(TSSetStepNumber(p->ts, 0));
    /* a fixed-step stepper takes exactly one step (no round-off step after it); an adaptive one starts from
     * the step its adaptor last proposed */
    PetscCall(TSSetTimeStep(p->ts, p->adaptive ? PetscMin(p->dt_next, t1 - t0) : t1 - t0));
    PetscCall(TSSetMaxSteps(p->ts, p->adaptive ? 1000000 : 1));
    PetscCall(TSRestartStep(p->ts)); /* the state jumped since the last step: no stage may be reused (FSAL) */
    if (p->y0) {
      const PetscScalar *y0;
      PetscCall(VecGetArrayRead(p->Y, &y0));
      PetscCall(PetscArraycpy(p->y0, y0, (size_t)N * p->model->nstate));
      PetscCall(VecRestoreArrayRead(p->Y, &y0));
    }
    PetscCall(TSSolve(p->ts, p->Y));
    PetscCall(TSGetStepNumber(p->ts, &steps));
    NaCheck(!p->adaptive || steps < 1000000, e->comm, PETSC_ERR_NOT_CONVERGED,
            "population %s: the stepper took 10^6 steps within one step of the resolution at t = %g ms; "
            "loosen -%s_ts_rtol or use a fixed step",
            p->spec->name, t0, p->spec->name);
    p->nsteps_ts += steps;
    if (p->y0) { /* the noise, split from the step (Lie): cell i's normal of step n is keyed by (seed, p, i, n) */
      for (PetscInt i = 0; i < N; i++) {
        NaRng r;
        NaRngSeedKeyed3(&r, e->spec->seed, NA_STREAM_NOISE, (uint64_t)p->index, (uint64_t)(p->lo + i), (uint64_t)n);
        p->xi[i] = NaRngNormal(&r);
      }
      PetscCall(VecGetArray(p->Y, &y));
      p->model->noise(&p->io, p->y0, y, t1 - t0, p->xi);
      PetscCall(VecRestoreArray(p->Y, &y));
    }
  }
  if (p->ring_gex) /* the network's sums, then the generators' (engine.c's head comment) */
    for (PetscInt i = 0; i < N; i++) {
      p->ring_ex[at + i] += p->ring_gex[at + i];
      p->ring_in[at + i] += p->ring_gin[at + i];
      p->ring_gex[at + i] = p->ring_gin[at + i] = 0;
    }
  if (p->ring_fb) /* then the closed-loop glutamate */
    for (PetscInt i = 0; i < N; i++) {
      p->ring_ex[at + i] += p->ring_fb[at + i];
      p->ring_fb[at + i] = 0;
    }
  p->io.in_ex = p->ring_ex + at;
  p->io.in_in = p->ring_in + at;
  PetscCall(VecGetArray(p->Y, &y));
  p->model->update(&p->io, y, p->spiked);
  NaGlioRecordGamma(e, p, y, n);
  PetscCall(VecRestoreArray(p->Y, &y));
  for (PetscInt i = 0; i < N; i++) {
    p->I_stim[i]       = p->ring_stim[at + i];
    p->I_sic[i]        = p->ring_sic[at + i];
    p->ring_ex[at + i] = p->ring_in[at + i] = p->ring_stim[at + i] = p->ring_sic[at + i] = 0;
  }
  if (p->model->kind == NA_CELL_NEURON) {
    for (PetscInt i = 0; i < N; i++)
      if (p->spiked[i]) {
        PetscCall(PushSpike(e, p->gid0 + p->lo + i, n));
        for (PetscInt q = 0; q < p->ntm; q++) { /* the source's tsodyks states step here, once (connect.h) */
          NaProjection *pr                            = &e->proj[p->tmproj[q]];
          e->myD[(e->nmy - 1) * e->ntm + pr->tm_slot] = NaTsodyksSpike(&pr->tm, &pr->tms[i], (n + 1) * e->h);
        }
      }
  } else if (p->model->emits_events && p->recorded) { /* gliotransmitter releases: to the output only */
    for (PetscInt i = 0; i < N; i++)
      if (p->spiked[i]) PetscCall(PushSpike(e, p->gid0 + p->lo + i, n));
  } else if (p->model->emits_sic) {
    const PetscInt m = p->sic_m == 1 ? 0 : (PetscInt)(n - e->slice0), M = p->sic_m;
    for (PetscInt i = 0; i < N; i++) p->sic_rows[(size_t)i * M + m] = p->sic[i];
    for (PetscInt i = 0; i < N; i++) p->sic_values += p->sic[i] != 0;
  }
  PetscFunctionReturn(0);
}

/* ----------------------------------------------------------------------------------------------------------------
 * Exchange and delivery, once per slice */

/* what is due at the end of a slice (Due, FinishGather, Slices) */
enum { NA_DUE_INTERVAL = 1, NA_DUE_WALL = 2, NA_DUE_STOP = 4 };

/* The slice's exchange starts (exchange.c: flat, or in two levels through each node's shared buffer): this
 * rank's header (its spike count, its first non-finite state, its stop signal, rank 0's decision of what is due)
 * and its spike records, each the spike and its tsodyks efficacies, packed into e->sendbuf; and the SIC rows
 * (StartSic). The rank's own lists are free again for the next slice. */
static PetscErrorCode StartGather(NaEngine e, NaSliceHeader *h)
{
  const size_t bs = sizeof(NaSpike), rs = bs + sizeof(double) * (size_t)e->ntm;

  PetscFunctionBegin;
  h->nspikes    = e->nmy;
  h->nsicvalues = 0;
  for (PetscInt p = 0; p < e->npops; p++) h->nsicvalues += e->pops[p].sic_values;
  PetscCall(NaReserve(&e->sendbuf, &e->capsend, (size_t)e->nmy * rs));
  for (PetscInt64 q = 0; q < e->nmy; q++) {
    unsigned char *o = (unsigned char *)e->sendbuf + q * rs;
    memcpy(o, &e->myspikes[q], bs);
    if (e->ntm) memcpy(o + bs, e->myD + q * e->ntm, rs - bs);
  }
  PetscCall(NaExchangeStart(e, h, rs));
  e->nmy = 0;
  PetscFunctionReturn(0);
}

/* The slice's exchange completes: every rank's header, merged into h (the lowest rank's signal, the lowest bad
 * cell, rank 0's decision), and everyone's spikes, sorted by (step, cell id), split into e->spikes and e->spikeD */
static PetscErrorCode FinishGather(NaEngine e, NaSliceHeader *h)
{
  const size_t   bs = sizeof(NaSpike), rs = bs + sizeof(double) * (size_t)e->ntm;
  PetscInt64     total;
  PetscLogDouble t0, t1;
  const void    *recs;

  PetscFunctionBegin;
  PetscCall(PetscTime(&t0));
  PetscCall(NaExchangeFinish(e, &total, &recs));
  PetscCall(PetscTime(&t1));
  e->t_wait += t1 - t0;
  h->due    = e->hdrs[0].due;
  h->signal = 0;
  for (PetscMPIInt r = 0; r < e->size; r++)
    if (!h->signal && e->hdrs[r].signal) { /* the lowest rank's signal names the stop */
      h->signal    = e->hdrs[r].signal;
      e->stop_rank = r;
      h->due |= NA_DUE_STOP;
    }
  for (PetscMPIInt r = 0; r < e->size; r++) {
    if (e->hdrs[r].bad < h->bad) { /* cell ids are unique: the lowest names one cell */
      h->bad    = e->hdrs[r].bad;
      h->badvar = e->hdrs[r].badvar;
    }
    e->sic_events += e->hdrs[r].nsicvalues;
  }
  e->nall = total / (PetscInt64)rs;
  PetscCall(NaReserve((void **)&e->spikes, &e->capall, (size_t)e->nall * bs));
  PetscCall(NaReserve((void **)&e->spikeD, &e->capspikeD, (size_t)e->nall * PetscMax(e->ntm, 1) * sizeof(double)));
  for (PetscInt64 q = 0; q < e->nall; q++) {
    const unsigned char *in = (const unsigned char *)recs + q * rs;
    memcpy(&e->spikes[q], in, bs);
    if (e->ntm) memcpy(e->spikeD + q * e->ntm, in + bs, rs - bs);
  }
  e->exchange_bytes += (double)total + sizeof *h * e->size;
  PetscFunctionReturn(0);
}

/* The SIC of an astrocyte population goes only to the ranks that hold targets of it, by a fixed plan made once
 * (the connectivity is static): this rank needs the rows of the sources of its SIC synapses (every SIC
 * projection from the population), in id order; a PETSc VecScatter brings them from their owners' parts of Xsic
 * into Ysic each slice, values only. With -exchange node they go by node instead (exchange.c, NaExchangeSicPlan):
 * the same values, read from the node's window. */
static PetscErrorCode SicPlan(NaEngine e, NaPop *p)
{
  PetscInt      *idx, lo, hi, M;
  unsigned char *mark;
  IS             is;

  PetscFunctionBegin;
  /* integrated only at multiples of a multiple of M (and slices start at multiples of M), the population's
   * state, and so its SIC, is constant over a slice: one value per cell and slice */
  p->sic_m = p->stride % e->M == 0 ? 1 : e->M;
  M        = p->sic_m;
  PetscCall(PetscCalloc1(p->spec->n, &mark));
  for (PetscInt k = 0; k < e->nproj; k++) {
    const NaProjection *pr = &e->proj[k];
    if (pr->kind != NA_SYN_SIC || pr->src_pop != p->index) continue;
    for (PetscInt a = 0; a < pr->nsrc; a++) mark[a] |= pr->off[a + 1] > pr->off[a];
  }
  p->nneed = 0;
  for (PetscInt a = 0; a < p->spec->n; a++) p->nneed += mark[a];
  PetscCall(PetscMalloc1(PetscMax(p->nneed, 1), &p->need));
  PetscCall(PetscMalloc1((size_t)PetscMax(p->nneed, 1) * M, &idx));
  NaLayoutLocal(e->layout, p->index, &lo, &hi);
  p->nneed          = 0;
  p->sic_recv_bytes = 0;
  for (PetscInt a = 0; a < p->spec->n; a++) {
    if (!mark[a]) continue;
    for (PetscInt m = 0; m < M; m++) idx[(size_t)p->nneed * M + m] = a * M + m;
    if (a < lo || a >= hi) p->sic_recv_bytes += sizeof(double) * M;
    p->need[p->nneed++] = a;
  }
  if (e->xnode) { /* by node (exchange.c): the same values, from the node's window */
    PetscCall(PetscFree(idx));
    PetscCall(NaExchangeSicPlan(e, p, mark));
    PetscCall(PetscFree(mark));
    PetscFunctionReturn(0);
  }
  PetscCall(VecCreateMPI(e->comm, (PetscInt)p->n * M, PETSC_DETERMINE, &p->Xsic)); /* its own array: StartSic */
  PetscCall(ISCreateGeneral(PETSC_COMM_SELF, p->nneed * M, idx, PETSC_OWN_POINTER, &is));
  PetscCall(VecCreateSeq(PETSC_COMM_SELF, p->nneed * M, &p->Ysic));
  PetscCall(VecScatterCreate(p->Xsic, is, p->Ysic, NULL, &p->sic_scatter));
  PetscCall(ISDestroy(&is));
  PetscCall(PetscFree(mark));
  PetscFunctionReturn(0);
}

/* every astrocyte population's slice of SIC to the ranks that need it (SicPlan), started: the rows are copied
 * out (by node: gathered to the leader), so the next slice may write them while they travel. A population with
 * one row per slice (sic_m 1) that did not step in the slice has the rows it had: the receivers hold them
 * already, and none are sent (with -exchange_overlap's half slices, every other slice) */
static PetscErrorCode StartSic(NaEngine e)
{
  PetscFunctionBegin;
  for (PetscInt p = 0; p < e->npops; p++) {
    NaPop *pp      = &e->pops[p];
    pp->sic_moving = PETSC_FALSE;
    if (!pp->sic_by_node && !pp->sic_scatter) continue;
    if (pp->sic_m == 1 && pp->sic_held && !NaPopSteps(pp, e->slice0, e->slice0 + e->mslice)) {
      pp->sic_values = 0;
      continue;
    }
    pp->sic_moving = PETSC_TRUE;
    pp->sic_held   = pp->sic_m == 1;
    if (pp->sic_by_node)
      PetscCall(NaExchangeSicStart(e, pp));
    else if (pp->sic_scatter) {
      double *x;
      PetscCall(VecGetArrayWrite(pp->Xsic, &x));
      PetscCall(PetscArraycpy(x, pp->sic_rows, (size_t)pp->n * pp->sic_m));
      PetscCall(VecRestoreArrayWrite(pp->Xsic, &x));
      PetscCall(VecScatterBegin(pp->sic_scatter, pp->Xsic, pp->Ysic, INSERT_VALUES, SCATTER_FORWARD));
    } else
      continue;
    e->exchange_bytes += pp->sic_recv_bytes;
    pp->sic_values = 0;
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode FinishSic(NaEngine e)
{
  PetscFunctionBegin;
  for (PetscInt p = 0; p < e->npops; p++) {
    NaPop *pp = &e->pops[p];
    if (!pp->sic_moving) continue;
    if (pp->sic_by_node)
      PetscCall(NaExchangeSicFinish(e, pp));
    else if (pp->sic_scatter)
      PetscCall(VecScatterEnd(pp->sic_scatter, pp->Xsic, pp->Ysic, INSERT_VALUES, SCATTER_FORWARD));
  }
  PetscFunctionReturn(0);
}

/* Gap junctions (Brian's summed variable J_coupling_post, models.md 3.7): each gap_junction projection's
 * static exchange, made once. Its local targets need the I of their sources at every step of the target
 * population: the sources' global rows in their population's state vector (rank r holds [nstate][n_r] from row
 * nstate lo_r), scattered into Yneed in source order; each target's connections are listed by source, then in
 * the order they were made (the CSR's order within a source), so its sum has the same terms in the same order on
 * any rank count. */
static PetscErrorCode GapPlan(NaEngine e)
{
  PetscInt k = 0;

  PetscFunctionBegin;
  e->ngap = 0;
  for (PetscInt j = 0; j < e->nproj; j++) e->ngap += e->proj[j].kind == NA_SYN_GAP;
  if (!e->ngap) PetscFunctionReturn(0);
  PetscCall(PetscCalloc1(e->ngap, &e->gap));
  for (PetscInt j = 0; j < e->nproj; j++) {
    const NaProjection *pr = &e->proj[j];
    NaGapPlan          *g  = &e->gap[k];
    NaPop              *sp = &e->pops[pr->src_pop], *tp = &e->pops[pr->tgt_pop];
    const PetscInt      sI = NaCellModelStateIndex(sp->model, "I"), ns = sp->model->nstate;
    PetscInt           *where, *idx, *cnt;
    IS                  is;

    if (pr->kind != NA_SYN_GAP) continue;
    k++;
    g->proj = j;
    g->g    = e->spec->projs[pr->spec].syn.gap;
    PetscCheck(sI >= 0, e->comm, PETSC_ERR_PLIB, "gap junctions from %s: its model %s has no state I", sp->spec->name,
               sp->model->name);
    PetscCall(PetscMalloc1(PetscMax(pr->nsrc, 1), &where));
    g->nneed = 0;
    for (PetscInt a = 0; a < pr->nsrc; a++) where[a] = pr->off[a + 1] > pr->off[a] ? g->nneed++ : -1;
    PetscCall(PetscMalloc1(PetscMax(g->nneed, 1), &idx));
    g->recv_bytes = 0;
    for (PetscInt a = 0; a < pr->nsrc; a++) {
      PetscMPIInt r;
      PetscInt    lo, hi;
      if (where[a] < 0) continue;
      r = NaLayoutOwner(e->layout, pr->src_pop, a);
      NaLayoutBlock(e->layout, pr->src_pop, r, &lo, &hi);
      idx[where[a]] = ns * lo + sI * (hi - lo) + (a - lo);
      if (r != e->rank) g->recv_bytes += sizeof(double);
    }
    PetscCall(ISCreateGeneral(PETSC_COMM_SELF, g->nneed, idx, PETSC_OWN_POINTER, &is));
    PetscCall(VecCreateSeq(PETSC_COMM_SELF, g->nneed, &g->Yneed));
    PetscCall(VecScatterCreate(sp->Y, is, g->Yneed, NULL, &g->scatter));
    PetscCall(ISDestroy(&is));
    /* by local target: a stable counting sort of the CSR (sources ascending, then the order made) */
    PetscCall(PetscCalloc1(tp->n + 1, &g->off));
    PetscCall(PetscMalloc1(PetscMax(pr->nsyn, 1), &g->src));
    for (PetscInt q = 0; q < pr->nsyn; q++) g->off[pr->tgt[q] - tp->lo + 1]++;
    for (PetscInt i = 0; i < tp->n; i++) g->off[i + 1] += g->off[i];
    PetscCall(PetscMalloc1(tp->n + 1, &cnt));
    PetscCall(PetscArraycpy(cnt, g->off, tp->n + 1));
    for (PetscInt a = 0; a < pr->nsrc; a++)
      for (PetscInt q = pr->off[a]; q < pr->off[a + 1]; q++) g->src[cnt[pr->tgt[q] - tp->lo]++] = where[a];
    PetscCall(PetscFree(cnt));
    PetscCall(PetscFree(where));
    if (!tp->gap) PetscCall(PetscCalloc1(PetscMax(tp->n, 1), &tp->gap));
    tp->io.J_gap = tp->gap;
  }
  PetscFunctionReturn(0);
}

/* J_coupling of every population that steps at step n and receives gap junctions, from the state at time n h
 * (Brian's summed variable, computed before its target group on the target's clock), held over its step: per
 * target cell the sum over its connections, projection by projection, in GapPlan's order */
static PetscErrorCode GapJunctions(NaEngine e, PetscInt64 n)
{
  PetscLogDouble t0, t1;

  PetscFunctionBegin;
  if (!e->ngap) PetscFunctionReturn(0);
  PetscCall(PetscTime(&t0));
  for (PetscInt p = 0; p < e->npops; p++)
    if (e->pops[p].gap && n % e->pops[p].stride == 0) PetscCall(PetscArrayzero(e->pops[p].gap, e->pops[p].n));
  for (PetscInt k = 0; k < e->ngap; k++) {
    NaGapPlan          *g  = &e->gap[k];
    const NaProjection *pr = &e->proj[g->proj];
    NaPop              *tp = &e->pops[pr->tgt_pop];
    const PetscInt      tI = NaCellModelStateIndex(tp->model, "I");
    const double        F2 = g->g.F / 2.0, th = g->g.I_Theta, w = g->g.omega_I;
    const PetscScalar  *Ipre, *y;

    if (n % tp->stride) continue; /* the same on every rank: the scatter is collective */
    PetscCall(VecScatterBegin(g->scatter, e->pops[pr->src_pop].Y, g->Yneed, INSERT_VALUES, SCATTER_FORWARD));
    PetscCall(VecScatterEnd(g->scatter, e->pops[pr->src_pop].Y, g->Yneed, INSERT_VALUES, SCATTER_FORWARD));
    e->exchange_bytes += g->recv_bytes;
    PetscCall(VecGetArrayRead(g->Yneed, &Ipre));
    PetscCall(VecGetArrayRead(tp->Y, &y));
    for (PetscInt i = 0; i < tp->n; i++) {
      const double Ipost = y[(size_t)tI * tp->n + i];
      double       J     = tp->gap[i];
      for (PetscInt q = g->off[i]; q < g->off[i + 1]; q++) {
        const double d = Ipost - Ipre[g->src[q]], sgn = (double)(d > 0) - (double)(d < 0);
        J += -F2 * (1.0 + tanh((fabs(d) - th) / w)) * sgn;
      }
      tp->gap[i] = J;
    }
    PetscCall(VecRestoreArrayRead(tp->Y, &y));
    PetscCall(VecRestoreArrayRead(g->Yneed, &Ipre));
  }
  PetscCall(PetscTime(&t1));
  e->t_upd_astro += t1 - t0;
  PetscFunctionReturn(0);
}

/* the SIC of the slice through SIC projection pr: the needed rows in id order, each step's non-zero values */
static PetscErrorCode DeliverSic(NaEngine e, const NaProjection *pr)
{
  const NaPop   *sp = &e->pops[pr->src_pop], *tp = &e->pops[pr->tgt_pop];
  const PetscInt lo = tp->lo, M = sp->sic_m;
  const double  *Y;

  PetscFunctionBegin;
  if (sp->sic_by_node)
    Y = sp->sic_node;
  else
    PetscCall(VecGetArrayRead(sp->Ysic, &Y));
  for (PetscInt q = 0; q < sp->nneed; q++) {
    const PetscInt a = sp->need[q];
    const double  *v = Y + (size_t)(sp->sic_by_node ? sp->need_at[q] : q) * M;
    if (pr->off[a + 1] == pr->off[a]) continue; /* needed by another SIC projection */
    for (PetscInt m = 0; m < e->mslice; m++) {
      double      *ring = tp->ring_sic + (size_t)NaSlot(e, e->slice0 + m + pr->delay) * tp->n;
      const double x    = v[M == 1 ? 0 : m];
      if (x == 0) continue;
      for (PetscInt j = pr->off[a]; j < pr->off[a + 1]; j++) ring[pr->tgt[j] - lo] += NaProjWeight(pr, j) * x;
    }
  }
  if (!sp->sic_by_node) PetscCall(VecRestoreArrayRead(sp->Ysic, &Y));
  PetscFunctionReturn(0);
}

/* The slice's spikes (sic false) or SIC values into the local targets, projection by projection in order of
 * decreasing delay (then of index: e->dorder), each in (step, source id) order. A ring slot (a step) receives from
 * each projection the events of one source step, its delay earlier: so every slot adds its inputs in the order of
 * (source step, projection, source, synapse) as if delivered step by step, on any rank count and for any slice
 * length (engine.c's head comment). */
static PetscErrorCode Deliver(NaEngine e, PetscBool sic)
{
  PetscFunctionBegin;
  for (PetscInt d = 0; d < e->nproj; d++) {
    const PetscInt   k  = e->dorder[d];
    NaProjection    *pr = &e->proj[k];
    const PetscInt64 g0 = e->layout->offset[pr->src_pop], g1 = g0 + pr->nsrc;

    if (pr->kind == NA_SYN_GLIO && !sic) {
      PetscCall(NaGlioDeliver(e, k));
      continue;
    }
    if (IsGenerator(e, pr->src_pop) || !pr->nsyn || pr->kind == NA_SYN_GAP) continue;
    if ((pr->kind == NA_SYN_SIC) != sic) continue;
    if (sic) {
      PetscCall(DeliverSic(e, pr));
      continue;
    }
    for (PetscInt64 q = 0; q < e->nall; q++) { /* in (step, id) order */
      const NaSpike *x = &e->spikes[q];
      if (x->gid < g0 || x->gid >= g1) continue;
      DeliverSpike(e, pr, (PetscInt)(x->gid - g0), x->step, pr->tms ? e->spikeD[q * e->ntm + pr->tm_slot] : 1.0,
                   PETSC_FALSE);
    }
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode NotFinite(NaEngine, const NaSliceHeader *, PetscInt64);

/* a slice exchanged: where it started and its steps, and the headers, merged (Slices keeps one in flight) */
typedef struct {
  PetscInt64    slice0;
  PetscInt      mslice;
  NaSliceHeader h;
} NaInFlight;

/* the slice's exchange starts (its spikes and SIC rows leave, this rank's lists are free for the next slice); h:
 * this rank's header */
static PetscErrorCode ExchangeStart(NaEngine e, NaInFlight *x, const NaSliceHeader *h)
{
  PetscLogDouble t0, t1;

  PetscFunctionBegin;
  PetscCall(PetscTime(&t0));
  PetscCall(PetscLogEventBegin(NA_EVENT_EXCHANGE, 0, 0, 0, 0));
  x->slice0 = e->slice0;
  x->mslice = e->mslice;
  x->h      = *h;
  PetscCall(StartGather(e, &x->h));
  PetscCall(StartSic(e));
  PetscCall(PetscLogEventEnd(NA_EVENT_EXCHANGE, 0, 0, 0, 0));
  PetscCall(PetscTime(&t1));
  e->t_exchange += t1 - t0;
  PetscFunctionReturn(0);
}

/* the exchange of slice x completes, and its events are delivered (into steps after it: every delay is at least
 * d_min, and x is at most one slice of d_min / 2 back) and its spikes go to the output; x->h becomes the merged
 * header. A state that went bad stops the run here, on every rank. */
static PetscErrorCode ExchangeFinish(NaEngine e, NaInFlight *x)
{
  const PetscInt64 slice0 = e->slice0;
  const PetscInt   mslice = e->mslice;
  PetscLogDouble   t0, t1, t2, t3;

  PetscFunctionBegin;
  PetscCall(PetscTime(&t0));
  PetscCall(PetscLogEventBegin(NA_EVENT_EXCHANGE, 0, 0, 0, 0));
  e->slice0 = x->slice0; /* the sort and the delivery are of slice x's steps */
  e->mslice = x->mslice;
  PetscCall(FinishGather(e, &x->h));
  PetscCall(FinishSic(e));
  if (x->h.bad != PETSC_MAX_INT) PetscCall(NotFinite(e, &x->h, x->slice0 + x->mslice));
  PetscCall(NaGlioScatter(e));
  for (PetscInt64 q = 0; q < e->nall; q++) { /* the neurons' (rank 0 adds recorded generator spikes to the list) */
    PetscInt p = 0;
    while (p + 1 < e->npops && e->spikes[q].gid >= e->layout->offset[p + 1]) p++;
    e->total_spikes += e->pops[p].model->kind == NA_CELL_NEURON;
  }
  PetscCall(PetscLogEventEnd(NA_EVENT_EXCHANGE, 0, 0, 0, 0));
  PetscCall(PetscTime(&t1));
  PetscCall(PetscLogEventBegin(NA_EVENT_DELIVER, 0, 0, 0, 0));
  PetscCall(Deliver(e, PETSC_FALSE));
  PetscCall(NaGlioFeedback(e));
  PetscCall(PetscTime(&t2));
  PetscCall(Deliver(e, PETSC_TRUE));
  PetscCall(PetscLogEventEnd(NA_EVENT_DELIVER, 0, 0, 0, 0));
  PetscCall(PetscTime(&t3));
  e->slice0 = slice0;
  e->mslice = mslice;
  e->t_exchange += t1 - t0;
  e->t_deliver += t2 - t1;
  e->t_deliver_sic += t3 - t2;
  PetscCall(NaEngineOutputSpikes(e));
  PetscCall(PetscTime(&t0));
  e->t_output += t0 - t3;
  PetscFunctionReturn(0);
}

/* ----------------------------------------------------------------------------------------------------------------
 * The run */

static PetscErrorCode Progress(NaEngine e, PetscLogDouble *last, PetscBool force)
{
  PetscLogDouble now;

  PetscFunctionBegin;
  if (e->quiet) PetscFunctionReturn(0);
  PetscCall(PetscTime(&now));
  if (!force && now - *last < e->progress_interval) PetscFunctionReturn(0);
  *last = now;
  {
    const double bio = e->step * e->h * 1e-3, wall = now - e->wall0 - e->t_setup, rtf = bio > 0 ? wall / bio : 0;
    const double eta = e->step ? wall * (double)(e->nsteps - e->step) / (double)e->step : 0;
    PetscCall(NaPrintf(e->comm,
                       "  t = %g / %g ms, %.3g s wall per biological s, %.4g spikes/s (biological), wall %.1f s, ETA "
                       "%.0f s\n",
                       e->step * e->h, e->spec->t_stop, rtf, bio > 0 ? (double)e->total_spikes / bio : 0.0, wall, eta));
  }
  PetscFunctionReturn(0);
}

/* what is due at the end of a slice, into this rank's slice header (which the exchange brings to every rank):
 * a stop signal any rank received (Slurm may signal one), and what rank 0's clock decides (an interval
 * checkpoint, due at a step, every rank decides alone: Slices) */
static PetscErrorCode Due(NaEngine e, NaSliceHeader *h)
{
  PetscLogDouble now;

  PetscFunctionBegin;
  h->due    = 0;
  h->signal = NaStopSignal();
  if (e->rank) PetscFunctionReturn(0);
  PetscCall(PetscTime(&now));
  if (e->ck.walltime > 0 && now - e->ck_last_wall >= e->ck.walltime) h->due |= NA_DUE_WALL;
  if (e->ck.walltime_limit > 0 &&
      now - e->wall0 + 2 * (e->ck_cost + e->slice_wall) + (e->overlap ? e->slice_wall : 0) + 1 >= e->ck.walltime_limit)
    h->due |= NA_DUE_STOP;
  PetscFunctionReturn(0);
}

static PetscErrorCode Checkpoint(NaEngine e)
{
  PetscLogDouble t0, t1;

  PetscFunctionBegin;
  PetscCall(PetscTime(&t0));
  if (e->ck.interval > 0) { /* the next multiple of the interval */
    const PetscInt64 every = PetscMax(1, (PetscInt64)llround(e->ck.interval / e->h));
    e->ck_next             = (e->step / every + 1) * every;
  }
  PetscCall(NaEngineCheckpointWrite(e));
  PetscCall(PetscTime(&t1));
  e->ck_cost      = t1 - t0;
  e->ck_last_wall = t1;
  PetscFunctionReturn(0);
}

/* this rank's first non-finite state at the end of a slice, into its slice header (global cell id and variable;
 * PETSC_MAX_INT: none) */
static PetscErrorCode FirstNonFinite(NaEngine e, NaSliceHeader *h)
{
  PetscFunctionBegin;
  h->bad = h->badvar = PETSC_MAX_INT;
  for (PetscInt p = 0; p < e->npops; p++) {
    const NaPop       *pp = &e->pops[p];
    const PetscScalar *y;
    if (!pp->ts) continue;
    PetscCall(VecGetArrayRead(pp->Y, &y));
    for (PetscInt v = 0; v < pp->model->nstate; v++)
      for (PetscInt i = 0; i < pp->n; i++)
        if (!isfinite(y[(size_t)v * pp->n + i]) && pp->gid0 + pp->lo + i < h->bad) {
          h->bad    = pp->gid0 + pp->lo + i;
          h->badvar = v;
        }
    PetscCall(VecRestoreArrayRead(pp->Y, &y));
  }
  PetscFunctionReturn(0);
}

/* the error for the first non-finite state of all ranks (the same on every rank: collective); the output stays
 * incomplete, the last checkpoint untouched */
static PetscErrorCode NotFinite(NaEngine e, const NaSliceHeader *h, PetscInt64 step)
{
  const PetscInt64 all[2] = {h->bad, h->badvar};

  PetscFunctionBegin;
  {
    PetscInt p = 0;
    while (p + 1 < e->npops && all[0] >= e->layout->offset[p + 1]) p++;
    char msg[PETSC_MAX_PATH_LEN + 512];
    snprintf(msg, sizeof msg,
             "%s: population %s, cell %lld: %s became NaN or infinite by t = %g ms (step %lld); check its "
             "parameters, or integrate it with an adaptive stepper (-%s_ts_type rk -%s_ts_adapt_type basic)",
             e->spec->path, e->spec->pops[p].name, (long long)(all[0] - e->layout->offset[p]),
             e->pops[p].model->state[all[1]].name, step * e->h, (long long)step, e->spec->pops[p].name,
             e->spec->pops[p].name);
    SETERRQ(e->comm, PETSC_ERR_FP, "%s", msg);
  }
}

/* The slices from e->step to the end, or to a stop with a checkpoint. With -exchange_overlap, slice j's exchange
 * runs while slice j + 1 is stepped (progressed between its populations' steps), and its events are delivered
 * after that: slices are then at most d_min / 2, so an event of slice j lands at the earliest in slice j + 2.
 * By the order of the sums (the head comment) the results are the same bits. Before a checkpoint and at the end
 * the slice in flight is finished too, so a checkpoint holds what it holds without the overlap; a decision that
 * comes with the headers (a signal, the wall-time limit) is taken one slice later. */
static PetscErrorCode Slices(NaEngine e)
{
  PetscLogDouble last;
  NaInFlight     x[2]; /* the slice in flight, and the one just stepped */
  PetscBool      pending = PETSC_FALSE;

  PetscFunctionBegin;
  PetscCall(PetscTime(&last));
  while (e->step < e->nsteps) {
    const PetscInt64 end = PetscMin((e->step / e->M + 1) * e->M, e->nsteps); /* at multiples of M (SicPlan) */
    PetscLogDouble   u0, u2, a, b;
    NaSliceHeader    hdr;
    PetscInt64       due = 0, sig = 0;

    e->slice0 = e->step;
    e->mslice = (PetscInt)(end - e->step);
    PetscCall(NaTestFault(e->comm, "slice")); /* tests: one rank fails while the others go on to the exchange */
    PetscCall(PetscTime(&u0));
    PetscCall(PetscLogEventBegin(NA_EVENT_UPDATE, 0, 0, 0, 0));
    for (PetscInt64 n = e->step; n < end; n++) {
      PetscCall(GapJunctions(e, n));
      PetscCall(PetscTime(&a));
      TimedParams(e, n);
      PetscCall(SpikeTrains(e, n));
      RunGenerators(e, n);
      for (PetscInt p = 0; p < e->npops; p++) {
        if (!e->pops[p].ts) continue;
        PetscCall(PetscTime(&b));
        e->t_gen += b - a; /* the first population's share: the generators and the time since */
        PetscCall(PopStep(e, &e->pops[p], n));
        PetscCall(PetscTime(&a));
        if (e->pops[p].model->kind == NA_CELL_ASTROCYTE)
          e->t_upd_astro += a - b;
        else
          e->t_upd_neuron += a - b;
        if (pending) { /* the exchange in flight moves on (MPI progresses a collective only inside its calls) */
          PetscCall(NaExchangeProgress(e));
          PetscCall(PetscTime(&b));
          e->t_exchange += b - a;
          a = b;
        }
      }
      e->step = n + 1;
      PetscCall(NaEngineOutputSample(e));
      PetscCall(PetscTime(&b));
      e->t_output += b - a;
    }
    PetscCall(PetscLogEventEnd(NA_EVENT_UPDATE, 0, 0, 0, 0));
    PetscCall(FirstNonFinite(e, &hdr));
    PetscCall(Due(e, &hdr));
    if (pending) {
      PetscCall(ExchangeFinish(e, &x[0]));
      due |= x[0].h.due;
      sig = x[0].h.signal;
    }
    PetscCall(ExchangeStart(e, &x[1], &hdr));
    pending = PETSC_TRUE;
    if (e->ck.interval > 0 && e->step >= e->ck_next) due |= NA_DUE_INTERVAL; /* the same step on every rank */
    if (!e->overlap || due || e->step == e->nsteps) {
      PetscCall(ExchangeFinish(e, &x[1]));
      due |= x[1].h.due;
      if (!sig) sig = x[1].h.signal;
      pending = PETSC_FALSE;
    } else
      x[0] = x[1];
    PetscCall(PetscTime(&u2));
    e->slice_wall = u2 - u0;
    e->nslices++;
    if (due && e->step < e->nsteps) {
      PetscCall(Checkpoint(e));
      PetscCall(PetscTime(&a));
      e->t_checkpoint += a - u2;
    }
    if (due & NA_DUE_STOP && e->step < e->nsteps) {
      char why[64];
      if (sig)
        snprintf(why, sizeof why, "%s on rank %d", NaSignalName((int)sig), e->stop_rank);
      else
        snprintf(why, sizeof why, "wall-time limit");
      PetscCall(NaPrintf(
          e->comm, "nastro: stopped at t = %g ms (%s): checkpoint in %s; resume with -restart %s (exit code 75)\n",
          e->step * e->h, why, e->ck.dir, e->ck.dir));
      PetscCall(NaStatusEnd(75, e->ck.dir,
                            "stopped at t = %g ms (%s) with a checkpoint in %s, exit 75; resume with -restart %s",
                            e->step * e->h, why, e->ck.dir, e->ck.dir));
      NaOutputRelease(75);
      e->exit_code = 75;
      break;
    }
    PetscCall(Progress(e, &last, PETSC_FALSE));
  }
  PetscFunctionReturn(0);
}

PetscErrorCode NaEngineRun(NaEngine e)
{
  PetscLogDouble t0, t1, last = 0;

  PetscFunctionBegin;
  PetscCall(NaEngineSetUp(e));
  PetscCall(NaCheckpointDefaultDir(e->output, e->ck.dir, sizeof e->ck.dir));
  NaCheck(!e->ck.restart[0] || !e->spec->nrelease_projs, e->comm, PETSC_ERR_USER_INPUT,
          "%s: record.releases is not kept in checkpoints: a resumed run cannot write the releases before its "
          "checkpoint; run it from the start or leave record.releases out",
          e->spec->path);
  if (e->ck.restart[0]) {
    PetscCall(NaEngineCheckpointRead(e)); /* it may name the output */
    PetscCall(NaOutputClaim(e->comm, e->output, e->ck.dir, PETSC_TRUE));
    PetscCall(NaPrintf(e->comm, "resumed from %s at t = %g ms on %d rank%s; output %s continued\n", e->ck.restart,
                       e->step * e->h, e->size, NaPlural(e->size), e->output));
  } else {
    PetscCall(NaOutputClaim(e->comm, e->output, e->ck.dir, PETSC_FALSE));
    PetscCall(NaEngineOutputCreate(e));
  }
  PetscCall(NaStatusBegin(e->comm, e->output)); /* the output is known (a restart may name it) */
  if (e->ck.interval > 0) {
    const PetscInt64 every = PetscMax(1, (PetscInt64)llround(e->ck.interval / e->h));
    e->ck_next             = (e->step / every + 1) * every;
  }
  PetscCall(PetscTime(&t0));
  e->ck_last_wall = t0;
  PetscCall(Slices(e));
  PetscCall(PetscTime(&t1));
  e->t_run = t1 - t0;
  if (e->exit_code == 75) {
    PetscCall(NaEngineOutputFlush(e));
    PetscCall(NaEngineOutputDestroy(e));
    PetscFunctionReturn(0);
  }
  PetscCall(Progress(e, &last, PETSC_TRUE));
  PetscCall(NaEngineOutputFinish(e));
  PetscCall(NaStatusEnd(0, NULL, "complete at t = %g ms, exit 0: %s", e->step * e->h, e->output));
  NaOutputRelease(0);
  PetscFunctionReturn(0);
}

PetscErrorCode NaEngineGetExitCode(NaEngine e, int *code)
{
  PetscFunctionBegin;
  *code = e->exit_code;
  PetscFunctionReturn(0);
}

PetscErrorCode NaEngineGetCounts(NaEngine e, PetscInt64 *spikes, PetscReal *t)
{
  PetscFunctionBegin;
  if (spikes) *spikes = e->total_spikes;
  if (t) *t = e->step * e->h;
  PetscFunctionReturn(0);
}

PetscErrorCode NaEngineDestroy(NaEngine *engine)
{
  NaEngine e = *engine;

  PetscFunctionBegin;
  if (!e) PetscFunctionReturn(0);
  PetscCall(NaEngineOutputDestroy(e));
  PetscCall(NaGlioDestroy(e));
  PetscCall(NaExchangeDestroy(e));
  for (PetscInt k = 0; e->gap && k < e->ngap; k++) {
    PetscCall(VecScatterDestroy(&e->gap[k].scatter));
    PetscCall(VecDestroy(&e->gap[k].Yneed));
    PetscCall(PetscFree(e->gap[k].off));
    PetscCall(PetscFree(e->gap[k].src));
  }
  PetscCall(PetscFree(e->gap));
  for (PetscInt p = 0; e->pops && p < e->npops; p++) PetscCall(PopDestroy(&e->pops[p]));
  PetscCall(PetscFree(e->pops));
  for (PetscInt k = 0; e->poisson && k < e->nproj; k++) PetscCall(PetscFree(e->poisson[k]));
  PetscCall(PetscFree(e->poisson));
  if (e->proj) PetscCall(NaConnectDestroy(e->nproj, &e->proj));
  PetscCall(NaLayoutDestroy(&e->layout));
  PetscCall(NaNetSpecDestroy(&e->spec));
  PetscCall(PetscFree(e->myspikes));
  PetscCall(PetscFree(e->spikes));
  PetscCall(PetscFree(e->dorder));
  PetscCall(PetscFree(e->myD));
  PetscCall(PetscFree(e->spikeD));
  PetscCall(PetscFree(e->sendbuf));
  PetscCall(PetscFree(e->recvbuf));
  PetscCall(PetscFree2(e->counts, e->displs));
  PetscCall(PetscFree(e->hdrs));
  PetscCall(PetscFree(e));
  *engine = NULL;
  PetscFunctionReturn(0);
}
