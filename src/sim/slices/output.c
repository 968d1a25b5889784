/* The output of a spiking network run: one HDF5 file written collectively (docs/output-format.md).
 *   /spikes/<population>/{timestamps [ms], node_ids}   SONATA spike report, sorted by time (attribute sorting)
 *   /traces/<population>/{time, node_ids, <variable>}  [sample][cell], sampled at the end of a step
 *   /rates/<population>, /rates/time                   population rate per bin of -rate_bin ms [Hz]
 *   /populations/<population>, /network                attributes: models, sizes, synapses per projection
 *   /network_file                                      the network file verbatim
 * Root attributes say what produced the file; complete = 1 is written last. Every rank holds the slice's spikes
 * after the exchange, so counts and rates are computed identically everywhere and rank 0 writes the spikes. */
#include "engineimpl.h"
#include "h5util.h"
#include "naerrors.h"
#include "rng.h"
#include <nastro/nastro.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* samples buffered per trace before a collective write: about NA_TRACE_BUFFER_VALUES values of the whole trace
 * (over all ranks, so every rank flushes at the same sample), at least 64 and at most 4096 samples */
#define NA_TRACE_BUFFER_VALUES 131072
#define NA_COPY_ROWS 4096       /* rows copied at a time when a resumed run rebuilds its output */
#define NA_SPIKE_BUFFER 1048576 /* recorded spikes buffered on rank 0 before they are appended */

/* The output checksum (checked when a resumed run rebuilds its output): the sum over every value written of a mix
 * of its bits with what it is and where it sits, so it does not depend on which rank wrote it, nor when. */
static inline uint64_t Bits(double v)
{
  uint64_t b;
  memcpy(&b, &v, sizeof b);
  return b;
}

/* trace k's series v (-1: its time) at row r, column c of nall */
static inline uint64_t TraceDigest(PetscInt k, PetscInt v, hsize_t r, hsize_t c, hsize_t nall, double x)
{
  return NaMix64(Bits(x) ^ NaMix64(NaMix64((uint64_t)(k * 1021 + v + 1)) + r * nall + c));
}

/* the spike at position i of population p's report */
static inline uint64_t SpikeDigest(PetscInt p, hsize_t i, double t, uint64_t id)
{
  return NaMix64(Bits(t) ^ NaMix64(id + NaMix64(i ^ NaMix64((uint64_t)p + 0x5bd1e995ULL))));
}

/* a 1-d extendible dataset of type (chunked by 4096) */
static PetscErrorCode Create1D(hid_t loc, const char name[], hid_t type, const char description[], const char units[],
                               hid_t *dset)
{
  hsize_t dims = 0, maxdims = H5S_UNLIMITED, chunk = 4096;
  hid_t   space, dcpl;

  PetscFunctionBegin;
  NaH5Call(dcpl = H5Pcreate(H5P_DATASET_CREATE));
  NaH5Call(H5Pset_chunk(dcpl, 1, &chunk));
  NaH5Call(space = H5Screate_simple(1, &dims, &maxdims));
  NaH5Call(*dset = H5Dcreate2(loc, name, type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT));
  NaH5Call(H5Sclose(space));
  NaH5Call(H5Pclose(dcpl));
  if (description) PetscCall(NaH5SetAttributeString(*dset, "description", description));
  if (units) PetscCall(NaH5SetAttributeString(*dset, "units", units));
  PetscFunctionReturn(0);
}

/* extends a 1-d dataset from n0 to n0 + n (collective) and writes data there from this rank if write */
static PetscErrorCode Append1D(hid_t dset, hid_t type, hsize_t n0, hsize_t n, const void *data, PetscBool write)
{
  hsize_t size = n0 + n;
  hid_t   fspace, mspace;

  PetscFunctionBegin;
  if (!n) PetscFunctionReturn(0);
  NaH5Call(H5Dset_extent(dset, &size));
  if (!write) PetscFunctionReturn(0);
  NaH5Call(fspace = H5Dget_space(dset));
  NaH5Call(H5Sselect_hyperslab(fspace, H5S_SELECT_SET, &n0, NULL, &n, NULL));
  NaH5Call(mspace = H5Screate_simple(1, &n, NULL));
  NaH5Call(H5Dwrite(dset, type, mspace, fspace, H5P_DEFAULT, data));
  NaH5Call(H5Sclose(mspace));
  NaH5Call(H5Sclose(fspace));
  PetscFunctionReturn(0);
}

/* SONATA's sorting attribute: an enum none / by_id / by_time */
static PetscErrorCode SetSorting(hid_t group)
{
  hid_t         type, space, attr;
  unsigned char v[3] = {0, 1, 2};

  PetscFunctionBegin;
  NaH5Call(type = H5Tenum_create(H5T_NATIVE_UINT8));
  NaH5Call(H5Tenum_insert(type, "none", &v[0]));
  NaH5Call(H5Tenum_insert(type, "by_id", &v[1]));
  NaH5Call(H5Tenum_insert(type, "by_time", &v[2]));
  NaH5Call(space = H5Screate(H5S_SCALAR));
  NaH5Call(attr = H5Acreate2(group, "sorting", type, space, H5P_DEFAULT, H5P_DEFAULT));
  NaH5Call(H5Awrite(attr, type, &v[2]));
  NaH5Call(H5Aclose(attr));
  NaH5Call(H5Sclose(space));
  NaH5Call(H5Tclose(type));
  PetscFunctionReturn(0);
}

static PetscErrorCode WriteText(NaEngine e, const char name[], const char text[])
{
  hid_t  type, space, dset;
  size_t len = strlen(text);

  PetscFunctionBegin;
  NaH5Call(type = H5Tcopy(H5T_C_S1));
  NaH5Call(H5Tset_size(type, len ? len : 1));
  NaH5Call(space = H5Screate(H5S_SCALAR));
  NaH5Call(dset = H5Dcreate2(e->file, name, type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
  if (e->rank == 0) NaH5Call(H5Dwrite(dset, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, len ? text : " "));
  NaH5Call(H5Dclose(dset));
  NaH5Call(H5Sclose(space));
  NaH5Call(H5Tclose(type));
  PetscFunctionReturn(0);
}

static PetscErrorCode RootAttributes(NaEngine e)
{
  char  *opts, stamp[64];
  time_t now = time(NULL);

  PetscFunctionBegin;
  PetscCall(NaH5SetAttributeInt(e->file, "complete", 0));
  PetscCall(NaH5SetAttributeString(e->file, "nastro_version", NaVersion()));
  PetscCall(NaH5SetAttributeString(e->file, "model", "network"));
  PetscCall(PetscOptionsGetAll(NULL, &opts));
  PetscCall(NaH5SetAttributeString(e->file, "options", opts));
  PetscCall(PetscFree(opts));
  PetscCall(NaH5SetAttributeInt(e->file, "mpi_ranks", e->size));
  PetscCallMPI(MPI_Bcast(&now, sizeof(now), MPI_BYTE, 0, e->comm));
  strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
  PetscCall(NaH5SetAttributeString(e->file, "start_time", stamp));
  PetscCall(NaH5SetAttributeString(e->file, "network", e->spec->path));
  PetscCall(NaH5SetAttributeString(e->file, "network_set", e->overrides));
  PetscCall(NaH5SetAttributeReal(e->file, "resolution", e->h));
  PetscCall(NaH5SetAttributeReal(e->file, "t_stop", e->spec->t_stop));
  PetscCall(NaH5SetAttributeInt(e->file, "seed", (long long)e->spec->seed));
  PetscCall(NaH5SetAttributeReal(e->file, "d_min", e->dmin * e->h));
  PetscCall(NaH5SetAttributeString(
      e->file, "description",
      "nastro run of a spiking neuron-astrocyte network (docs/networks.md). Units are NEST's: ms, mV, pA, nS, uM. "
      "Root attribute complete = 1 only if the run finished."));
  PetscCall(WriteText(e, "network_file", e->spec->text));
  PetscFunctionReturn(0);
}

static PetscErrorCode TraceCreate(NaEngine e, const NaTraceSpec *ts, NaTrace *tr)
{
  const NaPop       *p = &e->pops[ts->pop];
  const NaCellModel *m = p->model;
  char               name[128];
  hsize_t            dims[2];
  hid_t              traces;

  PetscFunctionBegin;
  tr->spec  = ts;
  tr->index = (PetscInt)(ts - e->spec->traces);
  tr->every = (PetscInt)llround(ts->interval / e->h);
  tr->nall  = ts->ncells < 0 ? p->spec->n : ts->ncells;
  /* the recorded cells are sorted, so this rank's are one run of columns */
  tr->col0 = tr->ncols = 0;
  for (PetscInt c = 0; c < tr->nall; c++) {
    const PetscInt cell = ts->ncells < 0 ? c : ts->cells[c];
    if (cell < p->lo)
      tr->col0 = c + 1;
    else if (cell < p->lo + p->n)
      tr->ncols++;
  }
  tr->cap = (PetscInt)PetscMax(64, PetscMin(4096, NA_TRACE_BUFFER_VALUES / ((PetscInt64)ts->nvars * tr->nall)));
  PetscCall(
      PetscMalloc4(PetscMax(tr->ncols, 1), &tr->local, ts->nvars, &tr->var, ts->nvars, &tr->dset, tr->cap, &tr->tbuf));
  PetscCall(PetscMalloc1((size_t)tr->cap * ts->nvars * PetscMax(tr->ncols, 1), &tr->buf));
  for (PetscInt c = 0; c < tr->ncols; c++)
    tr->local[c] = (ts->ncells < 0 ? tr->col0 + c : ts->cells[tr->col0 + c]) - p->lo;
  for (PetscInt v = 0; v < ts->nvars; v++) /* -1: I_SIC, -2: J_coupling */
    tr->var[v] = !strcmp(ts->vars[v], "J_coupling") ? -2 : NaCellModelStateIndex(m, ts->vars[v]);

  traces = H5Lexists(e->file, "traces", H5P_DEFAULT) > 0
               ? H5Gopen2(e->file, "traces", H5P_DEFAULT)
               : H5Gcreate2(e->file, "traces", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  NaH5Call(traces);
  PetscCheck(H5Lexists(traces, p->spec->name, H5P_DEFAULT) <= 0, e->comm, PETSC_ERR_USER_INPUT,
             "%s: record.traces: population %s is listed twice; list all its variables in one entry", e->spec->path,
             p->spec->name);
  NaH5Call(tr->group = H5Gcreate2(traces, p->spec->name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
  NaH5Call(H5Gclose(traces));
  PetscCall(NaH5SetAttributeReal(tr->group, "interval", ts->interval));
  PetscCall(NaH5SetAttributeString(tr->group, "model", m->name));
  dims[0] = 0;
  dims[1] = (hsize_t)tr->nall;
  PetscCall(NaH5CreateDataset(tr->group, "time", 1, dims, PETSC_TRUE, "end of the step at which each sample was taken",
                              "ms", &tr->time));
  {
    hid_t       ids;
    PetscInt64 *v;
    PetscCall(PetscMalloc1(tr->nall, &v));
    for (PetscInt c = 0; c < tr->nall; c++) v[c] = ts->ncells < 0 ? c : ts->cells[c];
    PetscCall(Create1D(tr->group, "node_ids", H5T_NATIVE_INT64, "cells of the population, one per column", NULL, &ids));
    PetscCall(Append1D(ids, H5T_NATIVE_INT64, 0, (hsize_t)tr->nall, v, e->rank == 0));
    NaH5Call(H5Dclose(ids));
    PetscCall(PetscFree(v));
  }
  for (PetscInt v = 0; v < ts->nvars; v++) {
    const PetscInt k    = tr->var[v];
    const char    *unit = k >= 0 ? m->state[k].unit : k == -2 ? "uM/ms" : "pA";
    PetscCall(PetscSNPrintf(name, sizeof name, "%s, [sample][cell]",
                            k >= 0    ? m->state[k].help
                            : k == -2 ? "IP3 flux through gap junctions, held over the step that ends at the sample"
                                      : "slow inward current"));
    PetscCall(NaH5CreateDataset(tr->group, ts->vars[v], 2, dims, PETSC_TRUE, name, unit, &tr->dset[v]));
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode TraceFlush(NaEngine e, NaTrace *tr)
{
  const PetscInt nv = tr->spec->nvars, nb = tr->nbuf;
  hsize_t        dims[2] = {tr->written + (hsize_t)nb, (hsize_t)tr->nall};
  double        *block;

  PetscFunctionBegin;
  if (!nb) PetscFunctionReturn(0);
  NaH5Call(H5Dset_extent(tr->time, dims));
  PetscCall(NaH5WriteBlock(tr->time, tr->written, e->rank == 0 ? nb : 0, 0, e->rank == 0 ? 1 : 0, tr->tbuf));
  if (e->rank == 0)
    for (PetscInt s = 0; s < nb; s++) e->out_sum += TraceDigest(tr->index, -1, tr->written + s, 0, 1, tr->tbuf[s]);
  PetscCall(PetscMalloc1((size_t)nb * PetscMax(tr->ncols, 1), &block));
  for (PetscInt v = 0; v < nv; v++) {
    for (PetscInt s = 0; s < nb; s++)
      for (PetscInt c = 0; c < tr->ncols; c++) {
        const double x                   = tr->buf[((size_t)s * nv + v) * tr->ncols + c];
        block[(size_t)s * tr->ncols + c] = x;
        e->out_sum += TraceDigest(tr->index, v, tr->written + s, (hsize_t)(tr->col0 + c), (hsize_t)tr->nall, x);
      }
    NaH5Call(H5Dset_extent(tr->dset[v], dims));
    PetscCall(NaH5WriteBlock(tr->dset[v], tr->written, tr->ncols ? nb : 0, tr->col0, tr->ncols, block));
  }
  PetscCall(PetscFree(block));
  tr->written += nb;
  tr->nbuf = 0;
  PetscFunctionReturn(0);
}

/* /populations/<pop>/positions [n][3], um: each rank writes its block */
static PetscErrorCode WritePositions(NaEngine e, PetscInt p, hid_t g)
{
  const NaPop  *P       = &e->pops[p];
  const hsize_t dims[2] = {(hsize_t)e->spec->pops[p].n, 3};
  double       *xyz;
  hid_t         d;

  PetscFunctionBegin;
  PetscCall(NaH5CreateDataset(g, "positions", 2, dims, PETSC_FALSE, "x, y, z of each cell", "um", &d));
  PetscCall(PetscMalloc1(3 * (size_t)PetscMax(P->n, 1), &xyz));
  for (PetscInt i = 0; i < P->n; i++) NaNetSpecPosition(e->spec, p, P->lo + i, xyz + 3 * i);
  PetscCall(NaH5WriteRows(d, (hsize_t)P->lo, (hsize_t)P->n, xyz));
  PetscCall(PetscFree(xyz));
  NaH5Call(H5Dclose(d));
  PetscFunctionReturn(0);
}

/* the output file at path (the run's -o, or the copy a resumed run rebuilds) with its groups and datasets */
static PetscErrorCode CreateAt(NaEngine e, const char path[])
{
  hid_t g, pops;

  PetscFunctionBegin;
  PetscCall(NaH5FileOpen(e->comm, path, PETSC_TRUE, &e->file));
  PetscCheck(e->file >= 0, e->comm, PETSC_ERR_FILE_WRITE,
             "-o %s: cannot create the output file (missing directory or no permission?)", path);
  PetscCall(RootAttributes(e));
  NaH5Call(pops = H5Gcreate2(e->file, "populations", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
  for (PetscInt p = 0; p < e->npops; p++) {
    NaH5Call(g = H5Gcreate2(pops, e->spec->pops[p].name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
    PetscCall(NaH5SetAttributeString(g, "model", e->spec->pops[p].model->name));
    PetscCall(NaH5SetAttributeInt(g, "n", e->spec->pops[p].n));
    PetscCall(NaH5SetAttributeInt(g, "first_global_id", e->layout->offset[p]));
    if (e->spec->pops[p].pos.kind != NA_POS_NONE) PetscCall(WritePositions(e, p, g));
    NaH5Call(H5Gclose(g));
  }
  NaH5Call(H5Gclose(pops));
  if (e->spec->nspike_pops) {
    hid_t spikes;
    NaH5Call(spikes = H5Gcreate2(e->file, "spikes", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
    for (PetscInt k = 0; k < e->spec->nspike_pops; k++) {
      hid_t d;
      NaH5Call(
          g = H5Gcreate2(spikes, e->spec->pops[e->spec->spike_pops[k]].name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
      PetscCall(SetSorting(g));
      PetscCall(
          Create1D(g, "timestamps", H5T_NATIVE_DOUBLE, "spike times (end of the step that emitted them)", "ms", &d));
      NaH5Call(H5Dclose(d));
      PetscCall(
          Create1D(g, "node_ids", H5T_NATIVE_UINT64, "the spiking cell, 0-based within the population", NULL, &d));
      NaH5Call(H5Dclose(d));
      NaH5Call(H5Gclose(g));
    }
    NaH5Call(H5Gclose(spikes));
  }
  e->ntraces = e->spec->ntraces;
  PetscCall(PetscCalloc1(PetscMax(e->ntraces, 1), &e->traces));
  for (PetscInt k = 0; k < e->ntraces; k++) PetscCall(TraceCreate(e, &e->spec->traces[k], &e->traces[k]));
  e->nbins = NaEngineRateBins(e);
  PetscCall(PetscCalloc1((size_t)e->npops * PetscMax(e->nbins, 1), &e->bins));
  PetscCall(PetscMalloc1(e->npops, &e->spk_pop));
  for (PetscInt p = 0; p < e->npops; p++) e->spk_pop[p] = 0; /* spikes of each population written so far */
  NaH5Call(H5Fflush(e->file, H5F_SCOPE_GLOBAL));
  PetscFunctionReturn(0);
}

PetscInt64 NaEngineRateBins(NaEngine e)
{
  return (PetscInt64)ceil(e->spec->t_stop / e->rate_bin - 1e-9);
}

PetscErrorCode NaEngineOutputCreate(NaEngine e)
{
  PetscFunctionBegin;
  PetscCall(CreateAt(e, e->output));
  PetscFunctionReturn(0);
}

/* spikes [0, n) of population p's report in group gold (-1: none) of the old output appended to gnew's, read and
 * written by rank 0 (the others take part in the extents), and added to the output checksum */
static PetscErrorCode CopySpikes(NaEngine e, hid_t gold, hid_t gnew, PetscInt p, hsize_t n, PetscBool *ok)
{
  hid_t     ot = -1, oi = -1, nt, ni;
  double   *t;
  uint64_t *id;

  PetscFunctionBegin;
  NaH5Call(nt = H5Dopen2(gnew, "timestamps", H5P_DEFAULT));
  NaH5Call(ni = H5Dopen2(gnew, "node_ids", H5P_DEFAULT));
  PetscCall(PetscMalloc2(NA_COPY_ROWS * 64, &t, NA_COPY_ROWS * 64, &id));
  if (gold >= 0) { /* opened on every rank (collective metadata), read on rank 0 */
    ot = H5Lexists(gold, "timestamps", H5P_DEFAULT) > 0 ? H5Dopen2(gold, "timestamps", H5P_DEFAULT) : -1;
    oi = H5Lexists(gold, "node_ids", H5P_DEFAULT) > 0 ? H5Dopen2(gold, "node_ids", H5P_DEFAULT) : -1;
  }
  for (hsize_t at = 0; at < n; at += NA_COPY_ROWS * 64) {
    const hsize_t m    = PetscMin(n - at, (hsize_t)NA_COPY_ROWS * 64);
    int           good = 1;
    if (e->rank == 0) {
      hid_t fs, ms;
      good = ot >= 0 && oi >= 0;
      for (int d = 0; d < 2 && good; d++) {
        hid_t ds = d ? oi : ot;
        good     = (fs = H5Dget_space(ds)) >= 0;
        if (good) {
          hsize_t size;
          H5Sget_simple_extent_dims(fs, &size, NULL);
          good = size >= at + m && H5Sselect_hyperslab(fs, H5S_SELECT_SET, &at, NULL, &m, NULL) >= 0;
          ms   = H5Screate_simple(1, &m, NULL);
          good = good && H5Dread(ds, d ? H5T_NATIVE_UINT64 : H5T_NATIVE_DOUBLE, ms, fs, H5P_DEFAULT,
                                 d ? (void *)id : (void *)t) >= 0;
          H5Sclose(ms);
          H5Sclose(fs);
        }
      }
      for (hsize_t q = 0; good && q < m; q++) e->out_sum += SpikeDigest(p, at + q, t[q], id[q]);
    }
    PetscCallMPI(MPI_Bcast(&good, 1, MPI_INT, 0, e->comm));
    if (!good) {
      *ok = PETSC_FALSE;
      break;
    }
    PetscCall(Append1D(nt, H5T_NATIVE_DOUBLE, at, m, t, e->rank == 0));
    PetscCall(Append1D(ni, H5T_NATIVE_UINT64, at, m, id, e->rank == 0));
  }
  if (ot >= 0) H5Dclose(ot);
  if (oi >= 0) H5Dclose(oi);
  H5Dclose(nt);
  H5Dclose(ni);
  PetscCall(PetscFree2(t, id));
  PetscFunctionReturn(0);
}

/* samples [0, n) of trace tr copied from the old file into the new one, each rank its columns */
static PetscErrorCode CopyTrace(NaEngine e, hid_t old, NaTrace *tr, hsize_t n, PetscBool *ok)
{
  const PetscInt nv = tr->spec->nvars;
  char           path[256];
  double        *buf;
  hid_t          og = -1, *od;

  PetscFunctionBegin;
  PetscCall(PetscSNPrintf(path, sizeof path, "traces/%s", e->spec->pops[tr->spec->pop].name));
  PetscCall(PetscMalloc2((size_t)NA_COPY_ROWS * PetscMax(tr->ncols, 1), &buf, nv + 1, &od));
  for (PetscInt v = 0; v <= nv; v++) od[v] = -1;
  if (H5Lexists(old, "traces", H5P_DEFAULT) > 0 && H5Lexists(old, path, H5P_DEFAULT) > 0)
    og = H5Gopen2(old, path, H5P_DEFAULT);
  for (PetscInt v = 0; og >= 0 && v <= nv; v++) {
    const char *name = v < nv ? tr->spec->vars[v] : "time";
    if (H5Lexists(og, name, H5P_DEFAULT) > 0) od[v] = H5Dopen2(og, name, H5P_DEFAULT);
  }
  for (hsize_t at = 0; at < n && *ok; at += NA_COPY_ROWS) {
    const hsize_t m       = PetscMin(n - at, (hsize_t)NA_COPY_ROWS);
    hsize_t       dims[2] = {at + m, (hsize_t)tr->nall};
    for (PetscInt v = 0; v <= nv && *ok; v++) {
      const PetscBool time = v == nv;
      const hsize_t   nc = time ? (e->rank == 0) : (hsize_t)tr->ncols, c0 = time ? 0 : (hsize_t)tr->col0;
      PetscBool       good = od[v] >= 0, all;
      if (good) PetscCall(NaH5ReadBlock(od[v], at, nc ? m : 0, c0, nc, buf, &good));
      PetscCallMPI(MPI_Allreduce(&good, &all, 1, MPIU_BOOL, MPI_LAND, e->comm));
      if (!all) {
        *ok = PETSC_FALSE;
        break;
      }
      for (hsize_t r = 0; r < (nc ? m : 0); r++)
        for (hsize_t c = 0; c < nc; c++)
          e->out_sum +=
              TraceDigest(tr->index, time ? -1 : v, at + r, c0 + c, time ? 1 : (hsize_t)tr->nall, buf[r * nc + c]);
      hid_t dst = time ? tr->time : tr->dset[v];
      NaH5Call(H5Dset_extent(dst, dims));
      PetscCall(NaH5WriteBlock(dst, at, nc ? m : 0, c0, nc, buf));
    }
  }
  for (PetscInt v = 0; v <= nv; v++)
    if (od[v] >= 0) H5Dclose(od[v]);
  if (og >= 0) H5Gclose(og);
  PetscCall(PetscFree2(buf, od));
  tr->written = n;
  PetscFunctionReturn(0);
}

PetscErrorCode NaEngineOutputResume(NaEngine e, const PetscInt64 spikes[], const PetscInt64 samples[],
                                    unsigned long long checksum)
{
  char               tmp[PETSC_MAX_PATH_LEN + 16];
  hid_t              old;
  PetscBool          ok = PETSC_TRUE;
  unsigned long long sum;
  int                err = 0;

  PetscFunctionBegin;
  PetscCall(NaH5FileOpen(e->comm, e->output, PETSC_FALSE, &old));
  PetscCheck(old >= 0, e->comm, PETSC_ERR_FILE_OPEN,
             "-restart: the output %s to continue is missing or not an HDF5 file (give -o to start a new one)",
             e->output);
  PetscCall(PetscSNPrintf(tmp, sizeof tmp, "%s.resume.tmp", e->output));
  PetscCall(CreateAt(e, tmp));
  e->out_sum = 0;
  if (e->spec->nspike_pops) {
    hid_t sold = H5Lexists(old, "spikes", H5P_DEFAULT) > 0 ? H5Gopen2(old, "spikes", H5P_DEFAULT) : -1, snew;
    NaH5Call(snew = H5Gopen2(e->file, "spikes", H5P_DEFAULT));
    for (PetscInt k = 0; k < e->spec->nspike_pops && ok; k++) {
      const PetscInt p    = e->spec->spike_pops[k];
      const char    *name = e->spec->pops[p].name;
      hid_t          go   = -1, gn;
      if (sold >= 0 && H5Lexists(sold, name, H5P_DEFAULT) > 0) go = H5Gopen2(sold, name, H5P_DEFAULT);
      NaH5Call(gn = H5Gopen2(snew, name, H5P_DEFAULT));
      PetscCall(CopySpikes(e, go, gn, p, (hsize_t)spikes[p], &ok));
      e->spk_pop[p] = spikes[p];
      if (go >= 0) H5Gclose(go);
      H5Gclose(gn);
    }
    if (sold >= 0) H5Gclose(sold);
    H5Gclose(snew);
  }
  for (PetscInt k = 0; k < e->ntraces && ok; k++) PetscCall(CopyTrace(e, old, &e->traces[k], (hsize_t)samples[k], &ok));
  H5Fclose(old);
  PetscCallMPI(MPI_Allreduce(&e->out_sum, &sum, 1, MPI_UNSIGNED_LONG_LONG, MPI_SUM, e->comm));
  if (!ok || sum != checksum) {
    PetscCall(NaEngineOutputDestroy(e));
    if (e->rank == 0) unlink(tmp);
    SETERRQ(e->comm, PETSC_ERR_FILE_UNEXPECTED,
            "-restart: the output %s does not hold what the checkpoint says was written (%s); it is left as it was",
            e->output, ok ? "its samples differ" : "samples missing or unreadable");
  }
  NaH5Call(H5Fflush(e->file, H5F_SCOPE_GLOBAL));
  if (e->rank == 0 && rename(tmp, e->output)) err = errno;
  PetscCallMPI(MPI_Bcast(&err, 1, MPI_INT, 0, e->comm));
  PetscCheck(!err, e->comm, PETSC_ERR_FILE_WRITE, "-restart: cannot rename %s to %s (%s)", tmp, e->output,
             strerror(err));
  if (e->rank == 0) PetscCall(NaSyncParentDirectory(e->output));
  PetscFunctionReturn(0);
}

PetscErrorCode NaEngineOutputSample(NaEngine e)
{
  PetscFunctionBegin;
  for (PetscInt k = 0; k < e->ntraces; k++) {
    NaTrace           *tr = &e->traces[k];
    NaPop             *p  = &e->pops[tr->spec->pop];
    const PetscInt     nv = tr->spec->nvars;
    const PetscScalar *y;

    if (e->step % tr->every) continue;
    PetscCall(VecGetArrayRead(p->Y, &y));
    for (PetscInt v = 0; v < nv; v++) {
      double *row = tr->buf + ((size_t)tr->nbuf * nv + v) * tr->ncols;
      for (PetscInt c = 0; c < tr->ncols; c++)
        row[c] = tr->var[v] >= 0    ? y[(size_t)tr->var[v] * p->n + tr->local[c]]
                 : tr->var[v] == -2 ? (p->gap ? p->gap[tr->local[c]] : 0.0)
                                    : p->I_sic[tr->local[c]];
    }
    PetscCall(VecRestoreArrayRead(p->Y, &y));
    tr->tbuf[tr->nbuf++] = e->step * e->h;
    if (tr->nbuf == tr->cap) PetscCall(TraceFlush(e, tr));
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode SpikesFlush(NaEngine e)
{
  hid_t spikes;

  PetscFunctionBegin;
  if (!e->spec->nspike_pops) PetscFunctionReturn(0);
  NaH5Call(spikes = H5Gopen2(e->file, "spikes", H5P_DEFAULT));
  for (PetscInt k = 0; k < e->spec->nspike_pops; k++) {
    const PetscInt p  = e->spec->spike_pops[k];
    PetscInt64     n  = 0;
    double        *t  = NULL;
    uint64_t      *id = NULL;
    hid_t          g, dt, di;

    for (PetscInt64 q = 0; q < e->nspk; q++)
      n += e->spk_id[q] >= e->layout->offset[p] && e->spk_id[q] < e->layout->offset[p] + e->spec->pops[p].n;
    /* every rank holds the same spikes, so every rank computes the same extent */
    if (e->rank == 0 && n) {
      PetscInt64 m = 0;
      PetscCall(PetscMalloc2(n, &t, n, &id));
      for (PetscInt64 q = 0; q < e->nspk; q++)
        if (e->spk_id[q] >= e->layout->offset[p] && e->spk_id[q] < e->layout->offset[p] + e->spec->pops[p].n) {
          t[m]  = e->spk_t[q];
          id[m] = (uint64_t)(e->spk_id[q] - e->layout->offset[p]);
          e->out_sum += SpikeDigest(p, (hsize_t)(e->spk_pop[p] + m), t[m], id[m]);
          m++;
        }
    }
    NaH5Call(g = H5Gopen2(spikes, e->spec->pops[p].name, H5P_DEFAULT));
    NaH5Call(dt = H5Dopen2(g, "timestamps", H5P_DEFAULT));
    NaH5Call(di = H5Dopen2(g, "node_ids", H5P_DEFAULT));
    PetscCall(Append1D(dt, H5T_NATIVE_DOUBLE, (hsize_t)e->spk_pop[p], (hsize_t)n, t, e->rank == 0));
    PetscCall(Append1D(di, H5T_NATIVE_UINT64, (hsize_t)e->spk_pop[p], (hsize_t)n, id, e->rank == 0));
    NaH5Call(H5Dclose(dt));
    NaH5Call(H5Dclose(di));
    NaH5Call(H5Gclose(g));
    e->spk_pop[p] += n;
    if (t) PetscCall(PetscFree2(t, id));
  }
  NaH5Call(H5Gclose(spikes));
  e->nspk = 0;
  PetscFunctionReturn(0);
}

/* the slice's spikes, as every rank holds them after the exchange: rate bins, and the recorded ones buffered
 * (on every rank, so that every rank agrees on the extents; only rank 0 writes them) */
PetscErrorCode NaEngineOutputSpikes(NaEngine e)
{
  PetscFunctionBegin;
  for (PetscInt64 q = 0; q < e->nall; q++) {
    const NaSpike *s = &e->spikes[q];
    PetscInt       p = 0;
    while (p + 1 < e->npops && s->gid >= e->layout->offset[p + 1]) p++;
    const PetscInt64 bin = (PetscInt64)(((s->step + 1) * e->h - 1e-9 * e->h) / e->rate_bin);
    if (bin >= 0 && bin < e->nbins) e->bins[p * e->nbins + bin]++;
    if (!e->pops[p].recorded) continue;
    if (e->nspk == e->capspk) {
      double     *t;
      PetscInt64 *id;
      e->capspk = PetscMax(4096, 2 * e->capspk);
      PetscCall(PetscMalloc2(e->capspk, &t, e->capspk, &id));
      if (e->nspk) {
        PetscCall(PetscArraycpy(t, e->spk_t, e->nspk));
        PetscCall(PetscArraycpy(id, e->spk_id, e->nspk));
      }
      PetscCall(PetscFree2(e->spk_t, e->spk_id));
      e->spk_t  = t;
      e->spk_id = id;
    }
    e->spk_t[e->nspk]  = (s->step + 1) * e->h;
    e->spk_id[e->nspk] = s->gid;
    e->nspk++;
  }
  if (e->nspk >= NA_SPIKE_BUFFER) PetscCall(SpikesFlush(e));
  PetscFunctionReturn(0);
}

PetscErrorCode NaEngineOutputFlush(NaEngine e)
{
  PetscFunctionBegin;
  for (PetscInt k = 0; k < e->ntraces; k++) PetscCall(TraceFlush(e, &e->traces[k]));
  PetscCall(SpikesFlush(e));
  NaH5Call(H5Fflush(e->file, H5F_SCOPE_GLOBAL));
  PetscFunctionReturn(0);
}

static PetscErrorCode WriteRates(NaEngine e)
{
  hid_t   g;
  hsize_t dims[1] = {(hsize_t)e->nbins};
  double *v;

  PetscFunctionBegin;
  NaH5Call(g = H5Gcreate2(e->file, "rates", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
  PetscCall(NaH5SetAttributeReal(g, "bin", e->rate_bin));
  PetscCall(PetscMalloc1(PetscMax(e->nbins, 1), &v));
  for (PetscInt64 b = 0; b < e->nbins; b++) v[b] = b * e->rate_bin;
  PetscCall(NaH5WriteArray(e->comm, g, "time", 1, dims, v, "start of each bin", "ms"));
  for (PetscInt p = 0; p < e->npops; p++) {
    const NaPopSpec *ps    = &e->spec->pops[p];
    PetscInt64       total = 0;
    hid_t            pg;
    if (ps->model->kind != NA_CELL_NEURON) continue;
    for (PetscInt64 b = 0; b < e->nbins; b++) {
      const double width = PetscMin(e->rate_bin, e->spec->t_stop - b * e->rate_bin);
      v[b]               = (double)e->bins[p * e->nbins + b] / (ps->n * width * 1e-3);
      total += e->bins[p * e->nbins + b];
    }
    PetscCall(NaH5WriteArray(e->comm, g, ps->name, 1, dims, v, "spikes per cell and second in each bin", "Hz"));
    NaH5Call(pg = H5Gopen2(e->file, "populations", H5P_DEFAULT));
    {
      hid_t one;
      NaH5Call(one = H5Gopen2(pg, ps->name, H5P_DEFAULT));
      PetscCall(NaH5SetAttributeInt(one, "spikes", total));
      PetscCall(NaH5SetAttributeReal(one, "rate", total / (ps->n * e->spec->t_stop * 1e-3)));
      NaH5Call(H5Gclose(one));
    }
    NaH5Call(H5Gclose(pg));
  }
  PetscCall(PetscFree(v));
  NaH5Call(H5Gclose(g));
  PetscFunctionReturn(0);
}

static const char *RoleName(NaProjRole r)
{
  return r == NA_PROJ_PRIMARY ? "primary" : r == NA_PROJ_THIRD_IN ? "third_in" : "third_out";
}

static const char *SynapseName(NaSynKind k)
{
  return k == NA_SYN_STATIC    ? "static_synapse"
         : k == NA_SYN_TSODYKS ? "tsodyks_synapse"
         : k == NA_SYN_GLIO    ? "tm_glio_synapse"
         : k == NA_SYN_GAP     ? "gap_junction"
                               : "sic_connection";
}

/* the bytes this rank's synapses take with their dynamic state: the projections' storage and Poisson streams */
static double SynapseBytes(NaEngine e)
{
  double b = 0;
  for (PetscInt k = 0; k < e->nproj; k++)
    b += NaProjectionBytes(&e->proj[k]) + (e->poisson[k] ? (double)e->proj[k].nsyn * sizeof(NaRng) : 0);
  return b;
}

/* the network's statistics: synapses per projection (all ranks) and the bytes each takes here */
static PetscErrorCode WriteNetwork(NaEngine e)
{
  hid_t      net;
  PetscInt64 cells = 0, synapses = 0;
  double     mine[2] = {0, SynapseBytes(e)}, all[2]; /* synapses stored here, their bytes */

  PetscFunctionBegin;
  NaH5Call(net = H5Gcreate2(e->file, "network", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
  for (PetscInt p = 0; p < e->npops; p++) cells += e->spec->pops[p].n;
  for (PetscInt k = 0; k < e->nproj; k++) {
    const NaProjection *pr = &e->proj[k];
    char                name[64];
    hid_t               g;
    PetscCall(PetscSNPrintf(name, sizeof name, "projection_%" PetscInt_FMT, k));
    NaH5Call(g = H5Gcreate2(net, name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
    PetscCall(NaH5SetAttributeString(g, "from", e->spec->pops[pr->src_pop].name));
    PetscCall(NaH5SetAttributeString(g, "to", e->spec->pops[pr->tgt_pop].name));
    PetscCall(NaH5SetAttributeString(g, "role", RoleName(pr->role)));
    PetscCall(NaH5SetAttributeString(g, "synapse", SynapseName(pr->kind)));
    PetscCall(NaH5SetAttributeInt(g, "file_projection", pr->spec));
    PetscCall(NaH5SetAttributeInt(g, "synapses", pr->nglobal));
    PetscCall(NaH5SetAttributeReal(g, "delay", pr->delay * e->h));
    if (pr->kind == NA_SYN_GLIO && pr->role == NA_PROJ_PRIMARY && e->spec->projs[pr->spec].glia.present) {
      /* each target cell's astrocyte (-1: none), as the glia key assigned it */
      const NaGliaSpec *gl      = &e->spec->projs[pr->spec].glia;
      const PetscInt    nt      = e->spec->pops[pr->tgt_pop].n;
      const hsize_t     dims[1] = {(hsize_t)nt};
      double           *v;
      PetscCall(PetscMalloc1(PetscMax(nt, 1), &v));
      for (PetscInt t = 0; t < nt; t++) v[t] = gl->mode == NA_GLIA_LIST ? (double)gl->list[t] : (double)t;
      PetscCall(NaH5SetAttributeString(g, "glia", e->spec->pops[gl->pop].name));
      PetscCall(
          NaH5WriteArray(e->comm, g, "astrocyte", 1, dims, v, "the astrocyte of each target cell (-1: none)", ""));
      PetscCall(PetscFree(v));
    }
    NaH5Call(H5Gclose(g));
    synapses += pr->nglobal;
    mine[0] += pr->nsyn;
  }
  PetscCallMPI(MPI_Allreduce(mine, all, 2, MPI_DOUBLE, MPI_SUM, e->comm));
  PetscCall(NaH5SetAttributeInt(net, "cells", cells));
  PetscCall(NaH5SetAttributeInt(net, "synapses", synapses));
  PetscCall(NaH5SetAttributeInt(net, "synapses_stored", (long long)all[0]));
  PetscCall(NaH5SetAttributeReal(net, "synapse_bytes", all[1]));
  PetscCall(NaH5SetAttributeReal(net, "bytes_per_synapse", synapses ? all[1] / (double)synapses : 0));
  NaH5Call(H5Gclose(net));
  PetscFunctionReturn(0);
}

/* /timing: each time and size the maximum over ranks as an attribute, and every rank's in /timing/per_rank */
static PetscErrorCode WriteTiming(NaEngine e)
{
  enum { T_XBYTES = 14, T_RSS, T_SYN, NT }; /* the sizes after the times */
  const char *names[NT] = {"setup",      "connect",        "run",
                           "update",     "update_neurons", "update_astrocytes",
                           "generators", "exchange",       "exchange_wait",
                           "deliver",    "deliver_spikes", "deliver_sic",
                           "output",     "checkpoint",     "exchange_bytes",
                           "peak_rss",   "synapse_bytes"};
  double      v[NT]     = {e->t_setup,        e->t_build,
                           e->t_run,          e->t_upd_neuron + e->t_upd_astro,
                           e->t_upd_neuron,   e->t_upd_astro,
                           e->t_gen,          e->t_exchange,
                           e->t_wait,         e->t_deliver + e->t_deliver_sic,
                           e->t_deliver,      e->t_deliver_sic,
                           e->t_output,       e->t_checkpoint,
                           e->exchange_bytes, NaPeakRSS(),
                           SynapseBytes(e)},
         vmax[NT], *all = NULL, rss = 0;
  hid_t   g;
  hsize_t dims[2]      = {(hsize_t)e->size, NT};
  char    columns[512] = "";

  PetscFunctionBegin;
  PetscCallMPI(MPI_Allreduce(v, vmax, NT, MPI_DOUBLE, MPI_MAX, e->comm));
  PetscCallMPI(MPI_Allreduce(&v[T_RSS], &rss, 1, MPI_DOUBLE, MPI_SUM, e->comm));
  if (e->rank == 0) PetscCall(PetscMalloc1((size_t)e->size * NT, &all));
  PetscCallMPI(MPI_Gather(v, NT, MPI_DOUBLE, all, NT, MPI_DOUBLE, 0, e->comm));
  NaH5Call(g = H5Gcreate2(e->file, "timing", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
  PetscCall(NaH5SetAttributeString(g, "description",
                                   "wall seconds (bytes for exchange_bytes, peak_rss and synapse_bytes), the maximum "
                                   "over ranks; per_rank: every rank's, columns as named in its attribute columns"));
  for (int k = 0; k < T_XBYTES; k++) PetscCall(NaH5SetAttributeReal(g, names[k], vmax[k]));
  PetscCall(NaH5SetAttributeReal(g, "exchange_bytes", vmax[T_XBYTES]));
  PetscCall(NaH5SetAttributeReal(g, "peak_rss_max", vmax[T_RSS]));
  PetscCall(NaH5SetAttributeReal(g, "peak_rss_total", rss));
  PetscCall(NaH5SetAttributeInt(g, "steps", e->step));
  PetscCall(NaH5SetAttributeInt(g, "slices", e->nslices));
  PetscCall(NaH5SetAttributeInt(g, "spikes", e->total_spikes));
  PetscCall(NaH5SetAttributeInt(g, "sic_events", e->sic_events));
  PetscCall(NaH5SetAttributeInt(g, "ranks", e->size));
  PetscCall(NaH5WriteArray(e->comm, g, "per_rank", 2, dims, all, "every rank's timing, sizes and peak RSS", "s"));
  for (int k = 0; k < NT; k++) {
    PetscCall(PetscStrlcat(columns, names[k], sizeof columns));
    if (k < NT - 1) PetscCall(PetscStrlcat(columns, " ", sizeof columns));
  }
  {
    hid_t d;
    NaH5Call(d = H5Dopen2(g, "per_rank", H5P_DEFAULT));
    PetscCall(NaH5SetAttributeString(d, "columns", columns));
    NaH5Call(H5Dclose(d));
  }
  NaH5Call(H5Gclose(g));
  PetscCall(PetscFree(all));
  PetscFunctionReturn(0);
}

PetscErrorCode NaEngineOutputFinish(NaEngine e)
{
  PetscFunctionBegin;
  PetscCall(NaEngineOutputFlush(e));
  PetscCall(WriteRates(e));
  PetscCall(WriteNetwork(e));
  PetscCall(WriteTiming(e));
  PetscCall(NaGlioWriteReleases(e, e->file));
  NaH5Call(H5Fflush(e->file, H5F_SCOPE_GLOBAL));
  PetscCall(NaH5SetAttributeInt(e->file, "complete", 1));
  NaH5Call(H5Fflush(e->file, H5F_SCOPE_GLOBAL));
  PetscCall(NaEngineOutputDestroy(e));
  PetscFunctionReturn(0);
}

PetscErrorCode NaEngineOutputDestroy(NaEngine e)
{
  PetscFunctionBegin;
  for (PetscInt k = 0; e->traces && k < e->ntraces; k++) {
    NaTrace *tr = &e->traces[k];
    for (PetscInt v = 0; tr->dset && v < tr->spec->nvars; v++) H5Dclose(tr->dset[v]);
    if (tr->time > 0) H5Dclose(tr->time);
    if (tr->group > 0) H5Gclose(tr->group);
    PetscCall(PetscFree4(tr->local, tr->var, tr->dset, tr->tbuf));
    PetscCall(PetscFree(tr->buf));
  }
  PetscCall(PetscFree(e->traces));
  e->ntraces = 0;
  PetscCall(PetscFree(e->bins));
  PetscCall(PetscFree(e->spk_pop));
  PetscCall(PetscFree2(e->spk_t, e->spk_id));
  e->capspk = e->nspk = 0;
  if (e->file >= 0) {
    H5Fclose(e->file);
    e->file = -1;
  }
  PetscFunctionReturn(0);
}
