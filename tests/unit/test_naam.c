/* The checks of models.md 1.9 for the naam model (serial). */
#include "common.h"
#include "../../src/models/naam/naam.h"

TestSuite(naam, .init = test_init, .fini = test_fini);

/* 1.9.1: the low-rank Hebbian coupling equals the explicit dense tensor */
Test(naam, hebbian_equals_dense)
{
  const char *base = "-naam_N 9 -naam_K 4 -naam_seed 3 -naam_beta 1.3 -naam_b 0.1 -naam_c -0.2 -naam_d 0.3";
  char        opts[256];
  NaModel     heb, den;
  Vec         U, Fh, Fd;
  PetscReal   Eh, Ed, oh[4], od[4];

  snprintf(opts, sizeof opts, "%s -naam_T hebbian", base);
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

/* 1.9.2: the right-hand sides are -dE/dphi, -2 dE/dg, -2 dE/dpsi (central differences in x, s, p) */
static void check_gradient(const char *opts)
{
  NaModel  m  = make_model("naam", opts);
  NAAM    *nm = m->data;
  Vec      U, F;
  PetscInt N = m->N, B = nm->B;
  double   worst = 0, scale = 0;

  TCall(NaModelCreateVector(m, &U));
  TCall(VecDuplicate(U, &F));
  fill_random(U, 11, -0.8, 0.8);
  { /* the identity holds on the symmetric states the dynamics keep: s_ij = s_ji, p_ij = p_ji */
    PetscScalar *u;
    TCall(VecGetArray(U, &u));
    for (PetscInt i = 0; i < N; i++)
      for (PetscInt j = 0; j < i; j++)
        for (PetscInt f = 0; f < 2; f++) u[i * B + 1 + f * N + j] = u[j * B + 1 + f * N + i];
    TCall(VecRestoreArray(U, &u));
  }
  TCall(NaModelRHS(m, 0, U, F));
  scale = max_abs(F);
  for (PetscInt k = 0; k < N * B; k += 1) {
    const double       h = 1e-5;
    PetscReal          Ep, Em;
    PetscScalar       *u;
    const PetscScalar *f;
    PetscInt           c = k % B; /* 0: x, 1..N: s, N+1..2N: p */
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
    if (c == 0)
      analytic = -nm->tau_n * f[k] * NaActDeriv(&nm->phi, v);
    else if (c <= N)
      analytic = -0.5 * nm->tau_s * f[k] * NaActDeriv(&nm->g, v);
    else
      analytic = -0.5 * nm->tau_p * f[k] * NaActDeriv(&nm->psi, v);
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
  const char *variants[] = {"-naam_T hebbian", "-naam_T uniform -naam_T_scale 0.01", "-naam_T dense",
                            "-naam_T hebbian -naam_psi identity",
                            "-naam_T hebbian -naam_phi identity -naam_g identity"};
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

/* 1.9.4: s and p stay symmetric (stationary and zero initial states, random cue) */
Test(naam, synapses_and_processes_stay_symmetric)
{
  const char *variants[] = {"-naam_init stationary", "-naam_init zero -naam_cue random"};
  for (int v = 0; v < 2; v++) {
    char    opts[256];
    Vec     U;
    NaModel m;
    snprintf(opts, sizeof opts, "-naam_N 25 -naam_K 3 -ts_max_time 5 %s", variants[v]);
    run_sim("naam", opts, &U, &m);
    NAAM              *nm = m->data;
    const PetscScalar *u;
    double             asym = 0, mag = max_abs(U);
    TCall(VecGetArrayRead(U, &u));
    for (PetscInt i = 0; i < 25; i++)
      for (PetscInt j = 0; j < 25; j++)
        for (int f = 0; f < 2; f++)
          asym = fmax(asym, fabs(u[i * nm->B + 1 + f * 25 + j] - u[j * nm->B + 1 + f * 25 + i]));
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
  s = run_sim("naam", "-naam_N 100 -naam_K 3 -naam_cue random -ts_max_time 20", NULL, NULL);
  cr_expect_eq(s.cued, -1);
  cr_log_info("random cue: nearest pattern %d, overlap %.3f, Hamming %d", (int)s.nearest, s.overlap_final,
              (int)s.hamming);
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
  for (PetscInt i = 0; i < N; i++) u[i * nm->B] = x[i];
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
