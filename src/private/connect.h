/* The distributed connectivity of a spiking network: which rank owns which cells, and the synapses of every
 * projection stored on their target's rank.
 *
 * Layout: every population is split into contiguous blocks, rank r owning cells [start[r], start[r+1]) with
 * start[r] = floor(n r / P): balanced to within one cell per population, and since the cells of one population
 * cost the same in expectation (same model, same incoming rule), the work is balanced too. Generators
 * (poisson, spike, dc) are not distributed: every rank runs them for its own targets.
 *
 * Synapses: each rank builds only its own targets' incoming connections, from random streams keyed by
 * (seed, projection, target id) (netspec.h), so the network is the same on any rank count. A projection's
 * synapses are grouped by source (CSR over the whole source population) and, within one source, ordered by
 * target then by the order the rule made them; deliveries therefore add into each target in a fixed order. */
#pragma once
#include <math.h>
#include "netspec.h"

typedef struct {
  PetscMPIInt size, rank;
  PetscInt    npops;
  PetscInt   *n;          /* [npops] global cells */
  PetscInt   *start;      /* [npops][size + 1]: population p's block of rank r is [start[p(size+1)+r], ...+r+1) */
  PetscInt   *offset;     /* [npops] first global cell id of each population (ids: populations in file order) */
  PetscBool  *replicated; /* [npops] generators: every rank holds all cells (start: rank 0 owns them all,
                           * NaLayoutLocal gives [0, n) on every rank) */
} NaLayout;

PETSC_EXTERN PetscErrorCode NaLayoutCreate(MPI_Comm comm, const NaNetSpec *spec, NaLayout **layout);
PETSC_EXTERN PetscErrorCode NaLayoutDestroy(NaLayout **layout);
/* this rank's block of population p, and any rank's */
PETSC_EXTERN void NaLayoutLocal(const NaLayout *l, PetscInt p, PetscInt *lo, PetscInt *hi);
PETSC_EXTERN void NaLayoutBlock(const NaLayout *l, PetscInt p, PetscMPIInt r, PetscInt *lo, PetscInt *hi);
/* the rank owning cell i of population p */
PETSC_EXTERN PetscMPIInt NaLayoutOwner(const NaLayout *l, PetscInt p, PetscInt i);

/* per-synapse dynamic state of tsodyks_synapse (exact update at each presynaptic spike, models.md 3.4) */
typedef struct {
  double x, y, u;
  double t_last; /* time of the last presynaptic spike [ms]; 0 before the first (as NEST's) */
} NaTsodyksState;

/* one projection as stored on this rank. A tripartite projection of the file becomes three: the primary one,
 * third_in (source -> astrocyte, stored on the astrocyte's rank) and third_out (astrocyte -> target,
 * sic_connection, stored on the target's rank). */
typedef enum { NA_PROJ_PRIMARY, NA_PROJ_THIRD_IN, NA_PROJ_THIRD_OUT } NaProjRole;
typedef struct {
  PetscInt        spec; /* index of the projection in the network file */
  NaProjRole      role;
  NaSynKind       kind;
  NaTsodyksParams tm;
  PetscInt        src_pop, tgt_pop;
  PetscInt        nsrc;     /* cells of the source population */
  PetscInt        tlo, thi; /* this rank's block of the target population */
  PetscInt        delay;    /* in steps of the resolution, >= 1 */
  PetscInt        nsyn;     /* synapses stored here */
  PetscInt       *off;      /* [nsrc + 1]: the synapses of source s are [off[s], off[s + 1]) */
  PetscInt       *tgt;      /* [nsyn] target index within the target population (global, tlo <= tgt < thi) */
  double         *weight;   /* [nsyn], or NULL when the file gives one constant weight: w0 (NaProjWeight) */
  double          w0;
  /* tsodyks only, else NULL. A tsodyks state follows from the presynaptic spike train and the projection's
   * parameters alone, so all synapses of one source share it (bitwise what each would compute): tms_shared, one
   * state per source, held by the rank that runs the source, for sources [tms_lo, tms_lo + tms_n) (its block
   * of the source population; every source of a replicated generator population). The source's rank steps it
   * at each spike and sends the efficacy with the spike (engine.c); tm_slot is the projection's place among
   * its source population's such projections. A poisson_generator sends each synapse a train of its own: then
   * one state per synapse, [nsyn]. */
  NaTsodyksState *tms;
  PetscBool       tms_shared;
  PetscInt        tms_lo, tms_n, tm_slot;
  PetscInt        nglobal; /* synapses over all ranks (the same on any rank count) */
  /* tm_glio_synapse: its parameters and the astrocytes of its targets (spec->projs[spec].glia; glia_pop -1:
   * none); the state is per synapse in tms ([nsyn], tms_shared false: x = x_S, u = u_S, y = the last r_S), on
   * the target's rank (engine.c, "glia") */
  NaGlioParams gl;
  PetscInt     glia_pop;
} NaProjection;

static inline double NaProjWeight(const NaProjection *P, PetscInt j)
{
  return P->weight ? P->weight[j] : P->w0;
}
/* the bytes projection P takes on this rank: offsets, targets, weights, tsodyks state */
PETSC_EXTERN double NaProjectionBytes(const NaProjection *P);

/* builds every projection of spec on this rank; collective (third_in synapses move to the astrocyte's rank) */
PETSC_EXTERN PetscErrorCode NaConnectBuild(MPI_Comm comm, const NaNetSpec *spec, const NaLayout *layout,
                                           PetscInt *nproj, NaProjection **proj);
PETSC_EXTERN PetscErrorCode NaConnectDestroy(PetscInt nproj, NaProjection **proj);
/* prints per projection "from -> to (role, synapse): N synapses, mean in-degree X", for a tripartite one its
 * pairings and the fraction of primary synapses paired, and the bytes stored per synapse; collective */
PETSC_EXTERN PetscErrorCode NaConnectView(MPI_Comm comm, const NaNetSpec *spec, PetscInt nproj,
                                          const NaProjection *proj, PetscViewer viewer);

/* the tsodyks_synapse update at a presynaptic spike at time t [ms]: advances s from its last spike, returns the
 * fraction D = u x of the weight that is transmitted (models.md 3.4) */
static inline double NaTsodyksSpike(const NaTsodyksParams *p, NaTsodyksState *s, double t)
{
  const double h   = t - s->t_last;
  const double Puu = p->tau_fac == 0 ? 0.0 : exp(-h / p->tau_fac);
  const double Pyy = exp(-h / p->tau_psc);
  const double Pzz = expm1(-h / p->tau_rec);
  const double Pxy = (Pzz * p->tau_rec - (Pyy - 1.0) * p->tau_psc) / (p->tau_psc - p->tau_rec);
  const double z   = 1.0 - s->x - s->y;

  s->u *= Puu;
  s->x += Pxy * s->y - Pzz * z;
  s->y *= Pyy;
  s->u += p->U * (1.0 - s->u);
  const double D = s->u * s->x;
  s->x -= D;
  s->y += D;
  s->t_last = t;
  return D;
}
