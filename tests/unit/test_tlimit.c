/* The transformer limit of the naam model (models.md 1.7; [KSK] App. C, its equation numbers), run by nastro
 * (-naam_f transformer) and checked against references computed here:
 *   (1) sum p is conserved and the processes synchronise at rate N M / tau_p (closed form: every p_ij - p*
 *       decays as exp(-N M t / tau_p), so the spread max p - min p does too; the rate is fitted to the recorded
 *       spread);
 *   (2) s_ij -> c_ij / p*, p* = sum p(0) / (N M) (eq. 22, 23), and x_i -> sum_j c_ij I_j / p* (eq. 25);
 *   (3) with c, p(0), I built from keys, values and a query as in eq. 27, 28, the read-out x equals linear
 *       attention with the positive random features of the attention model (computed directly here with the same
 *       features), and equals the attention circuit's own discrete read-out. */
#include "common.h"
#include "../../src/models/naam/naam.h"
#include "../../src/models/attention/attention.h"
#include <math.h>

TestSuite(tlimit, .init = test_init, .fini = test_fini);

/* reproducible numbers in [lo, hi) */
static double uniform(unsigned long long *s, double lo, double hi)
{
  *s ^= *s << 13, *s ^= *s >> 7, *s ^= *s << 17;
  return lo + (hi - lo) * (double)(*s >> 11) * 0x1.0p-53;
}

static void write_dataset(hid_t f, const char *name, int rank, const hsize_t *dims, const double *data)
{
  hid_t space = H5Screate_simple(rank, dims, NULL);
  hid_t dset  = H5Dcreate2(f, name, H5T_NATIVE_DOUBLE, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  cr_assert(dset >= 0);
  cr_assert(H5Dwrite(dset, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) >= 0);
  H5Dclose(dset);
  H5Sclose(space);
}

/* the -naam_input file: c, p0 [N][M], I [M] */
static void write_input(const char *path, PetscInt N, PetscInt M, const double *c, const double *p0,
                        const double *rates)
{
  hsize_t dims[2] = {(hsize_t)N, (hsize_t)M};
  hid_t   f       = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  cr_assert(f >= 0, "cannot create %s", path);
  write_dataset(f, "c", 2, dims, c);
  write_dataset(f, "p0", 2, dims, p0);
  write_dataset(f, "I", 1, dims + 1, rates);
  H5Fclose(f);
}

/* a 1-d dataset of an output file; returns its length (at most n values read) */
static hsize_t read_series(const char *path, const char *name, double *out, hsize_t n)
{
  hid_t   f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT), d, s;
  hsize_t len;
  cr_assert(f >= 0, "cannot open %s", path);
  d = H5Dopen2(f, name, H5P_DEFAULT);
  cr_assert(d >= 0, "no dataset %s in %s", name, path);
  s = H5Dget_space(d);
  H5Sget_simple_extent_dims(s, &len, NULL);
  cr_assert(len <= n, "%s: %llu values, room for %llu", name, (unsigned long long)len, (unsigned long long)n);
  cr_assert(H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, out) >= 0);
  H5Sclose(s);
  H5Dclose(d);
  H5Fclose(f);
  return len;
}

/* runs naam in-process with the options, output to out (kept); the final state and the model are returned */
static void run_transformer(const char *opts, const char *out, Vec *Uout, NaModel *mout)
{
  NaSim sim;
  Vec   U;
  char  all[1024];
  snprintf(all, sizeof all, "%s -quiet -o %s", opts, out);
  *mout = make_model("naam", all);
  TCall(NaSimCreate(PETSC_COMM_WORLD, &sim));
  TCall(NaSimSetModel(sim, *mout));
  TCall(NaSimSetFromOptions(sim));
  TCall(NaSimRun(sim));
  TCall(NaSimGetSolution(sim, &U));
  TCall(VecDuplicate(U, Uout));
  TCall(VecCopy(U, *Uout));
  TCall(NaSimDestroy(&sim));
}

/* value of x (f = -1), s (f = 0) or p (f = 1) at (i, j) of a serial transformer-layout state */
static double state(const NAAM *nm, const PetscScalar *u, int f, PetscInt i, PetscInt j)
{
  return f < 0 ? u[nm->rowoff[i]] : u[NaamIndex(nm, i, f, j)];
}

#define TN 5
#define TM 7

/* random c in [-1, 1), p0 in [0.2, 2.2) (p* near 1.2: not 1, so that s -> c / p* differs from s -> c) and I */
static void random_input(const char *path, double *c, double *p0, double *rates, double *pstar)
{
  unsigned long long s   = 0x9E3779B97F4A7C15ULL;
  double             sum = 0;
  for (int k = 0; k < TN * TM; k++) c[k] = uniform(&s, -1, 1);
  for (int k = 0; k < TN * TM; k++) sum += p0[k] = uniform(&s, 0.2, 2.2);
  for (int j = 0; j < TM; j++) rates[j] = uniform(&s, -1, 1);
  *pstar = sum / (TN * TM);
  write_input(path, TN, TM, c, p0, rates);
}

/* (1): sum p conserved to round-off (an explicit Runge-Kutta step keeps linear invariants); the spread of p
 * decays as exp(-N M t / tau_p) (least-squares fit of its logarithm over the samples), and every process
 * follows the closed form p* + (p_ij(0) - p*) exp(-N M t / tau_p) */
Test(tlimit, conservation_and_synchrony_rate)
{
  const double tau_p = 10, T = 4, rate = TN * TM / tau_p; /* spread 1.9 -> 1.6e-6 */
  double       c[TN * TM], p0[TN * TM], rates[TM], pstar, sum0 = 0, t[128], sp[128], ps[128];
  char         in[64], out[64], opts[512];
  NaModel      m;
  Vec          U;

  snprintf(in, sizeof in, "/tmp/nastro-tlimit-in-%d.h5", (int)getpid());
  snprintf(out, sizeof out, "/tmp/nastro-tlimit-out-%d.h5", (int)getpid());
  random_input(in, c, p0, rates, &pstar);
  for (int k = 0; k < TN * TM; k++) sum0 += p0[k];
  snprintf(opts, sizeof opts,
           "-naam_f transformer -naam_input %s -naam_tau_p %g -ts_type rk -ts_rtol 1e-10 -ts_atol 1e-12 -ts_max_time "
           "%g -output_interval 0.05",
           in, tau_p, T);
  run_transformer(opts, out, &U, &m);
  NAAM *nm = m->data;
  cr_assert(nm->tl && nm->tl->appc && nm->tl->M == TM && m->N == TN);
  cr_expect_eq(nm->gamma, TN * TM, "gamma defaults to N M = %d: %g", TN * TM, nm->gamma);
  hsize_t n = read_series(out, "time", t, 128);
  cr_assert_eq(read_series(out, "p_spread", sp, 128), n);
  cr_assert_eq(read_series(out, "p_sum", ps, 128), n);
  cr_assert_gt(n, 50);

  double dsum = 0;
  for (hsize_t k = 0; k < n; k++) dsum = fmax(dsum, fabs(ps[k] - sum0) / sum0);
  cr_log_info("(1) sum p: largest relative change over %d samples %.3g", (int)n, dsum);
  cr_expect_lt(dsum, 1e-13, "sum p not conserved: relative change %g", dsum);

  double st = 0, sy = 0, stt = 0, sty = 0;
  for (hsize_t k = 0; k < n; k++) {
    double y = log(sp[k]);
    st += t[k], sy += y, stt += t[k] * t[k], sty += t[k] * y;
  }
  double slope = (n * sty - st * sy) / (n * stt - st * st), err = fabs(-slope - rate) / rate;
  cr_log_info("(1) spread %.4g -> %.4g; fitted rate %.12g, N M / tau_p = %g, relative error %.3g", sp[0], sp[n - 1],
              -slope, rate, err);
  cr_expect_lt(err, 1e-6, "synchrony rate %.12g, expected N M / tau_p = %g (relative error %g)", -slope, rate, err);

  const PetscScalar *u;
  double             worst = 0, e = exp(-rate * T);
  TCall(VecGetArrayRead(U, &u));
  for (PetscInt i = 0; i < TN; i++)
    for (PetscInt j = 0; j < TM; j++) {
      double dev = state(nm, u, 1, i, j) - pstar, ref = (p0[i * TM + j] - pstar) * e;
      worst = fmax(worst, fabs(dev - ref) / (sp[0] * e));
    }
  TCall(VecRestoreArrayRead(U, &u));
  cr_log_info("(1) p_ij(T) - p* against (p_ij(0) - p*) exp(-N M T / tau_p): error / spread(T) %.3g", worst);
  cr_expect_lt(worst, 1e-5, "p_ij(T) - p* differs from the closed form by %g of the spread", worst);
  VecDestroy(&U);
  NaModelDestroy(&m);
  unlink(in);
  unlink(out);
}

/* (2): s_ij -> c_ij / p* (eq. 23) and x_i -> sum_j c_ij I_j / p* (eq. 25), p* = sum p(0) / (N M) from the input */
Test(tlimit, synapses_and_neurons_reach_the_fixed_point)
{
  double  c[TN * TM], p0[TN * TM], rates[TM], pstar;
  char    in[64], out[64], opts[512];
  NaModel m;
  Vec     U;

  snprintf(in, sizeof in, "/tmp/nastro-tlimit-in-%d.h5", (int)getpid());
  snprintf(out, sizeof out, "/tmp/nastro-tlimit-out-%d.h5", (int)getpid());
  random_input(in, c, p0, rates, &pstar);
  snprintf(opts, sizeof opts,
           "-naam_f transformer -naam_input %s -ts_type rk -ts_rtol 1e-10 -ts_atol 1e-12 -ts_max_time 40", in);
  run_transformer(opts, out, &U, &m);
  NAAM              *nm = m->data;
  const PetscScalar *u;
  double             es = 0, ms = 0, ex = 0, mx = 0;
  TCall(VecGetArrayRead(U, &u));
  for (PetscInt i = 0; i < TN; i++) {
    double xs = 0;
    for (PetscInt j = 0; j < TM; j++) {
      es = fmax(es, fabs(state(nm, u, 0, i, j) - c[i * TM + j] / pstar));
      ms = fmax(ms, fabs(c[i * TM + j] / pstar));
      xs += c[i * TM + j] * rates[j] / pstar;
    }
    ex = fmax(ex, fabs(state(nm, u, -1, i, 0) - xs));
    mx = fmax(mx, fabs(xs));
  }
  TCall(VecRestoreArrayRead(U, &u));
  cr_log_info("(2) p* = %.12g; max|s - c/p*| / max|c/p*| = %.3g; max|x - x*| / max|x*| = %.3g", pstar, es / ms,
              ex / mx);
  cr_expect_lt(es / ms, 1e-9, "s vs c / p*: %g", es / ms);
  cr_expect_lt(ex / mx, 1e-9, "x vs sum_j c_ij I_j / p*: %g", ex / mx);
  VecDestroy(&U);
  NaModelDestroy(&m);
  unlink(in);
  unlink(out);
}

/* (3): keys, values, queries and W from the attention model; c_ij = (1/M) sum_b V_bi K~_bj (eq. 27) and, for
 * query mu, I_j = Q~_muj, p_ij(0) = Q~_muj sum_s K~_sj (eq. 28). The read-out x(T) equals
 * A_mui = sum_j (sum_b V_bi K~_bj) Q~_muj / sum_j Q~_muj sum_s K~_sj (linear attention with the positive random
 * features phi(u) = M^-1/2 exp(W u - |u|^2/2)), computed directly; it also equals the attention circuit's discrete
 * read-out y_mu, and M p(T) its astrocyte calcium a_mu */
Test(tlimit, readout_is_random_feature_linear_attention)
{
  const PetscInt   mus[3] = {0, 3, 6};
  NaModel          att    = make_model("attention", "-attention_form discrete -attention_m 24 -attention_L 7 "
                                                                "-attention_d_head 4 -attention_dv 5 -attention_seed 3");
  PetscInt         H, L, D, dv, M;
  int64_t          fseed;
  const PetscReal *q, *k, *v, *ya, *aa;
  TCall(NaAttentionGetInputs(att, &H, &L, &D, &dv, &M, &fseed, &q, &k, &v));
  TCall(NaAttentionGetDiscrete(att, &aa, &ya));
  cr_assert(H == 1 && L == 7 && dv == 5 && M == 24);
  const PetscInt N = dv;
  double *fk = malloc(sizeof(double) * L * M), *fq = malloc(sizeof(double) * M), *ksum = calloc(M, sizeof(double));
  double *c = calloc(N * M, sizeof(double)), *p0 = malloc(sizeof(double) * N * M), A[5];
  for (PetscInt b = 0; b < L; b++) TCall(NaAttentionFeatures(fseed, 0, M, 0, M, D, k + b * D, fk + b * M));
  for (PetscInt b = 0; b < L; b++)
    for (PetscInt j = 0; j < M; j++) {
      ksum[j] += fk[b * M + j];
      for (PetscInt i = 0; i < N; i++) c[i * M + j] += v[b * dv + i] * fk[b * M + j] / M; /* eq. 27 */
    }
  char in[64], out[64], opts[512];
  snprintf(in, sizeof in, "/tmp/nastro-tlimit-in-%d.h5", (int)getpid());
  snprintf(out, sizeof out, "/tmp/nastro-tlimit-out-%d.h5", (int)getpid());
  for (int t = 0; t < 3; t++) {
    const PetscInt mu = mus[t];
    TCall(NaAttentionFeatures(fseed, 0, M, 0, M, D, q + mu * D, fq));
    for (PetscInt i = 0; i < N; i++)
      for (PetscInt j = 0; j < M; j++) p0[i * M + j] = fq[j] * ksum[j]; /* eq. 28 */
    write_input(in, N, M, c, p0, fq);
    /* the reference: linear attention with these features, summed as in App. C's eq. 26 */
    double den = 0;
    for (PetscInt j = 0; j < M; j++) den += fq[j] * ksum[j];
    for (PetscInt i = 0; i < N; i++) {
      double num = 0;
      for (PetscInt j = 0; j < M; j++) {
        double vk = 0;
        for (PetscInt b = 0; b < L; b++) vk += v[b * dv + i] * fk[b * M + j];
        num += vk * fq[j];
      }
      A[i] = num / den;
    }
    snprintf(opts, sizeof opts,
             "-naam_f transformer -naam_input %s -naam_tau_s 0.1 -naam_tau_n 0.1 -ts_type rk -ts_rtol 1e-10 "
             "-ts_atol 1e-12 -ts_max_time 20",
             in);
    NaModel m;
    Vec     U;
    run_transformer(opts, out, &U, &m);
    NAAM              *nm = m->data;
    const PetscScalar *u;
    double             eA = 0, eY = 0, mA = 0, psum = 0;
    TCall(VecGetArrayRead(U, &u));
    for (PetscInt i = 0; i < N; i++) {
      const double x = state(nm, u, -1, i, 0);
      eA             = fmax(eA, fabs(x - A[i]));
      eY             = fmax(eY, fabs(x - ya[mu * dv + i]));
      mA             = fmax(mA, fabs(A[i]));
      for (PetscInt j = 0; j < M; j++) psum += state(nm, u, 1, i, j);
    }
    TCall(VecRestoreArrayRead(U, &u));
    const double ea = fabs(M * psum / (N * M) - aa[mu]) / aa[mu];
    cr_log_info("(3) query %d: max|x - A| / max|A| = %.3g, vs the attention circuit's y %.3g, M p(T) vs its calcium "
                "a %.3g",
                (int)mu, eA / mA, eY / mA, ea);
    cr_expect_lt(eA / mA, 1e-9, "query %d: read-out vs random-feature linear attention %g", (int)mu, eA / mA);
    cr_expect_lt(eY / mA, 1e-9, "query %d: read-out vs the attention circuit's y %g", (int)mu, eY / mA);
    cr_expect_lt(ea, 1e-9, "query %d: M p(T) vs the attention circuit's calcium %g", (int)mu, ea);
    VecDestroy(&U);
    NaModelDestroy(&m);
  }
  unlink(in);
  unlink(out);
  free(fk), free(fq), free(ksum), free(c), free(p0);
  NaModelDestroy(&att);
}
