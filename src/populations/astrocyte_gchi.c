/* astrocyte_gchi: the G-ChI astrocyte of De Pitta et al. (2009) with glutamate-driven IP3 production and
 * threshold-triggered gliotransmitter release, as Brian 2's neuron-glia examples write it (Stimberg, Goodman,
 * Brette, De Pitta 2019, examples 2-6; models.md 3.7). Units: ms and uM (Brian's per-second rates / 1000, its mM
 * x 1000). Defaults: example 2's values; the release parameters, which example 2 does not use, from examples 4
 * and 6. Names: models.md 3.7's, with Brian's where models.md has none (Omega_N for O_N', Omega_c, F_ex, I_bias).
 *
 * With hc = clip(h, 0, 1) (example 2) and Gc = clip(Gamma_A, 0, 1) (example 6; both clips change nothing on a
 * trajectory that stays in [0, 1]):
 *   dC/dt       = (O_C m^3 hc^3 + O_L) (C_T - (1 + rho_A) C) - O_P C^2 / (C^2 + K_P^2),  m = I/(I + d1) C/(C + d5)
 *   dh/dt       = (h_inf - hc) / tau_h,  h_inf = Q2 / (Q2 + C),  tau_h = 1 / (O_2 (Q2 + C)),  Q2 = d2 (I + d1)/(I + d3)
 *   dI/dt       = O_beta Gc + O_delta / (1 + I/kappa_delta) C^2 / (C^2 + K_delta^2)
 *                 - O_3K C^4 / (C^4 + K_D^4) I / (I + K_3K) - O_5P I + J_ex + J_stim
 *                 + J_coupling
 *   J_ex        = -F_ex/2 (1 + tanh((|I - I_bias s| - I_Theta) / omega_I)) sign(I - I_bias s),  s = stimulus
 *   J_coupling  = sum over the gap junctions pre -> this cell (the engine's, held over the step: engine.c,
 *                 GapJunctions) of -F/2 (1 + tanh((|I - I_pre| - I_Theta)/omega_I)) sign(I - I_pre)
 *   dGamma_A/dt = O_N Y_S (1 - Gc) - Omega_N (1 + zeta C / (C + K_KC)) Gc
 *   dY_S/dt     = -Omega_c Y_S          (the glutamate of the astrocyte's synapses, summed: Brian's Y_S (summed))
 *   dx_A/dt     = O_A (1 - x_A),   dG_A/dt = -O_e G_A
 *   dGamma_S/dt = O_G G_A (1 - Gamma_S) - Omega_G Gamma_S   (the presynaptic receptors of the astrocyte's
 *                 tm_glio_synapse synapses: Brian's per-synapse Gamma_S, which all synapses of one astrocyte share;
 *                 the engine reads it at each presynaptic spike, docs/networks.md "glia"); with hold_G_A 1, G_A
 *                 here is G_A_step, G_A held over the step at its value after the step's start (Brian's summed
 *                 G_A of the multirate examples 3-6)
 * J_stim is the engine's I_stim (dc_generator input, uM/ms of IP3), held over the step.
 * After each step: Y_S += the summed weight of the spikes arriving this step (a spike's weight is its glutamate
 * jump, Brian's rho_c Y_T r_S, in uM); then the release, Brian's threshold 'C > C_Theta' with refractory
 * 'C > C_Theta' and reset 'G_A += rho_e G_T U_A x_A; x_A -= U_A x_A': if armed and C > C_Theta, release and
 * disarm; then arm again if C <= C_Theta. So a release happens at the end of the step whose end value of C is
 * above C_Theta after a grid value at or below it (or the start of the run): once per upward crossing seen on the
 * step grid (a crossing and recrossing within one step is missed, as in Brian). `armed` is Brian's
 * not_refractory, a state variable with zero derivative (any Runge-Kutta step keeps it bitwise), so checkpoints
 * carry it with the rest of the state. The astrocyte emits no spikes and no SIC. */

/* as astrocyte_lr_1994.c: selects vectorise without FP traps; no contraction, so both clones give the same bits */
#pragma GCC optimize("no-trapping-math", "fp-contract=off")
#include <math.h>
#include "cellmodel.h"

#define NA_CLONES __attribute__((target_clones("arch=x86-64-v3", "default")))

enum {
  P_O_P,
  P_K_P,
  P_C_T,
  P_RHO_A,
  P_O_C,
  P_O_L,
  P_D1,
  P_D2,
  P_O_2,
  P_D3,
  P_D5,
  P_O_BETA,
  P_O_N,
  P_OMEGA_N,
  P_K_KC,
  P_ZETA,
  P_O_DELTA,
  P_KAPPA_DELTA,
  P_K_DELTA,
  P_O_5P,
  P_K_D,
  P_K_3K,
  P_O_3K,
  P_F_EX,
  P_I_THETA,
  P_OMEGA_I,
  P_I_BIAS,
  P_OMEGA_C,
  P_C_THETA,
  P_O_A,
  P_U_A,
  P_G_T,
  P_RHO_E,
  P_O_E,
  P_O_G,
  P_OMEGA_G,
  P_STIMULUS,
  P_NOISE,
  P_STRATONOVICH,
  P_HOLD_G_A,
  NPARAMS
};
enum { S_C, S_H, S_I, S_GAMMA_A, S_Y_S, S_X_A, S_G_A, S_ARMED, S_GAMMA_S, S_G_A_STEP, NSTATE };

static const NaQuantity Params[NPARAMS] = {
    [P_O_P]          = {"O_P", 0.9e-3, "uM/ms", "maximal Ca2+ uptake rate by SERCAs"},
    [P_K_P]          = {"K_P", 0.1, "uM", "Ca2+ affinity of SERCAs"},
    [P_C_T]          = {"C_T", 2.0, "uM", "total cell free Ca2+ content"},
    [P_RHO_A]        = {"rho_A", 0.18, "1", "ER-to-cytoplasm volume ratio"},
    [P_O_C]          = {"O_C", 6e-3, "1/ms", "maximal rate of Ca2+ release by IP3Rs (Brian's Omega_C)"},
    [P_O_L]          = {"O_L", 0.1e-3, "1/ms", "maximal rate of Ca2+ leak from the ER (Brian's Omega_L)"},
    [P_D1]           = {"d1", 0.13, "uM", "IP3 binding affinity"},
    [P_D2]           = {"d2", 1.05, "uM", "Ca2+ inactivation dissociation constant"},
    [P_O_2]          = {"O_2", 0.2e-3, "1/(uM ms)", "IP3R binding rate for Ca2+ inhibition"},
    [P_D3]           = {"d3", 0.9434, "uM", "IP3 dissociation constant"},
    [P_D5]           = {"d5", 0.08, "uM", "Ca2+ activation dissociation constant"},
    [P_O_BETA]       = {"O_beta", 5e-3, "uM/ms", "maximal rate of IP3 production by PLCbeta"},
    [P_O_N]          = {"O_N", 0.3e-3, "1/(uM ms)", "agonist binding rate"},
    [P_OMEGA_N]      = {"Omega_N", 0.5e-3, "1/ms", "maximal inactivation rate (models.md's O_N')"},
    [P_K_KC]         = {"K_KC", 0.5, "uM", "Ca2+ affinity of PKC"},
    [P_ZETA]         = {"zeta", 10.0, "1", "maximal reduction of receptor affinity by PKC"},
    [P_O_DELTA]      = {"O_delta", 0.2e-3, "uM/ms", "maximal rate of IP3 production by PLCdelta"},
    [P_KAPPA_DELTA]  = {"kappa_delta", 1.5, "uM", "inhibition constant of PLCdelta by IP3"},
    [P_K_DELTA]      = {"K_delta", 0.3, "uM", "Ca2+ affinity of PLCdelta"},
    [P_O_5P]         = {"O_5P", 0.1e-3, "1/ms", "maximal rate of IP3 degradation by IP-5P (Brian's Omega_5P)"},
    [P_K_D]          = {"K_D", 0.5, "uM", "Ca2+ affinity of IP3-3K"},
    [P_K_3K]         = {"K_3K", 1.0, "uM", "IP3 affinity of IP3-3K"},
    [P_O_3K]         = {"O_3K", 4.5e-3, "uM/ms", "maximal rate of IP3 degradation by IP3-3K"},
    [P_F_EX]         = {"F_ex", 0.09e-3, "uM/ms", "maximal exogenous IP3 flow (towards I_bias)"},
    [P_I_THETA]      = {"I_Theta", 0.3, "uM", "threshold gradient for IP3 diffusion"},
    [P_OMEGA_I]      = {"omega_I", 0.05, "uM", "scaling factor of diffusion"},
    [P_I_BIAS]       = {"I_bias", 0.0, "uM", "IP3 concentration of the exogenous flow's source"},
    [P_OMEGA_C]      = {"Omega_c", 40e-3, "1/ms", "clearance rate of the synaptic glutamate Y_S"},
    [P_C_THETA]      = {"C_Theta", 0.5, "uM", "Ca2+ threshold for exocytosis"},
    [P_O_A]          = {"O_A", 0.6e-3, "1/ms", "gliotransmitter recycling rate (Brian's Omega_A)"},
    [P_U_A]          = {"U_A", 0.6, "1", "gliotransmitter release probability"},
    [P_G_T]          = {"G_T", 200e3, "uM", "total vesicular gliotransmitter concentration"},
    [P_RHO_E]        = {"rho_e", 6.5e-4, "1", "astrocytic vesicle-to-extracellular volume ratio"},
    [P_O_E]          = {"O_e", 60e-3, "1/ms", "gliotransmitter clearance rate (Brian's Omega_e)"},
    [P_O_G]          = {"O_G", 1.5e-3, "1/(uM ms)", "agonist binding rate of the presynaptic receptors (examples 3-6)"},
    [P_OMEGA_G]      = {"Omega_G", 0.5 / 60e3, "1/ms", "agonist release rate of the presynaptic receptors"},
    [P_STIMULUS]     = {"stimulus", 1.0, "1",
                        "multiplies I_bias (Brian's example 5 stimulus: give it as a timed value, and I_bias per cell)"},
    [P_NOISE]        = {"noise", 0.0, "1",
                        "multiplicative noise on h, Brian's example 2: dh = f dt + noise f sqrt(tau_h) dW (0: none)"},
    [P_STRATONOVICH] = {"stratonovich", 1.0, "1",
                        "1: the noise in Stratonovich's reading (Brian's milstein integrates it so), 0: Ito's"},
    [P_HOLD_G_A]     = {"hold_G_A", 0.0, "1",
                        "1: Gamma_S sees G_A held over each step at its value after the step's start (Brian's summed "
                            "G_A of examples 3-6), 0: G_A as it decays"},
};

/* initial values: Brian's (0 unless the examples set them: h 0.9, x_A 1) */
static const NaQuantity State[NSTATE] = {
    [S_C]        = {"C", 0.0, "uM", "cytosolic Ca2+ concentration"},
    [S_H]        = {"h", 0.9, "1", "IP3R de-inactivation probability"},
    [S_I]        = {"I", 0.0, "uM", "cytosolic IP3 concentration"},
    [S_GAMMA_A]  = {"Gamma_A", 0.0, "1", "fraction of activated astrocyte receptors"},
    [S_Y_S]      = {"Y_S", 0.0, "uM", "synaptic glutamate the astrocyte sees (summed over its synapses)"},
    [S_X_A]      = {"x_A", 1.0, "1", "fraction of gliotransmitter resources available for release"},
    [S_G_A]      = {"G_A", 0.0, "uM", "gliotransmitter concentration in the extracellular space"},
    [S_ARMED]    = {"armed", 1.0, "1",
                    "1 when C has been at or below C_Theta since the last release (Brian's "
                       "not_refractory)"},
    [S_GAMMA_S]  = {"Gamma_S", 0.0, "1",
                    "fraction of activated presynaptic receptors of the astrocyte's tm_glio_synapse synapses"},
    [S_G_A_STEP] = {"G_A_step", 0.0, "uM",
                    "G_A after the last update (release included), held over the next step: what Gamma_S sees with "
                    "hold_G_A 1"},
};

static inline double Clip01(double x)
{
  const double m = x < 1.0 ? x : 1.0;
  return m > 0.0 ? m : 0.0;
}

static const char *Check(const double *const *par, PetscInt i)
{
  /* > 0: constants in denominators (and C_T, which scales the Ca2+ store) */
  if (!(par[P_C_T][i] > 0)) return "C_T must be > 0";
  if (!(par[P_K_P][i] > 0)) return "K_P must be > 0";
  if (!(par[P_D1][i] > 0)) return "d1 must be > 0";
  if (!(par[P_D2][i] > 0)) return "d2 must be > 0";
  if (!(par[P_D3][i] > 0)) return "d3 must be > 0";
  if (!(par[P_D5][i] > 0)) return "d5 must be > 0";
  if (!(par[P_K_KC][i] > 0)) return "K_KC must be > 0";
  if (!(par[P_KAPPA_DELTA][i] > 0)) return "kappa_delta must be > 0";
  if (!(par[P_K_DELTA][i] > 0)) return "K_delta must be > 0";
  if (!(par[P_K_D][i] > 0)) return "K_D must be > 0";
  if (!(par[P_K_3K][i] > 0)) return "K_3K must be > 0";
  if (!(par[P_OMEGA_I][i] > 0)) return "omega_I must be > 0";
  /* >= 0: rates, ratios and concentrations */
  if (!(par[P_O_G][i] >= 0)) return "O_G must be >= 0";
  if (!(par[P_OMEGA_G][i] >= 0)) return "Omega_G must be >= 0";
  static const int         nonneg[] = {P_O_P,     P_RHO_A,   P_O_C,  P_O_L,   P_O_2,  P_O_BETA,   P_O_N,    P_OMEGA_N,
                                       P_ZETA,    P_O_DELTA, P_O_5P, P_O_3K,  P_F_EX, P_I_THETA,  P_I_BIAS, P_OMEGA_C,
                                       P_C_THETA, P_O_A,     P_G_T,  P_RHO_E, P_O_E,  P_STIMULUS, P_NOISE};
  static const char *const msg[]    = {
         "O_P must be >= 0",     "rho_A must be >= 0",    "O_C must be >= 0",    "O_L must be >= 0",
         "O_2 must be >= 0",     "O_beta must be >= 0",   "O_N must be >= 0",    "Omega_N must be >= 0",
         "zeta must be >= 0",    "O_delta must be >= 0",  "O_5P must be >= 0",   "O_3K must be >= 0",
         "F_ex must be >= 0",    "I_Theta must be >= 0",  "I_bias must be >= 0", "Omega_c must be >= 0",
         "C_Theta must be >= 0", "O_A must be >= 0",      "G_T must be >= 0",    "rho_e must be >= 0",
         "O_e must be >= 0",     "stimulus must be >= 0", "noise must be >= 0"};
  for (size_t k = 0; k < sizeof nonneg / sizeof nonneg[0]; k++)
    if (!(par[nonneg[k]][i] >= 0)) return msg[k];
  if (!(par[P_U_A][i] >= 0 && par[P_U_A][i] <= 1)) return "U_A must lie in [0, 1]";
  if (!(par[P_STRATONOVICH][i] == 0 || par[P_STRATONOVICH][i] == 1)) return "stratonovich must be 0 or 1";
  if (!(par[P_HOLD_G_A][i] == 0 || par[P_HOLD_G_A][i] == 1)) return "hold_G_A must be 0 or 1";
  return NULL;
}

/* y and f are distinct arrays; stim, gap: whether I_stim, J_gap are given (constants once inlined) */
static inline __attribute__((always_inline)) void RhsKernel(const NaCellIO *io, const double *restrict y,
                                                            double *restrict f, const int stim, const int gap)
{
  const PetscInt       n  = io->n;
  const double *const *p  = io->par;
  const double        *Cv = y + S_C * n, *hv = y + S_H * n, *Iv = y + S_I * n, *Gv = y + S_GAMMA_A * n;
  const double        *Yv = y + S_Y_S * n, *xv = y + S_X_A * n, *GAv = y + S_G_A * n;
  const double        *J_stim = io->I_stim, *GSv = y + S_GAMMA_S * n, *J_gap = io->J_gap, *GHv = y + S_G_A_STEP * n;

  for (PetscInt i = 0; i < n; i++) {
    const double C = Cv[i], hc = Clip01(hv[i]), ip3 = Iv[i], Gc = Clip01(Gv[i]);
    const double d1 = p[P_D1][i], C2 = C * C, C4 = C2 * C2;
    /* Ca2+-induced Ca2+ release */
    const double m_inf = ip3 / (ip3 + d1) * (C / (C + p[P_D5][i]));
    const double mh    = m_inf * hc;
    const double drive = p[P_C_T][i] - (1.0 + p[P_RHO_A][i]) * C;
    const double J_r   = p[P_O_C][i] * (mh * mh * mh) * drive;
    const double J_l   = p[P_O_L][i] * drive;
    const double J_p   = p[P_O_P][i] * C2 / (C2 + p[P_K_P][i] * p[P_K_P][i]);
    const double Q2    = p[P_D2][i] * (ip3 + d1) / (ip3 + p[P_D3][i]);
    const double h_inf = Q2 / (Q2 + C);
    const double tau_h = 1.0 / (p[P_O_2][i] * (Q2 + C));
    /* IP3 */
    const double K_d = p[P_K_DELTA][i], K_D = p[P_K_D][i];
    const double J_beta = p[P_O_BETA][i] * Gc;
    const double J_dlt  = p[P_O_DELTA][i] / (1.0 + ip3 / p[P_KAPPA_DELTA][i]) * (C2 / (C2 + K_d * K_d));
    const double J_3K   = p[P_O_3K][i] * (C4 / (C4 + K_D * K_D * K_D * K_D)) * (ip3 / (ip3 + p[P_K_3K][i]));
    const double J_5P   = p[P_O_5P][i] * ip3;
    const double dI     = ip3 - p[P_I_BIAS][i] * p[P_STIMULUS][i];
    const double sgn    = (double)(dI > 0) - (double)(dI < 0);
    const double J_ex   = -p[P_F_EX][i] / 2.0 * (1.0 + tanh((fabs(dI) - p[P_I_THETA][i]) / p[P_OMEGA_I][i])) * sgn;

    f[S_C * n + i] = J_r + J_l - J_p;
    f[S_H * n + i] = (h_inf - hc) / tau_h;
    f[S_I * n + i] = J_beta + J_dlt - J_3K - J_5P + J_ex + (stim ? J_stim[i] : 0.0) + (gap ? J_gap[i] : 0.0);
    f[S_GAMMA_A * n + i] =
        p[P_O_N][i] * Yv[i] * (1.0 - Gc) - p[P_OMEGA_N][i] * (1.0 + p[P_ZETA][i] * C / (C + p[P_K_KC][i])) * Gc;
    f[S_Y_S * n + i]      = -p[P_OMEGA_C][i] * Yv[i];
    f[S_X_A * n + i]      = p[P_O_A][i] * (1.0 - xv[i]);
    f[S_G_A * n + i]      = -p[P_O_E][i] * GAv[i];
    f[S_ARMED * n + i]    = 0.0;
    const double Gs       = p[P_HOLD_G_A][i] != 0.0 ? GHv[i] : GAv[i];
    f[S_GAMMA_S * n + i]  = p[P_O_G][i] * Gs * (1.0 - GSv[i]) - p[P_OMEGA_G][i] * GSv[i];
    f[S_G_A_STEP * n + i] = 0.0;
  }
}

NA_CLONES static void Rhs(const NaCellIO *io, const double *y, double *f)
{
  if (io->I_stim && io->J_gap)
    RhsKernel(io, y, f, 1, 1);
  else if (io->I_stim)
    RhsKernel(io, y, f, 1, 0);
  else if (io->J_gap)
    RhsKernel(io, y, f, 0, 1);
  else
    RhsKernel(io, y, f, 0, 0);
}

static void Update(NaCellIO *io, double *y, unsigned char *spiked)
{
  const PetscInt       n = io->n;
  const double *const *p = io->par;
  double *restrict C = y + S_C * n, *restrict Y = y + S_Y_S * n, *restrict x = y + S_X_A * n;
  double *restrict G = y + S_G_A * n, *restrict armed = y + S_ARMED * n, *restrict Gstep = y + S_G_A_STEP * n;
  const double *restrict in_ex = io->in_ex;

  for (PetscInt i = 0; i < n; i++) {
    const PetscBool above = C[i] > p[P_C_THETA][i] ? PETSC_TRUE : PETSC_FALSE;
    if (in_ex) Y[i] += in_ex[i];
    if (spiked) spiked[i] = 0;
    if (armed[i] != 0.0 && above) { /* Brian's reset: the release (an event, recordable as a spike) */
      G[i] += p[P_RHO_E][i] * p[P_G_T][i] * p[P_U_A][i] * x[i];
      x[i] -= p[P_U_A][i] * x[i];
      armed[i] = 0.0;
      if (spiked) spiked[i] = 1;
    }
    if (!above) armed[i] = 1.0;
    Gstep[i] = G[i];
  }
  if (io->sic)
    for (PetscInt i = 0; i < n; i++) io->sic[i] = 0.0;
}

/* the noise of h, split from the deterministic step (Lie splitting): Brian's example 2 writes
 *   dh/dt = (h_inf - hc)/tau_h (1 + noise xi sqrt(tau_h)),
 * the SDE dh = f dt + g dW with f = (h_inf - hc)/tau_h and g = noise (h_inf - hc)/sqrt(tau_h) (h_inf and tau_h
 * depend on C and I only), read as Stratonovich's (stratonovich 1, the default: what Brian's derivative-free
 * milstein integrates, whose correction is 1/2 g g' dW^2) or as Ito's (stratonovich 0). After the stepper's
 * deterministic step y0 -> y over [t, t + H], Milstein's increment from the state y0 at the step's start is added:
 *   h += g dW + 1/2 g g_h (dW^2 - (1 - stratonovich) H),  g_h = dg/dh = -noise/sqrt(tau_h) for h in [0, 1]
 * (0 outside: hc is clipped), with dW = sqrt(H) xi. The noise is scalar and acts on h alone, so this is Milstein's
 * scheme for the whole system up to O(H^2) per step: strong order 1 (docs/networks.md gives what was measured). */
static void Noise(const NaCellIO *io, const double *y0, double *y, double H, const double *xi)
{
  const PetscInt       n   = io->n;
  const double *const *p   = io->par;
  const double         sqH = sqrt(H), *Cv = y0 + S_C * n, *hv = y0 + S_H * n, *Iv = y0 + S_I * n;
  double *restrict h = y + S_H * n;

  for (PetscInt i = 0; i < n; i++) {
    const double nz = p[P_NOISE][i];
    if (nz == 0) continue; /* bitwise the deterministic step */
    const double C = Cv[i], h0 = hv[i], hc = Clip01(h0), ip3 = Iv[i];
    const double Q2    = p[P_D2][i] * (ip3 + p[P_D1][i]) / (ip3 + p[P_D3][i]);
    const double h_inf = Q2 / (Q2 + C);
    const double rs    = sqrt(p[P_O_2][i] * (Q2 + C)); /* 1/sqrt(tau_h) */
    const double g     = nz * (h_inf - hc) * rs;
    const double g_h   = h0 >= 0 && h0 <= 1 ? -nz * rs : 0.0;
    const double dW    = sqH * xi[i];
    h[i] += g * dW + 0.5 * g * g_h * (dW * dW - (1.0 - p[P_STRATONOVICH][i]) * H);
  }
}

/* the table entry (listed in registry.c) */
PETSC_INTERN const NaCellModel NaCellModel_astrocyte_gchi;

const NaCellModel NaCellModel_astrocyte_gchi = {
    .name         = "astrocyte_gchi",
    .kind         = NA_CELL_ASTROCYTE,
    .nparams      = NPARAMS,
    .params       = Params,
    .nstate       = NSTATE,
    .state        = State,
    .receives_sic = PETSC_FALSE,
    .emits_sic    = PETSC_FALSE,
    .emits_events = PETSC_TRUE,
    .check        = Check,
    .rhs          = Rhs,
    .update       = Update,
    .noise        = Noise,
    .knoise       = P_NOISE,
};
