/* The reduced dense associative memory: retrieval for n = 2 (Hopfield) and n = 4. */
#include "common.h"

TestSuite(dam, .init = test_init, .fini = test_fini);

Test(dam, hopfield_n2_retrieves)
{
  NaSimSummary s = run_sim(
      "dam", "-dam_order 2 -dam_N 200 -dam_K 5 -dam_cue_flip 0.2 -dam_cue_pattern 2 -ts_max_time 20", NULL, NULL);
  cr_expect_eq(s.hamming, 0, "n=2: Hamming %d", (int)s.hamming);
  cr_expect_gt(s.overlap_final, 0.99);
  cr_expect_lt(s.energy_final, s.energy_initial);
}

Test(dam, dense_n4_retrieves)
{
  NaSimSummary s = run_sim(
      "dam", "-dam_order 4 -dam_N 200 -dam_K 5 -dam_cue_flip 0.2 -dam_cue_pattern 4 -ts_max_time 20", NULL, NULL);
  cr_expect_eq(s.hamming, 0, "n=4: Hamming %d", (int)s.hamming);
  cr_expect_lt(s.energy_final, s.energy_initial);
  cr_expect_leq(s.max_energy_increase, 1e-12 * fabs(s.energy_initial));
}

/* Beyond the Hopfield capacity (0.138 N) the n = 4 memory still retrieves: K = 60 patterns on N = 100 */
Test(dam, n4_beyond_hopfield_capacity)
{
  NaSimSummary s2 = run_sim("dam", "-dam_order 2 -dam_N 100 -dam_K 60 -dam_cue_flip 0.1 -ts_max_time 20", NULL, NULL);
  NaSimSummary s4 = run_sim("dam", "-dam_order 4 -dam_N 100 -dam_K 60 -dam_cue_flip 0.1 -ts_max_time 20", NULL, NULL);
  cr_expect_eq(s4.hamming, 0, "n=4 with K=60: Hamming %d", (int)s4.hamming);
  cr_expect_gt(s2.hamming, 0, "n=2 with K=60 should fail to retrieve (Hamming %d)", (int)s2.hamming);
}

/* -dam_cues: cue draw c of a batch starts from the cue of a single run with -dam_cue_draw c, and the batch's
 * right-hand side (block products over cues) equals, cue by cue, the single run's (row gathers over neurons) on
 * the same state. N, K and the cue count are not multiples of the tiles, the K of the second case spans two chunks. */
static void batch_equals_single(const char *sizes, PetscInt order)
{
  char     opts[256];
  NaModel  batch, single;
  Vec      U, F, u, f;
  PetscInt N, K, cues = 11;

  snprintf(opts, sizeof opts, "%s -dam_order %d -dam_cue_flip 0.2 -dam_seed 5 -dam_cues %d", sizes, (int)order,
           (int)cues);
  batch = make_model("dam", opts);
  TCall(NaModelGetSizes(batch, &N, &K));
  TCall(NaModelCreateVector(batch, &U));
  TCall(VecDuplicate(U, &F));
  TCall(NaModelInitialState(batch, U));
  Vec X0;
  TCall(VecDuplicate(U, &X0));
  TCall(VecCopy(U, X0));
  fill_random(U, 3, -1.5, 1.5);
  TCall(NaModelRHS(batch, 0, U, F));
  const PetscScalar *ub, *fb, *x0;
  TCall(VecGetArrayRead(U, &ub));
  TCall(VecGetArrayRead(F, &fb));
  TCall(VecGetArrayRead(X0, &x0));
  for (PetscInt c = 0; c < cues; c++) {
    snprintf(opts, sizeof opts, "%s -dam_order %d -dam_cue_flip 0.2 -dam_seed 5 -dam_cue_draw %d", sizes, (int)order,
             (int)c);
    single = make_model("dam", opts);
    TCall(NaModelCreateVector(single, &u));
    TCall(VecDuplicate(u, &f));
    TCall(NaModelInitialState(single, u));
    PetscScalar *ua;
    TCall(VecGetArray(u, &ua));
    for (PetscInt i = 0; i < N; i++)
      cr_assert_eq(ua[i], x0[c * N + i], "cue %d, neuron %d: batch and single cues differ", (int)c, (int)i);
    for (PetscInt i = 0; i < N; i++) ua[i] = ub[c * N + i];
    TCall(VecRestoreArray(u, &ua));
    TCall(NaModelRHS(single, 0, u, f));
    const PetscScalar *fa;
    double             worst = 0, scale = 0;
    TCall(VecGetArrayRead(f, &fa));
    for (PetscInt i = 0; i < N; i++) {
      worst = fmax(worst, fabs(fa[i] - fb[c * N + i]));
      scale = fmax(scale, fabs(fa[i]));
    }
    TCall(VecRestoreArrayRead(f, &fa));
    cr_expect_lt(worst, 1e-12 * scale, "order %d, cue %d: batch and single right-hand sides differ by %g of %g",
                 (int)order, (int)c, worst, scale);
    TCall(VecDestroy(&u));
    TCall(VecDestroy(&f));
    TCall(NaModelDestroy(&single));
  }
  TCall(VecRestoreArrayRead(U, &ub));
  TCall(VecRestoreArrayRead(F, &fb));
  TCall(VecRestoreArrayRead(X0, &x0));
  TCall(VecDestroy(&X0));
  TCall(VecDestroy(&U));
  TCall(VecDestroy(&F));
  TCall(NaModelDestroy(&batch));
}

Test(dam, batch_equals_single_cues)
{
  batch_equals_single("-dam_N 37 -dam_K 21", 4);
  batch_equals_single("-dam_N 19 -dam_K 300", 2);
  batch_equals_single("-dam_N 53 -dam_K 270", 3);
}
