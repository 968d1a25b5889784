/* aeif_cond_alpha_astro: the adaptive exponential integrate-and-fire neuron (Brette & Gerstner 2005) with alpha
 * conductances and the slow inward current from astrocytes, as NEST 3.10's model of that name
 * (models/aeif_cond_alpha_astro.{h,cpp}; models.md 3.3): its parameters, defaults, state (in the order of
 * NEST's State_ enum), right-hand side and per-step order, written as loops over one population's cells.
 *
 *   C_m dV/dt   = -g_L (V - E_L) + g_L Delta_T exp((V - V_th)/Delta_T) - g_ex (V - E_ex) - g_in (V - E_in) - w
 *                 + I_e + I_stim + I_SIC
 *   tau_w dw/dt = a (V - E_L) - w
 *   dg_x'       = -dg_x / tau_syn_x,   g_x' = dg_x - g_x / tau_syn_x     (x = ex, in)
 * In the right-hand side V is min(V_m, V_peak), and V_reset with dV/dt = 0 while refractory; Delta_T = 0 drops
 * the exponential term and makes V_th the spike threshold (NEST's V_.V_peak).
 *
 * After each step, NEST's order (its update(), applied once at the end of the step instead of after each of
 * its adaptive substeps): if refractory, V_m = V_reset; else if V_m >= threshold: spike, V_m = V_reset, w += b,
 * refractory counter = RefractoryCounts + 1 (0 when t_ref rounds to 0 steps); then the counter counts down by
 * one, and the spikes arriving this step add weight x e / tau_syn_x to dg_x (a peak conductance of weight at
 * tau_syn_x). So t_ref = k steps holds V_m at V_reset for the k steps after the spike step.
 *
 * NEST resets at the adaptive substep that crosses V_peak and integrates the rest of that step from V_reset;
 * here the engine has integrated the whole step, so update() estimates the time left after the crossing and
 * advances V_m and w over it (SpikeRemainder below). With a tight stepper this gives NEST's spike times exactly;
 * reset at the end of the step instead, every interspike interval would grow by up to h.
 * Not reproduced: NEST's error on V_m < -1e3 or |w| > 1e6 (update() cannot fail: the engine checks the state);
 * several spikes of one cell within one step (NEST could emit them with t_ref = 0). gsl_error_tol is no
 * parameter here. */

/* Selects between computed values vectorise only when the compiler may assume floating-point operations do not
 * trap (nastro enables no FP traps; no result bit changes), and the AVX2 clone of the right-hand side has the
 * blends; no contraction into FMAs that only one clone would do, so both clones give the same bits (as
 * src/models/common/vmath.c). */
#pragma GCC optimize("no-trapping-math", "fp-contract=off")
#include <math.h>
#include "cellmodel.h"
#include "vmath.h"

#define NA_CLONES __attribute__((target_clones("arch=x86-64-v3", "default")))

enum {
  P_C_M,
  P_G_L,
  P_E_L,
  P_V_TH,
  P_DELTA_T,
  P_V_PEAK,
  P_V_RESET,
  P_E_EX,
  P_E_IN,
  P_TAU_W,
  P_A,
  P_B,
  P_T_REF,
  P_TAU_SYN_EX,
  P_TAU_SYN_IN,
  P_I_E,
  NPARAMS
};
enum { S_V_M, S_DG_EX, S_G_EX, S_DG_IN, S_G_IN, S_W, NSTATE };

static const NaQuantity Params[NPARAMS] = {
    [P_C_M]        = {"C_m", 281.0, "pF", "membrane capacitance"},
    [P_G_L]        = {"g_L", 30.0, "nS", "leak conductance"},
    [P_E_L]        = {"E_L", -70.6, "mV", "leak reversal potential"},
    [P_V_TH]       = {"V_th", -50.4, "mV", "spike initiation threshold"},
    [P_DELTA_T]    = {"Delta_T", 2.0, "mV", "slope factor (0: integrate-and-fire with threshold V_th)"},
    [P_V_PEAK]     = {"V_peak", 0.0, "mV", "spike detection threshold"},
    [P_V_RESET]    = {"V_reset", -60.0, "mV", "reset potential"},
    [P_E_EX]       = {"E_ex", 0.0, "mV", "excitatory reversal potential"},
    [P_E_IN]       = {"E_in", -85.0, "mV", "inhibitory reversal potential"},
    [P_TAU_W]      = {"tau_w", 144.0, "ms", "adaptation time constant"},
    [P_A]          = {"a", 4.0, "nS", "subthreshold adaptation"},
    [P_B]          = {"b", 80.5, "pA", "spike-triggered adaptation"},
    [P_T_REF]      = {"t_ref", 0.0, "ms", "refractory period"},
    [P_TAU_SYN_EX] = {"tau_syn_ex", 0.2, "ms", "rise time of the excitatory alpha conductance"},
    [P_TAU_SYN_IN] = {"tau_syn_in", 2.0, "ms", "rise time of the inhibitory alpha conductance"},
    [P_I_E]        = {"I_e", 0.0, "pA", "constant input current"},
};

/* initial values: NEST's (V_m starts at E_L's default) */
static const NaQuantity State[NSTATE] = {
    [S_V_M]   = {"V_m", -70.6, "mV", "membrane potential"},
    [S_DG_EX] = {"dg_ex", 0.0, "nS/ms", "time derivative of g_ex"},
    [S_G_EX]  = {"g_ex", 0.0, "nS", "excitatory conductance"},
    [S_DG_IN] = {"dg_in", 0.0, "nS/ms", "time derivative of g_in"},
    [S_G_IN]  = {"g_in", 0.0, "nS", "inhibitory conductance"},
    [S_W]     = {"w", 0.0, "pA", "adaptation current"},
};

#define NA_E 2.718281828459045235360287

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
  const double V_peak = par[P_V_PEAK][i], V_th = par[P_V_TH][i], Delta_T = par[P_DELTA_T][i];

  if (!(par[P_V_RESET][i] < V_peak)) return "V_reset must be < V_peak";
  if (!(Delta_T >= 0)) return "Delta_T must be >= 0";
  /* NEST: exp((V_peak - V_th)/Delta_T) must stay 1e20 below the largest double */
  if (Delta_T > 0 && (V_peak - V_th) / Delta_T >= log(1.79769313486231570815e308 / 1e20))
    return "Delta_T must be larger (or V_peak - V_th smaller): exp((V_peak - V_th)/Delta_T) overflows";
  if (!(V_peak >= V_th)) return "V_peak must be >= V_th";
  if (!(par[P_C_M][i] > 0)) return "C_m must be > 0";
  if (!(par[P_T_REF][i] >= 0)) return "t_ref must be >= 0";
  if (!(par[P_TAU_SYN_EX][i] > 0)) return "tau_syn_ex must be > 0";
  if (!(par[P_TAU_SYN_IN][i] > 0)) return "tau_syn_in must be > 0";
  if (!(par[P_TAU_W][i] > 0)) return "tau_w must be > 0";
  return NULL;
}

/* y and f are distinct arrays (the engine's state and its derivative). The exponential goes first, into fV, in
 * a pass of its own (NaExpArray, vectorised: libm's exp is not); the rest, free of branches, vectorises. stim, sic:
 * whether I_stim, I_sic are given (constants once inlined, so each case is a branch-free loop). */
static inline __attribute__((always_inline)) void RhsKernel(const NaCellIO *io, const double *restrict y,
                                                            double *restrict f, const int stim, const int sic)
{
  const PetscInt       n  = io->n;
  const double *const *p  = io->par;
  const double        *Vm = y + S_V_M * n, *dgex = y + S_DG_EX * n, *gex = y + S_G_EX * n;
  const double        *dgin = y + S_DG_IN * n, *gin = y + S_G_IN * n, *w = y + S_W * n;
  double              *fV = f + S_V_M * n, *fdgex = f + S_DG_EX * n, *fgex = f + S_G_EX * n;
  double              *fdgin = f + S_DG_IN * n, *fgin = f + S_G_IN * n, *fw = f + S_W * n;
  const double        *C_m = p[P_C_M], *g_L = p[P_G_L], *E_L = p[P_E_L], *V_th = p[P_V_TH];
  const double        *Delta_T = p[P_DELTA_T], *V_peak = p[P_V_PEAK], *V_reset = p[P_V_RESET];
  const double        *E_ex = p[P_E_EX], *E_in = p[P_E_IN], *tau_w = p[P_TAU_W];
  const double        *a = p[P_A], *tau_ex = p[P_TAU_SYN_EX], *tau_in = p[P_TAU_SYN_IN];
  const double        *I_e = p[P_I_E], *I_stim = io->I_stim, *I_sic = io->I_sic;
  const PetscInt      *refr = io->refr;

  /* V in the right-hand side: V_reset while refractory, else min(V_m, V_peak) (std::min's operand order);
   * Delta_T = 0: exp(-inf) = 0, so the exponential term is 0 as NEST's */
  for (PetscInt i = 0; i < n; i++) {
    const double V = refr[i] > 0 ? V_reset[i] : (V_peak[i] < Vm[i] ? V_peak[i] : Vm[i]);
    fV[i]          = Delta_T[i] > 0.0 ? (V - V_th[i]) / Delta_T[i] : -INFINITY;
  }
  NaExpArray(n, fV, fV);
  /* the state's and the derivative's variables are disjoint slices of y and f, which the compiler cannot prove
   * for this many arrays (it gives up versioning the loops for aliasing): ivdep says so */
#pragma GCC ivdep
  for (PetscInt i = 0; i < n; i++) {
    const double Vr = V_reset[i], Vp = V_peak[i], Vi = Vm[i], wi = w[i];
    const int    is_refr = refr[i] > 0;
    const double V       = is_refr ? Vr : (Vp < Vi ? Vp : Vi);
    const double I_syn   = gex[i] * (V - E_ex[i]) + gin[i] * (V - E_in[i]);
    const double I_spike = g_L[i] * Delta_T[i] * fV[i];
    const double I_in    = I_e[i] + (stim ? I_stim[i] : 0.0) + (sic ? I_sic[i] : 0.0);
    const double dV      = (-g_L[i] * (V - E_L[i]) + I_spike - I_syn - wi + I_in) / C_m[i];

    fV[i] = is_refr ? 0.0 : dV;
    fw[i] = (a[i] * (V - E_L[i]) - wi) / tau_w[i];
  }
#pragma GCC ivdep
  for (PetscInt i = 0; i < n; i++) { /* the conductances, on their own */
    fdgex[i] = -dgex[i] / tau_ex[i];
    fgex[i]  = dgex[i] - gex[i] / tau_ex[i];
    fdgin[i] = -dgin[i] / tau_in[i];
    fgin[i]  = dgin[i] - gin[i] / tau_in[i];
  }
}

NA_CLONES static void Rhs(const NaCellIO *io, const double *y, double *f)
{
  if (io->I_stim && io->I_sic)
    RhsKernel(io, y, f, 1, 1);
  else if (io->I_stim)
    RhsKernel(io, y, f, 1, 0);
  else if (io->I_sic)
    RhsKernel(io, y, f, 0, 1);
  else
    RhsKernel(io, y, f, 0, 0);
}

/* dV/dt of one cell at (V, w, g_ex, g_in), as Rhs() outside the refractory period */
typedef struct {
  double C_m, g_L, E_L, V_th, Delta_T, V_peak, E_ex, E_in, I_in; /* I_in: I_e + I_stim + I_SIC */
} DVdtParams;

static inline double DVdt(const DVdtParams *q, double V, double w, double ge, double gi)
{
  const double Vb      = q->V_peak < V ? q->V_peak : V;
  const double I_spike = q->Delta_T == 0.0 ? 0.0 : q->g_L * q->Delta_T * exp((Vb - q->V_th) / q->Delta_T);
  return (-q->g_L * (Vb - q->E_L) + I_spike - ge * (Vb - q->E_ex) - gi * (Vb - q->E_in) - w + q->I_in) / q->C_m;
}

/* The part of the spike step after the crossing, for cell i that ended the step at V_m >= threshold. NEST
 * resets at the adaptive substep that crosses and integrates the rest of the step from there; the engine
 * integrates the whole step, with V bounded by V_peak in the right-hand side, so past the crossing dV/dt is
 * (nearly) the constant F = dV/dt at the threshold and the time left after the crossing is (V_m - threshold)/F.
 * Over that time: g_x and dg_x are exact as the engine left them (they do not depend on V, and are evaluated
 * exactly on their alpha solution), w is taken back to the crossing on its solution at the bounded V and b is
 * added; then V_m = V_reset and (V_m, w) are advanced with 4 RK4 substeps (V held at V_reset when t_ref is at
 * least one step, as NEST's refractory right-hand side does). Without this, each spike would be reset at the end
 * of its step and every interspike interval would grow by the time left (up to h). */
static void SpikeRemainder(const NaCellIO *io, double *y, PetscInt i, double threshold, PetscInt counts)
{
  const PetscInt       n    = io->n;
  const double *const *p    = io->par;
  const double         I_in = p[P_I_E][i] + (io->I_stim ? io->I_stim[i] : 0.0) + (io->I_sic ? io->I_sic[i] : 0.0);
  const DVdtParams     q    = {.C_m     = p[P_C_M][i],
                               .g_L     = p[P_G_L][i],
                               .E_L     = p[P_E_L][i],
                               .V_th    = p[P_V_TH][i],
                               .Delta_T = p[P_DELTA_T][i],
                               .V_peak  = p[P_V_PEAK][i],
                               .E_ex    = p[P_E_EX][i],
                               .E_in    = p[P_E_IN][i],
                               .I_in    = I_in};
  const double         E_L = q.E_L, tau_w = p[P_TAU_W][i], a = p[P_A][i];
  const double         tau_ex = p[P_TAU_SYN_EX][i], tau_in = p[P_TAU_SYN_IN][i];
  const double         Vt = threshold < q.V_peak ? threshold : q.V_peak;
  const double ge = y[S_G_EX * n + i], dge = y[S_DG_EX * n + i], gi = y[S_G_IN * n + i], dgi = y[S_DG_IN * n + i];
  double       V = y[S_V_M * n + i], w = y[S_W * n + i];
  const double F   = DVdt(&q, Vt, w, ge, gi);
  double       rem = F > 0.0 ? (V - Vt) / F : 0.0; /* time left after the crossing */

  if (!(rem >= 0.0)) rem = 0.0;
  if (rem > io->h) rem = io->h;
  /* w at the crossing (it relaxed towards a (Vt - E_L) since), plus the jump */
  w = a * (Vt - E_L) + (w - a * (Vt - E_L)) * exp(rem / tau_w) + p[P_B][i];
  V = p[P_V_RESET][i];
  if (counts > 0)
    w = a * (V - E_L) + (w - a * (V - E_L)) * exp(-rem / tau_w);
  else {
    static const double c[4] = {0.0, 0.5, 0.5, 1.0};
    const double        dt   = rem / 4;
    for (int k = 0; k < 4; k++) {
      double kV[4], kw[4];
      for (int s = 0; s < 4; s++) {
        const double Vs = s ? V + c[s] * dt * kV[s - 1] : V, ws = s ? w + c[s] * dt * kw[s - 1] : w;
        const double back = rem - (k + c[s]) * dt; /* time before the end of the step */
        const double gex = (ge - dge * back) * exp(back / tau_ex), gin = (gi - dgi * back) * exp(back / tau_in);
        kV[s] = DVdt(&q, Vs, ws, gex, gin);
        kw[s] = (a * (Vs - E_L) - ws) / tau_w;
      }
      V += dt / 6 * (kV[0] + 2 * kV[1] + 2 * kV[2] + kV[3]);
      w += dt / 6 * (kw[0] + 2 * kw[1] + 2 * kw[2] + kw[3]);
    }
  }
  y[S_V_M * n + i] = V;
  y[S_W * n + i]   = w;
}

static void Update(NaCellIO *io, double *y, unsigned char *spiked)
{
  const PetscInt       n = io->n;
  const double *const *p = io->par;
  const double         h = io->h;
  double *Vm = y + S_V_M * n, *dgex = y + S_DG_EX * n, *dgin = y + S_DG_IN * n; /* SpikeRemainder writes y too */
  const double *restrict V_th = p[P_V_TH], *restrict Delta_T = p[P_DELTA_T], *restrict V_peak = p[P_V_PEAK];
  const double *restrict V_reset = p[P_V_RESET], *restrict t_ref = p[P_T_REF];
  const double *restrict tau_ex = p[P_TAU_SYN_EX], *restrict tau_in = p[P_TAU_SYN_IN];
  const double *restrict in_ex = io->in_ex, *restrict in_in = io->in_in;
  PetscInt *restrict refr = io->refr;

  for (PetscInt i = 0; i < n; i++) {
    const double  threshold = Delta_T[i] > 0.0 ? V_peak[i] : V_th[i];
    unsigned char fired     = 0;

    if (refr[i] > 0)
      Vm[i] = V_reset[i];
    else if (Vm[i] >= threshold) {
      const PetscInt counts = RefractoryCounts(t_ref[i], h);
      SpikeRemainder(io, y, i, threshold, counts); /* V_m = V_reset, w += b, and the rest of the step */
      refr[i] = counts > 0 ? counts + 1 : 0;       /* NEST: +1 for the count-down just below */
      fired   = 1;
    }
    if (refr[i] > 0) refr[i]--;
    if (spiked) spiked[i] = fired;
  }
  if (in_ex)
    for (PetscInt i = 0; i < n; i++) dgex[i] += in_ex[i] * (NA_E / tau_ex[i]);
  if (in_in)
    for (PetscInt i = 0; i < n; i++) dgin[i] += in_in[i] * (NA_E / tau_in[i]);
}

/* the table entry (listed in registry.c) */
PETSC_INTERN const NaCellModel NaCellModel_aeif_cond_alpha_astro;

const NaCellModel NaCellModel_aeif_cond_alpha_astro = {
    .name         = "aeif_cond_alpha_astro",
    .kind         = NA_CELL_NEURON,
    .nparams      = NPARAMS,
    .params       = Params,
    .nstate       = NSTATE,
    .state        = State,
    .receives_sic = PETSC_TRUE,
    .emits_sic    = PETSC_FALSE,
    .check        = Check,
    .rhs          = Rhs,
    .update       = Update,
};
