/* A small counter-free random generator (splitmix64) with an explicit state: reproducible from a seed on
 * every platform and rank count, and trivially saved in a checkpoint. */
#pragma once
#include <stdint.h>
#include <math.h>

typedef struct {
  uint64_t s;
} NaRng;

static inline void NaRngSeed(NaRng *r, uint64_t seed, uint64_t stream)
{
  r->s = seed * 0x9E3779B97F4A7C15ULL ^ (stream + 0xD1B54A32D192ED03ULL) * 0xBF58476D1CE4E5B9ULL;
}

static inline uint64_t NaRngNext(NaRng *r)
{
  uint64_t z = (r->s += 0x9E3779B97F4A7C15ULL);
  z          = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z          = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

/* splitmix64's finaliser: a bijective mix of 64 bits (for keys and order-independent checksums) */
static inline uint64_t NaMix64(uint64_t z)
{
  z += 0x9E3779B97F4A7C15ULL;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

/* uniform in [0, 1) with 53 random bits */
static inline double NaRngUniform(NaRng *r)
{
  return (double)(NaRngNext(r) >> 11) * 0x1.0p-53;
}

/* uniform integer in [0, n) (n > 0; modulo bias below 2^-40 for n < 2^24) */
static inline uint64_t NaRngBelow(NaRng *r, uint64_t n)
{
  return NaRngNext(r) % n;
}

/* +1 or -1 with equal probability */
static inline double NaRngSign(NaRng *r)
{
  return (NaRngNext(r) >> 63) ? 1.0 : -1.0;
}

/* standard normal N(0, 1) by Box-Muller from two uniforms (one of the pair is used: stateless, so a
 * stream gives the same numbers however it is split) */
static inline double NaRngNormal(NaRng *r)
{
  double u1 = 1.0 - NaRngUniform(r); /* (0, 1] */
  double u2 = NaRngUniform(r);
  return sqrt(-2.0 * log(u1)) * cos(6.283185307179586477 * u2);
}
