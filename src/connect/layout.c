/* NaLayout: which rank owns which cells of a spiking network (connect.h). Each population is cut into contiguous
 * blocks, start[r] = floor(n r / P) in 64-bit arithmetic; generators are replicated (every rank runs all of their
 * cells for its own targets; by convention rank 0 "owns" them). Global cell ids number the populations in file
 * order. */
#include "connect.h"

PetscErrorCode NaLayoutCreate(MPI_Comm comm, const NaNetSpec *spec, NaLayout **layout)
{
  NaLayout *l;
  PetscInt  np = spec->npops;
  int64_t   id = 0;

  PetscFunctionBegin;
  PetscCall(PetscNew(&l));
  PetscCallMPI(MPI_Comm_size(comm, &l->size));
  PetscCallMPI(MPI_Comm_rank(comm, &l->rank));
  l->npops = np;
  PetscCall(PetscMalloc4(PetscMax(np, 1), &l->n, PetscMax(np, 1) * (l->size + 1), &l->start, PetscMax(np, 1),
                         &l->offset, PetscMax(np, 1), &l->replicated));
  for (PetscInt p = 0; p < np; p++) {
    const int64_t n = spec->pops[p].n;
    PetscInt     *s = l->start + p * (l->size + 1);

    PetscCheck(n >= 0, comm, PETSC_ERR_ARG_OUTOFRANGE, "population %s: %" PetscInt_FMT " cells", spec->pops[p].name,
               spec->pops[p].n);
    PetscCheck(id + n <= PETSC_MAX_INT, comm, PETSC_ERR_ARG_OUTOFRANGE,
               "population %s: the network has %lld cells up to here, more than PetscInt holds (%" PetscInt_FMT ")",
               spec->pops[p].name, (long long)(id + n), PETSC_MAX_INT);
    l->n[p]          = (PetscInt)n;
    l->offset[p]     = (PetscInt)id;
    l->replicated[p] = spec->pops[p].model && spec->pops[p].model->kind == NA_CELL_GENERATOR ? PETSC_TRUE : PETSC_FALSE;
    for (PetscMPIInt r = 0; r <= l->size; r++)
      s[r] = l->replicated[p] ? (r == 0 ? 0 : (PetscInt)n) : (PetscInt)(n * r / l->size);
    id += n;
  }
  *layout = l;
  PetscFunctionReturn(0);
}

PetscErrorCode NaLayoutDestroy(NaLayout **layout)
{
  PetscFunctionBegin;
  if (!*layout) PetscFunctionReturn(0);
  PetscCall(PetscFree4((*layout)->n, (*layout)->start, (*layout)->offset, (*layout)->replicated));
  PetscCall(PetscFree(*layout));
  PetscFunctionReturn(0);
}

void NaLayoutBlock(const NaLayout *l, PetscInt p, PetscMPIInt r, PetscInt *lo, PetscInt *hi)
{
  const PetscInt *s = l->start + p * (l->size + 1);
  *lo               = s[r];
  *hi               = s[r + 1];
}

void NaLayoutLocal(const NaLayout *l, PetscInt p, PetscInt *lo, PetscInt *hi)
{
  if (l->replicated[p]) {
    *lo = 0;
    *hi = l->n[p];
  } else
    NaLayoutBlock(l, p, l->rank, lo, hi);
}

/* the largest r with floor(n r / P) <= i: floor(n r / P) <= i <=> n r < (i + 1) P <=> r <= ((i + 1) P - 1) / n */
PetscMPIInt NaLayoutOwner(const NaLayout *l, PetscInt p, PetscInt i)
{
  const int64_t n = l->n[p], P = l->size;
  int64_t       r;

  if (l->replicated[p] || n == 0) return 0;
  r = ((int64_t)(i + 1) * P - 1) / n;
  return (PetscMPIInt)(r < 0 ? 0 : r >= P ? P - 1 : r);
}
