/* NaNetSpec: a spiking network as its network file describes it (docs/networks.md), parsed with libyaml and
 * validated before anything is allocated. Every rank parses the same text (rank 0 reads the file and
 * broadcasts it), so every rank holds the same description and every input error is collective.
 *
 * Overrides: -network_set KEY=VALUE[,KEY=VALUE...] replaces a scalar of the file before validation, with KEY a
 * dotted path in which list entries of populations and projections are named by their `name` (populations)
 * or index (projections): `t_stop=200`, `populations.E.n=4000`, `populations.A.params.delta_IP3=0.5`,
 * `projections.1.weight=2`, `projections.1.rule.pairwise_bernoulli.p=0.2`. A path that matches nothing is an
 * error naming it. */
#pragma once
#include <petscsys.h>
#include <stdint.h>
#include "cellmodel.h"
#include "rng.h"

/* a value given as a constant or a distribution drawn per cell (or per connection) from the run's seed, or (cell
 * parameters only) a piecewise-constant table of time, as Brian's TimedArray: {timed: {dt, values, repeat}}, or
 * (cell parameters and initial values only) one value per cell: {cells: [v0, ..., v_{n-1}]} */
typedef enum { NA_VALUE_CONST, NA_VALUE_UNIFORM, NA_VALUE_NORMAL, NA_VALUE_TIMED, NA_VALUE_CELLS } NaValueKind;
typedef struct {
  NaValueKind kind;
  double      a, b; /* const: a; uniform: [a, b); normal: mean a, standard deviation b; timed: a = the first value;
                     * cells: a = the value of cell 0 (the values: NaNamedValue's cells) */
} NaValue;

/* a timed parameter's table: values table[nt], each held for `every` steps of the resolution (dt / resolution);
 * after the last: the last (Brian's TimedArray), or the table again with repeat */
typedef struct {
  PetscInt  nt, every;
  double   *table;
  PetscBool repeat;
} NaTimed;

/* a timed value in the step n of the resolution, [n h, (n + 1) h]: the entry of time n h */
static inline double NaTimedAtStep(const NaTimed *v, PetscInt64 n)
{
  PetscInt64 j = n / v->every;
  if (v->repeat)
    j %= v->nt;
  else if (j >= v->nt)
    j = v->nt - 1;
  return v->table[j];
}

typedef struct {
  char    name[64];
  NaValue value;
  NaTimed timed; /* value.kind NA_VALUE_TIMED (parameters only) */
  double *cells; /* value.kind NA_VALUE_CELLS: [n] the value of each cell, else NULL */
} NaNamedValue;

/* where the cells of a population are (um), for distance rules and the output: none; a grid, cell i at
 * origin + (i div rows, i mod rows) spacing (Brian 2's examples: x = (i // N_rows) d + x0, y = (i % N_rows) d + y0);
 * uniform in a box, drawn per cell from the stream (seed, NA_STREAM_POSITION, population, cell); or one line
 * "x y [z]" per cell of a file */
typedef enum { NA_POS_NONE, NA_POS_GRID, NA_POS_BOX, NA_POS_FILE } NaPosKind;
typedef struct {
  NaPosKind kind;
  PetscInt  rows;      /* grid */
  double    spacing;   /* grid */
  double    origin[3]; /* grid */
  double    box[3][2]; /* box: [lo, hi] per axis (lo = hi: that coordinate fixed) */
  double   *xyz;       /* file: [n][3] */
} NaPosSpec;

typedef struct {
  char               name[64];
  const NaCellModel *model;
  PetscInt           n;
  PetscInt           nparams; /* parameters given in the file (names checked against the model) */
  NaNamedValue      *params;
  PetscInt           ninit; /* initial values given in the file (names are state variables of the model) */
  NaNamedValue      *init;
  PetscInt           nspikes; /* spike_generator: spike times [ms], sorted, > 0, from spike_times or spike_times_file */
  double            *spike_times;
  NaPosSpec          pos;           /* positions (NA_POS_NONE: none) */
  PetscInt           step_multiple; /* step_multiple: integrate every K steps of the resolution (default 1) */
  int                line;          /* line of the entry in the network file (for messages) */
} NaPopSpec;

typedef enum {
  NA_RULE_ALL_TO_ALL,
  NA_RULE_ONE_TO_ONE,
  NA_RULE_PAIRWISE_BERNOULLI,
  NA_RULE_FIXED_INDEGREE,
  NA_RULE_DISTANCE,
  NA_RULE_PAIRS
} NaRuleKind;
/* the distance rule's probability at distance d < radius: p, p0 exp(-d^2 / (2 sigma^2)) or p0 exp(-d / lambda) */
typedef enum { NA_PDIST_CONST, NA_PDIST_GAUSSIAN, NA_PDIST_EXPONENTIAL } NaDistProbKind;
typedef struct {
  NaRuleKind     kind;
  double         p;              /* pairwise_bernoulli; distance: p or p0 */
  double         radius;         /* distance: pairs at d < radius (um; infinity when not given) */
  NaDistProbKind pdist;          /* distance */
  double         length;         /* distance: sigma or lambda (um) */
  PetscInt       K;              /* fixed_indegree */
  PetscBool      allow_autapses; /* default true, as NEST's */
  PetscInt       npairs;         /* pairs (or pairs_file): connection k is pre[k] -> post[k], in this order */
  PetscInt      *pre, *post;
} NaRuleSpec;

typedef enum { NA_SYN_STATIC, NA_SYN_TSODYKS, NA_SYN_SIC, NA_SYN_GLIO, NA_SYN_GAP } NaSynKind;
/* gap_junction between astrocyte_gchi populations (Brian's example 5): per connection pre -> post,
 * J_coupling_post += -F/2 (1 + tanh((|I_post - I_pre| - I_Theta)/omega_I)) sign(I_post - I_pre) */
typedef struct {
  double F, I_Theta, omega_I; /* uM/ms, uM, uM */
} NaGapParams;
/* tm_glio_synapse: the Tsodyks-Markram synapse of Brian 2's neuron-glia examples 3-6 (Stimberg et al. 2019),
 * with presynaptic release modulated by the gliotransmitter of its astrocyte (Brian's names; ms, uM) */
typedef struct {
  double U_0_star, Omega_f, Omega_d, alpha, rho_c, Y_T;
} NaGlioParams;
/* glia: the astrocyte (an astrocyte_gchi population) that ensheathes each synapse of a tm_glio_synapse
 * projection, by target cell: one_to_one (target i -> astrocyte i) or a list (-1: none); closed_loop: each
 * release adds rho_c Y_T r_S (divided by the astrocyte's synapses of the projection with normalize) to its Y_S */
typedef enum { NA_GLIA_ONE_TO_ONE, NA_GLIA_LIST } NaGliaMode;
typedef struct {
  PetscBool  present;
  PetscInt   pop;
  NaGliaMode mode;
  PetscInt   nlist, *list; /* NA_GLIA_LIST: [n of the target population] */
  PetscBool  closed_loop, normalize;
} NaGliaSpec;
/* tsodyks_synapse parameters and the initial per-synapse state (NEST's names) */
typedef struct {
  double U, tau_psc, tau_rec, tau_fac, x, y, u;
} NaTsodyksParams;

typedef struct {
  NaSynKind       kind;
  NaTsodyksParams tm;     /* tsodyks only */
  NaGlioParams    gl;     /* tm_glio_synapse only */
  NaGapParams     gap;    /* gap_junction only (its weight is 1 and its delay the resolution, unused) */
  NaValue         weight; /* nS for conductance-based targets, pA for sic_connection, 1 for astrocytes */
  double          delay;  /* ms, a positive multiple of the resolution */
} NaSynSpec;

typedef enum { NA_POOL_RANDOM, NA_POOL_BLOCK } NaPoolKind;
typedef struct {
  PetscBool  present;
  PetscInt   pop; /* the astrocyte population */
  double     p;   /* probability that a primary connection is paired with an astrocyte */
  NaPoolKind pool_type;
  PetscInt   pool_size;
  NaSynSpec  in, out; /* source -> astrocyte (third_in) and astrocyte -> target (third_out, sic_connection) */
} NaThirdSpec;

typedef struct {
  PetscInt    from, to; /* population indices */
  NaRuleSpec  rule;
  NaSynSpec   syn;
  NaThirdSpec third;
  NaGliaSpec  glia;
  int         line;
} NaProjSpec;

typedef struct {
  PetscInt pop;
  PetscInt nvars;
  char (*vars)[64];   /* state variables of the model, or I_SIC for a model that receives SIC */
  double    interval; /* ms, a positive multiple of the resolution */
  PetscInt  ncells;   /* -1: all cells; else the sorted, distinct indices in cells */
  PetscInt *cells;
} NaTraceSpec;

typedef struct {
  double       resolution; /* ms */
  double       t_stop;     /* ms, a multiple of the resolution */
  uint64_t     seed;
  double       scale; /* n of non-generator populations multiplied (floor), pairwise_bernoulli p divided */
  PetscInt     npops;
  NaPopSpec   *pops;
  PetscInt     nprojs;
  NaProjSpec  *projs;
  PetscInt     nspike_pops; /* populations whose spikes are recorded */
  PetscInt    *spike_pops;
  PetscInt     ntraces;
  NaTraceSpec *traces;
  PetscInt     nrelease_projs; /* record.releases: projections (tm_glio_synapse) whose releases are written */
  PetscInt    *release_projs;
  char         path[PETSC_MAX_PATH_LEN];
  char        *text;      /* the network file verbatim */
  char        *overrides; /* the -network_set string, or NULL */
} NaNetSpec;

/* reads and validates the network file at path, applying the overrides (NULL: none); collective on comm, and
 * every error names the file, the line, the population or projection, the key and the value */
PETSC_EXTERN PetscErrorCode NaNetSpecLoad(MPI_Comm comm, const char path[], const char overrides[], NaNetSpec **spec);
/* the same from a string (tests); path is used in messages only */
PETSC_EXTERN PetscErrorCode NaNetSpecParse(MPI_Comm comm, const char path[], const char text[], const char overrides[],
                                           NaNetSpec **spec);
PETSC_EXTERN PetscErrorCode NaNetSpecDestroy(NaNetSpec **spec);
/* the index of the population called name, -1 when there is none */
PETSC_EXTERN PetscInt NaNetSpecFindPopulation(const NaNetSpec *spec, const char name[]);
/* the value of parameter name of population pop as given in the file, or NULL (the model's default applies) */
PETSC_EXTERN const NaValue *NaNetSpecParam(const NaNetSpec *spec, PetscInt pop, const char name[]);
/* the table of a timed parameter (value kind NA_VALUE_TIMED), or NULL */
PETSC_EXTERN const NaTimed *NaNetSpecTimed(const NaNetSpec *spec, PetscInt pop, const char name[]);
PETSC_EXTERN const NaValue *NaNetSpecInit(const NaNetSpec *spec, PetscInt pop, const char name[]);
/* the position (um) of cell i of population pop (0 0 0 for a population without positions) */
PETSC_EXTERN void NaNetSpecPosition(const NaNetSpec *spec, PetscInt pop, PetscInt i, double xyz[3]);
/* the per-cell values ({cells: [...]}) of parameter (init false) or initial value (init true) name, or NULL */
PETSC_EXTERN const double *NaNetSpecCells(const NaNetSpec *spec, PetscInt pop, const char name[], PetscBool init);

/* Random streams keyed by ids, never by rank: the stream of (seed, domain, a, b) is the same on every rank.
 * Domains keep the uses apart (a cell's initial values, a target's incoming connections, a generator's
 * output to one synapse, ...). */
enum {
  NA_STREAM_PARAM = 1, /* a: population, b: cell; one draw per parameter in the model's order */
  NA_STREAM_INIT,      /* a: population, b: cell; one draw per state variable in the model's order */
  NA_STREAM_CONNECT,   /* a: projection, b: target cell */
  NA_STREAM_POOL,      /* a: projection, b: target cell (its astrocyte pool) */
  NA_STREAM_PAIR,      /* a: projection, b: target cell (pairing draws) */
  NA_STREAM_WEIGHT,    /* a: projection, b: target cell */
  NA_STREAM_POISSON,   /* a: projection, b: synapse's target cell; one stream per generator -> target synapse */
  NA_STREAM_POSITION,  /* a: population, b: cell; three draws (x, y, z) for positions in a box */
  NA_STREAM_NOISE      /* NaRngSeedKeyed3: a: population, b: cell, c: step; one normal (two draws) per step */
};

/* as NaRngSeedKeyed with three keys, none packed: each of the 64-bit seed, domain, a, b, c goes through its own
 * bijective mix (NaMix64) chained with the others, so the stream is a pure function of all five over their full
 * 64-bit ranges (for fixed other keys, distinct values of one key give distinct states) */
static inline void NaRngSeedKeyed3(NaRng *r, uint64_t seed, uint64_t domain, uint64_t a, uint64_t b, uint64_t c)
{
  r->s = NaMix64(NaMix64(NaMix64(NaMix64(NaMix64(seed) ^ domain) ^ a) ^ b) ^ c);
}
static inline void NaRngSeedKeyed(NaRng *r, uint64_t seed, uint64_t domain, uint64_t a, uint64_t b)
{
  NaRng k;
  NaRngSeed(&k, seed, (domain << 56) ^ (a << 40) ^ b);
  (void)NaRngNext(&k); /* decorrelate nearby keys */
  r->s = NaRngNext(&k);
}

/* one draw of v from r */
static inline double NaValueDraw(const NaValue *v, NaRng *r)
{
  switch (v->kind) {
  case NA_VALUE_UNIFORM:
    return v->a + (v->b - v->a) * NaRngUniform(r);
  case NA_VALUE_NORMAL:
    return v->a + v->b * NaRngNormal(r);
  default:
    return v->a;
  }
}
