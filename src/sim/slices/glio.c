/* tm_glio_synapse in the engine: the Tsodyks-Markram synapse of Brian 2's neuron-glia examples (Stimberg et al.
 * 2019, examples 3-6) whose release is modulated by the gliotransmitter of the astrocyte that ensheathes it
 * (docs/networks.md "glia").
 *
 * State: per synapse (u_S, x_S, the last r_S, the time of the last spike), on the target's rank with the rest of
 * the projection (connect.h). At a presynaptic spike at time t (emitted in step n, t = (n + 1) h), after the
 * exact decay u_S *= exp(-Omega_f dt), x_S = 1 - (1 - x_S) exp(-Omega_d dt) since the last spike:
 *   U_0 = (1 - Gamma_S) U_0_star + alpha Gamma_S,  u_S += U_0 (1 - u_S),  r_S = u_S x_S,  x_S -= r_S
 * the target receives weight x r_S with the projection's delay, and in a closed loop the astrocyte receives
 * rho_c Y_T r_S (divided with normalize by its synapses of the normalized projections from the same source
 * population) into its Y_S, with the same delay.
 * Gamma_S is the astrocyte's state variable (astrocyte_gchi.c) at the end of step n: the value at the spike's
 * time on the step grid.
 *
 * Exchange: all of this happens once per slice, after the slice's steps. Each astrocyte population with such
 * synapses records its cells' Gamma_S in every step of the slice ([n][M], like the SIC rows) and a fixed
 * VecScatter brings the rows the local synapses need to their targets' ranks. Spikes of neurons come with the
 * slice's exchange; those of generators are made here, at the slice's end, from the same keyed streams
 * (spike_generator: its times; poisson_generator: the synapse's own stream, step by step), so a tm_glio_synapse
 * projection's delay counts towards d_min even from a generator. The closed loop's glutamate goes to the
 * astrocyte's rank as records (arrival step, projection, source, target, multapse index, value), which the
 * owner sorts by that key before adding: every sum in a fixed order, the same bits on any rank count. */
#include "engineimpl.h"
#include "naerrors.h"
#include "nalimits.h"
#include "h5util.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

static PetscBool IsGlio(const NaProjection *pr)
{
  return pr->kind == NA_SYN_GLIO && pr->role == NA_PROJ_PRIMARY ? PETSC_TRUE : PETSC_FALSE;
}

/* the astrocyte of target cell t of projection pr, -1 for none */
static inline PetscInt AstroOf(NaEngine e, const NaProjection *pr, PetscInt t)
{
  const NaGliaSpec *g = &e->spec->projs[pr->spec].glia;
  if (pr->glia_pop < 0) return -1;
  return g->mode == NA_GLIA_ONE_TO_ONE ? t : g->list[t];
}

PetscBool NaGlioHasFeedback(NaEngine e)
{
  for (PetscInt k = 0; k < e->nproj; k++)
    if (IsGlio(&e->proj[k]) && e->proj[k].glia_pop >= 0 && e->spec->projs[e->proj[k].spec].glia.closed_loop)
      return PETSC_TRUE;
  return PETSC_FALSE;
}

/* the Gamma_S rows of astrocyte population p that this rank needs, and the scatter that brings them */
static PetscErrorCode GammaPlan(NaEngine e, NaPop *p)
{
  const PetscInt M = e->M, na = p->spec->n;
  unsigned char *mark;
  PetscInt      *idx, nneed = 0;
  IS             is;

  PetscFunctionBegin;
  p->kgam = NaCellModelStateIndex(p->model, "Gamma_S");
  PetscCall(PetscCalloc1((size_t)PetscMax(p->n, 1) * M, &p->gam_rows));
  PetscCall(VecCreateMPIWithArray(e->comm, 1, (PetscInt)p->n * M, PETSC_DETERMINE, p->gam_rows, &p->Xgam));
  PetscCall(PetscCalloc1(PetscMax(na, 1), &mark));
  for (PetscInt k = 0; k < e->nproj; k++) {
    const NaProjection *pr = &e->proj[k];
    if (!IsGlio(pr) || pr->glia_pop != p->index) continue;
    for (PetscInt j = 0; j < pr->nsyn; j++) {
      const PetscInt a = AstroOf(e, pr, pr->tgt[j]);
      if (a >= 0) mark[a] = 1;
    }
  }
  PetscCall(PetscMalloc1(PetscMax(na, 1), &p->gpos));
  for (PetscInt a = 0; a < na; a++) p->gpos[a] = mark[a] ? nneed++ : -1;
  PetscCall(PetscMalloc1((size_t)PetscMax(nneed, 1) * M, &idx));
  for (PetscInt a = 0; a < na; a++)
    if (mark[a])
      for (PetscInt m = 0; m < M; m++) idx[(size_t)p->gpos[a] * M + m] = a * M + m;
  PetscCall(ISCreateGeneral(PETSC_COMM_SELF, nneed * M, idx, PETSC_OWN_POINTER, &is));
  PetscCall(VecCreateSeq(PETSC_COMM_SELF, nneed * M, &p->Ygam));
  PetscCall(VecScatterCreate(p->Xgam, is, p->Ygam, NULL, &p->gam_scatter));
  PetscCall(ISDestroy(&is));
  PetscCall(PetscFree(mark));
  PetscFunctionReturn(0);
}

PetscErrorCode NaGlioSetUp(NaEngine e)
{
  PetscFunctionBegin;
  PetscCall(PetscCalloc2(e->nproj, &e->ginv, e->nproj, &e->grec));
  for (PetscInt p = 0; p < e->npops; p++) {
    PetscBool used = PETSC_FALSE;
    for (PetscInt k = 0; k < e->nproj; k++) used |= IsGlio(&e->proj[k]) && e->proj[k].glia_pop == p;
    e->pops[p].kgam = -1;
    if (used) PetscCall(GammaPlan(e, &e->pops[p]));
  }
  for (PetscInt q = 0; q < e->spec->nrelease_projs; q++) e->grec[e->spec->release_projs[q]] = PETSC_TRUE;
  /* normalize: 1 / N_incoming, the astrocyte's synapses of all normalized projections from the same source population
   * (Brian's example 6: one Synapses object from the excitatory neurons to all neurons; here E -> E and E -> I) */
  for (PetscInt k = 0; k < e->nproj; k++) {
    const NaProjection *pr = &e->proj[k];
    PetscInt            na, *cnt;
    if (!IsGlio(pr) || pr->glia_pop < 0 || !e->spec->projs[pr->spec].glia.normalize) continue;
    na = e->spec->pops[pr->glia_pop].n;
    PetscCall(PetscCalloc1(PetscMax(na, 1), &cnt));
    for (PetscInt k2 = 0; k2 < e->nproj; k2++) {
      const NaProjection *q = &e->proj[k2];
      if (!IsGlio(q) || q->glia_pop != pr->glia_pop || q->src_pop != pr->src_pop ||
          !e->spec->projs[q->spec].glia.normalize)
        continue;
      for (PetscInt j = 0; j < q->nsyn; j++) {
        const PetscInt a = AstroOf(e, q, q->tgt[j]);
        if (a >= 0) cnt[a]++;
      }
    }
    PetscCallMPI(MPI_Allreduce(MPI_IN_PLACE, cnt, (PetscMPIInt)na, MPIU_INT, MPI_SUM, e->comm));
    PetscCall(PetscMalloc1(PetscMax(na, 1), &e->ginv[k]));
    for (PetscInt a = 0; a < na; a++) e->ginv[k][a] = cnt[a] ? 1.0 / (double)cnt[a] : 0.0;
    PetscCall(PetscFree(cnt));
  }
  e->gfeedback = NaGlioHasFeedback(e);
  e->gam_every = getenv("NASTRO_TEST_GLIO_SCATTER_ALWAYS") ? PETSC_TRUE : PETSC_FALSE; /* tests: no skipped scatter */
  PetscFunctionReturn(0);
}

PetscErrorCode NaGlioDestroy(NaEngine e)
{
  PetscFunctionBegin;
  for (PetscInt k = 0; e->ginv && k < e->nproj; k++) PetscCall(PetscFree(e->ginv[k]));
  PetscCall(PetscFree2(e->ginv, e->grec));
  for (PetscInt p = 0; e->pops && p < e->npops; p++) {
    NaPop *pp = &e->pops[p];
    PetscCall(VecScatterDestroy(&pp->gam_scatter));
    PetscCall(VecDestroy(&pp->Xgam));
    PetscCall(VecDestroy(&pp->Ygam));
    PetscCall(PetscFree(pp->gam_rows));
    PetscCall(PetscFree(pp->gpos));
  }
  PetscCall(PetscFree(e->gfeed));
  PetscCall(PetscFree(e->grel));
  PetscFunctionReturn(0);
}

/* after step n of astrocyte population p (state y): its cells' Gamma_S into the slice's rows */
void NaGlioRecordGamma(NaEngine e, NaPop *p, const double *y, PetscInt64 n)
{
  const PetscInt m = (PetscInt)(n - e->slice0), M = e->M;
  if (!p->gam_rows) return;
  for (PetscInt i = 0; i < p->n; i++) p->gam_rows[(size_t)i * M + m] = y[(size_t)p->kgam * p->n + i];
}

/* The slice's Gamma_S rows to the synapses' ranks. They are the same as the last slice's, and the scatter is
 * skipped (on every rank alike), when the population did not step in this slice, nor after the first step of the
 * last one: then every row of both holds the value of its last step (astrocytes on a 10 ms step with 0.1 ms slices
 * scatter once in 100 slices). */
PetscErrorCode NaGlioScatter(NaEngine e)
{
  PetscFunctionBegin;
  for (PetscInt p = 0; p < e->npops; p++) {
    NaPop          *pp   = &e->pops[p];
    const PetscBool same = pp->gam_valid && !e->gam_every && !NaPopSteps(pp, e->slice0, e->slice0 + e->mslice) &&
                           !NaPopSteps(pp, pp->gam_prev0 + 1, pp->gam_prev0 + pp->gam_prevm);
    if (!pp->gam_scatter) continue;
    pp->gam_prev0 = e->slice0, pp->gam_prevm = e->mslice;
    if (same) continue;
    PetscCall(VecScatterBegin(pp->gam_scatter, pp->Xgam, pp->Ygam, INSERT_VALUES, SCATTER_FORWARD));
    PetscCall(VecScatterEnd(pp->gam_scatter, pp->Xgam, pp->Ygam, INSERT_VALUES, SCATTER_FORWARD));
    pp->gam_valid = PETSC_TRUE;
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode PushFeed(NaEngine e, const NaGlioFeed *f)
{
  PetscFunctionBegin;
  if (e->nfeed) { /* several releases of one synapse in one step: summed here, in their order */
    NaGlioFeed *l = &e->gfeed[e->nfeed - 1];
    if (l->arrive == f->arrive && l->k == f->k && l->src == f->src && l->tgt == f->tgt && l->m == f->m) {
      l->v += f->v;
      PetscFunctionReturn(0);
    }
  }
  if (e->nfeed == e->capfeed) {
    NaGlioFeed *g;
    e->capfeed = PetscMax(1024, 2 * e->capfeed);
    PetscCall(PetscMalloc1(e->capfeed, &g));
    if (e->nfeed) PetscCall(PetscArraycpy(g, e->gfeed, e->nfeed));
    PetscCall(PetscFree(e->gfeed));
    e->gfeed = g;
  }
  e->gfeed[e->nfeed++] = *f;
  PetscFunctionReturn(0);
}

static PetscErrorCode PushRelease(NaEngine e, const NaGlioRelease *r)
{
  PetscFunctionBegin;
  if (e->nrel == e->caprel) {
    NaGlioRelease *g;
    e->caprel = PetscMax(1024, 2 * e->caprel);
    PetscCall(PetscMalloc1(e->caprel, &g));
    if (e->nrel) PetscCall(PetscArraycpy(g, e->grel, e->nrel));
    PetscCall(PetscFree(e->grel));
    e->grel = g;
  }
  e->grel[e->nrel++] = *r;
  PetscFunctionReturn(0);
}

/* one presynaptic spike of source s at time t (step n) through synapse j (the m-th of s onto its target) */
static PetscErrorCode Spike(NaEngine e, PetscInt k, const double *gam, PetscInt s, PetscInt j, PetscInt m, PetscInt64 n)
{
  NaProjection       *pr = &e->proj[k];
  const NaGlioParams *g  = &pr->gl;
  NaPop              *tp = &e->pops[pr->tgt_pop];
  NaTsodyksState     *st = &pr->tms[j];
  const PetscInt      tg = pr->tgt[j], a = AstroOf(e, pr, tg);
  const double        t = (double)(n + 1) * e->h, dt = t - st->t_last;
  double              G = 0, U0, r, w;

  PetscFunctionBegin;
  if (a >= 0) {
    const NaPop *ap = &e->pops[pr->glia_pop];
    G               = gam[(size_t)ap->gpos[a] * e->M + (size_t)(n - e->slice0)];
  }
  st->u *= exp(-g->Omega_f * dt);
  st->x += (1.0 - st->x) * -expm1(-g->Omega_d * dt);
  U0 = (1.0 - G) * g->U_0_star + g->alpha * G;
  st->u += U0 * (1.0 - st->u);
  r = st->u * st->x;
  st->x -= r;
  st->y      = r;
  st->t_last = t;
  w          = NaProjWeight(pr, j) * r;
  {
    const size_t at = (size_t)NaSlot(e, n + pr->delay) * tp->n + (size_t)(tg - tp->lo);
    if (w >= 0)
      tp->ring_ex[at] += w;
    else
      tp->ring_in[at] -= w;
  }
  if (a >= 0 && e->spec->projs[pr->spec].glia.closed_loop) {
    NaGlioFeed f = {n + pr->delay, n, s, tg, k, m, a, g->rho_c * g->Y_T * r};
    if (e->ginv[k]) f.v *= e->ginv[k][a];
    PetscCall(PushFeed(e, &f));
  }
  if (e->grec[k]) {
    NaGlioRelease rec = {n, s, tg, k, m, 0, st->u, st->x, r, G};
    PetscCall(PushRelease(e, &rec));
  }
  PetscFunctionReturn(0);
}

/* the slice's spikes through tm_glio_synapse projection k (engine.c's Deliver, in its projection order) */
PetscErrorCode NaGlioDeliver(NaEngine e, PetscInt k)
{
  NaProjection    *pr  = &e->proj[k];
  NaPop           *sp  = &e->pops[pr->src_pop];
  const double    *gam = NULL;
  const PetscInt64 g0 = e->layout->offset[pr->src_pop], g1 = g0 + pr->nsrc;

  PetscFunctionBegin;
  if (pr->glia_pop >= 0) PetscCall(VecGetArrayRead(e->pops[pr->glia_pop].Ygam, &gam));
  if (sp->gen == NA_GEN_NONE) {
    for (PetscInt64 q = 0; q < e->nall; q++) { /* in (step, id) order */
      const NaSpike *x = &e->spikes[q];
      PetscInt       s;
      if (x->gid < g0 || x->gid >= g1) continue;
      s = (PetscInt)(x->gid - g0);
      for (PetscInt j = pr->off[s], m = 0; j < pr->off[s + 1]; j++) {
        m = j > pr->off[s] && pr->tgt[j] == pr->tgt[j - 1] ? m + 1 : 0;
        PetscCall(Spike(e, k, gam, s, j, m, x->step));
      }
    }
  } else if (sp->gen == NA_GEN_SPIKE) { /* the times of the slice's steps, by bisection (no cursor to keep) */
    const double  *T  = sp->spec->spike_times;
    const PetscInt nt = sp->spec->nspikes;
    PetscInt       lo = 0, hi = nt;
    while (lo < hi) {
      const PetscInt mid = (lo + hi) / 2;
      if (llround(T[mid] / e->h) - 1 < e->slice0)
        lo = mid + 1;
      else
        hi = mid;
    }
    for (PetscInt q = lo; q < nt && llround(T[q] / e->h) - 1 < e->slice0 + e->mslice; q++) {
      const PetscInt64 n = llround(T[q] / e->h) - 1;
      for (PetscInt s = 0; s < pr->nsrc; s++)
        for (PetscInt j = pr->off[s], m = 0; j < pr->off[s + 1]; j++) {
          m = j > pr->off[s] && pr->tgt[j] == pr->tgt[j - 1] ? m + 1 : 0;
          PetscCall(Spike(e, k, gam, s, j, m, n));
        }
    }
  } else if (sp->gen == NA_GEN_POISSON) { /* each synapse's own stream, step by step */
    const NaTimed *timed = NaNetSpecTimed(e->spec, sp->index, "rate");
    for (PetscInt64 n = e->slice0; n < e->slice0 + e->mslice; n++)
      for (PetscInt s = 0; s < pr->nsrc; s++) {
        const double rate = timed ? NaTimedAtStep(timed, n) : sp->par[sp->kvalue][s];
        const double mu = rate * e->h * 1e-3, p0 = exp(-mu);
        if (!NaGenActive(sp, s, n, e->h) || mu <= 0) continue;
        for (PetscInt j = pr->off[s], m = 0; j < pr->off[s + 1]; j++) {
          const PetscInt cnt = NaPoissonDraw(&e->poisson[k][j], mu, p0);
          m                  = j > pr->off[s] && pr->tgt[j] == pr->tgt[j - 1] ? m + 1 : 0;
          for (PetscInt c = 0; c < cnt; c++) PetscCall(Spike(e, k, gam, s, j, m, n));
        }
      }
  }
  if (gam) PetscCall(VecRestoreArrayRead(e->pops[pr->glia_pop].Ygam, &gam));
  PetscFunctionReturn(0);
}

static int CompareFeed(const void *a, const void *b)
{
  const NaGlioFeed *x = a, *y = b;
  if (x->arrive != y->arrive) return x->arrive < y->arrive ? -1 : 1;
  if (x->step != y->step) return x->step < y->step ? -1 : 1; /* as the slices bring them: any slice length */
  if (x->k != y->k) return x->k < y->k ? -1 : 1;
  if (x->src != y->src) return x->src < y->src ? -1 : 1;
  if (x->tgt != y->tgt) return x->tgt < y->tgt ? -1 : 1;
  return x->m < y->m ? -1 : x->m > y->m;
}

/* the slice's closed-loop glutamate to the astrocytes' ranks, added there in key order (collective) */
PetscErrorCode NaGlioFeedback(NaEngine e)
{
  PetscMPIInt *sc, *sd, *rc, *rd;
  NaGlioFeed  *send, *recv;
  PetscInt64   nrecv = 0;
  const int    rs    = (int)sizeof(NaGlioFeed);

  PetscFunctionBegin;
  if (!e->gfeedback) PetscFunctionReturn(0);
  { /* one MPI_Alltoallv of bytes: its counts and displacements are int (nalimits.h) */
    PetscMPIInt c;
    PetscCall(NaMPICount(PETSC_COMM_SELF, e->nfeed * rs, &c,
                         "the slice's closed-loop glutamate: the bytes rank %d sends", e->rank));
  }
  PetscCall(PetscCalloc4(e->size, &sc, e->size, &sd, e->size, &rc, e->size, &rd));
  for (PetscInt64 q = 0; q < e->nfeed; q++) {
    const NaGlioFeed *f = &e->gfeed[q];
    sc[NaLayoutOwner(e->layout, e->proj[f->k].glia_pop, f->a)] += rs;
  }
  for (PetscMPIInt r = 1; r < e->size; r++) sd[r] = sd[r - 1] + sc[r - 1];
  PetscCall(PetscMalloc1(PetscMax(e->nfeed, 1), &send));
  {
    PetscMPIInt *at;
    PetscCall(PetscMalloc1(e->size, &at));
    for (PetscMPIInt r = 0; r < e->size; r++) at[r] = sd[r] / rs;
    for (PetscInt64 q = 0; q < e->nfeed; q++) {
      const NaGlioFeed *f                                                = &e->gfeed[q];
      send[at[NaLayoutOwner(e->layout, e->proj[f->k].glia_pop, f->a)]++] = *f;
    }
    PetscCall(PetscFree(at));
  }
  PetscCallMPI(MPI_Alltoall(sc, 1, MPI_INT, rc, 1, MPI_INT, e->comm));
  for (PetscMPIInt r = 0; r < e->size; r++) {
    rd[r] = (PetscMPIInt)(nrecv * rs);
    nrecv += rc[r] / rs;
  }
  {
    PetscMPIInt c;
    PetscCall(NaMPICount(PETSC_COMM_SELF, nrecv * rs, &c,
                         "the slice's closed-loop glutamate: the bytes rank %d receives", e->rank));
  }
  PetscCall(PetscMalloc1(PetscMax(nrecv, 1), &recv));
  PetscCallMPI(MPI_Alltoallv(send, sc, sd, MPI_BYTE, recv, rc, rd, MPI_BYTE, e->comm));
  qsort(recv, (size_t)nrecv, sizeof *recv, CompareFeed);
  for (PetscInt64 q = 0; q < nrecv; q++) {
    const NaGlioFeed *f  = &recv[q];
    NaPop            *ap = &e->pops[e->proj[f->k].glia_pop];
    ap->ring_fb[(size_t)NaSlot(e, f->arrive) * ap->n + (size_t)(f->a - ap->lo)] += f->v;
  }
  e->exchange_bytes += (double)nrecv * rs;
  e->nfeed = 0;
  PetscCall(PetscFree(send));
  PetscCall(PetscFree(recv));
  PetscCall(PetscFree4(sc, sd, rc, rd));
  PetscFunctionReturn(0);
}

static int CompareRelease(const void *a, const void *b)
{
  const NaGlioRelease *x = a, *y = b;
  if (x->k != y->k) return x->k < y->k ? -1 : 1;
  if (x->step != y->step) return x->step < y->step ? -1 : 1;
  if (x->src != y->src) return x->src < y->src ? -1 : 1;
  if (x->tgt != y->tgt) return x->tgt < y->tgt ? -1 : 1;
  if (x->m != y->m) return x->m < y->m ? -1 : 1;
  return x->seq < y->seq ? -1 : x->seq > y->seq; /* one synapse's releases in one step, in their order */
}

/* record.releases: every rank's releases to rank 0, written as /releases/projection_K, [n][7] (collective) */
PetscErrorCode NaGlioWriteReleases(NaEngine e, hid_t file)
{
  PetscMPIInt   *cnt = NULL, *dsp = NULL, mine;
  NaGlioRelease *all  = NULL;
  PetscInt64     nall = 0;
  hid_t          grp;

  PetscFunctionBegin;
  if (!e->spec->nrelease_projs) PetscFunctionReturn(0);
  PetscCall(NaMPICount(PETSC_COMM_SELF, e->nrel * (PetscInt64)sizeof(NaGlioRelease), &mine,
                       "record.releases: the bytes of rank %d's releases", e->rank));
  /* a stable sort: index each release of this rank by its order (one synapse's releases are all on this rank) */
  for (PetscInt64 q = 0; q < e->nrel; q++) e->grel[q].seq = q;
  if (e->rank == 0) PetscCall(PetscMalloc2(e->size, &cnt, e->size, &dsp));
  PetscCallMPI(MPI_Gather(&mine, 1, MPI_INT, cnt, 1, MPI_INT, 0, e->comm));
  if (e->rank == 0) {
    PetscInt64 b = 0;
    for (PetscMPIInt r = 0; r < e->size; r++) {
      PetscCheck(b + cnt[r] < PETSC_MPI_INT_MAX, PETSC_COMM_SELF, PETSC_ERR_SUP,
                 "record.releases: more than 2 GB of releases; record fewer projections");
      dsp[r] = (PetscMPIInt)b;
      b += cnt[r];
    }
    nall = b / (PetscInt64)sizeof(NaGlioRelease);
    PetscCall(PetscMalloc1(PetscMax(nall, 1), &all));
  }
  PetscCallMPI(MPI_Gatherv(e->grel, mine, MPI_BYTE, all, cnt, dsp, MPI_BYTE, 0, e->comm));
  if (e->rank == 0) qsort(all, (size_t)nall, sizeof *all, CompareRelease);
  NaH5Call(grp = H5Gcreate2(file, "releases", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
  for (PetscInt q = 0, at = 0; q < e->spec->nrelease_projs; q++) {
    const PetscInt k = e->spec->release_projs[q];
    PetscInt       n = 0;
    double        *v = NULL;
    char           name[64];
    hsize_t        dims[2];
    if (e->rank == 0) {
      PetscInt b = 0;
      while (b < nall && all[b].k != k) b++;
      while (b + n < nall && all[b + n].k == k) n++;
      PetscCall(PetscMalloc1(7 * (size_t)PetscMax(n, 1), &v));
      for (PetscInt i = 0; i < n; i++) {
        const NaGlioRelease *r = &all[b + i];
        double              *o = v + 7 * (size_t)i;
        o[0] = (double)(r->step + 1) * e->h, o[1] = (double)r->src, o[2] = (double)r->tgt, o[3] = r->u, o[4] = r->x;
        o[5] = r->r, o[6] = r->G;
      }
    }
    (void)at;
    PetscCallMPI(MPI_Bcast(&n, 1, MPIU_INT, 0, e->comm));
    dims[0] = (hsize_t)n, dims[1] = 7;
    PetscCall(PetscSNPrintf(name, sizeof name, "projection_%" PetscInt_FMT, k));
    PetscCall(NaH5WriteArray(e->comm, grp, name, 2, dims, v,
                             "releases of tm_glio_synapse: t [ms], source, target, u_S, x_S, r_S, Gamma_S", "mixed"));
    PetscCall(PetscFree(v));
  }
  NaH5Call(H5Gclose(grp));
  PetscCall(PetscFree(all));
  if (e->rank == 0) PetscCall(PetscFree2(cnt, dsp));
  PetscFunctionReturn(0);
}
