/* NaMemory: stored patterns and the retrieval cue, shared by naam and dam. */
#include "memory.h"
#include "naerrors.h"
#include "nalimits.h"
#include "h5util.h"
#include "rng.h"

/* stream ids of the generator: the patterns, the single cue, and cue draw c of a batch at NA_STREAM_DRAWS + c */
static const uint64_t NA_STREAM_PATTERNS = 1, NA_STREAM_CUE = 2, NA_STREAM_DRAWS = (uint64_t)1 << 32;

/* pattern mu with exactly round(flip N) distinct signs flipped (partial Fisher-Yates) */
static PetscErrorCode FlippedPattern(const NaMemory *mem, NaRng *rng, PetscInt mu, PetscScalar cue[])
{
  PetscInt *idx, nflip = (PetscInt)llround(mem->cue_flip * mem->N);

  PetscFunctionBegin;
  PetscCall(PetscArraycpy(cue, mem->xi + mu * mem->N, mem->N));
  PetscCall(PetscMalloc1(mem->N, &idx));
  for (PetscInt i = 0; i < mem->N; i++) idx[i] = i;
  for (PetscInt f = 0; f < nflip; f++) {
    PetscInt r = f + (PetscInt)NaRngBelow(rng, (uint64_t)(mem->N - f)), t = idx[f];
    idx[f]      = idx[r];
    idx[r]      = t;
    cue[idx[f]] = -cue[idx[f]];
  }
  PetscCall(PetscFree(idx));
  PetscFunctionReturn(0);
}

PetscErrorCode NaMemorySetFromOptions(NaMemory *mem, const char prefix[], PetscOptionItems *PetscOptionsObject)
{
  PetscFunctionBegin;
  mem->prefix = prefix;
  PetscCall(PetscOptionsInt("-N", "number of neurons", NULL, mem->N, &mem->N, NULL));
  PetscCall(PetscOptionsInt("-K", "number of stored patterns", NULL, mem->K, &mem->K, NULL));
  PetscCall(NaOptionsInt64(PetscOptionsObject, "-seed", "seed of the random patterns and cue (64 bits)", mem->seed,
                           &mem->seed, NULL));
  PetscCall(PetscOptionsString("-patterns",
                               "stored patterns FILE.h5:/dataset, K x N of +-1 (default: random from seed)", NULL,
                               mem->patterns_spec, mem->patterns_spec, sizeof(mem->patterns_spec), NULL));
  PetscCall(PetscOptionsString("-cue",
                               "cue FILE.h5:/dataset (N values +-1) or 'random' (default: cue_pattern with cue_flip)",
                               NULL, mem->cue_spec, mem->cue_spec, sizeof(mem->cue_spec), NULL));
  PetscCall(PetscOptionsInt("-cue_pattern", "index of the stored pattern used as cue", NULL, mem->cue_pattern,
                            &mem->cue_pattern, NULL));
  PetscCall(
      PetscOptionsReal("-cue_flip", "fraction of the cue's signs flipped", NULL, mem->cue_flip, &mem->cue_flip, NULL));
  PetscCall(
      PetscOptionsInt("-cue_draw",
                      "cue with draw c of the capacity study instead: a random pattern with cue_flip of its signs "
                      "flipped (the draw c of -dam_cues)",
                      NULL, mem->cue_draw, &mem->cue_draw, &mem->cue_draw_set));
  PetscFunctionReturn(0);
}

/* reads FILE:/dataset and checks its shape and that every value is +-1 */
static PetscErrorCode ReadSigns(const char spec[], const char option[], int want_rank, const hsize_t want[],
                                const char shape[], PetscScalar *out)
{
  int      rank;
  hsize_t  dims[3];
  double  *data;
  PetscInt n = 1;

  PetscFunctionBegin;
  PetscCall(NaH5ReadArray(spec, option, &rank, dims, &data));
  PetscBool ok = rank == want_rank;
  for (int d = 0; ok && d < rank; d++) ok = dims[d] == want[d];
  if (!ok) {
    char got[64] = "";
    for (int d = 0; d < rank; d++)
      PetscCall(PetscSNPrintf(got + strlen(got), sizeof(got) - strlen(got), d ? " x %llu" : "%llu",
                              (unsigned long long)dims[d]));
    PetscCall(PetscFree(data));
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_USER_INPUT, "%s %s: shape %s, expected %s", option, spec, rank ? got : "scalar",
            shape);
  }
  for (int d = 0; d < rank; d++) n *= (PetscInt)dims[d];
  for (PetscInt i = 0; i < n; i++) {
    if (data[i] != 1.0 && data[i] != -1.0) {
      double bad = data[i];
      PetscCall(PetscFree(data));
      NaSETERRQ(PETSC_COMM_SELF, PETSC_ERR_USER_INPUT,
                "%s %s: value %g at flat index %" PetscInt_FMT " is not +1 or -1", option, spec, bad, i);
    }
    out[i] = data[i];
  }
  PetscCall(PetscFree(data));
  PetscFunctionReturn(0);
}

/* Rank 0 reads and checks the file, then every rank raises the same error or receives the values: one
 * reader, one error line, and the failure is collective. */
static PetscErrorCode ReadSignsCollective(MPI_Comm comm, const char spec[], const char option[], int want_rank,
                                          const hsize_t want[], const char shape[], PetscInt n, PetscScalar *out)
{
  PetscMPIInt    rank;
  PetscErrorCode err       = 0;
  char           msg[1024] = "";

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  if (rank == 0) {
    char *specific = NULL;
    PetscCall(PetscPushErrorHandler(PetscReturnErrorHandler, NULL));
    err = ReadSigns(spec, option, want_rank, want, shape, out);
    PetscCall(PetscPopErrorHandler());
    if (err) {
      PetscCall(PetscErrorMessage(err, NULL, &specific));
      PetscCall(PetscStrncpy(msg, specific ? specific : "unreadable input", sizeof(msg)));
    }
  }
  PetscCallMPI(MPI_Bcast(&err, 1, MPI_INT, 0, comm));
  PetscCallMPI(MPI_Bcast(msg, sizeof(msg), MPI_CHAR, 0, comm));
  PetscCheck(!err, comm, err, "%s", msg);
  PetscCall(NaBcastLarge(out, n, MPIU_SCALAR, 0, comm)); /* K x N can pass 2^31 with 64-bit indices */
  PetscFunctionReturn(0);
}

PetscErrorCode NaMemorySetUp(NaMemory *mem, MPI_Comm comm)
{
  const char *p = mem->prefix;
  char        opt[64], shape[64];
  PetscBool   random_cue;

  PetscFunctionBegin;
  PetscCheck(mem->N > 0, comm, PETSC_ERR_USER_INPUT, "-%sN %" PetscInt_FMT ": the number of neurons must be positive",
             p, mem->N);
  PetscCheck(mem->K > 0, comm, PETSC_ERR_USER_INPUT, "-%sK %" PetscInt_FMT ": the number of patterns must be positive",
             p, mem->K);
  PetscCall(NaCheckCount(comm, (double)mem->K * (double)mem->N,
                         "-%sN %" PetscInt_FMT " with -%sK %" PetscInt_FMT ": the patterns (K x N)", p, mem->N, p,
                         mem->K));
  NaCheck(mem->cue_flip >= 0 && mem->cue_flip <= 1, comm, PETSC_ERR_USER_INPUT, "-%scue_flip %g: must lie in [0, 1]", p,
          (double)mem->cue_flip);
  PetscCall(PetscStrcmp(mem->cue_spec, "random", &random_cue));
  if (mem->cue_draw_set) {
    PetscBool given;
    PetscCheck(mem->cue_draw >= 0, comm, PETSC_ERR_USER_INPUT, "-%scue_draw %" PetscInt_FMT ": must not be negative", p,
               mem->cue_draw);
    PetscCall(PetscOptionsHasName(NULL, p, "-cue_pattern", &given));
    PetscCheck(!mem->cue_spec[0] && !given, comm, PETSC_ERR_USER_INPUT,
               "-%scue_draw %" PetscInt_FMT ": the draw picks the cued pattern; give neither -%scue nor -%scue_pattern",
               p, mem->cue_draw, p, p);
  }
  if (!mem->cue_spec[0] && !mem->cue_draw_set)
    PetscCheck(mem->cue_pattern >= 0 && mem->cue_pattern < mem->K, comm, PETSC_ERR_USER_INPUT,
               "-%scue_pattern %" PetscInt_FMT ": must lie in [0, K-1] = [0, %" PetscInt_FMT "]", p, mem->cue_pattern,
               mem->K - 1);

  PetscCall(NaCheckNodeMemory(comm, 8.0 * (double)mem->K * (double)mem->N,
                              "-%sN %" PetscInt_FMT " with -%sK %" PetscInt_FMT
                              ": the patterns (K x N) would hold %.0f values: every rank holds them, and they",
                              p, mem->N, p, mem->K, (double)mem->K * (double)mem->N));
  PetscCall(PetscMalloc2(mem->K * mem->N, &mem->xi, mem->N, &mem->cue));
  if (mem->patterns_spec[0]) {
    hsize_t dims[2] = {(hsize_t)mem->K, (hsize_t)mem->N};
    PetscCall(PetscSNPrintf(opt, sizeof(opt), "-%spatterns", p));
    PetscCall(PetscSNPrintf(shape, sizeof(shape), "K x N = %" PetscInt_FMT " x %" PetscInt_FMT, mem->K, mem->N));
    PetscCall(ReadSignsCollective(comm, mem->patterns_spec, opt, 2, dims, shape, mem->K * mem->N, mem->xi));
  } else {
    NaRng rng;
    NaRngSeed(&rng, (uint64_t)mem->seed, NA_STREAM_PATTERNS);
    for (PetscInt i = 0; i < mem->K * mem->N; i++) mem->xi[i] = NaRngSign(&rng);
  }

  NaRng rng;
  NaRngSeed(&rng, (uint64_t)mem->seed, NA_STREAM_CUE);
  mem->cued = -1;
  if (mem->cue_draw_set) {
    PetscCall(NaMemoryDrawCue(mem, mem->cue_draw, mem->cue, &mem->cued));
  } else if (random_cue) {
    for (PetscInt i = 0; i < mem->N; i++) mem->cue[i] = NaRngSign(&rng);
  } else if (mem->cue_spec[0]) {
    hsize_t dims[1] = {(hsize_t)mem->N};
    PetscCall(PetscSNPrintf(opt, sizeof(opt), "-%scue", p));
    PetscCall(PetscSNPrintf(shape, sizeof(shape), "N = %" PetscInt_FMT, mem->N));
    PetscCall(ReadSignsCollective(comm, mem->cue_spec, opt, 1, dims, shape, mem->N, mem->cue));
  } else {
    mem->cued = mem->cue_pattern;
    PetscCall(FlippedPattern(mem, &rng, mem->cued, mem->cue));
  }
  PetscFunctionReturn(0);
}

PetscErrorCode NaMemoryDrawCue(const NaMemory *mem, PetscInt c, PetscScalar cue[], PetscInt *mu)
{
  NaRng rng;

  PetscFunctionBegin;
  NaRngSeed(&rng, (uint64_t)mem->seed, NA_STREAM_DRAWS + (uint64_t)c);
  *mu = (PetscInt)NaRngBelow(&rng, (uint64_t)mem->K);
  PetscCall(FlippedPattern(mem, &rng, *mu, cue));
  PetscFunctionReturn(0);
}

PetscErrorCode NaMemoryWrite(NaMemory *mem, MPI_Comm comm, hid_t file)
{
  hsize_t dims[2] = {(hsize_t)mem->K, (hsize_t)mem->N};

  PetscFunctionBegin;
  PetscCall(NaH5WriteArray(comm, file, "patterns", 2, dims, mem->xi, "stored patterns xi[mu][i], values +-1", "1"));
  PetscCall(NaH5WriteArray(comm, file, "cue", 1, dims + 1, mem->cue,
                           "initial neuron state x(0) (the retrieval cue), values +-1", "1"));
  hid_t dset;
  NaH5Call(dset = H5Dopen2(file, "cue", H5P_DEFAULT));
  PetscCall(NaH5SetAttributeInt(dset, "cued_pattern", mem->cued));
  PetscCall(NaH5SetAttributeReal(dset, "flip_fraction", mem->cued >= 0 ? mem->cue_flip : 0));
  NaH5Call(H5Dclose(dset));
  PetscFunctionReturn(0);
}

PetscErrorCode NaMemoryView(NaMemory *mem, PetscViewer viewer)
{
  PetscFunctionBegin;
  PetscCall(PetscViewerASCIIPrintf(viewer, "patterns: K = %" PetscInt_FMT " over N = %" PetscInt_FMT " neurons, %s\n",
                                   mem->K, mem->N, mem->patterns_spec[0] ? mem->patterns_spec : "random from seed"));
  if (mem->cued >= 0)
    PetscCall(NaViewerPrintf(viewer, "cue: pattern %" PetscInt_FMT " with %g of its signs flipped\n", mem->cued,
                             (double)mem->cue_flip));
  else
    PetscCall(PetscViewerASCIIPrintf(viewer, "cue: %s\n", mem->cue_spec));
  PetscFunctionReturn(0);
}

PetscErrorCode NaMemoryDestroy(NaMemory *mem)
{
  PetscFunctionBegin;
  PetscCall(PetscFree2(mem->xi, mem->cue));
  PetscFunctionReturn(0);
}
