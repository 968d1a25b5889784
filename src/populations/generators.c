/* The table entries of NEST 3.10's stimulation devices (models/poisson_generator, models/spike_generator,
 * models/dc_generator and nestkernel/device.cpp for start and stop): their parameters with NEST's names, units
 * and defaults, for validation and -help. They have no continuous state; the engine runs them (a Poisson count
 * per target and step, the listed spike times, a current held over the step).
 *
 * stop defaults to +infinity (INFINITY) as NEST's Time::pos_inf(). Not listed: NEST's origin (default 0, which
 * shifts start and stop) and, for spike_generator, everything: its spike_times are parsed separately by the
 * network-file reader (spike_weights, spike_multiplicities, precise_times, allow_offgrid_times and
 * shift_now_spikes are not supported). NEST also requires finite start and stop to be multiples of the
 * resolution, which check() cannot see (it has no h): the network-file reader checks it. */
#include <math.h>
#include "cellmodel.h"

enum { P_POISSON_RATE, P_POISSON_START, P_POISSON_STOP, NPOISSON };
enum { P_DC_AMPLITUDE, P_DC_START, P_DC_STOP, NDC };

static const NaQuantity PoissonParams[NPOISSON] = {
    [P_POISSON_RATE]  = {"rate", 0.0, "Hz", "mean firing rate (an independent Poisson train per target)"},
    [P_POISSON_START] = {"start", 0.0, "ms", "activation time: spikes are emitted in (start, stop]"},
    [P_POISSON_STOP]  = {"stop", INFINITY, "ms", "deactivation time (default +infinity)"},
};

static const NaQuantity DCParams[NDC] = {
    [P_DC_AMPLITUDE] = {"amplitude", 0.0, "pA", "amplitude of the current"},
    [P_DC_START]     = {"start", 0.0, "ms", "activation time: the current flows in (start, stop]"},
    [P_DC_STOP]      = {"stop", INFINITY, "ms", "deactivation time (default +infinity)"},
};

static const char *CheckPoisson(const double *const *par, PetscInt i)
{
  if (!(par[P_POISSON_RATE][i] >= 0)) return "rate must be >= 0";
  if (!(par[P_POISSON_STOP][i] >= par[P_POISSON_START][i])) return "stop must be >= start";
  return NULL;
}

static const char *CheckDC(const double *const *par, PetscInt i)
{
  if (!isfinite(par[P_DC_AMPLITUDE][i])) return "amplitude must be finite";
  if (!(par[P_DC_STOP][i] >= par[P_DC_START][i])) return "stop must be >= start";
  return NULL;
}

/* the table entries (listed in registry.c) */
PETSC_INTERN const NaCellModel NaCellModel_poisson_generator, NaCellModel_spike_generator, NaCellModel_dc_generator;

const NaCellModel NaCellModel_poisson_generator = {
    .name    = "poisson_generator",
    .kind    = NA_CELL_GENERATOR,
    .nparams = NPOISSON,
    .params  = PoissonParams,
    .check   = CheckPoisson,
};

const NaCellModel NaCellModel_spike_generator = {
    .name = "spike_generator",
    .kind = NA_CELL_GENERATOR,
};

const NaCellModel NaCellModel_dc_generator = {
    .name    = "dc_generator",
    .kind    = NA_CELL_GENERATOR,
    .nparams = NDC,
    .params  = DCParams,
    .check   = CheckDC,
};
