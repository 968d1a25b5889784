/* Checkpoints of spiking networks (docs/checkpoint.md): everything a run needs to continue as if never stopped,
 * taken at the end of a slice, when every event of the slice has been delivered into the ring buffers, and laid
 * out by cell and synapse id so that any rank count can read it.
 *   /populations/<pop>/{state [nstate][n], refractory, I_stim, I_sic [n], ring_ex, ring_in, ring_stim,
 *     ring_sic [nring][n], where they exist ring_gen_ex, ring_gen_in, ring_glio_fb [nring][n]}   ring row r holds
 *     what arrives in step (step + r); attribute dt_next
 *   /projections/<k>/{tsodyks [nsyn][4] (x, y, u, t_last), poisson [nsyn] (stream states)}   synapses in order
 *     of target, then source, then creation; tsodyks [nsrc][4] by source where the synapses share it (connect.h)
 *   /rate_bins [npops][nbins], /output/{spikes [npops], samples [ntraces]}   what the output holds
 * The network itself is rebuilt from the network file on restart and checked against the checksum of its
 * synapses and cell parameters stored here; generators and spike trains need nothing beyond the step. */
#define _POSIX_C_SOURCE 200809L
#include "engineimpl.h"
#include "ckptimpl.h"
#include "naerrors.h"
#include "h5util.h"
#include "rng.h"
#include <nastro/nastro.h>
#include <string.h>

#define NA_NETWORK_CHECKPOINT_FORMAT 2 /* 2: tsodyks state per source where synapses share it */

static inline uint64_t Bits(double v)
{
  uint64_t b;
  memcpy(&b, &v, sizeof b);
  return b;
}

/* a checksum of the network as built (every synapse, every cell's parameters), the same on any rank count */
static PetscErrorCode NetworkChecksum(NaEngine e, unsigned long long *sum)
{
  uint64_t local = 0;

  PetscFunctionBegin;
  for (PetscInt k = 0; k < e->nproj; k++) {
    const NaProjection *pr = &e->proj[k];
    for (PetscInt s = 0; s < pr->nsrc; s++)
      for (PetscInt j = pr->off[s]; j < pr->off[s + 1]; j++)
        local +=
            NaMix64(Bits(NaProjWeight(pr, j)) ^
                    NaMix64(((uint64_t)k << 48) ^ ((uint64_t)s << 24) ^ (uint64_t)pr->tgt[j]) ^ (uint64_t)pr->delay);
  }
  for (PetscInt p = 0; p < e->npops; p++) {
    const NaPop *pp = &e->pops[p];
    if (pp->model->kind == NA_CELL_GENERATOR && e->rank) continue; /* replicated: counted once */
    for (PetscInt k = 0; k < pp->model->nparams; k++) {
      const NaTimed *t = NaNetSpecTimed(e->spec, p, pp->model->params[k].name);
      if (t) { /* its values change with time: the table (once) */
        if (e->rank) continue;
        for (PetscInt j = 0; j < t->nt; j++)
          local += NaMix64(Bits(t->table[j]) ^ NaMix64(((uint64_t)p << 48) ^ ((uint64_t)k << 32) ^ (uint64_t)j) ^
                           (uint64_t)t->every ^ ((uint64_t)t->repeat << 40));
        continue;
      }
      for (PetscInt i = 0; i < pp->n; i++)
        local +=
            NaMix64(Bits(pp->par[k][i]) ^ NaMix64(((uint64_t)p << 48) ^ ((uint64_t)k << 32) ^ (uint64_t)(pp->lo + i)));
    }
  }
  PetscCallMPI(MPI_Allreduce(&local, sum, 1, MPI_UNSIGNED_LONG_LONG, MPI_SUM, e->comm));
  PetscFunctionReturn(0);
}

/* the position of each local synapse of pr in the order target, source, creation (local: 0 .. nsyn-1), and the
 * position of this rank's first in the global order (rank blocks of targets increase with the rank) */
static PetscErrorCode SynapseOrder(NaEngine e, const NaProjection *pr, PetscInt **pos, PetscInt64 *first)
{
  const PetscInt nt = pr->thi - pr->tlo;
  PetscInt      *fill;
  PetscInt64     mine = pr->nsyn;

  PetscFunctionBegin;
  PetscCall(PetscMalloc1(PetscMax(pr->nsyn, 1), pos));
  PetscCall(PetscCalloc1(nt + 1, &fill));
  for (PetscInt j = 0; j < pr->nsyn; j++) fill[pr->tgt[j] - pr->tlo + 1]++;
  for (PetscInt t = 0; t < nt; t++) fill[t + 1] += fill[t];
  for (PetscInt s = 0; s < pr->nsrc; s++)
    for (PetscInt j = pr->off[s]; j < pr->off[s + 1]; j++) (*pos)[j] = fill[pr->tgt[j] - pr->tlo]++;
  PetscCall(PetscFree(fill));
  *first = 0;
  PetscCallMPI(MPI_Exscan(&mine, first, 1, MPIU_INT64, MPI_SUM, e->comm));
  if (e->rank == 0) *first = 0;
  PetscFunctionReturn(0);
}

/* collective transfer of rows [row0, row0 + nrows) of a [rows][width] dataset of type to or from data */
static PetscErrorCode TransferRows(hid_t dset, hid_t type, hsize_t row0, hsize_t nrows, hsize_t width, void *data,
                                   PetscBool write, PetscBool *ok)
{
  hid_t   fs, ms, dxpl;
  hsize_t start[2] = {row0, 0}, count[2] = {nrows, width}, n = nrows * width;
  herr_t  status;

  PetscFunctionBegin;
  NaH5Call(fs = H5Dget_space(dset));
  if (n)
    NaH5Call(H5Sselect_hyperslab(fs, H5S_SELECT_SET, start, NULL, count, NULL));
  else
    NaH5Call(H5Sselect_none(fs));
  NaH5Call(ms = H5Screate_simple(1, &n, NULL));
  if (!n) NaH5Call(H5Sselect_none(ms));
  NaH5Call(dxpl = H5Pcreate(H5P_DATASET_XFER));
  NaH5Call(H5Pset_dxpl_mpio(dxpl, H5FD_MPIO_COLLECTIVE));
  status = write ? H5Dwrite(dset, type, ms, fs, dxpl, data) : H5Dread(dset, type, ms, fs, dxpl, data);
  NaH5Call(H5Pclose(dxpl));
  NaH5Call(H5Sclose(ms));
  NaH5Call(H5Sclose(fs));
  if (ok)
    *ok = status >= 0 ? PETSC_TRUE : PETSC_FALSE;
  else
    NaH5Call(status);
  PetscFunctionReturn(0);
}

static PetscErrorCode CreateRows(hid_t loc, const char name[], hid_t type, hsize_t rows, hsize_t width, hid_t *dset)
{
  hsize_t dims[2] = {rows, width};
  hid_t   space;

  PetscFunctionBegin;
  NaH5Call(space = H5Screate_simple(width > 1 ? 2 : 1, dims, NULL));
  NaH5Call(*dset = H5Dcreate2(loc, name, type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
  NaH5Call(H5Sclose(space));
  PetscFunctionReturn(0);
}

/* a small int64 array written whole by rank 0 */
static PetscErrorCode WriteCounts(NaEngine e, hid_t loc, const char name[], hsize_t n, const PetscInt64 *v)
{
  hid_t d;

  PetscFunctionBegin;
  PetscCall(CreateRows(loc, name, H5T_NATIVE_INT64, PetscMax(n, 1), 1, &d));
  if (n) PetscCall(TransferRows(d, H5T_NATIVE_INT64, 0, e->rank == 0 ? n : 0, 1, (void *)v, PETSC_TRUE, NULL));
  NaH5Call(H5Dclose(d));
  PetscFunctionReturn(0);
}

static PetscErrorCode ReadCounts(NaEngine e, hid_t loc, const char name[], hsize_t n, PetscInt64 *v, PetscBool *ok)
{
  hid_t d;

  PetscFunctionBegin;
  *ok = H5Lexists(loc, name, H5P_DEFAULT) > 0 ? PETSC_TRUE : PETSC_FALSE;
  if (!*ok || !n) PetscFunctionReturn(0);
  NaH5Call(d = H5Dopen2(loc, name, H5P_DEFAULT));
  PetscCall(TransferRows(d, H5T_NATIVE_INT64, 0, n, 1, v, PETSC_FALSE, ok));
  NaH5Call(H5Dclose(d));
  (void)e;
  PetscFunctionReturn(0);
}

/* ---- writing -------------------------------------------------------------------------------------------------- */

/* a [rows][N] block of population p: each rank its columns; rows of the ring rotated so row r is step + r */
static PetscErrorCode WritePopArray(NaEngine e, hid_t g, const NaPop *p, const char name[], const double *v,
                                    PetscInt rows, PetscBool ring)
{
  hid_t   d;
  double *rot = NULL;

  PetscFunctionBegin;
  {
    hsize_t dims[2] = {(hsize_t)rows, (hsize_t)p->spec->n};
    hid_t   space;
    NaH5Call(space = H5Screate_simple(2, dims, NULL));
    NaH5Call(d = H5Dcreate2(g, name, H5T_NATIVE_DOUBLE, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
    NaH5Call(H5Sclose(space));
  }
  if (ring) {
    PetscCall(PetscMalloc1((size_t)rows * PetscMax(p->n, 1), &rot));
    for (PetscInt r = 0; r < rows; r++)
      PetscCall(PetscArraycpy(rot + (size_t)r * p->n, v + (size_t)((e->step + r) % e->nring) * p->n, p->n));
    v = rot;
  }
  PetscCall(NaH5WriteBlock(d, 0, p->n ? (hsize_t)rows : 0, (hsize_t)p->lo, (hsize_t)p->n, v));
  PetscCall(PetscFree(rot));
  NaH5Call(H5Dclose(d));
  PetscFunctionReturn(0);
}

static PetscErrorCode WritePopulation(NaEngine e, hid_t pops, const NaPop *p)
{
  hid_t              g;
  const PetscScalar *y;
  double            *refr;

  PetscFunctionBegin;
  NaH5Call(g = H5Gcreate2(pops, p->spec->name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
  PetscCall(NaH5SetAttributeReal(g, "dt_next", p->dt_next));
  PetscCall(VecGetArrayRead(p->Y, &y));
  PetscCall(WritePopArray(e, g, p, "state", y, p->model->nstate, PETSC_FALSE));
  PetscCall(VecRestoreArrayRead(p->Y, &y));
  PetscCall(PetscMalloc1(PetscMax(p->n, 1), &refr));
  for (PetscInt i = 0; i < p->n; i++) refr[i] = (double)p->refr[i];
  PetscCall(WritePopArray(e, g, p, "refractory", refr, 1, PETSC_FALSE));
  PetscCall(PetscFree(refr));
  PetscCall(WritePopArray(e, g, p, "I_stim", p->I_stim, 1, PETSC_FALSE));
  PetscCall(WritePopArray(e, g, p, "I_sic", p->I_sic, 1, PETSC_FALSE));
  PetscCall(WritePopArray(e, g, p, "ring_ex", p->ring_ex, e->nring, PETSC_TRUE));
  PetscCall(WritePopArray(e, g, p, "ring_in", p->ring_in, e->nring, PETSC_TRUE));
  PetscCall(WritePopArray(e, g, p, "ring_stim", p->ring_stim, e->nring, PETSC_TRUE));
  PetscCall(WritePopArray(e, g, p, "ring_sic", p->ring_sic, e->nring, PETSC_TRUE));
  if (p->gen_rings) PetscCall(WritePopArray(e, g, p, "ring_gen_ex", p->ring_gex, e->nring, PETSC_TRUE));
  if (p->gen_rings) PetscCall(WritePopArray(e, g, p, "ring_gen_in", p->ring_gin, e->nring, PETSC_TRUE));
  if (p->fb_ring) PetscCall(WritePopArray(e, g, p, "ring_glio_fb", p->ring_fb, e->nring, PETSC_TRUE));
  NaH5Call(H5Gclose(g));
  PetscFunctionReturn(0);
}

/* the dynamic state of projection k's synapses (tsodyks state, Poisson streams), in global synapse order */
static PetscErrorCode WriteProjection(NaEngine e, hid_t projs, PetscInt k)
{
  const NaProjection *pr = &e->proj[k];
  char                name[32];
  hid_t               g, d;
  PetscInt           *pos;
  PetscInt64          first;

  PetscFunctionBegin;
  if (!pr->tms && !e->poisson[k]) PetscFunctionReturn(0);
  PetscCall(PetscSNPrintf(name, sizeof name, "%" PetscInt_FMT, k));
  NaH5Call(g = H5Gcreate2(projs, name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
  PetscCall(NaH5SetAttributeInt(g, "synapses", pr->nglobal));
  PetscCall(SynapseOrder(e, pr, &pos, &first));
  if (pr->tms) { /* shared: each rank its block of sources (a replicated population's: rank 0 all of them) */
    const PetscInt n = pr->tms_shared ? pr->tms_n : pr->nsyn;
    double        *v;
    PetscCall(PetscMalloc1(4 * (size_t)PetscMax(n, 1), &v));
    for (PetscInt j = 0; j < n; j++) {
      double *o = v + 4 * (size_t)(pr->tms_shared ? j : pos[j]);
      o[0] = pr->tms[j].x, o[1] = pr->tms[j].y, o[2] = pr->tms[j].u, o[3] = pr->tms[j].t_last;
    }
    PetscCall(CreateRows(g, "tsodyks", H5T_NATIVE_DOUBLE, (hsize_t)(pr->tms_shared ? pr->nsrc : pr->nglobal), 4, &d));
    if (pr->tms_shared && e->layout->replicated[pr->src_pop])
      PetscCall(TransferRows(d, H5T_NATIVE_DOUBLE, 0, e->rank ? 0 : (hsize_t)n, 4, v, PETSC_TRUE, NULL));
    else if (pr->tms_shared)
      PetscCall(TransferRows(d, H5T_NATIVE_DOUBLE, (hsize_t)pr->tms_lo, (hsize_t)n, 4, v, PETSC_TRUE, NULL));
    else
      PetscCall(TransferRows(d, H5T_NATIVE_DOUBLE, (hsize_t)first, (hsize_t)n, 4, v, PETSC_TRUE, NULL));
    NaH5Call(H5Dclose(d));
    PetscCall(PetscFree(v));
  }
  if (e->poisson[k]) {
    uint64_t *v;
    PetscCall(PetscMalloc1(PetscMax(pr->nsyn, 1), &v));
    for (PetscInt j = 0; j < pr->nsyn; j++) v[pos[j]] = e->poisson[k][j].s;
    PetscCall(CreateRows(g, "poisson", H5T_NATIVE_UINT64, (hsize_t)pr->nglobal, 1, &d));
    PetscCall(TransferRows(d, H5T_NATIVE_UINT64, (hsize_t)first, (hsize_t)pr->nsyn, 1, v, PETSC_TRUE, NULL));
    NaH5Call(H5Dclose(d));
    PetscCall(PetscFree(v));
  }
  PetscCall(PetscFree(pos));
  NaH5Call(H5Gclose(g));
  PetscFunctionReturn(0);
}

static PetscErrorCode WriteFile(MPI_Comm comm, const char tmp[], void *ctx, hid_t *fileout)
{
  NaEngine           e = (NaEngine)ctx;
  hid_t              file, g;
  char              *opts;
  unsigned long long net, out;
  PetscInt64        *samples;

  PetscFunctionBegin;
  PetscCall(NetworkChecksum(e, &net));
  PetscCallMPI(MPI_Allreduce(&e->out_sum, &out, 1, MPI_UNSIGNED_LONG_LONG, MPI_SUM, comm));
  PetscCall(NaH5FileOpen(comm, tmp, PETSC_TRUE, &file));
  *fileout = file;
  PetscCheck(file >= 0, comm, PETSC_ERR_FILE_WRITE, "checkpoint %s: cannot create the file", tmp);
  PetscCall(NaH5SetAttributeInt(file, "complete", 0));
  PetscCall(NaH5SetAttributeInt(file, "format_version", NA_NETWORK_CHECKPOINT_FORMAT));
  PetscCall(NaH5SetAttributeString(file, "model", "network"));
  PetscCall(NaH5SetAttributeString(file, "nastro_version", NaVersion()));
  PetscCall(NaH5SetAttributeInt(file, "mpi_ranks", e->size));
  PetscCall(PetscOptionsGetAll(NULL, &opts));
  PetscCall(NaH5SetAttributeString(file, "options", opts));
  PetscCall(PetscFree(opts));
  PetscCall(NaH5SetAttributeString(file, "network", e->spec->path));
  PetscCall(NaH5SetAttributeInt(file, "network_checksum", (long long)net));
  PetscCall(NaH5SetAttributeInt(file, "step", e->step));
  PetscCall(NaH5SetAttributeReal(file, "time", e->step * e->h));
  PetscCall(NaH5SetAttributeReal(file, "resolution", e->h));
  PetscCall(NaH5SetAttributeInt(file, "ring_slots", e->nring));
  PetscCall(NaH5SetAttributeInt(file, "next_checkpoint_step", e->ck_next));
  PetscCall(NaH5SetAttributeInt(file, "spikes_total", e->total_spikes));
  PetscCall(NaH5SetAttributeString(file, "output", e->output));
  PetscCall(NaH5SetAttributeInt(file, "output_checksum", (long long)out));
  PetscCall(NaH5SetAttributeString(file, "description",
                                   "nastro checkpoint of a spiking network, laid out by cell and synapse id "
                                   "(docs/checkpoint.md); complete = 1 only once fully written"));
  NaH5Call(g = H5Gcreate2(file, "populations", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
  for (PetscInt p = 0; p < e->npops; p++)
    if (e->pops[p].ts) PetscCall(WritePopulation(e, g, &e->pops[p]));
  NaH5Call(H5Gclose(g));
  NaH5Call(g = H5Gcreate2(file, "projections", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
  for (PetscInt k = 0; k < e->nproj; k++) PetscCall(WriteProjection(e, g, k));
  NaH5Call(H5Gclose(g));
  PetscCall(NaH5SetAttributeInt(file, "rate_bins_per_population", e->nbins));
  PetscCall(WriteCounts(e, file, "rate_bins", (hsize_t)(e->npops * e->nbins), e->bins));
  NaH5Call(g = H5Gcreate2(file, "output", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
  PetscCall(WriteCounts(e, g, "spikes", (hsize_t)e->npops, e->spk_pop));
  PetscCall(PetscMalloc1(PetscMax(e->ntraces, 1), &samples));
  for (PetscInt k = 0; k < e->ntraces; k++) samples[k] = (PetscInt64)e->traces[k].written;
  PetscCall(WriteCounts(e, g, "samples", (hsize_t)e->ntraces, samples));
  PetscCall(PetscFree(samples));
  NaH5Call(H5Gclose(g));
  PetscCall(NaCheckpointTestDelay());
  PetscCall(NaH5SetAttributeInt(file, "complete", 1));
  NaH5Call(H5Fflush(file, H5F_SCOPE_GLOBAL));
  NaH5Call(H5Fclose(file));
  PetscFunctionReturn(0);
}

/* the bytes a checkpoint takes, for the free-space check */
static double Bytes(NaEngine e)
{
  double b = 65536;
  for (PetscInt p = 0; p < e->npops; p++)
    if (e->pops[p].ts) b += 8.0 * e->spec->pops[p].n * (e->pops[p].model->nstate + 3 + 4 * e->nring);
  for (PetscInt k = 0; k < e->nproj; k++)
    b += (e->proj[k].tms ? 32.0 * (e->proj[k].tms_shared ? e->proj[k].nsrc : e->proj[k].nglobal) : 0) +
         (e->poisson[k] ? 8.0 * e->proj[k].nglobal : 0);
  return b + 8.0 * e->npops * e->nbins;
}

PetscErrorCode NaEngineCheckpointWrite(NaEngine e)
{
  PetscFunctionBegin;
  PetscCall(NaEngineOutputFlush(e)); /* the output holds everything the checkpoint counts */
  PetscCall(NaCheckpointPublish(e->comm, e->ck.dir, e->ck.keep, e->step, Bytes(e), WriteFile, e));
  PetscFunctionReturn(0);
}

/* ---- reading -------------------------------------------------------------------------------------------------- */

typedef struct {
  NaEngine           e;
  PetscInt64        *spikes, *samples; /* what the output held */
  PetscInt64        *bins, nbins;      /* rate bins [npops][nbins] of this run (t_stop may have changed) */
  unsigned long long out_sum;
  char               output[PETSC_MAX_PATH_LEN];
} Restart;

/* reads a [rows][N] block of population p into v (ring: rotated back to slots), *ok false when unreadable */
static PetscErrorCode ReadPopArray(NaEngine e, hid_t g, const NaPop *p, const char name[], double *v, PetscInt rows,
                                   PetscBool ring, PetscBool *ok)
{
  hid_t   d;
  double *rot = NULL;

  PetscFunctionBegin;
  *ok = H5Lexists(g, name, H5P_DEFAULT) > 0 ? PETSC_TRUE : PETSC_FALSE;
  if (!*ok) PetscFunctionReturn(0);
  NaH5Call(d = H5Dopen2(g, name, H5P_DEFAULT));
  if (ring) PetscCall(PetscMalloc1((size_t)rows * PetscMax(p->n, 1), &rot));
  PetscCall(NaH5ReadBlock(d, 0, p->n ? (hsize_t)rows : 0, (hsize_t)p->lo, (hsize_t)p->n, ring ? rot : v, ok));
  NaH5Call(H5Dclose(d));
  if (ring) {
    for (PetscInt r = 0; r < rows; r++)
      PetscCall(PetscArraycpy(v + (size_t)((e->step + r) % e->nring) * p->n, rot + (size_t)r * p->n, p->n));
    PetscCall(PetscFree(rot));
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode ReadPopulation(NaEngine e, hid_t pops, NaPop *p, PetscBool *ok)
{
  hid_t        g;
  PetscScalar *y;
  double      *refr;
  PetscBool    found, good = PETSC_TRUE;

  PetscFunctionBegin;
  *ok = H5Lexists(pops, p->spec->name, H5P_DEFAULT) > 0 ? PETSC_TRUE : PETSC_FALSE;
  if (!*ok) PetscFunctionReturn(0);
  NaH5Call(g = H5Gopen2(pops, p->spec->name, H5P_DEFAULT));
  PetscCall(NaH5ReadAttribute(g, "dt_next", H5T_NATIVE_DOUBLE, &p->dt_next, &found));
  PetscCall(VecGetArray(p->Y, &y));
  PetscCall(ReadPopArray(e, g, p, "state", y, p->model->nstate, PETSC_FALSE, ok));
  PetscCall(VecRestoreArray(p->Y, &y));
  PetscCall(PetscMalloc1(PetscMax(p->n, 1), &refr));
  PetscCall(ReadPopArray(e, g, p, "refractory", refr, 1, PETSC_FALSE, &good));
  *ok = (PetscBool)(*ok && good);
  for (PetscInt i = 0; i < p->n; i++) p->refr[i] = (PetscInt)refr[i];
  PetscCall(PetscFree(refr));
  PetscCall(ReadPopArray(e, g, p, "I_stim", p->I_stim, 1, PETSC_FALSE, &good));
  *ok = (PetscBool)(*ok && good);
  PetscCall(ReadPopArray(e, g, p, "I_sic", p->I_sic, 1, PETSC_FALSE, &good));
  *ok = (PetscBool)(*ok && good);
  PetscCall(ReadPopArray(e, g, p, "ring_ex", p->ring_ex, e->nring, PETSC_TRUE, &good));
  *ok = (PetscBool)(*ok && good);
  PetscCall(ReadPopArray(e, g, p, "ring_in", p->ring_in, e->nring, PETSC_TRUE, &good));
  *ok = (PetscBool)(*ok && good);
  PetscCall(ReadPopArray(e, g, p, "ring_stim", p->ring_stim, e->nring, PETSC_TRUE, &good));
  *ok = (PetscBool)(*ok && good);
  PetscCall(ReadPopArray(e, g, p, "ring_sic", p->ring_sic, e->nring, PETSC_TRUE, &good));
  *ok = (PetscBool)(*ok && good && found);
  /* the generators' and the closed-loop glutamate's rings (a checkpoint of a build that summed them into ring_ex
   * and ring_in has none: zero) */
  if (p->gen_rings) PetscCall(ReadPopArray(e, g, p, "ring_gen_ex", p->ring_gex, e->nring, PETSC_TRUE, &good));
  if (p->gen_rings) PetscCall(ReadPopArray(e, g, p, "ring_gen_in", p->ring_gin, e->nring, PETSC_TRUE, &good));
  if (p->fb_ring) PetscCall(ReadPopArray(e, g, p, "ring_glio_fb", p->ring_fb, e->nring, PETSC_TRUE, &good));
  NaH5Call(H5Gclose(g));
  PetscFunctionReturn(0);
}

static PetscErrorCode ReadProjection(NaEngine e, hid_t projs, PetscInt k, PetscBool *ok)
{
  NaProjection *pr = &e->proj[k];
  char          name[32];
  hid_t         g, d;
  PetscInt     *pos;
  PetscInt64    first;
  PetscBool     good = PETSC_TRUE;

  PetscFunctionBegin;
  *ok = PETSC_TRUE;
  if (!pr->tms && !e->poisson[k]) PetscFunctionReturn(0);
  PetscCall(PetscSNPrintf(name, sizeof name, "%" PetscInt_FMT, k));
  *ok = H5Lexists(projs, name, H5P_DEFAULT) > 0 ? PETSC_TRUE : PETSC_FALSE;
  if (!*ok) PetscFunctionReturn(0);
  NaH5Call(g = H5Gopen2(projs, name, H5P_DEFAULT));
  PetscCall(SynapseOrder(e, pr, &pos, &first));
  if (pr->tms) { /* shared: each rank its block of sources (a replicated population's: all) */
    const PetscInt n = pr->tms_shared ? pr->tms_n : pr->nsyn;
    double        *v;
    PetscCall(PetscMalloc1(4 * (size_t)PetscMax(n, 1), &v));
    good = H5Lexists(g, "tsodyks", H5P_DEFAULT) > 0 ? PETSC_TRUE : PETSC_FALSE;
    if (good) {
      NaH5Call(d = H5Dopen2(g, "tsodyks", H5P_DEFAULT));
      PetscCall(TransferRows(d, H5T_NATIVE_DOUBLE, pr->tms_shared ? (hsize_t)pr->tms_lo : (hsize_t)first, (hsize_t)n, 4,
                             v, PETSC_FALSE, &good));
      NaH5Call(H5Dclose(d));
    }
    for (PetscInt j = 0; good && j < n; j++) {
      const double *o = v + 4 * (size_t)(pr->tms_shared ? j : pos[j]);
      pr->tms[j].x = o[0], pr->tms[j].y = o[1], pr->tms[j].u = o[2], pr->tms[j].t_last = o[3];
    }
    PetscCall(PetscFree(v));
    *ok = (PetscBool)(*ok && good);
  }
  if (e->poisson[k]) {
    uint64_t *v;
    PetscCall(PetscMalloc1(PetscMax(pr->nsyn, 1), &v));
    good = H5Lexists(g, "poisson", H5P_DEFAULT) > 0 ? PETSC_TRUE : PETSC_FALSE;
    if (good) {
      NaH5Call(d = H5Dopen2(g, "poisson", H5P_DEFAULT));
      PetscCall(TransferRows(d, H5T_NATIVE_UINT64, (hsize_t)first, (hsize_t)pr->nsyn, 1, v, PETSC_FALSE, &good));
      NaH5Call(H5Dclose(d));
    }
    for (PetscInt j = 0; good && j < pr->nsyn; j++) e->poisson[k][j].s = v[pos[j]];
    PetscCall(PetscFree(v));
    *ok = (PetscBool)(*ok && good);
  }
  PetscCall(PetscFree(pos));
  NaH5Call(H5Gclose(g));
  PetscFunctionReturn(0);
}

#define FAIL(...)                                                                                                      \
  do {                                                                                                                 \
    H5Fclose(file);                                                                                                    \
    NaSETERRQ(comm, PETSC_ERR_FILE_UNEXPECTED, __VA_ARGS__);                                                           \
  } while (0)

/* all ranks agree whether every rank's part was readable */
static PetscBool AllOk(MPI_Comm comm, PetscBool ok)
{
  PetscBool all = PETSC_FALSE;
  MPI_Allreduce(&ok, &all, 1, MPIU_BOOL, MPI_LAND, comm);
  return all;
}

static PetscErrorCode ReadOne(MPI_Comm comm, const char path[], void *ctx)
{
  Restart           *rs = (Restart *)ctx;
  NaEngine           e  = rs->e;
  hid_t              file, g;
  long long          complete = 0, version = 0, step = 0, next = 0, total = 0, nring = 0, net = 0, out = 0;
  char               model[64];
  double             h = 0;
  PetscBool          found, ok = PETSC_TRUE;
  unsigned long long mine;

  PetscFunctionBegin;
  PetscCall(NaH5FileOpen(comm, path, PETSC_FALSE, &file));
  PetscCheck(file >= 0, comm, PETSC_ERR_FILE_READ,
             "checkpoint %s: cannot be opened as HDF5 (missing, truncated or corrupted)", path);
  PetscCall(NaH5ReadAttribute(file, "complete", H5T_NATIVE_LLONG, &complete, &found));
  if (!found || complete != 1) FAIL("checkpoint %s: incomplete (its writer did not finish)", path);
  PetscCall(NaH5ReadAttributeString(file, "model", model, sizeof model, &found));
  if (strcmp(model, "network"))
    FAIL("checkpoint %s: written by -model %s, not by a network run", path, model[0] ? model : "(unknown)");
  PetscCall(NaH5ReadAttribute(file, "format_version", H5T_NATIVE_LLONG, &version, &found));
  if (version != NA_NETWORK_CHECKPOINT_FORMAT)
    FAIL("checkpoint %s: network format version %lld, this nastro reads version %d", path, version,
         NA_NETWORK_CHECKPOINT_FORMAT);
  PetscCall(NaH5ReadAttribute(file, "network_checksum", H5T_NATIVE_LLONG, &net, &found));
  PetscCall(NetworkChecksum(e, &mine));
  if (!found || (unsigned long long)net != mine)
    FAIL("checkpoint %s: its network differs from the one %s builds (another file, seed, size or parameter)", path,
         e->spec->path);
  PetscCall(NaH5ReadAttribute(file, "resolution", H5T_NATIVE_DOUBLE, &h, &found));
  PetscCall(NaH5ReadAttribute(file, "ring_slots", H5T_NATIVE_LLONG, &nring, &found));
  if (h != e->h || nring != e->nring)
    FAIL("checkpoint %s: resolution %g ms and %lld ring slots; this network has %g ms and %d", path, h, nring, e->h,
         (int)e->nring);
  PetscCall(NaH5ReadAttribute(file, "step", H5T_NATIVE_LLONG, &step, &found));
  if (step > e->nsteps)
    FAIL("checkpoint %s: taken at t = %g ms, past this run's t_stop %g ms", path, step * e->h, e->spec->t_stop);
  PetscCall(NaH5ReadAttribute(file, "next_checkpoint_step", H5T_NATIVE_LLONG, &next, &found));
  PetscCall(NaH5ReadAttribute(file, "spikes_total", H5T_NATIVE_LLONG, &total, &found));
  PetscCall(NaH5ReadAttribute(file, "output_checksum", H5T_NATIVE_LLONG, &out, &found));
  PetscCall(NaH5ReadAttributeString(file, "output", rs->output, sizeof rs->output, &found));
  e->step         = step;
  e->ck_next      = next;
  e->total_spikes = total;
  rs->out_sum     = (unsigned long long)out;

  NaH5Call(g = H5Gopen2(file, "populations", H5P_DEFAULT));
  for (PetscInt p = 0; p < e->npops && ok; p++)
    if (e->pops[p].ts) PetscCall(ReadPopulation(e, g, &e->pops[p], &ok));
  NaH5Call(H5Gclose(g));
  if (!AllOk(comm, ok)) FAIL("checkpoint %s: its cell states cannot be read (truncated or corrupted)", path);
  NaH5Call(g = H5Gopen2(file, "projections", H5P_DEFAULT));
  for (PetscInt k = 0; k < e->nproj && ok; k++) PetscCall(ReadProjection(e, g, k, &ok));
  NaH5Call(H5Gclose(g));
  if (!AllOk(comm, ok)) FAIL("checkpoint %s: its synapse states cannot be read (truncated or corrupted)", path);
  {
    long long   nb = 0;
    PetscInt64 *all;
    PetscCall(NaH5ReadAttribute(file, "rate_bins_per_population", H5T_NATIVE_LLONG, &nb, &found));
    PetscCall(PetscCalloc1(PetscMax(e->npops * nb, 1), &all));
    PetscCall(ReadCounts(e, file, "rate_bins", (hsize_t)(e->npops * nb), all, &ok));
    for (PetscInt p = 0; p < e->npops; p++)
      for (PetscInt64 b = 0; b < PetscMin(nb, rs->nbins); b++) rs->bins[p * rs->nbins + b] = all[p * nb + b];
    PetscCall(PetscFree(all));
    if (!AllOk(comm, ok && found)) FAIL("checkpoint %s: its rate bins cannot be read", path);
  }
  NaH5Call(g = H5Gopen2(file, "output", H5P_DEFAULT));
  PetscCall(ReadCounts(e, g, "spikes", (hsize_t)e->npops, rs->spikes, &ok));
  if (ok) PetscCall(ReadCounts(e, g, "samples", (hsize_t)e->spec->ntraces, rs->samples, &ok));
  NaH5Call(H5Gclose(g));
  if (!AllOk(comm, ok)) FAIL("checkpoint %s: its output counts cannot be read", path);
  H5Fclose(file);
  PetscFunctionReturn(0);
}

/* after the network is built and before the run: the state of the checkpoint at e->ck.restart, then the output
 * rebuilt from what the checkpoint counts */
PetscErrorCode NaEngineCheckpointRead(NaEngine e)
{
  Restart rs = {e, NULL, NULL, NULL, 0, 0, ""};

  PetscFunctionBegin;
  rs.nbins = NaEngineRateBins(e);
  PetscCall(PetscCalloc3(e->npops, &rs.spikes, PetscMax(e->spec->ntraces, 1), &rs.samples,
                         PetscMax(e->npops * rs.nbins, 1), &rs.bins));
  PetscCall(NaCheckpointFind(e->comm, e->ck.restart, ReadOne, &rs));
  if (!e->output_set) PetscCall(PetscStrncpy(e->output, rs.output, sizeof e->output));
  /* spike trains resume at the first spike not yet emitted */
  for (PetscInt p = 0; p < e->npops; p++) {
    NaPop *g   = &e->pops[p];
    g->sg_next = 0;
    while (g->sg_next < g->spec->nspikes && llround(g->spec->spike_times[g->sg_next] / e->h) - 1 < e->step)
      g->sg_next++;
  }
  PetscCall(NaEngineOutputResume(e, rs.spikes, rs.samples, rs.out_sum));
  PetscCall(PetscArraycpy(e->bins, rs.bins, e->npops * rs.nbins));
  PetscCall(PetscFree3(rs.spikes, rs.samples, rs.bins));
  e->restarted = PETSC_TRUE;
  PetscFunctionReturn(0);
}
