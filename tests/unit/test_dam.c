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
