/* nastro: parse, create, run, destroy - nothing else. */
#define _POSIX_C_SOURCE 200809L /* setenv */
#include <nastro/nastro.h>
#include "naerrors.h"
#include <stdlib.h>

static const char help[] =
    "nastro: distributed simulator of neuron-astrocyte networks.\n"
    "  nastro -model naam|dam|attention [options] -o OUT.h5\n"
    "  nastro -network FILE.yaml [-network_set KEY=VALUE,...] -o OUT.h5   (spiking networks, docs/networks.md)\n"
    "Every parameter is a PETSc option; -options_file and -options_file_yaml read them from a file.\n\n";

/* a spiking network from its network file */
static PetscErrorCode RunNetwork(PetscBool help, int *exit_code)
{
  NaEngine engine;

  PetscFunctionBegin;
  PetscCall(NaEngineCreate(PETSC_COMM_WORLD, &engine));
  PetscCall(NaEngineSetFromOptions(engine));
  PetscCall(NaEngineSetUp(engine)); /* with -help too: each population's stepper options are listed */
  if (!help) {
    PetscCall(NaCheckOptionsUsed(PETSC_COMM_WORLD));
    PetscCall(NaEngineView(engine, PETSC_VIEWER_STDOUT_WORLD));
    PetscCall(NaEngineRun(engine));
    PetscCall(NaEngineGetExitCode(engine, exit_code));
  }
  PetscCall(NaEngineDestroy(&engine));
  PetscFunctionReturn(0);
}

static PetscErrorCode Main(int *exit_code)
{
  char      type[64] = NAMODELNAAM;
  PetscBool help_set, network;
  NaModel   model;
  NaSim     sim;

  PetscFunctionBegin;
  PetscCall(NaInitialize());
  PetscOptionsBegin(PETSC_COMM_WORLD, NULL, "nastro", NULL);
  PetscCall(
      PetscOptionsString("-model", "model to simulate (naam | dam | attention)", NULL, type, type, sizeof(type), NULL));
  PetscOptionsEnd();
  PetscCall(PetscOptionsHasHelp(NULL, &help_set));
  PetscCall(PetscPrintf(PETSC_COMM_WORLD, "nastro %s\n", NaVersion()));
  PetscCall(PetscOptionsHasName(NULL, NULL, "-network", &network));
  if (network) {
    PetscCall(RunNetwork(help_set, exit_code));
    PetscFunctionReturn(0);
  }

  PetscCall(NaModelCreate(PETSC_COMM_WORLD, &model));
  PetscCall(NaModelSetType(model, type));
  PetscCall(NaModelSetFromOptions(model));
  PetscCall(NaSimCreate(PETSC_COMM_WORLD, &sim));
  PetscCall(NaSimSetModel(sim, model));
  PetscCall(NaSimSetFromOptions(sim));
  PetscCall(NaSimSetUp(sim));
  if (!help_set) {
    PetscCall(NaCheckOptionsUsed(PETSC_COMM_WORLD)); /* before any output: a misspelt option must not run */
    PetscCall(NaModelView(model, PETSC_VIEWER_STDOUT_WORLD));
    PetscCall(NaSimRun(sim));
    PetscCall(NaSimGetExitCode(sim, exit_code));
    if (!*exit_code) PetscCall(NaSimPrintSummary(sim, PETSC_VIEWER_STDOUT_WORLD));
  }
  PetscCall(NaSimDestroy(&sim));
  PetscCall(NaModelDestroy(&model));
  PetscFunctionReturn(0);
}

int main(int argc, char **argv)
{
  PetscErrorCode ierr;
  int            code = 0, rank = 0;
  char           msg[2 * PETSC_MAX_PATH_LEN + 512];

  /* MPI-IO by ROMIO, unless the user chose: Open MPI 4.1's own (ompio) opens every file with a shared-file-pointer
   * component, and those overflow a buffer on output paths of about 250 characters (sm, lockedfile) or leave
   * OUTPUT.h5.data.N and .metadata.N files behind when a job is aborted (individual); HDF5 uses no shared file
   * pointer, and ROMIO makes none until one is used */
  setenv("OMPI_MCA_io", "romio321", 0);
  /* MPI first, so that the command line and its options files are checked (by rank 0, with one line) before
   * PetscInitialize reads them; PETSc leaves MPI_Finalize to us then */
  if (MPI_Init(&argc, &argv)) return 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  if (!rank) code = NaCheckArguments(argc, argv, msg, sizeof msg);
  (void)MPI_Bcast(&code, 1, MPI_INT, 0, MPI_COMM_WORLD);
  if (code) {
    if (!rank) fprintf(stderr, "nastro: error: %s\n", msg);
    MPI_Finalize();
    return 1;
  }
  ierr = PetscInitialize(&argc, &argv, NULL, help);
  if (!ierr) ierr = Main(&code);
  if (ierr) NaErrorStop(); /* returns when every rank failed, so that finalising is safe; else stops them all */
  if (PetscFinalize() || ierr) code = 1;
  NaStatusFinish(code); /* the outcome file says what the exit status says (docs/checkpoint.md) */
  MPI_Finalize();
  return code; /* 0, or 75: stopped early with a checkpoint, resubmit */
}
