/* The checks of models.md 1.9 for the naam model (serial). */
#include "common.h"
#include "../../src/models/naam/naam.h"
#include "rng.h"
#include <string.h>

TestSuite(naam, .init = test_init, .fini = test_fini);

/* 1.9.1: the low-rank Hebbian coupling equals the explicit dense tensor */
Test(naam, hebbian_equals_dense)
{
  const char *base = "-naam_N 9 -naam_K 4 -naam_seed 3 -naam_beta 1.3 -naam_b 0.1 -naam_c -0.2 -naam_d 0.3";
  char        opts[256];
  NaModel     heb, den;
  Vec         U, Fh, Fd;
  PetscReal   Eh, Ed, oh[4], od[4];

  snprintf(opts, sizeof opts, "%s -naam_T hebbian -naam_storage full", base);
  heb = make_model("naam", opts);
  snprintf(opts, sizeof opts, "%s -naam_T dense", base);
  den = make_model("naam", opts);
  TCall(NaModelCreateVector(heb, &U));
  TCall(VecDuplicate(U, &Fh));
  TCall(VecDuplicate(U, &Fd));
  fill_random(U, 7, -1, 1);
  TCall(NaModelRHS(heb, 0, U, Fh));
  TCall(NaModelRHS(den, 0, U, Fd));
  cr_expect_lt(rel_diff(Fd, Fh), 1e-13, "RHS hebbian vs dense: %g", rel_diff(Fd, Fh));
  /* the coupling rows themselves */
  NAAM *h = heb->data, *d = den->data;
  for (PetscInt r = 0; r < 9; r++) {
    NaamCouplingRow(h, r, h->trow);
    NaamCouplingRow(d, r, d->trow);
    for (PetscInt j = 0; j < 9; j++)
      cr_expect(fabs(h->trow[j] - d->trow[j]) <= 1e-13 * fabs(d->trow[j]) + 1e-300, "(T psi)_%d%d: %.17g vs %.17g",
                (int)r, (int)j, h->trow[j], d->trow[j]);
  }
  TCall(NaModelObserve(heb, U, &Eh, oh));
  TCall(NaModelObserve(den, U, &Ed, od));
  cr_expect(fabs(Eh - Ed) <= 1e-13 * fabs(Ed), "energy %.17g vs %.17g", Eh, Ed);
  VecDestroy(&U), VecDestroy(&Fh), VecDestroy(&Fd);
  NaModelDestroy(&heb), NaModelDestroy(&den);
}

/* role of entry k of a serial naam state: 0 x, 1 s, 2 p; *mult: how many matrix entries it stands for (2 for an
 * off-diagonal entry in symmetric storage); *i, *j: its place in the matrices */
static int entry_role(const NAAM *nm, PetscInt k, int *mult, PetscInt *i, PetscInt *j)
{
  PetscInt r = 0;
  while (nm->rowoff[r + 1] <= k) r++;
  const PetscInt j0 = NaamRowStart(nm, r), L = nm->mem.N - j0, c = k - nm->rowoff[r];
  *i    = r;
  *j    = c == 0 ? r : j0 + (c - 1) % L;
  *mult = nm->sym && *j != *i ? 2 : 1;
  return c == 0 ? 0 : c <= L ? 1 : 2;
}

/* a full-storage state made symmetric: s_ij = s_ji, p_ij = p_ji (the states the dynamics keep) */
static void symmetrize_full(const NAAM *nm, Vec U)
{
  const PetscInt N = nm->mem.N, B = 1 + 2 * N;
  PetscScalar   *u;
  cr_assert(!nm->sym);
  TCall(VecGetArray(U, &u));
  for (PetscInt i = 0; i < N; i++)
    for (PetscInt j = 0; j < i; j++)
      for (PetscInt f = 0; f < 2; f++) u[i * B + 1 + f * N + j] = u[j * B + 1 + f * N + i];
  TCall(VecRestoreArray(U, &u));
}

/* 1.9.2: the right-hand sides are -dE/dphi, -2 dE/dg, -2 dE/dpsi (central differences in x, s, p); in symmetric
 * storage a stored off-diagonal s_ij is both s_ij and s_ji, so dE/ds_ij counts twice */
static void check_gradient(const char *opts)
{
  NaModel  m  = make_model("naam", opts);
  NAAM    *nm = m->data;
  Vec      U, F;
  PetscInt n;
  double   worst = 0, scale = 0;

  TCall(NaModelCreateVector(m, &U));
  TCall(VecDuplicate(U, &F));
  TCall(VecGetSize(U, &n));
  fill_random(U, 11, -0.8, 0.8);
  if (!nm->sym) symmetrize_full(nm, U);
  TCall(NaModelRHS(m, 0, U, F));
  scale = max_abs(F);
  for (PetscInt k = 0; k < n; k += 1) {
    const double       h = 1e-5;
    PetscReal          Ep, Em;
    PetscScalar       *u;
    const PetscScalar *f;
    int                mult;
    PetscInt           i, j;
    const int          role = entry_role(nm, k, &mult, &i, &j);
    double             v, analytic;
    TCall(VecGetArray(U, &u));
    v    = u[k];
    u[k] = v + h;
    TCall(VecRestoreArray(U, &u));
    TCall(NaModelObserve(m, U, &Ep, NULL));
    TCall(VecGetArray(U, &u));
    u[k] = v - h;
    TCall(VecRestoreArray(U, &u));
    TCall(NaModelObserve(m, U, &Em, NULL));
    TCall(VecGetArray(U, &u));
    u[k] = v;
    TCall(VecRestoreArray(U, &u));
    TCall(VecGetArrayRead(F, &f));
    if (role == 0)
      analytic = -nm->tau_n * f[k] * NaActDeriv(&nm->phi, v);
    else if (role == 1)
      analytic = -0.5 * mult * nm->tau_s * f[k] * NaActDeriv(&nm->g, v);
    else
      analytic = -0.5 * mult * nm->tau_p * f[k] * NaActDeriv(&nm->psi, v);
    TCall(VecRestoreArrayRead(F, &f));
    worst = fmax(worst, fabs((Ep - Em) / (2 * h) - analytic));
  }
  cr_expect_lt(worst / scale, 1e-6, "%s: max |dE/du - analytic| / max|F| = %g", opts, worst / scale);
  VecDestroy(&U), VecDestroy(&F);
  NaModelDestroy(&m);
}

Test(naam, rhs_is_energy_gradient)
{
  const char *common     = "-naam_N 7 -naam_K 3 -naam_beta 1.5 -naam_lambda 0.7 -naam_alpha 0.4 -naam_gamma 0.9 "
                           "-naam_tau_n 0.5 -naam_tau_s 2 -naam_tau_p 3 -naam_b 0.1 -naam_c 0.2 -naam_d -0.3";
  const char *variants[] = {"-naam_T hebbian",
                            "-naam_T hebbian -naam_storage full",
                            "-naam_T uniform -naam_T_scale 0.01",
                            "-naam_T uniform -naam_T_scale 0.01 -naam_storage full",
                            "-naam_T dense",
                            "-naam_T hebbian -naam_psi identity",
                            "-naam_T hebbian -naam_phi identity -naam_g identity",
                            "-naam_T sparse -naam_T_links 6 -naam_T_scale 0.02",
                            "-naam_T sparse -naam_T_links 6 -naam_T_scale 0.02 -naam_storage full",
                            "-naam_T sparse -naam_T_links 6 -naam_T_scale 0.02 -naam_psi identity"};
  for (size_t v = 0; v < sizeof variants / sizeof variants[0]; v++) {
    char opts[512];
    snprintf(opts, sizeof opts, "%s %s", common, variants[v]);
    check_gradient(opts);
  }
}

/* 1.9.3: energy non-increasing along an adaptive trajectory */
Test(naam, energy_nonincreasing_adaptive)
{
  NaSimSummary s =
      run_sim("naam", "-naam_N 60 -naam_K 4 -naam_cue_flip 0.3 -ts_max_time 20 -output_interval 0.05", NULL, NULL);
  double tol = 1e-12 * fmax(fabs(s.energy_initial), fabs(s.energy_final));
  cr_expect_lt(s.energy_final, s.energy_initial - 1);
  cr_expect_leq(s.max_energy_increase, tol, "energy rose by %g between samples (round-off %g)", s.max_energy_increase,
                tol);
}

/* 1.9.4: s and p stay symmetric (stationary and zero initial states, random cue; full storage, where they could
 * drift apart) */
Test(naam, synapses_and_processes_stay_symmetric)
{
  const char *variants[] = {"-naam_init stationary", "-naam_init zero -naam_cue random"};
  for (int v = 0; v < 2; v++) {
    char    opts[256];
    Vec     U;
    NaModel m;
    snprintf(opts, sizeof opts, "-naam_N 25 -naam_K 3 -ts_max_time 5 -naam_storage full %s", variants[v]);
    run_sim("naam", opts, &U, &m);
    NAAM              *nm = m->data;
    const PetscScalar *u;
    double             asym = 0, mag = max_abs(U);
    TCall(VecGetArrayRead(U, &u));
    for (PetscInt i = 0; i < 25; i++)
      for (PetscInt j = 0; j < 25; j++)
        for (int f = 0; f < 2; f++) asym = fmax(asym, fabs(u[NaamIndex(nm, i, f, j)] - u[NaamIndex(nm, j, f, i)]));
    TCall(VecRestoreArrayRead(U, &u));
    cr_expect_leq(asym, 1e-14 * mag, "%s: max |s_ij - s_ji|, |p_ij - p_ji| = %g", variants[v], asym);
    VecDestroy(&U);
    NaModelDestroy(&m);
  }
}

/* 1.9.5 (small): a corrupted cue of a stored pattern is retrieved; a random cue is the negative control */
Test(naam, retrieval_small)
{
  NaSimSummary s = run_sim("naam", "-naam_N 100 -naam_K 3 -naam_cue_flip 0.15 -ts_max_time 20", NULL, NULL);
  cr_expect_eq(s.cued, 0);
  cr_expect_eq(s.hamming, 0, "Hamming distance %d", (int)s.hamming);
  cr_expect_gt(s.overlap_final, 0.99);
  /* controls that fail if the dynamics ignored the cue: pattern 2 cued goes to pattern 2, not to 0 */
  s = run_sim("naam", "-naam_N 100 -naam_K 3 -naam_cue_pattern 2 -naam_cue_flip 0.15 -ts_max_time 20", NULL, NULL);
  cr_expect_eq(s.cued, 2);
  cr_expect_eq(s.nearest, 2, "cue pattern 2 ended nearest pattern %d", (int)s.nearest);
  cr_expect_eq(s.hamming, 0, "cue pattern 2: Hamming distance %d", (int)s.hamming);
  /* and a random cue is no stored pattern: reported as such, and its end state is not pattern 0 retrieved */
  s = run_sim("naam", "-naam_N 100 -naam_K 3 -naam_cue random -ts_max_time 20", NULL, NULL);
  cr_expect_eq(s.cued, -1);
  cr_log_info("random cue: nearest pattern %d, overlap %.3f, Hamming %d", (int)s.nearest, s.overlap_final,
              (int)s.hamming);
  cr_expect(!(s.nearest == 0 && s.overlap_final > 0.99), "a random cue ended on pattern 0 (overlap %g)",
            s.overlap_final);
}

/* 1.9.6: the stationary state built from a reduced (dam, n = 4) fixed point is a fixed point of the full model */
Test(naam, reduction_fixed_point)
{
  const PetscInt N = 40, K = 3;
  NaModel        m = make_model("naam", "-naam_N 40 -naam_K 3 -naam_alpha 0 -naam_gamma 0 -naam_lambda 1 -naam_seed 5");
  NAAM          *nm     = m->data;
  const PetscScalar *xi = nm->mem.xi;
  double             x[40], phi[40], o[3];
  Vec                U, F;

  for (PetscInt i = 0; i < N; i++) x[i] = xi[i];
  for (int it = 0; it < 200; it++) { /* x = c_T sum_mu xi^mu (xi^mu . phi)^3: a contraction near a memory */
    for (PetscInt i = 0; i < N; i++) phi[i] = tanh(nm->beta * x[i]);
    for (PetscInt mu = 0; mu < K; mu++) {
      o[mu] = 0;
      for (PetscInt i = 0; i < N; i++) o[mu] += xi[mu * N + i] * phi[i];
    }
    for (PetscInt i = 0; i < N; i++) {
      x[i] = 0;
      for (PetscInt mu = 0; mu < K; mu++) x[i] += nm->cT * xi[mu * N + i] * o[mu] * o[mu] * o[mu];
    }
  }
  TCall(NaModelCreateVector(m, &U));
  TCall(VecDuplicate(U, &F));
  PetscScalar *u;
  TCall(VecGetArray(U, &u));
  for (PetscInt i = 0; i < N; i++) u[nm->rowoff[i]] = x[i];
  TCall(VecRestoreArray(U, &u));
  TCall(NaModelNAAMSetStationary(m, U));
  TCall(NaModelRHS(m, 0, U, F));
  cr_expect_lt(max_abs(F), 1e-9, "max |RHS| at the reduced fixed point = %g", max_abs(F));
  /* control: away from the fixed point the right-hand side is not small */
  TCall(VecGetArray(U, &u));
  u[0] += 0.5;
  TCall(VecRestoreArray(U, &u));
  TCall(NaModelRHS(m, 0, U, F));
  cr_expect_gt(max_abs(F), 1e-3);
  VecDestroy(&U), VecDestroy(&F);
  NaModelDestroy(&m);
}

/* stable log cosh against libm where libm does not overflow */
Test(naam, logcosh_matches_libm)
{
  for (double a = -30; a <= 30; a += 0.37)
    cr_expect(fabs(NaLogCosh(a) - log(cosh(a))) <= 1e-14 * fmax(1, fabs(a)), "a = %g", a);
  cr_expect(fabs(NaLogCosh(800) - (800 - log(2.0))) < 1e-12);
}

/* symmetric storage: value of entry (i, j) of s (f = 0) or p (f = 1), or x_i (f = -1), of any serial naam state */
static double entry(const NAAM *nm, const PetscScalar *u, int f, PetscInt i, PetscInt j)
{
  if (f < 0) return u[nm->rowoff[i]];
  if (nm->sym && j < i) {
    PetscInt t = i;
    i = j, j = t;
  }
  return u[NaamIndex(nm, i, f, j)];
}

/* largest difference between two states of the same network in different storages, relative to the largest entry */
static double storage_diff(const NAAM *a, Vec Ua, const NAAM *b, Vec Ub)
{
  const PetscInt     N = a->mem.N;
  const PetscScalar *ua, *ub;
  double             d = 0, mag = 0;
  TCall(VecGetArrayRead(Ua, &ua));
  TCall(VecGetArrayRead(Ub, &ub));
  for (int f = -1; f < 2; f++)
    for (PetscInt i = 0; i < N; i++)
      for (PetscInt j = 0; j < (f < 0 ? 1 : N); j++) {
        d   = fmax(d, fabs(entry(a, ua, f, i, j) - entry(b, ub, f, i, j)));
        mag = fmax(mag, fabs(entry(b, ub, f, i, j)));
      }
  TCall(VecRestoreArrayRead(Ua, &ua));
  TCall(VecRestoreArrayRead(Ub, &ub));
  return d / mag;
}

/* issue 3: symmetric (i <= j) storage and the full path give the same right-hand side and energy to round-off,
 * for each coupling and activation that symmetric storage supports */
Test(naam, symmetric_storage_equals_full)
{
  const char *common     = "-naam_N 23 -naam_K 4 -naam_seed 2 -naam_beta 1.7 -naam_lambda 0.7 -naam_alpha 0.4 "
                           "-naam_gamma 0.9 -naam_tau_s 2 -naam_b 0.1 -naam_c 0.2 -naam_d -0.3";
  const char *variants[] = {"-naam_T hebbian", "-naam_T uniform -naam_T_scale 0.01",
                            "-naam_T hebbian -naam_psi identity -naam_g identity",
                            "-naam_T sparse -naam_T_links 30 -naam_T_scale 0.001"};
  for (size_t v = 0; v < sizeof variants / sizeof variants[0]; v++) {
    char    opts[512];
    NaModel ms, mf;
    Vec     Us, Uf, Fs, Ff;
    snprintf(opts, sizeof opts, "%s %s -naam_sym_block 5", common, variants[v]);
    ms = make_model("naam", opts);
    snprintf(opts, sizeof opts, "%s %s -naam_storage full", common, variants[v]);
    mf       = make_model("naam", opts);
    NAAM *ns = ms->data, *nf = mf->data;
    cr_assert(ns->sym && !nf->sym);
    TCall(NaModelCreateVector(ms, &Us));
    TCall(NaModelCreateVector(mf, &Uf));
    TCall(VecDuplicate(Us, &Fs));
    TCall(VecDuplicate(Uf, &Ff));
    PetscInt ns_len, nf_len;
    TCall(VecGetSize(Us, &ns_len));
    TCall(VecGetSize(Uf, &nf_len));
    cr_expect_eq(ns_len, 23 + 23 * 24, "symmetric state length %d", (int)ns_len);
    cr_expect_eq(nf_len, 23 + 2 * 23 * 23, "full state length %d", (int)nf_len);
    /* the same symmetric state in both layouts */
    fill_random(Uf, 5, -0.8, 0.8);
    symmetrize_full(nf, Uf);
    {
      const PetscScalar *uf;
      PetscScalar       *us;
      TCall(VecGetArrayRead(Uf, &uf));
      TCall(VecGetArray(Us, &us));
      for (PetscInt i = 0; i < 23; i++) {
        us[ns->rowoff[i]] = entry(nf, uf, -1, i, i);
        for (int f = 0; f < 2; f++)
          for (PetscInt j = i; j < 23; j++) us[NaamIndex(ns, i, f, j)] = entry(nf, uf, f, i, j);
      }
      TCall(VecRestoreArrayRead(Uf, &uf));
      TCall(VecRestoreArray(Us, &us));
    }
    cr_expect_eq(storage_diff(ns, Us, nf, Uf), 0, "%s: the two layouts hold different states", variants[v]);
    TCall(NaModelRHS(ms, 0, Us, Fs));
    TCall(NaModelRHS(mf, 0, Uf, Ff));
    double d = storage_diff(ns, Fs, nf, Ff);
    cr_expect_lt(d, 1e-13, "%s: RHS symmetric vs full, max difference / max = %g", variants[v], d);
    cr_expect_gt(max_abs(Ff), 1e-3);
    PetscReal Es, Ef, os[4], of[4];
    TCall(NaModelObserve(ms, Us, &Es, os));
    TCall(NaModelObserve(mf, Uf, &Ef, of));
    cr_expect(fabs(Es - Ef) <= 1e-13 * fabs(Ef), "%s: energy %.17g vs %.17g", variants[v], Es, Ef);
    for (int mu = 0; mu < 4; mu++) cr_expect_eq(os[mu], of[mu], "overlap %d", mu);
    VecDestroy(&Us), VecDestroy(&Uf), VecDestroy(&Fs), VecDestroy(&Ff);
    NaModelDestroy(&ms), NaModelDestroy(&mf);
  }
}

/* ... and along a whole adaptive retrieval the two storages end in the same state (to the stepper's round-off) */
Test(naam, symmetric_storage_trajectory_equals_full)
{
  const char *opts = "-naam_N 60 -naam_K 4 -naam_cue_flip 0.3 -ts_max_time 10";
  char        o[256];
  Vec         Us, Uf;
  NaModel     ms, mf;
  snprintf(o, sizeof o, "%s -naam_storage symmetric", opts);
  NaSimSummary a = run_sim("naam", o, &Us, &ms);
  snprintf(o, sizeof o, "%s -naam_storage full", opts);
  NaSimSummary b = run_sim("naam", o, &Uf, &mf);
  double       d = storage_diff(ms->data, Us, mf->data, Uf);
  cr_expect_lt(d, 1e-9, "final states differ by %g (relative to the largest entry)", d);
  cr_expect_eq(a.hamming, b.hamming);
  cr_expect(fabs(a.energy_final - b.energy_final) <= 1e-9 * fabs(b.energy_final), "energy %.17g vs %.17g",
            a.energy_final, b.energy_final);
  cr_log_info("storage: final-state difference %g, steps %d vs %d", d, (int)a.steps, (int)b.steps);
  VecDestroy(&Us), VecDestroy(&Uf);
  NaModelDestroy(&ms), NaModelDestroy(&mf);
}

/* The Hebbian coupling comes from one table of its 2^K values (K <= 16), otherwise from the direct sum over the
 * patterns: both must give exactly (bitwise) the direct sum a_mu xi^mu_j added in pattern order. */
Test(naam, hebbian_table_equals_direct_sum)
{
  const PetscInt N = 200, Ks[2] = {9, 17}; /* 9: the table; 17: too many patterns for one, the direct sum */

  for (int t = 0; t < 2; t++) {
    const PetscInt K = Ks[t];
    char           opts[128];
    Vec            U, F;

    snprintf(opts, sizeof opts, "-naam_N %d -naam_K %d -naam_seed 4", (int)N, (int)K);
    NaModel m  = make_model("naam", opts);
    NAAM   *nm = m->data;
    cr_expect((nm->colcode != NULL) == (K <= 16), "K = %d: table %s", (int)K, nm->colcode ? "built" : "absent");
    TCall(NaModelCreateVector(m, &U));
    TCall(VecDuplicate(U, &F));
    fill_random(U, 3, -0.5, 0.5);
    TCall(NaModelRHS(m, 0, U, F)); /* sets the pattern overlaps q_mu */
    for (PetscInt r = 0; r < N; r++) {
      const PetscInt j0 = NaamRowStart(nm, r);
      NaamCouplingRow(nm, r, nm->trow);
      for (PetscInt j = j0; j < N; j++) {
        double acc = 0;
        for (PetscInt mu = 0; mu < K; mu++)
          acc += nm->cT * nm->coup[mu] * nm->mem.xi[mu * N + r] * nm->mem.xi[mu * N + j];
        cr_expect_eq(nm->trow[j - j0], acc, "K = %d, (T psi)_%d%d: %.17g vs %.17g", (int)K, (int)r, (int)j,
                     nm->trow[j - j0], acc);
      }
    }
    VecDestroy(&U), VecDestroy(&F);
    NaModelDestroy(&m);
  }
}

/* -naam_T sparse. The link rule of docs/models.md, written here from the document and not from naam.c: processes
 * number the pairs {i, j}, i <= j, row by row; a != b are linked when U < q for the pair (min, max) = (a, b),
 * U = (h >> 11) 2^-53, h = NaMix64(NaMix64(NaMix64(NaMix64(seed) ^ 3) ^ a) ^ b); every process is linked to itself. */
static int sparse_linked(PetscInt seed, PetscInt a, PetscInt b, double q)
{
  if (a == b) return 1;
  if (a > b) {
    PetscInt t = a;
    a = b, b = t;
  }
  const uint64_t h = NaMix64(NaMix64(NaMix64(NaMix64((uint64_t)seed) ^ 3) ^ (uint64_t)a) ^ (uint64_t)b);
  return (double)(h >> 11) * 0x1.0p-53 < q;
}

#define SPARSE_MAXN 24

/* the explicit tensor T_ijkl for ordered pairs, N <= SPARSE_MAXN, of the sparse coupling (links masked) or, with
 * q < 0, of the Hebbian one; returns the number of linked ordered process pairs a != b */
static long sparse_tensor(const NAAM *nm, double q, double *T)
{
  const PetscInt     N = nm->mem.N, K = nm->mem.K;
  const PetscScalar *xi = nm->mem.xi;
  PetscInt           proc[SPARSE_MAXN][SPARSE_MAXN], P = 0;
  long               pairs = 0;
  for (PetscInt i = 0; i < N; i++)
    for (PetscInt j = i; j < N; j++) proc[i][j] = proc[j][i] = P++;
  for (PetscInt a = 0; a < P; a++)
    for (PetscInt b = 0; b < P; b++) pairs += a != b && sparse_linked(nm->mem.seed, a, b, q);
  for (PetscInt i = 0; i < N; i++)
    for (PetscInt j = 0; j < N; j++)
      for (PetscInt k = 0; k < N; k++)
        for (PetscInt l = 0; l < N; l++) {
          double t = 0;
          for (PetscInt mu = 0; mu < K; mu++) t += xi[mu * N + i] * xi[mu * N + j] * xi[mu * N + k] * xi[mu * N + l];
          if (q >= 0 && !sparse_linked(nm->mem.seed, proc[i][j], proc[k][l], q)) t = 0;
          T[((i * N + j) * N + k) * N + l] = nm->cT * t;
        }
  return pairs;
}

/* psi(p_ij) of a serial state, every ordered (i, j) */
static void psi_matrix(const NAAM *nm, Vec U, double *psi)
{
  const PetscInt     N = nm->mem.N;
  const PetscScalar *u;
  TCall(VecGetArrayRead(U, &u));
  for (PetscInt i = 0; i < N; i++)
    for (PetscInt j = 0; j < N; j++) psi[i * N + j] = NaActEval(&nm->psi, entry(nm, u, 1, i, j));
  TCall(VecRestoreArrayRead(U, &u));
}

/* with r >= P - 1 every process is linked to every other: the sparse coupling is the Hebbian one (right-hand side,
 * coupling rows, energy and the stationary initial state), in both storages; r = P - 1 exactly is the boundary */
Test(naam, sparse_all_linked_equals_hebbian)
{
  const char *cases[]    = {"-naam_N 7 -naam_K 3 -naam_T_links 27", "-naam_N 10 -naam_K 4 -naam_T_links 100000"};
  const char *storages[] = {"", "-naam_storage full"};
  for (int c = 0; c < 2; c++)
    for (int st = 0; st < 2; st++) {
      char      opts[512], base[256];
      NaModel   sp, hb;
      Vec       U, Fs, Fh, Us, Uh;
      PetscReal Es, Eh;
      snprintf(base, sizeof base, "-naam_seed 3 -naam_beta 1.3 -naam_d 0.3 -naam_T_scale 0.01 %s", storages[st]);
      snprintf(opts, sizeof opts, "%s %.*s -naam_T hebbian", base, (int)(strstr(cases[c], " -naam_T_links") - cases[c]),
               cases[c]);
      hb = make_model("naam", opts);
      snprintf(opts, sizeof opts, "%s %s -naam_T sparse", base, cases[c]);
      sp               = make_model("naam", opts);
      NAAM          *s = sp->data, *h = hb->data;
      const PetscInt N = s->mem.N, P = N * (N + 1) / 2;
      cr_assert_eq(s->sym, h->sym);
      cr_expect_eq(s->linkq, 1, "%s: q = %g", opts, s->linkq);
      cr_expect_eq(s->partners, (PetscInt64)P * (P - 1), "%s: %lld linked pairs", opts, (long long)s->partners);
      TCall(NaModelCreateVector(sp, &U));
      TCall(VecDuplicate(U, &Fs));
      TCall(VecDuplicate(U, &Fh));
      fill_random(U, 9, -1, 1);
      TCall(NaModelRHS(sp, 0, U, Fs));
      TCall(NaModelRHS(hb, 0, U, Fh));
      cr_expect_lt(rel_diff(Fh, Fs), 1e-13, "%s: RHS sparse vs hebbian %g", opts, rel_diff(Fh, Fs));
      double worst = 0, mag = 0;
      for (PetscInt r = 0; r < N; r++) {
        NaamCouplingRow(s, r, s->trow);
        NaamCouplingRow(h, r, h->trow);
        for (PetscInt j = NaamRowStart(s, r); j < N; j++) {
          worst = fmax(worst, fabs(s->trow[j - NaamRowStart(s, r)] - h->trow[j - NaamRowStart(s, r)]));
          mag   = fmax(mag, fabs(h->trow[j - NaamRowStart(s, r)]));
        }
      }
      cr_expect(worst <= 1e-13 * mag && mag > 0, "%s: coupling rows differ by %g of %g", opts, worst, mag);
      TCall(NaModelObserve(sp, U, &Es, NULL));
      TCall(NaModelObserve(hb, U, &Eh, NULL));
      cr_expect(fabs(Es - Eh) <= 1e-13 * fabs(Eh), "%s: energy %.17g vs %.17g", opts, Es, Eh);
      TCall(VecDuplicate(U, &Us));
      TCall(VecDuplicate(U, &Uh));
      TCall(VecCopy(U, Us));
      TCall(VecCopy(U, Uh));
      TCall(NaModelNAAMSetStationary(sp, Us));
      TCall(NaModelNAAMSetStationary(hb, Uh));
      cr_expect_lt(rel_diff(Uh, Us), 1e-13, "%s: stationary state sparse vs hebbian %g", opts, rel_diff(Uh, Us));
      VecDestroy(&U), VecDestroy(&Fs), VecDestroy(&Fh), VecDestroy(&Us), VecDestroy(&Uh);
      NaModelDestroy(&sp), NaModelDestroy(&hb);
    }
}

/* with a few links the sparse coupling is the explicit tensor with the unlinked entries masked, built here from the
 * documented rule: coupling rows, the process right-hand sides and the energy, in both storages (full storage from
 * a state that is not symmetric, so that psi_kl and psi_lk are separate terms) */
Test(naam, sparse_equals_masked_tensor)
{
  const struct {
    const char *opts;
    int         r;
  } cases[] = {{"-naam_N 6 -naam_K 3 -naam_seed 5", 4},
               {"-naam_N 9 -naam_K 5 -naam_seed 11", 7},
               {"-naam_N 9 -naam_K 5 -naam_seed 11 -naam_storage full", 7},
               {"-naam_N 8 -naam_K 2 -naam_seed 2 -naam_storage full", 3},
               /* P = 300: more processes than one chunk of naam.c's link scan (256) */
               {"-naam_N 24 -naam_K 3 -naam_seed 7", 20}};
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    char optsh[512], opts[600];
    snprintf(optsh, sizeof optsh, "%s -naam_beta 1.2 -naam_gamma 0.7 -naam_tau_p 2 -naam_d 0.1 -naam_T_scale 0.05",
             cases[c].opts);
    snprintf(opts, sizeof opts, "%s -naam_T sparse -naam_T_links %d", optsh, cases[c].r);
    strcat(optsh, " -naam_T hebbian");
    NaModel        sp = make_model("naam", opts), hb = make_model("naam", optsh);
    NAAM          *nm = sp->data;
    const PetscInt N = nm->mem.N, P = N * (N + 1) / 2;
    const double   q = (double)cases[c].r / (double)(P - 1);
    double        *T = malloc(sizeof(double) * N * N * N * N), *Th = malloc(sizeof(double) * N * N * N * N);
    double         psi[SPARSE_MAXN * SPARSE_MAXN], tpsi[SPARSE_MAXN * SPARSE_MAXN];
    const long     pairs = sparse_tensor(nm, q, T);
    Vec            U, F;
    sparse_tensor(nm, -1, Th);
    cr_expect(pairs > 0 && pairs < (long)P * (P - 1), "%s: %ld linked pairs of %ld", opts, pairs, (long)P * (P - 1));
    cr_expect_eq(nm->partners, pairs, "%s: %lld linked pairs, the rule gives %ld", opts, (long long)nm->partners,
                 pairs);
    cr_expect_eq(nm->linkq, q);
    TCall(NaModelCreateVector(sp, &U));
    TCall(VecDuplicate(U, &F));
    fill_random(U, 13, -1, 1);
    psi_matrix(nm, U, psi);
    double Eref = 0, Ehref = 0, mag = 0, worst = 0, fworst = 0;
    for (PetscInt ij = 0; ij < N * N; ij++) {
      tpsi[ij] = 0;
      for (PetscInt kl = 0; kl < N * N; kl++) {
        tpsi[ij] += T[ij * N * N + kl] * psi[kl];
        Eref -= 0.25 * psi[ij] * T[ij * N * N + kl] * psi[kl];
        Ehref -= 0.25 * psi[ij] * Th[ij * N * N + kl] * psi[kl];
      }
      mag = fmax(mag, fabs(tpsi[ij]));
    }
    TCall(NaModelRHS(sp, 0, U, F));
    const PetscScalar *u, *f;
    TCall(VecGetArrayRead(U, &u));
    TCall(VecGetArrayRead(F, &f));
    for (PetscInt i = 0; i < N; i++) {
      const PetscInt j0 = NaamRowStart(nm, i);
      NaamCouplingRow(nm, i, nm->trow);
      for (PetscInt j = j0; j < N; j++) {
        const PetscInt k = NaamIndex(nm, i, 1, j);
        const double   fp =
            (-nm->gamma * u[k] + tpsi[i * N + j] + NaActEval(&nm->g, u[NaamIndex(nm, i, 0, j)]) + nm->d) / nm->tau_p;
        worst  = fmax(worst, fabs(nm->trow[j - j0] - tpsi[i * N + j]));
        fworst = fmax(fworst, fabs(f[k] - fp) / (fabs(fp) + 1e-300));
      }
    }
    TCall(VecRestoreArrayRead(U, &u));
    TCall(VecRestoreArrayRead(F, &f));
    cr_expect(worst <= 1e-13 * mag && mag > 0, "%s: (T psi) differs from the masked tensor by %g of %g", opts, worst,
              mag);
    cr_expect_lt(fworst, 1e-13, "%s: process right-hand sides differ from the reference by %g (relative)", opts,
                 fworst);
    /* the energy: sparse minus Hebbian on the same state is the difference of the two tensors' T terms */
    PetscReal Es, Eh;
    TCall(NaModelObserve(sp, U, &Es, NULL));
    TCall(NaModelObserve(hb, U, &Eh, NULL));
    cr_expect(fabs((Es - Eh) - (Eref - Ehref)) <= 1e-12 * fmax(fabs(Es), fabs(Eh)) && fabs(Eref - Ehref) > 1e-6,
              "%s: energy sparse - hebbian %.17g, tensors %.17g", opts, Es - Eh, Eref - Ehref);
    free(T), free(Th);
    VecDestroy(&U), VecDestroy(&F);
    NaModelDestroy(&sp), NaModelDestroy(&hb);
  }
}
