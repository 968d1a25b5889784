/* astrocyte_lr_1994: the Li-Rinzel (1994) astrocyte with the IP3 input of Nadkarni & Jung (2003), as NEST 3.10's
 * model of that name (models/astrocyte_lr_1994.{h,cpp}; models.md 3.2): its parameters, defaults, state,
 * right-hand side and per-step order, written as loops over one population's cells.
 *
 * With C~ = clamp(Ca_astro, 0, Ca_tot), r = ratio_ER_cyt and C_ER = (Ca_tot - C~) / r:
 *   dIP3/dt    = (IP3_0 - IP3) / tau_IP3
 *   dCa/dt     = J_chan - J_pump + J_leak + J_noise
 *   dh_IP3R/dt = k_IP3R Kd_inh (IP3 + Kd_IP3_1) / (IP3 + Kd_IP3_2) (1 - h) - k_IP3R C~ h
 * J_noise is the current input NEST's astrocyte takes from current generators (CurrentEvent, uM/ms): here the
 * engine's I_stim, held over the step (set in one step, it acts during the next, as NEST's).
 * After each step, NEST's order: clamp Ca_astro to [0, Ca_tot]; IP3 += delta_IP3 x (summed weight of the spikes
 * arriving this step); SIC = SIC_scale ln(y) if y > 1 else 0, y = (Ca_astro - SIC_th) x 1000 (nM above the
 * threshold). The astrocyte never spikes. */

/* Selects between computed values vectorise only when the compiler may assume floating-point operations do not
 * trap (nastro enables no FP traps; no result bit changes), and the AVX2 clone of the right-hand side has the
 * blends; no contraction into FMAs that only one clone would do, so both clones give the same bits (as
 * src/models/common/vmath.c). */
#pragma GCC optimize("no-trapping-math", "fp-contract=off")
#include <math.h>
#include "cellmodel.h"

#define NA_CLONES __attribute__((target_clones("arch=x86-64-v3", "default")))

enum {
  P_CA_TOT,
  P_IP3_0,
  P_KD_IP3_1,
  P_KD_IP3_2,
  P_KD_ACT,
  P_KD_INH,
  P_KM_SERCA,
  P_SIC_SCALE,
  P_SIC_TH,
  P_DELTA_IP3,
  P_K_IP3R,
  P_RATE_IP3R,
  P_RATE_L,
  P_RATE_SERCA,
  P_RATIO_ER_CYT,
  P_TAU_IP3,
  NPARAMS
};
enum { S_IP3, S_CA, S_H, NSTATE };

static const NaQuantity Params[NPARAMS] = {
    [P_CA_TOT]       = {"Ca_tot", 2.0, "uM", "total free Ca2+ concentration in terms of the cytosolic volume"},
    [P_IP3_0]        = {"IP3_0", 0.16, "uM", "baseline IP3 concentration"},
    [P_KD_IP3_1]     = {"Kd_IP3_1", 0.13, "uM", "first IP3R dissociation constant of IP3"},
    [P_KD_IP3_2]     = {"Kd_IP3_2", 0.9434, "uM", "second IP3R dissociation constant of IP3"},
    [P_KD_ACT]       = {"Kd_act", 0.08234, "uM", "IP3R dissociation constant of Ca2+ (activation)"},
    [P_KD_INH]       = {"Kd_inh", 1.049, "uM", "IP3R dissociation constant of Ca2+ (inhibition)"},
    [P_KM_SERCA]     = {"Km_SERCA", 0.1, "uM", "activation constant of the SERCA pump"},
    [P_SIC_SCALE]    = {"SIC_scale", 1.0, "1", "scale of the slow inward current (SIC_scale ln(nM above SIC_th), pA)"},
    [P_SIC_TH]       = {"SIC_th", 0.19669, "uM", "Ca2+ threshold of the slow inward current"},
    [P_DELTA_IP3]    = {"delta_IP3", 0.0002, "uM", "IP3 increase per unit weight of an incoming spike"},
    [P_K_IP3R]       = {"k_IP3R", 0.0002, "1/(uM ms)", "IP3R binding constant of Ca2+ inhibition"},
    [P_RATE_IP3R]    = {"rate_IP3R", 0.006, "1/ms", "maximum rate of Ca2+ release through the IP3R"},
    [P_RATE_L]       = {"rate_L", 0.00011, "1/ms", "rate constant of the Ca2+ leak from the ER"},
    [P_RATE_SERCA]   = {"rate_SERCA", 0.0009, "uM/ms", "maximum rate of Ca2+ uptake by the SERCA pump"},
    [P_RATIO_ER_CYT] = {"ratio_ER_cyt", 0.185, "1", "ratio of the ER to the cytosolic volume"},
    [P_TAU_IP3]      = {"tau_IP3", 7142.0, "ms", "time constant of the IP3 decay"},
};

/* initial values: NEST's (IP3 starts at IP3_0's default) */
static const NaQuantity State[NSTATE] = {
    [S_IP3] = {"IP3", 0.16, "uM", "cytosolic IP3 concentration"},
    [S_CA]  = {"Ca_astro", 0.073, "uM", "cytosolic Ca2+ concentration"},
    [S_H]   = {"h_IP3R", 0.793, "1", "fraction of IP3 receptors not inactivated by Ca2+"},
};

/* NEST's clamp std::max(0, std::min(c, Ca_tot)), NaN included */
static inline double ClampCa(double c, double Ca_tot)
{
  const double m = Ca_tot < c ? Ca_tot : c;
  return 0.0 < m ? m : 0.0;
}

/* NEST's checks (Parameters_::set), in its order */
static const char *Check(const double *const *par, PetscInt i)
{
  if (!(par[P_CA_TOT][i] > 0)) return "Ca_tot must be > 0";
  if (!(par[P_IP3_0][i] >= 0)) return "IP3_0 must be >= 0";
  if (!(par[P_KD_ACT][i] > 0)) return "Kd_act must be > 0";
  if (!(par[P_KD_INH][i] >= 0)) return "Kd_inh must be >= 0";
  if (!(par[P_KD_IP3_1][i] > 0)) return "Kd_IP3_1 must be > 0";
  if (!(par[P_KD_IP3_2][i] > 0)) return "Kd_IP3_2 must be > 0";
  if (!(par[P_KM_SERCA][i] > 0)) return "Km_SERCA must be > 0";
  if (!(par[P_RATIO_ER_CYT][i] > 0)) return "ratio_ER_cyt must be > 0";
  if (!(par[P_DELTA_IP3][i] >= 0)) return "delta_IP3 must be >= 0";
  if (!(par[P_K_IP3R][i] >= 0)) return "k_IP3R must be >= 0";
  if (!(par[P_SIC_SCALE][i] > 0)) return "SIC_scale must be > 0";
  if (!(par[P_SIC_TH][i] >= 0)) return "SIC_th must be >= 0";
  if (!(par[P_RATE_L][i] >= 0)) return "rate_L must be >= 0";
  if (!(par[P_RATE_IP3R][i] >= 0)) return "rate_IP3R must be >= 0";
  if (!(par[P_RATE_SERCA][i] >= 0)) return "rate_SERCA must be >= 0";
  if (!(par[P_TAU_IP3][i] > 0)) return "tau_IP3 must be > 0";
  return NULL;
}

/* y and f are distinct arrays (the engine's state and its derivative); stim: whether I_stim (J_noise) is given (a
 * constant once inlined, so each case is a branch-free loop) */
static inline __attribute__((always_inline)) void RhsKernel(const NaCellIO *io, const double *restrict y,
                                                            double *restrict f, const int stim)
{
  const PetscInt       n   = io->n;
  const double *const *p   = io->par;
  const double        *IP3 = y + S_IP3 * n, *Ca = y + S_CA * n, *hr = y + S_H * n;
  double              *fIP3 = f + S_IP3 * n, *fCa = f + S_CA * n, *fh = f + S_H * n;
  const double        *Ca_tot = p[P_CA_TOT], *IP3_0 = p[P_IP3_0], *Kd1 = p[P_KD_IP3_1];
  const double        *Kd2 = p[P_KD_IP3_2], *Kd_act = p[P_KD_ACT], *Kd_inh = p[P_KD_INH];
  const double        *Km = p[P_KM_SERCA], *k_IP3R = p[P_K_IP3R], *r_IP3R = p[P_RATE_IP3R];
  const double        *r_L = p[P_RATE_L], *r_SERCA = p[P_RATE_SERCA], *ratio = p[P_RATIO_ER_CYT];
  const double        *tau     = p[P_TAU_IP3];
  const double        *J_noise = io->I_stim;

  for (PetscInt i = 0; i < n; i++) {
    const double ip3 = IP3[i], h = hr[i];
    const double c       = ClampCa(Ca[i], Ca_tot[i]);
    const double alpha_h = k_IP3R[i] * Kd_inh[i] * (ip3 + Kd1[i]) / (ip3 + Kd2[i]);
    const double beta_h  = k_IP3R[i] * c;
    const double J_pump  = r_SERCA[i] * c * c / (Km[i] * Km[i] + c * c);
    const double m_inf   = ip3 / (ip3 + Kd1[i]);
    const double n_inf   = c / (c + Kd_act[i]);
    const double mnh     = m_inf * n_inf * h;
    const double c_ER    = (Ca_tot[i] - c) / ratio[i];
    const double J_leak  = ratio[i] * r_L[i] * (c_ER - c);
    const double J_chan  = ratio[i] * r_IP3R[i] * mnh * mnh * mnh * (c_ER - c);

    fIP3[i] = (IP3_0[i] - ip3) / tau[i];
    fCa[i]  = J_chan - J_pump + J_leak + (stim ? J_noise[i] : 0.0);
    fh[i]   = alpha_h * (1.0 - h) - beta_h * h;
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
  double *restrict IP3 = y + S_IP3 * n, *restrict Ca = y + S_CA * n;
  const double *restrict Ca_tot = p[P_CA_TOT], *restrict delta = p[P_DELTA_IP3], *restrict th = p[P_SIC_TH];
  const double *restrict scale = p[P_SIC_SCALE], *restrict in_ex = io->in_ex;
  double *restrict sic = io->sic;

  for (PetscInt i = 0; i < n; i++) {
    const double c = ClampCa(Ca[i], Ca_tot[i]);
    Ca[i]          = c;
    if (in_ex) IP3[i] += delta[i] * in_ex[i];
    const double c_thr = (c - th[i]) * 1000.0; /* nM above the threshold */
    if (sic) sic[i] = c_thr > 1.0 ? log(c_thr) * scale[i] : 0.0;
  }
  if (spiked)
    for (PetscInt i = 0; i < n; i++) spiked[i] = 0;
}

/* the table entry (listed in registry.c) */
PETSC_INTERN const NaCellModel NaCellModel_astrocyte_lr_1994;

const NaCellModel NaCellModel_astrocyte_lr_1994 = {
    .name         = "astrocyte_lr_1994",
    .kind         = NA_CELL_ASTROCYTE,
    .nparams      = NPARAMS,
    .params       = Params,
    .nstate       = NSTATE,
    .state        = State,
    .receives_sic = PETSC_FALSE,
    .emits_sic    = PETSC_TRUE,
    .check        = Check,
    .rhs          = Rhs,
    .update       = Update,
};
