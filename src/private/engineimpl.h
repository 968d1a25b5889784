/* Private interface of NaEngine (src/sim/slices): the populations' state and buffers, shared by the driver
 * (engine.c) and the output (output.c). */
#pragma once
#include <nastro/engine.h>
#include <petscts.h>
#include <hdf5.h>
#include "connect.h"
#include "ckptimpl.h"

/* a spike as exchanged between ranks: global cell id and the step in which it was emitted */
typedef struct {
  PetscInt64 gid, step;
} NaSpike;

/* what each rank tells the others once per slice, ahead of its spikes (engine.c, Gather): how many spikes it
 * sends, how many non-zero SIC values its astrocytes had, its first non-finite state (global cell id and
 * variable; PETSC_MAX_INT: none), the stop signal it received (0: none) and, from rank 0, what is due
 * (checkpoint, stop) */
typedef struct {
  PetscInt64 nspikes, nsicvalues, bad, badvar, due, signal;
} NaSliceHeader;

/* tm_glio_synapse (glio.c): a closed loop's glutamate on its way to the astrocyte's rank, and a recorded release */
typedef struct {
  PetscInt64 arrive, step, src, tgt; /* step it arrives in, of the spike, source and target cell of the synapse */
  PetscInt   k, m, a;                /* projection, the synapse's index among those of src onto tgt, astrocyte */
  double     v;
} NaGlioFeed;
typedef struct {
  PetscInt64 step, src, tgt;
  PetscInt   k, m;
  PetscInt64 seq;
  double     u, x, r, G;
} NaGlioRelease;

/* one population's local cells. Ring buffers are [nring][n]: slot (step mod nring) holds what arrives in that
 * step (spike weights ex/in, added at its end; currents stim/sic, held during the next step). */
/* what a generator population is, decided once at set-up (the step loop does no name lookups) */
typedef enum { NA_GEN_NONE, NA_GEN_POISSON, NA_GEN_DC, NA_GEN_SPIKE } NaGenKind;

typedef struct {
  const NaPopSpec   *spec;
  const NaCellModel *model;
  NaGenKind          gen;
  PetscInt           kvalue, kstart, kstop; /* generators: parameter index of rate (amplitude), start, stop */
  PetscInt           index;                 /* in the network file */
  PetscInt           lo, n;                 /* local block [lo, lo + n) of the population */
  PetscInt64         gid0;                  /* global id of the population's cell 0 */
  Vec                Y;                     /* continuous state [nstate][n] (no state: NULL) */
  TS                 ts;
  PetscInt           stride;   /* integrate every stride steps over stride h (-<pop>_step_multiple) */
  PetscBool          adaptive; /* its stepper adapts the step (then dt_next is its last proposal) */
  PetscReal          dt_next;
  PetscInt64         nsteps_ts;                            /* steps its stepper took */
  double           **par;                                  /* [nparams][n] */
  double            *I_stim, *I_sic, *in_ex, *in_in, *sic; /* [n] */
  /* a population that emits SIC: each cell's SIC in each step of the slice, [n][sic_m], the local part of the
   * population's vector Xsic ([ncells][sic_m] over the ranks), scattered once per slice into Ysic: the rows,
   * in id order, of the nneed cells need[] that are sources of SIC synapses on this rank (engine.c, SicPlan).
   * sic_m is M, or 1 when the population steps every multiple of M steps: its SIC is then constant over a
   * slice, and one value per cell and slice is sent */
  double    *sic_rows;
  PetscInt   sic_m;
  Vec        Xsic, Ysic;
  VecScatter sic_scatter;
  PetscInt   nneed, *need;
  PetscInt64 sic_values;     /* non-zero values in the slice's rows */
  PetscBool  sic_held;       /* sic_m 1: the receivers hold the rows as they are (engine.c, StartSic) */
  PetscBool  sic_moving;     /* its rows of the slice in flight are being exchanged */
  double     sic_recv_bytes; /* of the scatter's rows, those from other ranks */
  /* -exchange node (exchange.c, NaExchangeSicPlan): instead of Ysic, the rows the node needs (the union of its
   * ranks' need[], in id order) in one window per node (sic_node); need[q]'s row there is need_at[q]. The
   * leader gathers its ranks' rows into Xnode (its node's part of the population, over the leaders) and scatters
   * the needed ones across the nodes into the window (node_scatter): one copy per node through its link */
  PetscBool      sic_by_node;
  MPI_Win        sic_win;
  double        *sic_node;
  PetscInt      *need_at;
  Vec            Xnode, Ynode;
  VecScatter     node_scatter;
  PetscMPIInt   *sic_counts, *sic_displs;
  PetscInt      *refr;
  unsigned char *spiked;
  double        *ring_ex, *ring_in, *ring_stim, *ring_sic;
  /* what arrives in a slot, summed in an order that does not depend on when it is delivered (engine.c, the head
   * comment): the network's events in ring_ex/ring_in, the generators' (added while the slice is stepped) in
   * ring_gex/ring_gin, the closed-loop glutamate (glio.c) in ring_fb; added together at the step. NULL where no
   * such input comes */
  double   *ring_gex, *ring_gin, *ring_fb;
  PetscBool gen_rings, fb_ring; /* whether they exist (alike on every rank; the pointers are NULL without cells) */
  NaCellIO  io;
  PetscBool recorded;              /* its spikes go to the output */
  PetscInt  sg_next, sg_lo, sg_hi; /* spike_generator: next spike; those of the current step */
  PetscInt  ntimed, *timed_k;      /* parameters given as tables of time: their indices and tables */
  const NaTimed **timed;
  PetscInt        ntm, *tmproj; /* the tsodyks projections whose source state this population's ranks hold
                                 * (connect.h): their efficacies travel with each spike, in this order */
  /* an astrocyte population with tm_glio_synapse synapses (glio.c): Gamma_S (state kgam) of each cell in each
   * step of the slice, [n][M] (Xgam), scattered into Ygam, the rows of the cells gpos[a] >= 0 this rank needs */
  PetscInt   kgam;
  double    *gam_rows;
  Vec        Xgam, Ygam;
  VecScatter gam_scatter;
  PetscBool  gam_valid;            /* Ygam holds rows scattered before (a slice without a change of them skips it) */
  PetscInt64 gam_prev0, gam_prevm; /* the last slice's first step and steps */
  PetscInt  *gpos;
  double    *gap; /* target of gap junctions: J_coupling of each local cell [n], else NULL */
  /* a model with a noise step and a cell whose noise is on (or timed): the state at the step's start and the
   * cells' normal draws of the step, else NULL */
  double *y0, *xi;
} NaPop;

/* a gap_junction projection on this rank (engine.c, GapPlan): at each step of the target population, the I of
 * the nneed source cells its local targets need is scattered from the source population's state into Yneed;
 * local target i's connections are src[off[i] .. off[i + 1]) (places in Yneed), by source cell then in the order
 * they were made */
typedef struct {
  PetscInt    proj; /* in e->proj */
  NaGapParams g;
  PetscInt    nneed, *off, *src;
  Vec         Yneed;
  VecScatter  scatter;
  double      recv_bytes; /* of the scatter, those from other ranks */
} NaGapPlan;

/* a trace of the network file on this rank: its local cells are columns [col0, col0 + ncols) */
typedef struct {
  const NaTraceSpec *spec;
  PetscInt           index; /* in the network file's record.traces */
  PetscInt           every; /* record every `every` steps */
  PetscInt           ncols, col0, nall;
  PetscInt          *local; /* [ncols] local cell index within the population block */
  PetscInt          *var;   /* [nvars] state index, or -1 for I_SIC */
  hid_t              group, time, *dset;
  double            *buf; /* [nbuf][nvars][ncols] */
  double            *tbuf;
  PetscInt           nbuf;    /* samples buffered */
  PetscInt           cap;     /* samples buffered before a write, the same on every rank */
  hsize_t            written; /* samples on disk */
} NaTrace;

struct _n_NaEngine {
  MPI_Comm      comm;
  PetscMPIInt   size, rank;
  char          path[PETSC_MAX_PATH_LEN], output[PETSC_MAX_PATH_LEN], overrides[4096];
  PetscBool     quiet;
  PetscReal     progress_interval, rate_bin;
  NaNetSpec    *spec;
  NaLayout     *layout;
  PetscInt      nproj;
  NaProjection *proj;
  PetscInt      ngap; /* gap_junction projections, in projection order */
  NaGapPlan    *gap;
  NaPop        *pops;
  PetscInt      npops;
  double        h;
  PetscInt64    nsteps, step; /* total and done */
  PetscInt      M;            /* steps per slice: d_min / h, or -slice_steps */
  PetscInt      dmin;         /* d_min / h */
  PetscInt      slice_steps;  /* -slice_steps (0: d_min / h) */
  PetscInt      nring;
  /* generators: per-synapse Poisson streams of each projection from a poisson_generator ([nproj][nsyn]) */
  NaRng **poisson;
  /* the slice's spikes and SIC values: this rank's, then everyone's */
  NaSpike   *myspikes, *spikes;
  PetscInt64 nmy, capmy, nall;
  size_t     capall; /* bytes of spikes */
  /* each spike's tsodyks efficacies ([spike][ntm], slot tm_slot of a projection; ntm: the most of any
   * population), this rank's and everyone's, and the packed records of the exchange */
  PetscInt       ntm;
  double        *myD, *spikeD;
  size_t         capspikeD, capsend, caprecv;
  void          *sendbuf, *recvbuf;
  PetscInt64     slice0; /* first step of the slice */
  PetscInt       mslice; /* its steps */
  NaSliceHeader *hdrs;   /* [size] */
  PetscMPIInt   *counts, *displs;
  /* the exchange's layout (exchange.c): -exchange node (xnode) or flat; the node's ranks (pseudo-nodes of
   * -exchange_node_ranks xnranks ranks, 0: the shared-memory node) and its leaders', this rank's node (its index
   * among the nodes) and place in it; the gathered order (xorder[i]: the rank at place i; node k's places
   * [xnoff[k], xnoff[k + 1])); the node's shared window: [size] headers xhdr, then xcap bytes of records xbuf */
  PetscBool      xnode, xready, xchosen; /* xchosen: -exchange or -exchange_node_ranks given (else the default) */
  PetscMPIInt    xnranks, xnode_size, xnode_rank, xnode_index, xnnodes;
  MPI_Comm       xnode_comm, xleaders;
  PetscMPIInt   *xorder, *xnoff, *xcounts, *xdispls;
  MPI_Win        xwin;
  NaSliceHeader *xhdr;
  void          *xbuf;
  size_t         xcap;
  /* the exchange in flight (NaExchangeStart .. Finish): this rank's header, the records' size, the stage (0: none,
   * 1: headers posted, 2: records posted, 3: complete), its requests and the records' total bytes; a node's
   * leader gathers the node's headers and records first into xhstage (every rank's header, in the gathered order)
   * and xnodebuf, all-gathers them across the leaders (headers: xhcounts, xhdispls bytes per node) into xhstage
   * and xallbuf, and copies them into the window at Finish */
  NaSliceHeader xmine, *xhstage;
  size_t        xrs, xnodecap, xallcap;
  int           xstage;
  MPI_Request   xreq[2];
  PetscInt64    xtotal;
  void         *xnodebuf, *xallbuf;
  PetscMPIInt  *xhcounts, *xhdispls;
  PetscBool     xspans;  /* the ranks are on more than one node (or pseudo-node) */
  PetscBool     overlap; /* -exchange_overlap: slice j's exchange runs while slice j + 1 is stepped */
  PetscBool     overlap_set;
  PetscInt     *dorder; /* the projections by decreasing delay, then index (engine.c, Deliver) */
  void         *xsort;  /* the sort's scratch (exchange.c, SortRecords): xsortcap bytes, and its bucket counts */
  size_t        xsortcap;
  PetscInt64   *xbucket;
  /* output */
  hid_t       file;
  NaTrace    *traces;
  PetscInt    ntraces;
  double     *spk_t; /* rank 0: recorded spikes buffered for the file */
  PetscInt64 *spk_id, *spk_pop;
  PetscInt64  nspk, capspk;
  PetscInt64 *bins; /* [npops][nbins]: spikes per rate bin (rank 0) */
  PetscInt64  nbins;
  PetscInt64  total_spikes;
  uint64_t    out_sum; /* this rank's share of the checksum of everything written to the output */
  /* wall seconds on this rank (/timing): the update of neuron and astrocyte populations, the generators'
   * output, the exchange (t_wait of it in finishing it, where ranks wait for the slowest and the links), the delivery
   * of spikes and of SIC, the output (samples, spikes, flushes) */
  PetscLogDouble t_setup, t_build, t_run, t_upd_neuron, t_upd_astro, t_gen, t_exchange, t_wait, t_deliver,
      t_deliver_sic, t_output, t_checkpoint, wall0;
  PetscInt64 nslices, sic_events; /* slices run, non-zero SIC values exchanged */
  double     exchange_bytes;      /* bytes this rank received in the exchanges */
  /* checkpoints (docs/checkpoint.md): -checkpoint_interval in ms of simulated time */
  NaCheckpointSettings ck;
  PetscInt64           ck_next; /* step of the next interval checkpoint */
  PetscLogDouble       ck_last_wall, ck_cost, slice_wall;
  PetscBool            output_set, restarted;
  int                  exit_code;
  PetscMPIInt          stop_rank; /* the lowest rank a stop signal reached */
  PetscBool            setupcalled;
  PetscBool            gam_every; /* NASTRO_TEST_GLIO_SCATTER_ALWAYS (tests): Gamma_S rows scattered every slice */
  /* tm_glio_synapse (glio.c): per projection 1 / synapses per astrocyte (normalize) and whether its releases
   * are recorded; the slice's closed-loop records, and the recorded releases */
  double       **ginv;
  PetscBool     *grec, gfeedback;
  NaGlioFeed    *gfeed;
  PetscInt64     nfeed, capfeed;
  NaGlioRelease *grel;
  PetscInt64     nrel, caprel;
};

/* the ring-buffer slot of a step */
static inline PetscInt NaSlot(NaEngine e, PetscInt64 step)
{
  return (PetscInt)(step % e->nring);
}

/* whether the steps [a, b) hold a step of population p's stepper (its state, and what it emits, change only there) */
static inline PetscBool NaPopSteps(const NaPop *p, PetscInt64 a, PetscInt64 b)
{
  return b > a && (a + p->stride - 1) / p->stride * p->stride < b ? PETSC_TRUE : PETSC_FALSE;
}

/* NEST's devices are active in steps n with start < n h <= stop */
static inline PetscBool NaGenActive(const NaPop *g, PetscInt cell, PetscInt64 n, double h)
{
  const double start = g->par[g->kstart][cell], stop = g->par[g->kstop][cell];
  return n * h > start + 1e-9 * h && n * h <= stop + 1e-9 * h ? PETSC_TRUE : PETSC_FALSE;
}

/* a Poisson count of mean mu by inversion, given p0 = exp(-mu) (mu below ~700, which rate x h is) */
static inline PetscInt NaPoissonDraw(NaRng *r, double mu, double p0)
{
  double   u = NaRngUniform(r), p = p0, c = p;
  PetscInt k = 0;

  while (u > c && k < 100000) {
    k++;
    p *= mu / k;
    c += p;
  }
  return k;
}

/* output.c */
PETSC_INTERN PetscErrorCode NaEngineOutputCreate(NaEngine e);
PETSC_INTERN PetscInt64     NaEngineRateBins(NaEngine e);     /* bins of -rate_bin ms up to t_stop */
PETSC_INTERN PetscErrorCode NaEngineOutputSample(NaEngine e); /* after each step: the traces due */
PETSC_INTERN PetscErrorCode NaEngineOutputSpikes(NaEngine e); /* after each exchange: the slice's spikes */
PETSC_INTERN PetscErrorCode NaEngineOutputFlush(NaEngine e);  /* buffered samples and spikes to the file */
PETSC_INTERN PetscErrorCode NaEngineOutputFinish(NaEngine e); /* rates, statistics, timing; complete = 1 */
PETSC_INTERN PetscErrorCode NaEngineOutputDestroy(NaEngine e);
/* a resumed run's output: the first spikes[p] spikes of each population and samples[k] samples of each trace
 * copied from the existing file into a new one, checked against checksum, which then replaces it */
PETSC_INTERN PetscErrorCode NaEngineOutputResume(NaEngine e, const PetscInt64 spikes[], const PetscInt64 samples[],
                                                 unsigned long long checksum);
/* glio.c */
PETSC_INTERN PetscErrorCode NaGlioSetUp(NaEngine e);
PETSC_INTERN PetscErrorCode NaGlioDestroy(NaEngine e);
PETSC_INTERN PetscBool      NaGlioHasFeedback(NaEngine e);
PETSC_INTERN void           NaGlioRecordGamma(NaEngine e, NaPop *p, const double *y, PetscInt64 n);
PETSC_INTERN PetscErrorCode NaGlioScatter(NaEngine e);
PETSC_INTERN PetscErrorCode NaGlioDeliver(NaEngine e, PetscInt k);
PETSC_INTERN PetscErrorCode NaGlioFeedback(NaEngine e);
PETSC_INTERN PetscErrorCode NaGlioWriteReleases(NaEngine e, hid_t file);
/* exchange.c: -exchange and -exchange_node_ranks; the node layout; the slice's headers into e->hdrs; the
 * slice's spike records, sorted; with -exchange node, the SIC rows too (one copy per node) */
PETSC_INTERN PetscErrorCode NaReserve(void **buf, size_t *cap, size_t n); /* grows *buf to hold n bytes */
PETSC_INTERN PetscErrorCode NaExchangeSetFromOptions(NaEngine e);
PETSC_INTERN PetscErrorCode NaExchangeSetUp(NaEngine e);
PETSC_INTERN PetscErrorCode NaExchangeDestroy(NaEngine e);
/* the slice's exchange in three calls: Start posts this rank's header h and its e->nmy records (rs bytes each,
 * packed in e->sendbuf, which stays untouched until Finish); Progress (any number of times, while the next slice
 * is stepped) moves it on; Finish completes it: every rank's header in e->hdrs, everyone's records sorted by
 * (step, cell id) in *recs (total bytes), valid until the next Finish */
PETSC_INTERN PetscErrorCode NaExchangeStart(NaEngine e, const NaSliceHeader *h, size_t rs);
PETSC_INTERN PetscErrorCode NaExchangeProgress(NaEngine e);
PETSC_INTERN PetscErrorCode NaExchangeFinish(NaEngine e, PetscInt64 *total, const void **recs);
PETSC_INTERN PetscErrorCode NaExchangeSicPlan(NaEngine e, NaPop *p, const unsigned char *mark);
PETSC_INTERN PetscErrorCode NaExchangeSicStart(NaEngine e, NaPop *p);
PETSC_INTERN PetscErrorCode NaExchangeSicFinish(NaEngine e, NaPop *p);
PETSC_INTERN PetscErrorCode NaExchangeSicDestroy(NaPop *p);
/* checkpoint.c */
PETSC_INTERN PetscErrorCode NaEngineCheckpointWrite(NaEngine e);
PETSC_INTERN PetscErrorCode NaEngineCheckpointRead(NaEngine e);
