#define _POSIX_C_SOURCE 200809L
/* The claim on a run's output (docs/checkpoint.md, "One writer, and no complete output lost"): a lock file next to
 * the output and one next to the checkpoint directory refuse a second run writing the same files, and a complete
 * output that a fresh run would overwrite is first set aside as OUTPUT.previous.h5, deleted only once the new run is
 * complete. Rank 0 does the file work; its outcome is broadcast. */
#include <nastro/nastro.h>
#include "naerrors.h"
#include <hdf5.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char na_locks[2][PETSC_MAX_PATH_LEN + 8]; /* the lock files this process holds ("" where none) */
/* every rank: the run's lock files and the line their holder (rank 0) wrote, so that a rank that stops the job with
 * MPI_Abort, which kills rank 0 too, can remove them (NaOutputAbandon) */
static char na_run_locks[2][PETSC_MAX_PATH_LEN + 8], na_lock_line[512];
static char na_previous[PETSC_MAX_PATH_LEN + 32]; /* where a complete output is set aside ("" where none) */
static int  na_set_aside = 0;                     /* this run set one aside there */

/* whether process pid runs on this host (a zombie, killed and not yet reaped, does not) */
static int Alive(long pid)
{
  char  path[64], state = 0;
  FILE *f;

  if (kill((pid_t)pid, 0) != 0 && errno == ESRCH) return 0;
  snprintf(path, sizeof path, "/proc/%ld/stat", pid);
  if ((f = fopen(path, "r"))) {
    if (fscanf(f, "%*d %*s %c", &state) != 1) state = 0;
    fclose(f);
  }
  return state != 'Z' && state != 'X';
}

/* takes the lock file path (rank 0): 0, or 1 with *why. A lock left by a process that is gone (the same host and its
 * pid no longer alive, this very process, or the same Slurm job: a requeued job) is stale and taken over. */
static int LockTake(const char path[], char why[], size_t len)
{
  char        host[256] = "", h[256] = "", j[64] = "";
  const char *job = getenv("SLURM_JOB_ID");
  long        pid;

  gethostname(host, sizeof host - 1);
  snprintf(na_lock_line, sizeof na_lock_line, "%s %ld %s\n", host, (long)getpid(), job && job[0] ? job : "-");
  for (int attempt = 0; attempt < 3; attempt++) {
    int   fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
    FILE *f;
    if (fd >= 0) {
      dprintf(fd, "%s", na_lock_line);
      close(fd);
      return 0;
    }
    if (errno != EEXIST) {
      snprintf(why, len, "cannot create the lock %s (%s)", path, strerror(errno));
      return 1;
    }
    pid = 0;
    if ((f = fopen(path, "r"))) {
      if (fscanf(f, "%255s %ld %63s", h, &pid, j) < 2) pid = 0;
      fclose(f);
    }
    const int stale =
        pid <= 0 || pid == (long)getpid() || (!strcmp(h, host) && !Alive(pid)) || (job && job[0] && !strcmp(j, job));
    if (!stale) {
      snprintf(why, len, "another run (pid %ld on %s) is writing it: %s; if no run is, remove that file", pid, h, path);
      return 1;
    }
    unlink(path);
  }
  snprintf(why, len, "cannot take the lock %s", path);
  return 1;
}

/* whether path is an HDF5 file whose root attribute complete is 1 */
static int IsComplete(const char path[])
{
  long long c = 0;
  hid_t     f, a;

  if (access(path, R_OK)) return 0;
  if ((f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT)) < 0) return 0;
  if (H5Aexists(f, "complete") > 0 && (a = H5Aopen(f, "complete", H5P_DEFAULT)) >= 0) {
    if (H5Aread(a, H5T_NATIVE_LLONG, &c) < 0) c = 0;
    H5Aclose(a);
  }
  H5Fclose(f);
  return c == 1;
}

PetscErrorCode NaOutputClaim(MPI_Comm comm, const char output[], const char ckdir[], PetscBool resumed)
{
  PetscMPIInt rank;
  char        why[3 * PETSC_MAX_PATH_LEN] = "";
  int         bad                         = 0;

  PetscFunctionBegin;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  if (rank == 0) {
    snprintf(na_locks[0], sizeof na_locks[0], "%s.lock", output);
    if ((bad = LockTake(na_locks[0], why, sizeof why)))
      na_locks[0][0] = 0;
    else if (ckdir && ckdir[0]) {
      char dir[PETSC_MAX_PATH_LEN];
      snprintf(dir, sizeof dir, "%s", ckdir);
      for (size_t n = strlen(dir); n > 1 && dir[n - 1] == '/'; n--) dir[n - 1] = 0;
      snprintf(na_locks[1], sizeof na_locks[1], "%s.lock", dir);
      if ((bad = 2 * LockTake(na_locks[1], why, sizeof why))) na_locks[1][0] = 0;
    }
    size_t n = strlen(output);
    snprintf(na_previous, sizeof na_previous, "%.*s.previous.h5",
             (int)(n > 3 && !strcmp(output + n - 3, ".h5") ? n - 3 : n), output);
    if (!bad && !resumed && IsComplete(output)) { /* a fresh run: keep the complete output until this one is */
      if (rename(output, na_previous)) {
        snprintf(why, sizeof why, "cannot set the complete output aside as %s (%s)", na_previous, strerror(errno));
        bad = 1;
      } else
        na_set_aside = 1;
    }
    if (bad) NaOutputRelease(1);
  }
  PetscCallMPI(MPI_Bcast(&bad, 1, MPI_INT, 0, comm));
  PetscCallMPI(MPI_Bcast(why, sizeof why, MPI_CHAR, 0, comm));
  if (!bad) {
    if (rank == 0) memcpy(na_run_locks, na_locks, sizeof na_run_locks);
    PetscCallMPI(MPI_Bcast(na_run_locks, sizeof na_run_locks, MPI_CHAR, 0, comm));
    PetscCallMPI(MPI_Bcast(na_lock_line, sizeof na_lock_line, MPI_CHAR, 0, comm));
  }
  NaCheck(!bad, comm, PETSC_ERR_FILE_WRITE, "%s %s: %s", bad == 2 ? "-checkpoint_dir" : "-o", bad == 2 ? ckdir : output,
          why);
  if (rank == 0 && na_set_aside)
    PetscCall(NaPrintf(PETSC_COMM_SELF, "the complete output %s is kept as %s until this run is complete\n", output,
                       na_previous));
  PetscFunctionReturn(0);
}

void NaOutputRelease(int code)
{
  for (int k = 0; k < 2; k++)
    if (na_locks[k][0]) {
      unlink(na_locks[k]);
      na_locks[k][0] = 0;
    }
  if (!na_previous[0]) return;
  if (code == 0)
    unlink(na_previous); /* the new output is complete: one set aside earlier is obsolete */
  else if (na_set_aside)
    fprintf(stderr, "nastro: the previous complete output is kept as %s\n", na_previous);
  na_previous[0] = 0;
  na_set_aside   = 0;
}

void NaOutputAbandon(void)
{
  for (int k = 0; k < 2; k++) {
    char  line[sizeof na_lock_line] = "";
    FILE *f;
    if (!na_run_locks[k][0] || !(f = fopen(na_run_locks[k], "r"))) continue;
    if (!fgets(line, sizeof line, f)) line[0] = 0;
    fclose(f);
    if (!strcmp(line, na_lock_line)) unlink(na_run_locks[k]); /* still this run's: no other run has taken it over */
    na_run_locks[k][0] = 0;
  }
}
