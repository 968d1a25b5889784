/* The transformer limit of the naam model (models.md 1.7; Kozachkov, Slotine, Krotov, "Neuron-astrocyte
 * associative memory", arXiv 2311.08135, Appendix C, equation numbers of that appendix): -naam_f transformer.
 *
 * N output neurons x_i receive, through synapses s_ij, the rates I_j of M input neurons that strong input holds
 * at I_j (App. C eq. 19; the read phase r = 1: I_j = q~_j). One astrocyte process p_ij wraps each synapse, and
 * every process exchanges Ca2+ with every other (T_ijkl = 1). In naam's general equations (models.md 1.2):
 *
 *   tau_n dx_i/dt  = -lambda x_i + sum_j g(s_ij) I_j               + b      eq. 18 (r = 1): lambda 1, g = id, b 0
 *   tau_s ds_ij/dt = -alpha  s_ij - p_ij s_ij                      + c_ij   eq. 20: alpha 0, f = -p_ij s_ij
 *   tau_p dp_ij/dt = -gamma  p_ij + c_T sum_kl psi(p_kl)           + d      eq. 21: gamma N M, T = 1 (c_T 1),
 *                                                                                   psi = id, kappa = 0, d 0
 * The defaults are App. C's values; the options still set the general equations' parameters. In App. C's
 * instance sum p is conserved, every p_ij relaxes to p* = sum p(0) / (N M) (eq. 22) with
 * |p_ij - p_kl| ~ exp(-N M t / tau_p), then s_ij -> c_ij / p* (eq. 23) and x_i -> sum_j c_ij I_j / p* (eq. 25).
 * c_ij, p(0) and I come from -naam_input; with c_ij = (1/M) sum_b V_bi K~_bj (eq. 27), I = Q~_mu. and
 * p_ij(0) = Q~_muj sum_s K~_sj (eq. 28) that read-out is linear attention with the feature map of K~, Q~.
 *
 * Layout: rows are output neurons, row i = [x_i, s_i0..s_i,M-1, p_i0..p_i,M-1] (full storage, N x M), rows
 * distributed by NaNetwork. The one global quantity, sum_kl psi(p_kl), is a row sum in column order, then
 * NaNetworkSumRows in row order: the same bits on any rank count. */
#include "naam.h"
#include "naerrors.h"
#include "h5util.h"

/* options of naam that this configuration does not read, and why */
static const struct {
  const char *name, *why;
} Unread[] = {
    {"N", "N and M are the shape of c in -naam_input"},
    {"K", "there are no stored patterns"},
    {"seed", "there are no random patterns or cue"},
    {"patterns", "there are no stored patterns"},
    {"cue", "x(0) is x0 of -naam_input (default 0)"},
    {"cue_pattern", "x(0) is x0 of -naam_input (default 0)"},
    {"cue_flip", "x(0) is x0 of -naam_input (default 0)"},
    {"cue_draw", "x(0) is x0 of -naam_input (default 0)"},
    {"init", "the initial state is p0 (and s0, x0) of -naam_input"},
    {"sym_block", "s and p are stored in full, N x M"},
    {"phi", "the presynaptic rates are the clamped inputs I_j"},
    {"c", "the biases c_ij are c of -naam_input"},
};

/* whether -<prefix><name> was given, and its value ("" for none) */
static PetscErrorCode Given(NaModel model, const char name[], char value[], size_t len, PetscBool *set)
{
  char opt[96];

  PetscFunctionBegin;
  PetscCall(PetscSNPrintf(opt, sizeof opt, "-%s%s", model->prefix, name));
  value[0] = 0;
  PetscCall(PetscOptionsGetString(NULL, NULL, opt, value, len, set));
  PetscFunctionReturn(0);
}

PetscErrorCode NaamTransformerCheckOptions(NaModel model)
{
  NAAM       *nm = (NAAM *)model->data;
  const char *p  = model->prefix;
  char        value[PETSC_MAX_PATH_LEN];
  PetscBool   set;

  PetscFunctionBegin;
  for (size_t k = 0; k < sizeof Unread / sizeof Unread[0]; k++) {
    PetscCall(Given(model, Unread[k].name, value, sizeof value, &set));
    PetscCheck(!set, model->comm, PETSC_ERR_USER_INPUT, "-%s%s%s%s: not read with -%sf transformer (%s)", p,
               Unread[k].name, value[0] ? " " : "", value, p, Unread[k].why);
  }
  PetscCall(Given(model, "T", value, sizeof value, &set));
  PetscCheck(!set || nm->T == NAAM_T_UNIFORM, model->comm, PETSC_ERR_USER_INPUT,
             "-%sT %s: -%sf transformer couples every process to every other (T_ijkl = 1, App. C eq. 21): use -%sT "
             "uniform",
             p, value, p, p);
  nm->T = NAAM_T_UNIFORM;
  PetscCheck(!nm->storage_set || nm->storage == NAAM_STORAGE_FULL, model->comm, PETSC_ERR_USER_INPUT,
             "-%sstorage symmetric: with -%sf transformer s and p are N x M and stored in full", p, p);
  PetscCheck(nm->input[0], model->comm, PETSC_ERR_USER_INPUT,
             "-%sf transformer needs -%sinput FILE.h5 (datasets c [N][M], p0 [N][M], I [M])", p, p);
  PetscFunctionReturn(0);
}

/* ------------------------------------------------------------------------------------------------ */
/* the input file */

/* shape of dataset name in file (collective: every rank reads the same metadata); *found false when absent */
static PetscErrorCode DatasetShape(hid_t file, const char name[], int *rank, hsize_t dims[], PetscBool *found)
{
  hid_t dset, space;

  PetscFunctionBegin;
  *found = H5Lexists(file, name, H5P_DEFAULT) > 0 ? PETSC_TRUE : PETSC_FALSE;
  *rank  = 0;
  if (!*found) PetscFunctionReturn(0);
  NaH5Call(dset = H5Dopen2(file, name, H5P_DEFAULT));
  NaH5Call(space = H5Dget_space(dset));
  NaH5Call(*rank = H5Sget_simple_extent_ndims(space));
  if (*rank <= 3) NaH5Call(H5Sget_simple_extent_dims(space, dims, NULL));
  NaH5Call(H5Sclose(space));
  NaH5Call(H5Dclose(dset));
  PetscFunctionReturn(0);
}

/* reads rows [r0, r0 + n) of a 1-d or 2-d dataset (collective); an unreadable one is an error on every rank */
static PetscErrorCode ReadRows(NaModel model, hid_t file, const char name[], PetscInt r0, PetscInt n, PetscScalar *out)
{
  NAAM     *nm = (NAAM *)model->data;
  hid_t     dset;
  PetscBool ok, all;

  PetscFunctionBegin;
  NaH5Call(dset = H5Dopen2(file, name, H5P_DEFAULT));
  PetscCall(NaH5ReadRows(dset, (hsize_t)r0, (hsize_t)n, out, &ok));
  NaH5Call(H5Dclose(dset));
  PetscCallMPI(MPI_Allreduce(&ok, &all, 1, MPIU_BOOL, MPI_LAND, model->comm));
  PetscCheck(all, model->comm, PETSC_ERR_FILE_READ, "-%sinput %s: dataset %s could not be read", model->prefix,
             nm->input, name);
  PetscFunctionReturn(0);
}

/* Opens -naam_input, checks the shapes (c [N][M], p0 like c, I [M], optional s0 like c, x0 [N]), creates the
 * network of N rows and reads the local rows of every input */
static PetscErrorCode ReadInput(NaModel model)
{
  NAAM            *nm = (NAAM *)model->data;
  NaamTransformer *tl = nm->tl;
  const char      *p = model->prefix, *in = nm->input;
  MPI_Comm         comm = model->comm;
  hid_t            file;
  hsize_t          cd[3], d[3];
  int              rank;
  PetscBool        exists, found, has_s0, has_x0;
  PetscInt         N, M;

  PetscFunctionBegin;
  PetscCall(PetscTestFile(in, 'r', &exists));
  PetscCheck(exists, comm, PETSC_ERR_FILE_OPEN, "-%sinput %s: cannot read the file", p, in);
  PetscCall(NaH5FileOpen(comm, in, PETSC_FALSE, &file));
  PetscCheck(file >= 0, comm, PETSC_ERR_FILE_READ, "-%sinput %s: not an HDF5 file", p, in);
  PetscCall(DatasetShape(file, "c", &rank, cd, &found));
  PetscCheck(found, comm, PETSC_ERR_USER_INPUT, "-%sinput %s: no dataset c (the synaptic biases c_ij, [N][M])", p, in);
  PetscCheck(rank == 2 && cd[0] > 0 && cd[1] > 0, comm, PETSC_ERR_USER_INPUT,
             "-%sinput %s: dataset c has %d dimensions or is empty; expected [N][M] (N outputs, M inputs)", p, in,
             rank);
  N = (PetscInt)cd[0];
  M = (PetscInt)cd[1];
  PetscCall(DatasetShape(file, "p0", &rank, d, &found));
  PetscCheck(found, comm, PETSC_ERR_USER_INPUT, "-%sinput %s: no dataset p0 (the initial process Ca2+ p_ij(0), [N][M])",
             p, in);
  PetscCheck(rank == 2 && d[0] == cd[0] && d[1] == cd[1], comm, PETSC_ERR_USER_INPUT,
             "-%sinput %s: dataset p0 must have the shape of c, N x M = %" PetscInt_FMT " x %" PetscInt_FMT, p, in, N,
             M);
  PetscCall(DatasetShape(file, "I", &rank, d, &found));
  PetscCheck(found, comm, PETSC_ERR_USER_INPUT, "-%sinput %s: no dataset I (the clamped input rates I_j, [M])", p, in);
  PetscCheck(rank == 1 && d[0] == cd[1], comm, PETSC_ERR_USER_INPUT,
             "-%sinput %s: dataset I must hold M = %" PetscInt_FMT " values (the columns of c)", p, in, M);
  PetscCall(DatasetShape(file, "s0", &rank, d, &has_s0));
  PetscCheck(!has_s0 || (rank == 2 && d[0] == cd[0] && d[1] == cd[1]), comm, PETSC_ERR_USER_INPUT,
             "-%sinput %s: dataset s0 must have the shape of c, N x M = %" PetscInt_FMT " x %" PetscInt_FMT, p, in, N,
             M);
  PetscCall(DatasetShape(file, "x0", &rank, d, &has_x0));
  PetscCheck(!has_x0 || (rank == 1 && d[0] == cd[0]), comm, PETSC_ERR_USER_INPUT,
             "-%sinput %s: dataset x0 must hold N = %" PetscInt_FMT " values (the rows of c)", p, in, N);

  PetscCall(NaNetworkCreate(comm, N, &model->net));
  PetscCall(NaNetworkGetOwnershipRange(model->net, &nm->rstart, &nm->rend));
  nm->nloc = nm->rend - nm->rstart;
  tl->M    = M;
  PetscCall(PetscCalloc5(nm->nloc * M + 1, &tl->c, nm->nloc * M + 1, &tl->s0, nm->nloc * M + 1, &tl->p0, nm->nloc + 1,
                         &tl->x0, M, &tl->Iin));
  PetscCall(PetscMalloc2(2 * M, &tl->scratch, nm->nloc + 1, &tl->rowsum));
  PetscCall(ReadRows(model, file, "c", nm->rstart, nm->nloc, tl->c));
  PetscCall(ReadRows(model, file, "p0", nm->rstart, nm->nloc, tl->p0));
  PetscCall(ReadRows(model, file, "I", 0, M, tl->Iin));
  if (has_s0) PetscCall(ReadRows(model, file, "s0", nm->rstart, nm->nloc, tl->s0));
  if (has_x0) PetscCall(ReadRows(model, file, "x0", nm->rstart, nm->nloc, tl->x0));
  NaH5Call(H5Fclose(file));

  /* every value finite; the total Ca2+ positive (App. C eq. 21: it makes p* > 0, so that s converges) */
  PetscBool finite = PETSC_TRUE, all;
  for (PetscInt k = 0; k < nm->nloc * M; k++)
    if (PetscIsInfOrNanReal(tl->c[k]) || PetscIsInfOrNanReal(tl->p0[k]) || PetscIsInfOrNanReal(tl->s0[k]))
      finite = PETSC_FALSE;
  for (PetscInt r = 0; r < nm->nloc; r++)
    if (PetscIsInfOrNanReal(tl->x0[r])) finite = PETSC_FALSE;
  for (PetscInt j = 0; j < M; j++)
    if (PetscIsInfOrNanReal(tl->Iin[j])) finite = PETSC_FALSE;
  PetscCallMPI(MPI_Allreduce(&finite, &all, 1, MPIU_BOOL, MPI_LAND, comm));
  PetscCheck(all, comm, PETSC_ERR_USER_INPUT, "-%sinput %s: a value is not finite", p, in);
  for (PetscInt r = 0; r < nm->nloc; r++) {
    tl->rowsum[r] = 0;
    for (PetscInt j = 0; j < M; j++) tl->rowsum[r] += tl->p0[r * M + j];
  }
  PetscCall(NaNetworkSumRows(model->net, 1, tl->rowsum, &tl->psum0));
  NaCheck(tl->psum0 > 0, comm, PETSC_ERR_USER_INPUT,
          "-%sinput %s: sum of p0 = %g; the total Ca2+ in the astrocyte must be positive (App. C eq. 21)", p, in,
          (double)tl->psum0);
  PetscFunctionReturn(0);
}

/* ------------------------------------------------------------------------------------------------ */
/* operations */

/* p* = sum p(0) / (N M) (eq. 22) */
static inline PetscReal PStar(const NAAM *nm)
{
  return nm->tl->psum0 / ((PetscReal)nm->mem.N * nm->tl->M);
}

static PetscErrorCode RHS_Transformer(NaModel model, PetscReal t, Vec U, Vec F)
{
  NAAM              *nm = (NAAM *)model->data;
  NaamTransformer   *tl = nm->tl;
  const PetscInt     M  = tl->M;
  const PetscReal    rn = 1 / nm->tau_n, rs = 1 / nm->tau_s, rp = 1 / nm->tau_p;
  const PetscScalar *u, *in = tl->Iin;
  PetscScalar       *f, *g = tl->scratch, *psi = tl->scratch + M, z;

  PetscFunctionBegin;
  (void)t;
  PetscCall(VecGetArrayRead(U, &u));
  PetscCall(VecGetArray(F, &f));
  for (PetscInt r = 0; r < nm->nloc; r++) { /* z = sum_kl psi(p_kl) */
    NaActEvalArray(&nm->psi, M, u + nm->rowoff[r] + 1 + M, psi);
    tl->rowsum[r] = 0;
    for (PetscInt j = 0; j < M; j++) tl->rowsum[r] += psi[j];
  }
  PetscCall(NaNetworkSumRows(model->net, 1, tl->rowsum, &z));
  for (PetscInt r = 0; r < nm->nloc; r++) {
    const PetscInt     o = nm->rowoff[r];
    const PetscScalar *s = u + o + 1, *p = s + M, *c = tl->c + r * M;
    PetscScalar       *fs = f + o + 1, *fp = fs + M, drive = 0;

    NaActEvalArray(&nm->g, M, s, g);
    for (PetscInt j = 0; j < M; j++) {
      drive += g[j] * in[j];
      fs[j] = rs * (-nm->alpha * s[j] - p[j] * s[j] + c[j]); /* eq. 20 */
      fp[j] = rp * (-nm->gamma * p[j] + nm->cT * z + nm->d); /* eq. 21 */
    }
    f[o] = rn * (-nm->lambda * u[o] + drive + nm->b); /* eq. 18, r = 1 */
  }
  PetscCall(VecRestoreArray(F, &f));
  PetscCall(VecRestoreArrayRead(U, &u));
  PetscFunctionReturn(0);
}

/* the linear part: lambda / tau_n, alpha / tau_s (-p s is not linear), gamma / tau_p */
static PetscErrorCode Leak_Transformer(NaModel model, Vec D)
{
  NAAM          *nm = (NAAM *)model->data;
  const PetscInt M  = nm->tl->M;
  PetscScalar   *d;

  PetscFunctionBegin;
  PetscCall(VecGetArray(D, &d));
  for (PetscInt r = 0; r < nm->nloc; r++) {
    PetscScalar *row = d + nm->rowoff[r];
    row[0]           = nm->lambda / nm->tau_n;
    for (PetscInt j = 0; j < M; j++) {
      row[1 + j]     = nm->alpha / nm->tau_s;
      row[1 + M + j] = nm->gamma / nm->tau_p;
    }
  }
  PetscCall(VecRestoreArray(D, &d));
  PetscFunctionReturn(0);
}

static PetscErrorCode InitialState_Transformer(NaModel model, Vec U)
{
  NAAM            *nm = (NAAM *)model->data;
  NaamTransformer *tl = nm->tl;
  const PetscInt   M  = tl->M;
  PetscScalar     *u;

  PetscFunctionBegin;
  PetscCall(VecGetArray(U, &u));
  for (PetscInt r = 0; r < nm->nloc; r++) {
    PetscScalar *row = u + nm->rowoff[r];
    row[0]           = tl->x0[r];
    PetscCall(PetscArraycpy(row + 1, tl->s0 + r * M, M));
    PetscCall(PetscArraycpy(row + 1 + M, tl->p0 + r * M, M));
  }
  PetscCall(VecRestoreArray(U, &u));
  PetscFunctionReturn(0);
}

/* sum p and its spread max p - min p over all processes */
static PetscErrorCode ProcessStats(NaModel model, const PetscScalar *u, PetscReal *sum, PetscReal *spread)
{
  NAAM            *nm     = (NAAM *)model->data;
  NaamTransformer *tl     = nm->tl;
  const PetscInt   M      = tl->M;
  PetscReal        ext[2] = {PETSC_MAX_REAL, PETSC_MAX_REAL}, all[2]; /* -max, min */

  PetscFunctionBegin;
  for (PetscInt r = 0; r < nm->nloc; r++) {
    const PetscScalar *p = u + nm->rowoff[r] + 1 + M;
    tl->rowsum[r]        = 0;
    for (PetscInt j = 0; j < M; j++) {
      tl->rowsum[r] += p[j];
      ext[0] = PetscMin(ext[0], -p[j]);
      ext[1] = PetscMin(ext[1], p[j]);
    }
  }
  PetscCall(NaNetworkSumRows(model->net, 1, tl->rowsum, sum));
  PetscCallMPI(MPI_Allreduce(ext, all, 2, MPIU_REAL, MPI_MIN, model->comm));
  *spread = -all[0] - all[1];
  PetscFunctionReturn(0);
}

/* max_ij |s_ij - c_ij / p*| / max_ij |c_ij / p*| (eq. 23) and max_i |x_i - x*_i| / max_i |x*_i| with
 * x*_i = sum_j c_ij I_j / p* (eq. 25), the App. C fixed point; xstar: the local x*, or NULL */
static PetscErrorCode FixedPointErrors(NaModel model, const PetscScalar *u, PetscReal *es, PetscReal *ex,
                                       PetscScalar *xstar)
{
  NAAM            *nm     = (NAAM *)model->data;
  NaamTransformer *tl     = nm->tl;
  const PetscInt   M      = tl->M;
  const PetscReal  ps     = PStar(nm);
  PetscReal        loc[4] = {0, 0, 0, 0}, all[4];

  PetscFunctionBegin;
  for (PetscInt r = 0; r < nm->nloc; r++) {
    const PetscScalar *s = u + nm->rowoff[r] + 1, *c = tl->c + r * M;
    PetscScalar        xs = 0;
    for (PetscInt j = 0; j < M; j++) {
      loc[0] = PetscMax(loc[0], PetscAbsReal(s[j] - c[j] / ps));
      loc[1] = PetscMax(loc[1], PetscAbsReal(c[j] / ps));
      xs += c[j] * tl->Iin[j];
    }
    xs /= ps;
    if (xstar) xstar[r] = xs;
    loc[2] = PetscMax(loc[2], PetscAbsReal(u[nm->rowoff[r]] - xs));
    loc[3] = PetscMax(loc[3], PetscAbsReal(xs));
  }
  PetscCallMPI(MPI_Allreduce(loc, all, 4, MPIU_REAL, MPI_MAX, model->comm));
  *es = all[1] > 0 ? all[0] / all[1] : all[0];
  *ex = all[3] > 0 ? all[2] / all[3] : all[2];
  PetscFunctionReturn(0);
}

/* p_sum and p_spread at every sample (and s_error in App. C's instance), for /p_sum, /p_spread, /s_error */
static PetscErrorCode Sample_Transformer(NaModel model, PetscReal t, Vec U, PetscReal row[])
{
  NAAM              *nm = (NAAM *)model->data;
  NaamTransformer   *tl = nm->tl;
  const PetscScalar *u;
  PetscReal          sum, spread, es = 0, ex;

  PetscFunctionBegin;
  (void)t;
  PetscCall(VecGetArrayRead(U, &u));
  PetscCall(ProcessStats(model, u, &sum, &spread));
  if (tl->appc) PetscCall(FixedPointErrors(model, u, &es, &ex, NULL));
  PetscCall(VecRestoreArrayRead(U, &u));
  if (!tl->sampled) {
    tl->psum_first   = sum;
    tl->spread_first = spread;
    tl->psum_maxdev  = 0;
    tl->sampled      = PETSC_TRUE;
  }
  tl->psum_maxdev = PetscMax(tl->psum_maxdev, PetscAbsReal(sum - tl->psum0));
  tl->psum_last   = sum;
  tl->spread_last = spread;
  row[0]          = sum;
  row[1]          = spread;
  row[2]          = es;
  PetscFunctionReturn(0);
}

static PetscErrorCode WriteStatic_Transformer(NaModel model, hid_t file)
{
  NAAM   *nm      = (NAAM *)model->data;
  hsize_t dims[1] = {(hsize_t)nm->tl->M};

  PetscFunctionBegin;
  PetscCall(NaH5SetAttributeString(file, "naam_input", nm->input));
  PetscCall(NaH5SetAttributeInt(file, "M", nm->tl->M));
  PetscCall(NaH5SetAttributeReal(file, "tau_p", nm->tau_p));
  PetscCall(NaH5SetAttributeReal(file, "gamma", nm->gamma));
  PetscCall(
      NaH5WriteArray(model->comm, file, "I", 1, dims, nm->tl->Iin, "clamped input rates I_j (from -naam_input)", "1"));
  PetscFunctionReturn(0);
}

/* App. C's predictions against the final state: root attributes, and /x_star */
static PetscErrorCode WriteResults_Transformer(NaModel model, hid_t file, Vec U)
{
  NAAM              *nm = (NAAM *)model->data;
  NaamTransformer   *tl = nm->tl;
  const PetscScalar *u;
  PetscScalar       *xs;
  PetscReal          es, ex;
  hsize_t            dims[1] = {(hsize_t)nm->mem.N};
  hid_t              dset;

  PetscFunctionBegin;
  PetscCall(NaH5SetAttributeReal(file, "p_sum_initial", tl->psum0));
  PetscCall(NaH5SetAttributeReal(file, "p_sum_max_relative_change", tl->psum_maxdev / tl->psum0));
  PetscCall(NaH5SetAttributeReal(file, "p_spread_initial", tl->spread_first));
  PetscCall(NaH5SetAttributeReal(file, "p_spread_final", tl->spread_last));
  PetscCall(NaH5SetAttributeInt(file, "appendix_c_instance", tl->appc));
  if (!tl->appc) PetscFunctionReturn(0);
  PetscCall(PetscMalloc1(nm->nloc + 1, &xs));
  PetscCall(VecGetArrayRead(U, &u));
  PetscCall(FixedPointErrors(model, u, &es, &ex, xs));
  PetscCall(VecRestoreArrayRead(U, &u));
  PetscCall(NaH5CreateDataset(file, "x_star", 1, dims, PETSC_FALSE,
                              "App. C's fixed point x*_i = sum_j c_ij I_j / p* (eq. 25)", "1", &dset));
  PetscCall(NaH5WriteRows(dset, (hsize_t)nm->rstart, (hsize_t)nm->nloc, xs));
  NaH5Call(H5Dclose(dset));
  PetscCall(PetscFree(xs));
  PetscCall(NaH5SetAttributeReal(file, "p_star", PStar(nm)));
  PetscCall(NaH5SetAttributeReal(file, "relerr_s_c_over_pstar", es));
  PetscCall(NaH5SetAttributeReal(file, "relerr_x_xstar", ex));
  PetscFunctionReturn(0);
}

/* /final/x [N], /final/s and /final/p [N][M] */
static PetscErrorCode WriteFinal_Transformer(NaModel model, hid_t group, Vec U)
{
  NAAM              *nm = (NAAM *)model->data;
  const PetscInt     M  = nm->tl->M;
  const PetscScalar *u;
  PetscScalar       *buf;
  hsize_t            dims[2] = {(hsize_t)nm->mem.N, (hsize_t)M};
  hid_t              dset;
  const char        *what[2] = {"s", "p"};
  const char        *desc[2] = {"synaptic facilitation s_ij (row i output neuron, column j input neuron)",
                                "astrocyte process Ca2+ level p_ij wrapping synapse ij"};

  PetscFunctionBegin;
  PetscCall(VecGetArrayRead(U, &u));
  PetscCall(PetscMalloc1(nm->nloc * M + 1, &buf));
  for (PetscInt r = 0; r < nm->nloc; r++) buf[r] = u[nm->rowoff[r]];
  PetscCall(NaH5CreateDataset(group, "x", 1, dims, PETSC_FALSE, "output neuron state x_i", "1", &dset));
  PetscCall(NaH5WriteRows(dset, (hsize_t)nm->rstart, (hsize_t)nm->nloc, buf));
  NaH5Call(H5Dclose(dset));
  for (PetscInt f = 0; f < 2; f++) {
    for (PetscInt r = 0; r < nm->nloc; r++) PetscCall(PetscArraycpy(buf + r * M, u + nm->rowoff[r] + 1 + f * M, M));
    PetscCall(NaH5CreateDataset(group, what[f], 2, dims, PETSC_FALSE, desc[f], "1", &dset));
    PetscCall(NaH5WriteRows(dset, (hsize_t)nm->rstart, (hsize_t)nm->nloc, buf));
    NaH5Call(H5Dclose(dset));
  }
  PetscCall(PetscFree(buf));
  PetscCall(VecRestoreArrayRead(U, &u));
  PetscFunctionReturn(0);
}

static PetscErrorCode Summary_Transformer(NaModel model, Vec U, PetscViewer viewer)
{
  NAAM              *nm = (NAAM *)model->data;
  NaamTransformer   *tl = nm->tl;
  const PetscScalar *u;
  PetscReal          es, ex;

  PetscFunctionBegin;
  PetscCall(NaViewerPrintf(viewer,
                           "  transformer limit: sum p %.12g (largest relative change %.3g), spread max p - min "
                           "p %.4g -> %.4g\n",
                           (double)tl->psum0, (double)(tl->psum_maxdev / tl->psum0), (double)tl->spread_first,
                           (double)tl->spread_last));
  if (!tl->appc) PetscFunctionReturn(0);
  PetscCall(VecGetArrayRead(U, &u));
  PetscCall(FixedPointErrors(model, u, &es, &ex, NULL));
  PetscCall(VecRestoreArrayRead(U, &u));
  PetscCall(NaViewerPrintf(viewer,
                           "  App. C fixed point (p* = %.10g): max|s - c/p*| / max|c/p*| %.3g, max|x - x*| / "
                           "max|x*| %.3g (x* = sum_j c_ij I_j / p*)\n",
                           (double)PStar(nm), (double)es, (double)ex));
  PetscFunctionReturn(0);
}

static PetscErrorCode View_Transformer(NaModel model, PetscViewer viewer)
{
  NAAM *nm = (NAAM *)model->data;

  PetscFunctionBegin;
  PetscCall(PetscViewerASCIIPrintf(viewer,
                                   "transformer limit (models.md 1.7, [KSK] App. C): N %" PetscInt_FMT
                                   " output neurons, M %" PetscInt_FMT
                                   " clamped inputs, state N (1 + 2 M) = %" PetscInt_FMT " variables; inputs %s\n",
                                   model->N, nm->tl->M, model->nglobal, nm->input));
  PetscCall(NaViewerPrintf(
      viewer,
      "f = -p_ij s_ij, kappa = 0, T uniform (c_T = %g), lambda %g alpha %g gamma %g, tau_n %g tau_s %g tau_p %g, b %g "
      "d "
      "%g, activations g %s psi %s%s\n",
      (double)nm->cT, (double)nm->lambda, (double)nm->alpha, (double)nm->gamma, (double)nm->tau_n, (double)nm->tau_s,
      (double)nm->tau_p, (double)nm->b, (double)nm->d, NaActivationTypes[nm->act[1]], NaActivationTypes[nm->act[2]],
      nm->tl->appc ? " (App. C's instance)" : " (not App. C's instance: its fixed point is not reported)"));
  PetscFunctionReturn(0);
}

static PetscErrorCode Destroy_Transformer(NaModel model)
{
  NAAM            *nm                = (NAAM *)model->data;
  NaamTransformer *tl                = nm->tl;
  PetscErrorCode (*destroy)(NaModel) = tl->destroy;

  PetscFunctionBegin;
  PetscCall(PetscFree5(tl->c, tl->s0, tl->p0, tl->x0, tl->Iin));
  PetscCall(PetscFree2(tl->scratch, tl->rowsum));
  PetscCall(PetscFree(nm->tl));
  PetscCall(destroy(model));
  PetscFunctionReturn(0);
}

/* ------------------------------------------------------------------------------------------------ */

PetscErrorCode NaamTransformerSetUp(NaModel model)
{
  NAAM       *nm = (NAAM *)model->data;
  const char *p  = model->prefix;
  char        value[PETSC_MAX_PATH_LEN];
  PetscBool   set;
  PetscInt    N, M;

  PetscFunctionBegin;
  PetscCall(PetscNew(&nm->tl));
  nm->tl->destroy    = model->ops.destroy;
  model->ops.destroy = Destroy_Transformer; /* from here on the transformer's arrays are freed with the model */
  PetscCall(ReadInput(model));
  PetscCall(NaNetworkGetSize(model->net, &N));
  M        = nm->tl->M;
  model->N = nm->mem.N = N;
  model->K = nm->mem.K = 0;
  nm->ncol             = M;
  nm->sym              = PETSC_FALSE;

  /* App. C's values where the options leave them open: alpha = 0, gamma = N M, c_T = 1, g = psi = identity */
  PetscCall(Given(model, "alpha", value, sizeof value, &set));
  if (!set) nm->alpha = 0;
  PetscCall(Given(model, "gamma", value, sizeof value, &set));
  if (!set) nm->gamma = (PetscReal)N * M;
  if (!nm->cT_set) nm->cT = 1;
  PetscCall(Given(model, "g", value, sizeof value, &set));
  if (!set) nm->act[1] = NA_ACT_IDENTITY;
  PetscCall(Given(model, "psi", value, sizeof value, &set));
  if (!set) nm->act[2] = NA_ACT_IDENTITY;
  PetscCall(Given(model, "beta", value, sizeof value, &set));
  PetscCheck(!set || nm->act[1] == NA_ACT_TANH || nm->act[2] == NA_ACT_TANH, model->comm, PETSC_ERR_USER_INPUT,
             "-%sbeta %s: not read with -%sf transformer and identity activations g and psi (it is their tanh gain)", p,
             value, p);
  nm->g        = (NaActivation){(NaActivationType)nm->act[1], nm->beta};
  nm->psi      = (NaActivation){(NaActivationType)nm->act[2], nm->beta};
  nm->tl->appc = nm->alpha == 0 && nm->gamma == (PetscReal)N * M && nm->cT == 1 && nm->lambda == 1 && nm->b == 0 &&
                         nm->d == 0 && nm->act[1] == NA_ACT_IDENTITY && nm->act[2] == NA_ACT_IDENTITY
                     ? PETSC_TRUE
                     : PETSC_FALSE;

  /* layout: row r = [x_i, s_i., p_i.] */
  PetscCall(PetscMalloc1(nm->nloc + 1, &nm->rowoff));
  for (PetscInt r = 0; r <= nm->nloc; r++) nm->rowoff[r] = r * (1 + 2 * M);
  model->nlocal       = nm->rowoff[nm->nloc];
  model->nglobal      = N * (1 + 2 * M);
  model->mem          = NULL; /* no patterns: no retrieval score, and no energy (App. C's equations have none) */
  model->nocheckpoint = "-naam_f transformer keeps statistics of its series (the largest change of /p_sum) in memory, "
                        "which a resumed run would not carry over";
  model->nseries      = nm->tl->appc ? 3 : 2;
  model->series[0] =
      (NaModelSeries){"p_sum", "total process Ca2+ sum_ij p_ij at each sample (App. C: conserved)", 1, PETSC_FALSE};
  model->series[1] = (NaModelSeries){
      "p_spread", "max_ij p_ij - min_ij p_ij at each sample (App. C: decays as exp(-N M t / tau_p))", 1, PETSC_FALSE};
  model->series[2] =
      (NaModelSeries){"s_error", "max_ij |s_ij - c_ij / p*| / max_ij |c_ij / p*| at each sample, p* = sum p(0) / (N M)",
                      1, PETSC_FALSE};

  model->ops.rhs          = RHS_Transformer;
  model->ops.leak         = Leak_Transformer;
  model->ops.initialstate = InitialState_Transformer;
  model->ops.observe      = NULL;
  model->ops.writestatic  = WriteStatic_Transformer;
  model->ops.sample       = Sample_Transformer;
  model->ops.writeresults = WriteResults_Transformer;
  model->ops.writefinal   = WriteFinal_Transformer;
  model->ops.summary      = Summary_Transformer;
  model->ops.view         = View_Transformer;
  PetscFunctionReturn(0);
}
