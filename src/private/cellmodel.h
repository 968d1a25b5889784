/* NaCellModel: the physics of one cell model of a spiking network (NEST's names, parameters and units: ms, mV,
 * pA, nS, pF, uM), written as loops over one population's local cells in structure-of-arrays form.
 *
 * The engine (src/sim/slices) owns the state and integrates it with PETSc TS over each step of the resolution h;
 * a model supplies the right-hand side of its continuous state and what happens after each step, in NEST's order:
 *   1. integrate y over the step [t, t + h] with the currents I_stim, I_sic held constant;
 *   2. update(): clamp, threshold, reset, refractoriness; then add the spike inputs arriving this step
 *      (in_ex, in_in); astrocytes compute the SIC they emit at the end of this step.
 * Generators (kind NA_CELL_GENERATOR) have no continuous state: the engine runs them, the table only lists
 * their parameters for validation and -help. Adding a model: its file in src/populations/ plus one line in
 * src/populations/registry.c. */
#pragma once
#include <petscsys.h>

typedef enum { NA_CELL_NEURON, NA_CELL_ASTROCYTE, NA_CELL_GENERATOR } NaCellKind;

/* a parameter or a state variable: NEST's name, its default (state: default initial value), unit and meaning */
typedef struct {
  const char *name;
  double      value;
  const char *unit;
  const char *help;
} NaQuantity;

/* what the engine hands a model's kernels for one population's local cells; arrays are [n] unless noted */
typedef struct {
  PetscInt             n;      /* local cells */
  double               h;      /* resolution [ms] */
  const double *const *par;    /* par[k][i]: parameter k (the model's params order) of local cell i */
  const double        *I_stim; /* current from dc generators, held over the step [pA] */
  const double        *I_sic;  /* slow inward current from astrocytes, held over the step [pA] (NULL: none) */
  PetscInt            *refr;   /* refractory steps left (neurons; NULL for astrocytes) */
  const double        *in_ex;  /* summed weight of the spikes arriving this step with weight >= 0 */
  const double        *in_in;  /* summed |weight| of those with weight < 0 (neurons; astrocytes get none) */
  double              *sic;    /* astrocytes: the SIC each cell emits at the end of this step [pA] */
  const double        *J_gap;  /* astrocyte_gchi: IP3 flux of its gap junctions, held over the step [uM/ms] (NULL:
                                * none) */
} NaCellIO;

typedef struct {
  const char       *name; /* NEST's model name */
  NaCellKind        kind;
  PetscInt          nparams;
  const NaQuantity *params;
  PetscInt          nstate; /* integrated state variables; the state is y[v * n + i] for variable v of cell i */
  const NaQuantity *state;
  PetscBool         receives_sic; /* a target of sic_connection (its recordables then include I_SIC) */
  PetscBool         emits_sic;    /* a source of sic_connection */
  PetscBool         emits_events; /* an astrocyte whose update() marks events in spiked[] (astrocyte_gchi: its
                                   * gliotransmitter releases), recordable with record.spikes, sent to no synapse */
  /* NULL, or a static message "NAME must be ..." for the first parameter of cell i that is out of range */
  const char *(*check)(const double *const *par, PetscInt i);
  /* f = dy/dt for all n cells (y, f: [nstate][n]); pure: no side effects, called several times per step */
  void (*rhs)(const NaCellIO *io, const double *y, double *f);
  /* after the step (see above); spiked[i] = 1 for each cell that fired in this step, else 0 */
  void (*update)(NaCellIO *io, double *y, unsigned char *spiked);
  /* optional: a stochastic split step, called after the deterministic step over [t, t + H] and before update():
   * add to y the noise increment of each cell from y0, the state at t, and xi[i], the cell's standard normal
   * draw of this step (dW = sqrt(H) xi; the engine's stream NA_STREAM_NOISE); cells whose parameter knoise is 0
   * must be left bitwise as they are. NULL: a deterministic model (the engine then keeps no y0 and draws nothing) */
  void (*noise)(const NaCellIO *io, const double *y0, double *y, double H, const double *xi);
  PetscInt knoise; /* with noise: the parameter that turns it on in a cell (non-zero) */
} NaCellModel;

/* the model called name, or NULL when there is none */
PETSC_EXTERN const NaCellModel *NaCellModelFind(const char name[]);
/* the models, in registration order (for -help and error messages "choose one of ...") */
PETSC_EXTERN PetscInt           NaCellModelCount(void);
PETSC_EXTERN const NaCellModel *NaCellModelGet(PetscInt k);
/* the index of a parameter or state variable by name, -1 when the model has none of that name */
PETSC_EXTERN PetscInt NaCellModelParamIndex(const NaCellModel *m, const char name[]);
PETSC_EXTERN PetscInt NaCellModelStateIndex(const NaCellModel *m, const char name[]);
