/* iaf_cond_exp: the leaky integrate-and-fire neuron with exponential conductances, as NEST 3.10's model of that
 * name (models/iaf_cond_exp.{h,cpp}): its parameters, defaults (those of its code: V_reset -60 mV, where its
 * documentation says -70), state, right-hand side and per-step order, written as loops over one population's
 * cells.
 *
 *   C_m dV/dt = -g_L (V - E_L) - g_ex (V - E_ex) - g_in (V - E_in) + I_e + I_stim
 *   g_x'      = -g_x / tau_syn_x     (x = ex, in)
 * In the right-hand side V is min(V_m, V_th), and V_reset with dV/dt = 0 while refractory (NEST 3.10).
 *
 * After each step, NEST's order: the spikes arriving this step add their weight to g_x (a jump of weight nS);
 * then if refractory: count down, V_m = V_reset; else if V_m >= V_th: refractory counter = RefractoryCounts,
 * V_m = V_reset, spike. So t_ref = k steps holds V_m at V_reset for the k steps after the spike step.
 * NEST integrates with rkf45 at absolute tolerance 1e-3; the engine's stepper replaces it. */

/* Selects between computed values vectorise only when the compiler may assume floating-point operations do not
 * trap (nastro enables no FP traps; no result bit changes), and the AVX2 clone of the right-hand side has the
 * blends; no contraction into FMAs that only one clone would do, so both clones give the same bits (as
 * src/models/common/vmath.c). */
#pragma GCC optimize("no-trapping-math", "fp-contract=off")
#include "cellmodel.h"

#define NA_CLONES __attribute__((target_clones("arch=x86-64-v3", "default")))

enum { P_V_TH, P_V_RESET, P_T_REF, P_G_L, P_C_M, P_E_EX, P_E_IN, P_E_L, P_TAU_SYN_EX, P_TAU_SYN_IN, P_I_E, NPARAMS };
enum { S_V_M, S_G_EX, S_G_IN, NSTATE };

static const NaQuantity Params[NPARAMS] = {
    [P_V_TH]       = {"V_th", -55.0, "mV", "spike threshold"},
    [P_V_RESET]    = {"V_reset", -60.0, "mV", "reset potential"},
    [P_T_REF]      = {"t_ref", 2.0, "ms", "refractory period"},
    [P_G_L]        = {"g_L", 16.6667, "nS", "leak conductance"},
    [P_C_M]        = {"C_m", 250.0, "pF", "membrane capacitance"},
    [P_E_EX]       = {"E_ex", 0.0, "mV", "excitatory reversal potential"},
    [P_E_IN]       = {"E_in", -85.0, "mV", "inhibitory reversal potential"},
    [P_E_L]        = {"E_L", -70.0, "mV", "leak reversal potential"},
    [P_TAU_SYN_EX] = {"tau_syn_ex", 0.2, "ms", "decay time of the excitatory conductance"},
    [P_TAU_SYN_IN] = {"tau_syn_in", 2.0, "ms", "decay time of the inhibitory conductance"},
    [P_I_E]        = {"I_e", 0.0, "pA", "constant input current"},
};

/* initial values: NEST's (V_m starts at E_L's default) */
static const NaQuantity State[NSTATE] = {
    [S_V_M]  = {"V_m", -70.0, "mV", "membrane potential"},
    [S_G_EX] = {"g_ex", 0.0, "nS", "excitatory conductance"},
    [S_G_IN] = {"g_in", 0.0, "nS", "inhibitory conductance"},
};

/* NEST's Time(Time::ms(t_ref)).get_steps() at its default 1000 tics per ms: t_ref rounded to the nearest tic,
 * then up to whole steps */
static inline PetscInt RefractoryCounts(double t_ref, double h)
{
  const long tics = (long)(t_ref * 1000.0 + 0.5), tps = (long)(h * 1000.0 + 0.5);
  return (PetscInt)((tics + tps - 1) / tps);
}

/* NEST's checks (Parameters_::set), in its order */
static const char *Check(const double *const *par, PetscInt i)
{
  if (!(par[P_V_RESET][i] < par[P_V_TH][i])) return "V_reset must be < V_th";
  if (!(par[P_C_M][i] > 0)) return "C_m must be > 0";
  if (!(par[P_T_REF][i] >= 0)) return "t_ref must be >= 0";
  if (!(par[P_TAU_SYN_EX][i] > 0)) return "tau_syn_ex must be > 0";
  if (!(par[P_TAU_SYN_IN][i] > 0)) return "tau_syn_in must be > 0";
  return NULL;
}

/* y and f are distinct arrays (the engine's state and its derivative); stim: whether I_stim is given (a constant
 * once inlined, so each case is a branch-free loop) */
static inline __attribute__((always_inline)) void RhsKernel(const NaCellIO *io, const double *restrict y,
                                                            double *restrict f, const int stim)
{
  const PetscInt       n  = io->n;
  const double *const *p  = io->par;
  const double        *Vm = y + S_V_M * n, *gex = y + S_G_EX * n, *gin = y + S_G_IN * n;
  double              *fV = f + S_V_M * n, *fgex = f + S_G_EX * n, *fgin = f + S_G_IN * n;
  const double        *V_th = p[P_V_TH], *V_reset = p[P_V_RESET], *g_L = p[P_G_L];
  const double        *C_m = p[P_C_M], *E_ex = p[P_E_EX], *E_in = p[P_E_IN];
  const double        *E_L = p[P_E_L], *tau_ex = p[P_TAU_SYN_EX], *tau_in = p[P_TAU_SYN_IN];
  const double        *I_e = p[P_I_E], *I_stim = io->I_stim;
  const PetscInt      *refr = io->refr;

  for (PetscInt i = 0; i < n; i++) {
    const double Vr = V_reset[i], Vt = V_th[i], Vi = Vm[i];
    const int    is_refr = refr[i] > 0;
    const double V       = is_refr ? Vr : (Vt < Vi ? Vt : Vi);
    const double I_syn   = gex[i] * (V - E_ex[i]) + gin[i] * (V - E_in[i]);
    const double I_L     = g_L[i] * (V - E_L[i]);
    const double dV      = (-I_L + (stim ? I_stim[i] : 0.0) + I_e[i] - I_syn) / C_m[i];

    fV[i]   = is_refr ? 0.0 : dV;
    fgex[i] = -gex[i] / tau_ex[i];
    fgin[i] = -gin[i] / tau_in[i];
  }
}

NA_CLONES static void Rhs(const NaCellIO *io, const double *y, double *f)
{
  if (io->I_stim)
    RhsKernel(io, y, f, 1);
  else
    RhsKernel(io, y, f, 0);
}

static void Update(NaCellIO *io, double *y, unsigned char *spiked)
{
  const PetscInt       n = io->n;
  const double *const *p = io->par;
  const double         h = io->h;
  double *restrict Vm = y + S_V_M * n, *restrict gex = y + S_G_EX * n, *restrict gin = y + S_G_IN * n;
  const double *restrict V_th = p[P_V_TH], *restrict V_reset = p[P_V_RESET], *restrict t_ref = p[P_T_REF];
  const double *restrict in_ex = io->in_ex, *restrict in_in = io->in_in;
  PetscInt *restrict refr = io->refr;

  if (in_ex)
    for (PetscInt i = 0; i < n; i++) gex[i] += in_ex[i];
  if (in_in)
    for (PetscInt i = 0; i < n; i++) gin[i] += in_in[i];
  for (PetscInt i = 0; i < n; i++) {
    unsigned char fired = 0;

    if (refr[i] > 0) {
      refr[i]--;
      Vm[i] = V_reset[i];
    } else if (Vm[i] >= V_th[i]) {
      refr[i] = RefractoryCounts(t_ref[i], h);
      Vm[i]   = V_reset[i];
      fired   = 1;
    }
    if (spiked) spiked[i] = fired;
  }
}

/* the table entry (listed in registry.c) */
PETSC_INTERN const NaCellModel NaCellModel_iaf_cond_exp;

const NaCellModel NaCellModel_iaf_cond_exp = {
    .name         = "iaf_cond_exp",
    .kind         = NA_CELL_NEURON,
    .nparams      = NPARAMS,
    .params       = Params,
    .nstate       = NSTATE,
    .state        = State,
    .receives_sic = PETSC_FALSE,
    .emits_sic    = PETSC_FALSE,
    .check        = Check,
    .rhs          = Rhs,
    .update       = Update,
};
