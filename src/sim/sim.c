#define _POSIX_C_SOURCE 200809L
/* NaSim: the PETSc TS driver. One TSSolve runs to -ts_max_time; a post-step hook checks the state, takes
 * the samples whose output times the step passed (interpolated where the stepper has dense output), and
 * writes checkpoints or stops on signals, wall-time limits and -ts_max_steps (exit code 75). */
#include "tsbs3.h"
#include <nastro/nastro.h>
#include "modelimpl.h"
#include "naerrors.h"
#include "ckptimpl.h"
#include <petsc/private/tsimpl.h> /* ts->ops->interpolate: whether the stepper has dense output */
#include <malloc.h> /* mallinfo2: the heap this process holds */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

/* SIGUSR1, SIGUSR2, SIGTERM (Slurm before a time limit, pre-emption), SIGHUP (a closed terminal) and SIGINT ask
 * for a checkpoint and a stop at the next step; the per-step reduction brings every rank's signal to every rank,
 * so a signal that reaches any one rank stops them all at the same step. A second SIGINT aborts at once. */
static volatile sig_atomic_t na_stop_signal = 0;

static void OnSignal(int sig)
{
  if (sig == SIGINT && na_stop_signal == SIGINT) _exit(130);
  na_stop_signal = sig;
}

int NaStopSignal(void)
{
  return (int)na_stop_signal;
}

const char *NaSignalName(int sig)
{
  switch (sig) {
  case SIGUSR1:
    return "SIGUSR1";
  case SIGUSR2:
    return "SIGUSR2";
  case SIGTERM:
    return "SIGTERM";
  case SIGINT:
    return "SIGINT";
  case SIGHUP:
    return "SIGHUP";
  default:
    return "a signal";
  }
}

/* installed by NaInitialize (after PETSc's own handlers, which would abort on SIGHUP, SIGUSR2 and SIGTERM), so a
 * signal that arrives during set-up is honoured at the first step */
PetscErrorCode NaInstallSignalHandlers(void)
{
  const int        sigs[] = {SIGUSR1, SIGUSR2, SIGTERM, SIGHUP, SIGINT};
  struct sigaction sa;

  PetscFunctionBegin;
  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = OnSignal;
  sigemptyset(&sa.sa_mask);
  for (size_t k = 0; k < sizeof sigs / sizeof sigs[0]; k++) sigaction(sigs[k], &sa, NULL);
  PetscFunctionReturn(0);
}

enum { NA_DUE_INTERVAL = 1, NA_DUE_WALL = 2, NA_DUE_STOP = 4, NA_DUE_NAN = 8 };

/* -log_view events */
static PetscLogEvent NA_EVENT_RHS, NA_EVENT_OUTPUT, NA_EVENT_CHECKPOINT;

struct _n_NaSim {
  MPI_Comm       comm;
  NaModel        model;
  TS             ts;
  Vec            U, W;    /* state; interpolated state at an output time (created at the first one) */
  PetscBool      W_owned; /* W is ours (else bs3ls's free stage register) */
  Vec            D;       /* IMEX: leak diagonal */
  PetscBool      imex;
  PetscBool      stiff;  /* IMEX with the model's state-dependent diagonal S(t, U) (ops.stiff) */
  Vec            S, SF;  /* S (0 but on the stiff rows); the stage function of DiagonalNewton */
  PetscInt       nstiff; /* the local rows where S can be nonzero, istiff [nstiff], and per row: */
  PetscInt      *istiff;
  PetscScalar   *sde, *sbuf; /* D + S(t, U) there; a saved value */
  PetscBool      newton;     /* in DiagonalNewton: IFunction only notes the stage's Udot (Ydot) and S */
  Vec            Ydot;
  Mat            J; /* a placeholder Jacobian (DiagonalNewton needs only the shift and the stage time) */
  PetscReal      shift, tstage;
  PetscBool      rk_restart; /* TSRK: no first-same-as-last reuse, so that restarts are exact */
  PetscScalar   *xbuf;       /* the local neuron states, for the per-step divergence check */
  PetscInt       nxloc;
  NaRecorder     rec;
  char           output[PETSC_MAX_PATH_LEN];
  PetscReal      output_interval, progress_interval;
  PetscBool      output_final, quiet;
  PetscLogDouble wall0, last_progress;
  NaSimSummary   sum;
  PetscReal      E_prev;
  PetscReal      t_start; /* simulated time at the start of this run (segment) */
  PetscReal      tseg;    /* end of the model's current segment (its inputs jump there) */
  PetscReal      dt_seg;  /* the stepper's step size at the start of the current segment */
  PetscReal      tout;    /* next output time */
  PetscInt       kout;    /* its index: tout = kout * output_interval */
  /* checkpoints and stops */
  NaCheckpointSettings ck;
  PetscReal            tcheck;
  PetscInt             ck_keep;
  PetscLogDouble       ck_last_wall, ck_cost, step_wall, last_step_end;
  PetscBool            output_set, restarted, stopped;
  int                  stop_signal, stop_rank; /* what stopped the run (0: no signal), the lowest rank it reached */
  PetscReal            steady_tol; /* -steady_state_tol: end the run once max |dU/dt| falls below it (0: never) */
  PetscBool            steady;     /* it did */
  Vec                  F;          /* dU/dt for that check */
  int                  exit_code;
  NaCheckpointInfo     rinfo; /* what a restart read */
  /* timing breakdown (seconds on this rank), written under /timing */
  PetscLogDouble t_setup, t_rhs, t_rhs_comm, t_output, t_checkpoint, setup_start; /* t_rhs includes t_rhs_comm */
  PetscInt       nrhs;
  PetscBool      setupcalled;
};

PetscErrorCode NaSimCreate(MPI_Comm comm, NaSim *sim)
{
  NaSim s;

  PetscFunctionBegin;
  PetscCall(PetscNew(&s));
  if (!NA_EVENT_RHS) {
    PetscClassId id;
    PetscCall(PetscClassIdRegister("nastro", &id));
    PetscCall(PetscLogEventRegister("NaModelRHS", id, &NA_EVENT_RHS));
    PetscCall(PetscLogEventRegister("NaOutput", id, &NA_EVENT_OUTPUT));
    PetscCall(PetscLogEventRegister("NaCheckpoint", id, &NA_EVENT_CHECKPOINT));
  }
  s->comm              = comm;
  s->progress_interval = 5;
  s->ck.keep           = 2;
  PetscCall(PetscStrncpy(s->output, "nastro.h5", sizeof(s->output)));
  *sim = s;
  PetscFunctionReturn(0);
}

PetscErrorCode NaSimSetModel(NaSim sim, NaModel model)
{
  PetscFunctionBegin;
  sim->model = model;
  PetscFunctionReturn(0);
}

PetscErrorCode NaSimSetOutput(NaSim sim, const char path[])
{
  PetscFunctionBegin;
  PetscCall(PetscStrncpy(sim->output, path, sizeof(sim->output)));
  PetscFunctionReturn(0);
}

PetscErrorCode NaSimSetFromOptions(NaSim sim)
{
  PetscFunctionBegin;
  PetscOptionsBegin(sim->comm, NULL, "Simulation and output", NULL);
  PetscCall(PetscOptionsString("-o", "output HDF5 file", NULL, sim->output, sim->output, sizeof(sim->output),
                               &sim->output_set));
  PetscCall(PetscOptionsReal("-output_interval", "simulated time between samples (default: max_time/100)", NULL,
                             sim->output_interval, &sim->output_interval, NULL));
  PetscCall(PetscOptionsBool("-output_final", "write the final x, s, p under /final", NULL, sim->output_final,
                             &sim->output_final, NULL));
  PetscCall(PetscOptionsBool("-quiet", "no progress lines", NULL, sim->quiet, &sim->quiet, NULL));
  PetscCall(PetscOptionsReal("-progress_interval", "wall-clock seconds between progress lines", NULL,
                             sim->progress_interval, &sim->progress_interval, NULL));
  PetscCall(PetscOptionsReal("-steady_state_tol",
                             "end the run (complete) after the first step at which max |dU/dt| < this, e.g. when a "
                             "memory has settled; 0: run to -ts_max_time",
                             NULL, sim->steady_tol, &sim->steady_tol, NULL));
  PetscCall(
      NaCheckpointOptionsRead(PetscOptionsObject, sim->comm, "simulated time between checkpoints (0: none)", &sim->ck));
  PetscOptionsEnd();
  PetscCall(NaCheckPath(sim->comm, "-o", sim->output));
  PetscCall(NaCheckOutputFile(sim->comm, sim->output));
  PetscCall(NaCheckpointDefaultDir(sim->output, sim->ck.dir, sizeof sim->ck.dir));
  NaCheck(sim->output_interval >= 0, sim->comm, PETSC_ERR_USER_INPUT, "-output_interval %g: must be positive",
          (double)sim->output_interval);
  PetscCall(NaCheckPositive(sim->comm, "", "steady_state_tol", sim->steady_tol, PETSC_FALSE));
  PetscFunctionReturn(0);
}

/* The implicit side is the diagonal D + S(t, U): the leak D, plus the model's stiff S where it has one, which is 0 but
 * on the few rows found at set-up (istiff). The IMEX operations below each take one pass over the state, the stiff rows
 * patched in afterwards from sde = D + S there (ImplicitApply's arithmetic is that of the VecPointwiseMult and VecAXPY
 * it replaced, bit for bit). */

/* sde = D + S(t, U) on the stiff rows */
static PetscErrorCode StiffDiagonal(NaSim sim, PetscReal t, Vec U)
{
  const PetscScalar *d;
  PetscScalar       *s;
  PetscBool          has;

  PetscFunctionBegin;
  if (!sim->stiff) PetscFunctionReturn(0);
  PetscCall(VecGetArray(sim->S, &s));
  for (PetscInt k = 0; k < sim->nstiff; k++) s[sim->istiff[k]] = 0;
  PetscCall(VecRestoreArray(sim->S, &s));
  PetscCall(NaModelGetStiff(sim->model, t, U, sim->S, &has));
  PetscCall(VecGetArrayRead(sim->S, (const PetscScalar **)&s));
  PetscCall(VecGetArrayRead(sim->D, &d));
  for (PetscInt k = 0; k < sim->nstiff; k++) sim->sde[k] = d[sim->istiff[k]] + s[sim->istiff[k]];
  PetscCall(VecRestoreArrayRead(sim->D, &d));
  PetscCall(VecRestoreArrayRead(sim->S, (const PetscScalar **)&s));
  PetscFunctionReturn(0);
}

/* Y = A + (D + S(t, U)) .* U (A may be Y) */
static PetscErrorCode ImplicitApply(NaSim sim, PetscReal t, Vec U, Vec A, Vec Y)
{
  const PetscScalar *d, *u, *a;
  PetscScalar       *y;
  PetscInt           n;

  PetscFunctionBegin;
  PetscCall(StiffDiagonal(sim, t, U));
  PetscCall(VecGetLocalSize(U, &n));
  PetscCall(VecGetArrayRead(sim->D, &d));
  PetscCall(VecGetArrayRead(U, &u));
  if (A == Y) {
    PetscCall(VecGetArray(Y, &y));
    a = y;
  } else {
    PetscCall(VecGetArrayRead(A, &a));
    PetscCall(VecGetArrayWrite(Y, &y));
  }
  for (PetscInt k = 0; k < sim->nstiff; k++) sim->sbuf[k] = a[sim->istiff[k]] + sim->sde[k] * u[sim->istiff[k]];
  for (PetscInt i = 0; i < n; i++) y[i] = a[i] + d[i] * u[i];
  for (PetscInt k = 0; k < sim->nstiff; k++) y[sim->istiff[k]] = sim->sbuf[k];
  if (A == Y)
    PetscCall(VecRestoreArray(Y, &y));
  else {
    PetscCall(VecRestoreArrayRead(A, &a));
    PetscCall(VecRestoreArrayWrite(Y, &y));
  }
  PetscCall(VecRestoreArrayRead(U, &u));
  PetscCall(VecRestoreArrayRead(sim->D, &d));
  PetscFunctionReturn(0);
}

/* Explicit types see the full right-hand side. For IMEX (arkimex) the linear leaks -D.*U (and the model's stiff
 * terms -S(U).*U) move to the implicit side: G(U, Udot) = Udot + (D + S).*U and the explicit part becomes
 * full + (D + S).*U. */
static PetscErrorCode RHSFunction(TS ts, PetscReal t, Vec U, Vec F, void *ctx)
{
  NaSim          sim = (NaSim)ctx;
  PetscLogDouble t0, t1, c0, c1;

  PetscFunctionBegin;
  (void)ts;
  PetscCall(NaNetworkGetCommStats(sim->model->net, &c0, NULL));
  PetscCall(PetscTime(&t0));
  PetscCall(PetscLogEventBegin(NA_EVENT_RHS, 0, 0, 0, 0));
  PetscCall(NaModelRHS(sim->model, t, U, F));
  PetscCall(PetscLogEventEnd(NA_EVENT_RHS, 0, 0, 0, 0));
  PetscCall(PetscTime(&t1));
  PetscCall(NaNetworkGetCommStats(sim->model->net, &c1, NULL));
  sim->t_rhs += t1 - t0;
  sim->t_rhs_comm += c1 - c0; /* the row collectives of output samples count as output */
  sim->nrhs++;
  if (sim->imex) PetscCall(ImplicitApply(sim, t, U, F, F));
  PetscFunctionReturn(0);
}

static PetscErrorCode IFunction(TS ts, PetscReal t, Vec U, Vec Udot, Vec G, void *ctx)
{
  NaSim sim = (NaSim)ctx;

  PetscFunctionBegin;
  (void)ts;
  if (sim->newton) { /* DiagonalNewton needs Udot = shift (U - Z) and S(U), not G */
    sim->Ydot = Udot;
    PetscCall(StiffDiagonal(sim, t, U));
  } else
    PetscCall(ImplicitApply(sim, t, U, Udot, G));
  PetscFunctionReturn(0);
}

/* with a stiff S: the Jacobian dG/dU is shift + D + S(U) on the diagonal (S's own dependence on U left out: see
 * DiagonalNewton), which needs only the shift and the stage time */
static PetscErrorCode IJacobian(TS ts, PetscReal t, Vec U, Vec Udot, PetscReal shift, Mat A, Mat B, void *ctx)
{
  NaSim sim = (NaSim)ctx;

  PetscFunctionBegin;
  (void)ts, (void)U, (void)Udot, (void)A, (void)B;
  sim->shift  = shift;
  sim->tstage = t;
  PetscFunctionReturn(0);
}

/* The stage solve with a stiff S, pointwise, with no norms or reductions (so bitwise the same on any rank count). A
 * stage solves G = shift (X - Z) + (D + S(X)) .* X = 0 for X, Z given by the stepper, which hands IFunction
 * Udot = shift (X0 - Z) at the initial guess X0: so shift Z = shift X0 - Udot, and X = shift Z ./ (shift + D) on every
 * row whose implicit part is linear (the leaks). A stiff row takes two Newton steps with the diagonal Jacobian,
 * X1 = shift Z ./ (shift + D + S(X0)) and X = shift Z ./ (shift + D + S(X1)): a row of S depends only on linear rows
 * (ops.stiff), which X1 has solved, so that solves it exactly. One pass over the state, G itself never formed. */
static PetscErrorCode DiagonalNewton(SNES snes, Vec X)
{
  NaSim              sim;
  const PetscScalar *d, *ydot;
  PetscScalar       *x;
  PetscInt           n;
  PetscReal          shift;

  PetscFunctionBegin;
  PetscCall(SNESShellGetContext(snes, &sim));
  PetscCall(SNESComputeJacobian(snes, X, sim->J, sim->J)); /* the shift and the stage time */
  sim->newton = PETSC_TRUE;
  sim->Ydot   = NULL;
  PetscCall(SNESComputeFunction(snes, X, sim->SF)); /* Udot at X0, and sde = D + S(X0) */
  sim->newton = PETSC_FALSE;
  PetscCheck(sim->Ydot, sim->comm, PETSC_ERR_PLIB, "DiagonalNewton: the stage function did not call IFunction");
  shift = sim->shift;
  PetscCall(VecGetLocalSize(X, &n));
  PetscCall(VecGetArrayRead(sim->D, &d));
  PetscCall(VecGetArrayRead(sim->Ydot, &ydot));
  PetscCall(VecGetArray(X, &x));
  for (PetscInt k = 0; k < sim->nstiff; k++) sim->sbuf[k] = shift * x[sim->istiff[k]] - ydot[sim->istiff[k]];
  for (PetscInt i = 0; i < n; i++) x[i] = (shift * x[i] - ydot[i]) / (d[i] + shift);
  for (PetscInt k = 0; k < sim->nstiff; k++) x[sim->istiff[k]] = sim->sbuf[k] / (sim->sde[k] + shift);
  PetscCall(VecRestoreArray(X, &x));
  PetscCall(VecRestoreArrayRead(sim->Ydot, &ydot));
  PetscCall(VecRestoreArrayRead(sim->D, &d));
  sim->Ydot = NULL;
  PetscCall(StiffDiagonal(sim, sim->tstage, X)); /* S(X1) */
  PetscCall(VecGetArray(X, &x));
  for (PetscInt k = 0; k < sim->nstiff; k++) x[sim->istiff[k]] = sim->sbuf[k] / (sim->sde[k] + shift);
  PetscCall(VecRestoreArray(X, &x));
  PetscCall(SNESSetConvergedReason(snes, SNES_CONVERGED_ITS));
  PetscFunctionReturn(0);
}

static PetscErrorCode Progress(TS ts, PetscInt step, PetscReal t, Vec U, void *ctx)
{
  NaSim          sim = (NaSim)ctx;
  PetscLogDouble now;
  PetscReal      dt, total = sim->sum.t_final, el, eta;

  PetscFunctionBegin;
  (void)U;
  if (sim->quiet) PetscFunctionReturn(0);
  PetscCall(PetscTime(&now));
  if (now - sim->last_progress < sim->progress_interval) PetscFunctionReturn(0);
  sim->last_progress = now;
  PetscCall(TSGetTimeStep(ts, &dt));
  el  = now - sim->wall0;
  eta = t > sim->t_start ? el * (total - t) / (t - sim->t_start) : 0;
  PetscCall(NaPrintf(sim->comm,
                     "  t %.4g of %.4g (%4.1f%%), step %" PetscInt_FMT ", dt %.3g, wall %.1f s, ETA %.1f s\n",
                     (double)t, (double)total, (double)(100 * t / total), step, (double)dt, el, (double)eta));
  PetscFunctionReturn(0);
}

static PetscErrorCode Sample(NaSim sim, PetscReal t, Vec U);

/* Samples every output time passed by the step just taken: interpolated where the stepper has dense output
 * (rk, arkimex, ...), otherwise the state at the end of the step. */
static PetscErrorCode Checkpoint(NaSim sim);

static PetscErrorCode PostStep(TS ts)
{
  NaSim          sim;
  PetscReal      t, nrm;
  PetscInt       step;
  PetscLogDouble now;
  int            due = 0, alldue;

  PetscFunctionBegin;
  PetscCall(TSGetApplicationContext(ts, &sim));
  PetscCall(TSGetTime(ts, &t));
  PetscCall(TSGetStepNumber(ts, &step));
  /* Runge-Kutta types that reuse their last stage (FSAL, e.g. 5dp) would start the next step from a stage
   * that a resumed run cannot have; recomputing it every step makes a restart exact, bit for bit */
  if (sim->rk_restart || sim->stiff) PetscCall(TSRestartStep(ts));
  /* the end of a segment: the model takes its read-outs into the state (a changed state restarts the stepper's
   * history: first-same-as-last stages, multistep values) */
  if (PetscAbsReal(t - sim->tseg) <= 1e-10 * PetscAbsReal(sim->tseg)) {
    if (sim->model->ops.capture) {
      PetscBool changed = PETSC_FALSE;
      PetscCall(sim->model->ops.capture(sim->model, t, sim->U, &changed));
      if (changed) PetscCall(TSRestartStep(ts));
    }
    /* the next segment starts, after its input jump, with the step size this one started with (a checkpoint written
     * below then holds it): not with the step the adaptor proposes after a settled segment, which the jump's
     * transient would reject; a fixed step that TS shortened to land here is restored */
    if (sim->model->ops.segment) PetscCall(TSSetTimeStep(ts, sim->dt_seg));
  }
  /* divergence: a NaN or Inf anywhere reaches the neurons within one step (x is driven by every g and
   * phi), so checking the N neuron states suffices and avoids a pass over the whole state per step */
  if (sim->model->ops.getneurons) {
    PetscCall(NaModelGetNeurons(sim->model, sim->U, sim->xbuf));
    for (PetscInt i = 0; i < sim->nxloc; i++)
      if (PetscIsInfOrNanReal(sim->xbuf[i])) due |= NA_DUE_NAN;
  } else {
    PetscCall(VecNorm(sim->U, NORM_INFINITY, &nrm));
    if (PetscIsInfOrNanReal(nrm)) due |= NA_DUE_NAN;
  }
  while (sim->tout <= t + 1e-10 * sim->output_interval && sim->tout < sim->sum.t_final - 1e-10 * sim->output_interval) {
    if (ts->ops->interpolate && sim->tout < t) {
      if (!sim->W) { /* bs3ls lends its free stage register: one state vector less (docs/design.md) */
        PetscBool bs3;
        PetscCall(PetscObjectTypeCompare((PetscObject)ts, TSBS3LS, &bs3));
        if (bs3)
          PetscCall(NaTSBS3LSGetScratch(ts, &sim->W));
        else
          PetscCall(VecDuplicate(sim->U, &sim->W));
        sim->W_owned = bs3 ? PETSC_FALSE : PETSC_TRUE;
      }
      PetscCall(TSInterpolate(ts, sim->tout, sim->W));
      PetscCall(Sample(sim, sim->tout, sim->W));
    } else
      PetscCall(Sample(sim, t, sim->U));
    sim->kout++;
    sim->tout = sim->kout * sim->output_interval;
  }

  /* a settled state ends the run: max |dU/dt| is a max, exact on any rank count, so every rank stops at the same
   * step (one more right-hand side per step) */
  if (sim->steady_tol > 0 && !(due & NA_DUE_NAN)) {
    PetscReal rate;
    if (!sim->F) PetscCall(VecDuplicate(sim->U, &sim->F));
    PetscCall(NaModelRHS(sim->model, t, sim->U, sim->F));
    PetscCall(VecNorm(sim->F, NORM_INFINITY, &rate));
    if (rate < sim->steady_tol && t < sim->sum.t_final) {
      sim->steady = PETSC_TRUE;
      PetscCall(TSSetConvergedReason(ts, TS_CONVERGED_USER));
      PetscFunctionReturn(0);
    }
  }

  /* checkpoints: the interval is deterministic; wall-clock triggers are decided on each rank's clock and signals
   * by whichever rank received one. One reduction agrees on all of it: the flags by max (each a 0/1 entry), and
   * the signal as (size - rank) * 64 + signal, so that every rank learns the lowest rank that was signalled and
   * with what, and every rank takes the same branch */
  PetscCall(PetscTime(&now));
  sim->step_wall     = now - sim->last_step_end;
  sim->last_step_end = now;
  if (sim->ck.interval > 0 && t >= sim->tcheck - 1e-10 * sim->ck.interval) due |= NA_DUE_INTERVAL;
  if (sim->ck.walltime > 0 && now - sim->ck_last_wall >= sim->ck.walltime) due |= NA_DUE_WALL;
  if (sim->ck.walltime_limit > 0 &&
      now - sim->wall0 + 2 * (sim->ck_cost + sim->step_wall) + 1 >= sim->ck.walltime_limit)
    due |= NA_DUE_STOP;
  {
    const int   sig = NaStopSignal();
    PetscMPIInt rank, size;
    int         mine[5], all[5];
    PetscCallMPI(MPI_Comm_rank(sim->comm, &rank));
    PetscCallMPI(MPI_Comm_size(sim->comm, &size));
    for (int k = 0; k < 4; k++) mine[k] = (due >> k) & 1;
    mine[4] = sig ? (size - rank) * 64 + (sig & 63) : 0;
    PetscCallMPI(MPI_Allreduce(mine, all, 5, MPI_INT, MPI_MAX, sim->comm));
    alldue = 0;
    for (int k = 0; k < 4; k++) alldue |= all[k] << k;
    if (all[4]) {
      alldue |= NA_DUE_STOP;
      sim->stop_signal = all[4] % 64;
      sim->stop_rank   = size - all[4] / 64;
    }
  }
  NaCheck(!(alldue & NA_DUE_NAN), sim->comm, PETSC_ERR_FP,
          "the state became NaN/Inf at t = %g, step %" PetscInt_FMT
          "; the output is left incomplete and the last checkpoint untouched (try a smaller -ts_dt or -ts_rtol)",
          (double)t, step);
  /* at the final time the run is complete: a stop asked for there changes nothing (no checkpoint is taken, so
   * stopping would point a resume at a checkpoint that does not exist) */
  if (t >= sim->sum.t_final) PetscFunctionReturn(0);
  if (alldue) {
    while (sim->ck.interval > 0 && sim->tcheck <= t + 1e-10 * sim->ck.interval) sim->tcheck += sim->ck.interval;
    PetscCall(Checkpoint(sim));
  }
  if (alldue & NA_DUE_STOP) {
    sim->stopped = PETSC_TRUE;
    PetscCall(TSSetConvergedReason(ts, TS_CONVERGED_USER));
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode Checkpoint(NaSim sim)
{
  NaCheckpointInfo info;
  PetscLogDouble   w0, w1;
  TSType           type;

  PetscFunctionBegin;
  PetscCheck(!sim->model->nocheckpoint, sim->comm, PETSC_ERR_SUP, "cannot checkpoint -model %s: %s", sim->model->type,
             sim->model->nocheckpoint);
  PetscCall(PetscTime(&w0));
  PetscCall(PetscMemzero(&info, sizeof(info)));
  PetscCall(TSGetTime(sim->ts, &info.t));
  PetscCall(TSGetTimeStep(sim->ts, &info.dt));
  info.dt_segment      = sim->dt_seg;
  info.output_interval = sim->output_interval;
  PetscCall(TSGetStepNumber(sim->ts, &info.step));
  PetscCall(NaRecorderGetNumSamples(sim->rec, &info.nsamples));
  PetscCall(NaRecorderGetChecksum(sim->rec, &info.output_checksum));
  PetscCall(TSGetType(sim->ts, &type));
  PetscCall(PetscStrncpy(info.tstype, type, sizeof(info.tstype)));
  PetscCall(PetscStrncpy(info.output, sim->output, sizeof(info.output)));
  info.kout                = sim->kout;
  info.tcheck              = sim->tcheck;
  info.energy_initial      = sim->sum.energy_initial;
  info.energy_prev         = sim->E_prev;
  info.max_energy_increase = sim->sum.max_energy_increase;
  PetscCall(PetscLogEventBegin(NA_EVENT_CHECKPOINT, 0, 0, 0, 0));
  PetscCall(NaRecorderFlush(sim->rec)); /* the samples the checkpoint counts are on disk first */
  PetscCall(NaCheckpointWrite(sim->comm, sim->ck.dir, sim->ck.keep, sim->model, sim->U, &info));
  PetscCall(PetscLogEventEnd(NA_EVENT_CHECKPOINT, 0, 0, 0, 0));
  PetscCall(PetscTime(&w1));
  sim->t_checkpoint += w1 - w0;
  sim->ck_cost      = w1 - w0;
  sim->ck_last_wall = w1;
  if (!sim->quiet)
    PetscCall(NaPrintf(sim->comm, "  checkpoint at t %g, step %" PetscInt_FMT " -> %s (%.2f s)\n", (double)info.t,
                       info.step, sim->ck.dir, (double)(w1 - w0)));
  PetscFunctionReturn(0);
}

static PetscBool IsImplicit(TSType type)
{
  const char *explicit_types[] = {TSEULER, TSRK, TSSSP, TSBS3LS};
  for (size_t k = 0; k < sizeof(explicit_types) / sizeof(explicit_types[0]); k++) {
    PetscBool same;
    PetscStrcmp(type, explicit_types[k], &same);
    if (same) return PETSC_FALSE;
  }
  return PETSC_TRUE;
}

/* bytes this process holds from the heap (malloc's arenas and its mmap'd blocks), touched or not */
static double HeapBytes(void)
{
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
  struct mallinfo2 mi = mallinfo2();
  return (double)mi.uordblks + (double)mi.hblkhd;
#else
  return 0;
#endif
}

/* state-sized vectors a run holds with this stepper (state, work vectors, the driver's sample target), as
 * measured for nastro's explicit steppers (bench/RESULTS.md); 0: not known (implicit types) */
static PetscInt StateVectors(TS ts)
{
  PetscBool is;
  PetscInt  stages = 0;

  PetscObjectTypeCompare((PetscObject)ts, TSBS3LS, &is);
  if (is) return 5;
  PetscObjectTypeCompare((PetscObject)ts, TSEULER, &is);
  if (is) return 3;
  PetscObjectTypeCompare((PetscObject)ts, TSRK, &is);
  if (is && !TSRKGetTableau(ts, &stages, NULL, NULL, NULL, NULL, NULL, NULL, NULL)) return 2 * stages + 3;
  return 0;
}

/* PETSc zeroes every vector it creates, so a run too large for its nodes is killed by the kernel's
 * out-of-memory killer during set-up, without a word. Before any state-sized vector exists, compare what the
 * ranks of each node will hold with what the node has available, and stop with one line if it cannot fit. */
static PetscErrorCode CheckMemory(NaSim sim, double heap0, double avail)
{
  MPI_Comm    node;
  PetscMPIInt nranks;
  PetscInt    nvec = StateVectors(sim->ts);
  double      mine = HeapBytes() - heap0 + nvec * 8.0 * (double)sim->model->nlocal, need, worst[2], local[2];

  PetscFunctionBegin;
  if (!nvec || avail <= 0) PetscFunctionReturn(0);
  PetscCallMPI(MPI_Comm_split_type(sim->comm, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node));
  PetscCallMPI(MPI_Comm_size(node, &nranks));
  PetscCallMPI(MPI_Allreduce(&mine, &need, 1, MPI_DOUBLE, MPI_SUM, node));
  PetscCallMPI(MPI_Comm_free(&node));
  local[0] = need / avail; /* the worst node decides */
  local[1] = need;
  PetscCallMPI(MPI_Allreduce(local, worst, 2, MPI_DOUBLE, MPI_MAX, sim->comm));
  if (worst[0] > 1) {
    char what[96] = "this run";
    if (sim->model->mem)
      PetscCall(PetscSNPrintf(what, sizeof what, "-%sN %" PetscInt_FMT, sim->model->prefix, sim->model->N));
    NaSETERRQ(
        sim->comm, PETSC_ERR_USER_INPUT,
        "%s does not fit: %" PetscInt_FMT " state-sized vectors of %.3g GB (%" PetscInt_FMT " values, %.0f bytes "
        "each: the state, the time stepper's work vectors, the sample target) come to %.3g GB on a node running %d "
        "rank%s, which has %.3g GB available; use more nodes, a smaller problem or a stepper with fewer vectors "
        "(-ts_type bs3ls: 5)",
        what, nvec, 8e-9 * (double)sim->model->nglobal, sim->model->nglobal, 8.0 * (double)sim->model->nglobal,
        1e-9 * worst[1], (int)nranks, NaPlural(nranks), 1e-9 * worst[1] / worst[0]);
  }
  PetscFunctionReturn(0);
}

/* PETSc's stepping options that would make a run loop at t = 0 or run no step: -ts_dt must be a positive finite
 * number, -ts_max_steps not negative, -ts_max_time finite (the text shown is the user's; values beyond PetscInt's
 * range are refused earlier, NaCheckPetscIntOptions) */
static PetscErrorCode CheckStepping(NaSim sim)
{
  char      raw[64] = "";
  PetscReal dt, tmax;
  PetscInt  steps;
  PetscBool set;

  PetscFunctionBegin;
  PetscCall(PetscOptionsGetString(NULL, ((PetscObject)sim->ts)->prefix, "-ts_dt", raw, sizeof raw, &set));
  PetscCall(TSGetTimeStep(sim->ts, &dt));
  NaCheck(!set || !PetscIsInfOrNanReal(dt), sim->comm, PETSC_ERR_USER_INPUT, "-ts_dt %s: must be a finite number", raw);
  NaCheck(!set || dt > 0, sim->comm, PETSC_ERR_USER_INPUT, "-ts_dt %s: must be positive", raw);
  PetscCall(PetscOptionsGetString(NULL, ((PetscObject)sim->ts)->prefix, "-ts_max_steps", raw, sizeof raw, &set));
  PetscCall(TSGetMaxSteps(sim->ts, &steps));
  NaCheck(!set || steps >= 0, sim->comm, PETSC_ERR_USER_INPUT, "-ts_max_steps %s: must not be negative", raw);
  PetscCall(PetscOptionsGetString(NULL, ((PetscObject)sim->ts)->prefix, "-ts_max_time", raw, sizeof raw, &set));
  PetscCall(TSGetMaxTime(sim->ts, &tmax));
  NaCheck(!set || !PetscIsInfOrNanReal(tmax), sim->comm, PETSC_ERR_USER_INPUT,
          "-ts_max_time %s: must be a finite number", raw);
  PetscFunctionReturn(0);
}

/* at most this many samples or checkpoints: an interval far below the run's length spins, ignoring signals */
#define NA_MAX_EVENTS 1e8

PetscErrorCode NaSimSetUp(NaSim sim)
{
  TS        ts;
  TSType    type;
  PetscBool set;
  double    avail = NaMemAvailable(), heap0 = HeapBytes();

  PetscFunctionBegin;
  if (sim->setupcalled) PetscFunctionReturn(0);
  PetscCheck(sim->model, sim->comm, PETSC_ERR_ORDER, "NaSimSetModel() must come first");
  PetscCall(PetscTime(&sim->setup_start));
  PetscCall(NaModelSetUp(sim->model));
  {
    PetscInt rstart, rend;
    PetscCall(NaNetworkGetOwnershipRange(sim->model->net, &rstart, &rend));
    sim->nxloc = rend - rstart;
    PetscCall(PetscMalloc1(PetscMax(sim->nxloc, 1), &sim->xbuf));
  }

  PetscCall(TSCreate(sim->comm, &ts));
  sim->ts = ts;
  PetscCall(TSSetProblemType(ts, TS_NONLINEAR));
  /* default: the model's choice, else adaptive Dormand-Prince 5(4); errors measured in the max-norm (exact on any
   * rank count) */
  if (sim->model->ts_default)
    PetscCall(TSSetType(ts, sim->model->ts_default));
  else {
    PetscCall(TSSetType(ts, TSRK));
    PetscCall(TSRKSetType(ts, TSRK5DP));
  }
  PetscCall(TSSetRHSFunction(ts, NULL, RHSFunction, sim));
  PetscCall(TSSetMaxTime(ts, sim->model->t_default > 0 ? sim->model->t_default : 50.0));
  PetscCall(TSSetMaxSteps(ts, PETSC_MAX_INT));
  PetscCall(TSSetTimeStep(ts, 0.01));
  PetscCall(TSSetExactFinalTime(ts, TS_EXACTFINALTIME_MATCHSTEP)); /* the run ends exactly at max_time */
  PetscCall(TSSetTolerances(ts, 1e-6, NULL, 1e-6, NULL));
  PetscCall(TSSetMaxStepRejections(ts, 100));
  PetscCall(TSSetMaxSNESFailures(ts, -1));           /* a failed Newton solve retries with a smaller step */
  PetscCall(TSSetErrorIfStepFails(ts, PETSC_FALSE)); /* NaSimRun reports failures with time and step */
  PetscCall(PetscOptionsHasName(NULL, NULL, "-ts_adapt_wnormtype", &set));
  if (!set) PetscCall(PetscOptionsSetValue(NULL, "-ts_adapt_wnormtype", "infinity"));
  PetscCall(TSMonitorSet(ts, Progress, sim, NULL));
  PetscCall(TSSetApplicationContext(ts, sim));
  PetscCall(TSSetPostStep(ts, PostStep));
  PetscCall(TSSetFromOptions(ts));
  if (!set) PetscCall(PetscOptionsClearValue(NULL, "-ts_adapt_wnormtype"));

  PetscCall(TSGetType(ts, &type));
  PetscCall(PetscStrcmp(type, TSARKIMEX, &sim->imex));
  PetscCall(PetscStrcmp(type, TSRK, &sim->rk_restart));
  if (sim->rk_restart) { /* -ts_type rk means Dormand-Prince 5(4) here unless -ts_rk_type says otherwise */
    PetscBool rkset;
    PetscCall(PetscOptionsHasName(NULL, ((PetscObject)ts)->prefix, "-ts_rk_type", &rkset));
    if (!rkset) PetscCall(TSRKSetType(ts, TSRK5DP));
    PetscInt         order = 0;
    const PetscReal *binterp;
    PetscCall(TSRKGetTableau(ts, NULL, NULL, NULL, NULL, NULL, &order, &binterp, NULL));
    if (!binterp || order < 2) { /* PETSc then interpolates linearly between steps (all but 5dp in 3.18) */
      TSRKType rktype;
      PetscCall(TSRKGetType(ts, &rktype));
      PetscCall(PetscPrintf(sim->comm,
                            "nastro: warning: -ts_rk_type %s has no dense output: samples between steps are linear "
                            "interpolations (use -ts_rk_type 5dp or -ts_type bs3ls for accurate samples)\n",
                            rktype));
    }
  }
  PetscCall(CheckStepping(sim));
  PetscCall(CheckMemory(sim, heap0, avail)); /* before the first state-sized vector */
  PetscCall(NaModelCreateVector(sim->model, &sim->U));
  if (sim->imex) {
    PetscBool has;
    PetscCall(VecDuplicate(sim->U, &sim->D));
    PetscCall(NaModelGetLeak(sim->model, sim->D, &has));
    if (!has) PetscCall(VecSet(sim->D, 0));
    PetscCall(TSSetIFunction(ts, NULL, IFunction, sim));
    PetscCall(NaModelGetStiff(sim->model, 0, sim->U, NULL, &sim->stiff));
  }
  if (sim->stiff) { /* the model's stiff diagonal: a diagonal Jacobian and DiagonalNewton (unless -snes_type says) */
    SNES     snes;
    PetscInt n, N;
    PetscCall(VecDuplicate(sim->U, &sim->S));
    PetscCall(VecDuplicate(sim->U, &sim->SF));
    { /* the stiff rows: where S(0, U) is not 0 for a U of NaNs (every row of S is a function of U: a part that is not
       * belongs to the leak) */
      const PetscScalar *s;
      PetscInt           k = 0;
      PetscBool          has;
      PetscCall(VecSet(sim->S, 0));
      PetscCall(VecSet(sim->SF, (PetscScalar)NAN));
      PetscCall(NaModelGetStiff(sim->model, 0, sim->SF, sim->S, &has));
      PetscCall(VecGetLocalSize(sim->U, &n));
      PetscCall(VecGetArrayRead(sim->S, &s));
      for (PetscInt i = 0; i < n; i++) sim->nstiff += s[i] != 0;
      PetscCall(PetscMalloc3(sim->nstiff, &sim->istiff, sim->nstiff, &sim->sde, sim->nstiff, &sim->sbuf));
      for (PetscInt i = 0; i < n; i++)
        if (s[i] != 0) sim->istiff[k++] = i;
      PetscCall(VecRestoreArrayRead(sim->S, &s));
      PetscCall(VecSet(sim->S, 0));
    }
    PetscCall(VecGetSize(sim->U, &N));
    PetscCall(MatCreateAIJ(sim->comm, n, n, N, N, 1, NULL, 0, NULL, &sim->J));
    PetscCall(MatAssemblyBegin(sim->J, MAT_FINAL_ASSEMBLY));
    PetscCall(MatAssemblyEnd(sim->J, MAT_FINAL_ASSEMBLY));
    PetscCall(TSSetIJacobian(ts, sim->J, sim->J, IJacobian, sim));
    PetscCall(TSGetSNES(ts, &snes));
    PetscCall(SNESSetType(snes, SNESSHELL));
    PetscCall(SNESShellSetContext(snes, sim));
    PetscCall(SNESShellSetSolve(snes, DiagonalNewton));
    PetscCall(SNESSetFromOptions(snes));
  } else if (IsImplicit(type)) {
    /* matrix-free Newton-Krylov without a preconditioner unless the user asks otherwise */
    SNES snes;
    KSP  ksp;
    PC   pc;
    PetscCall(TSGetSNES(ts, &snes));
    PetscCall(SNESSetUseMatrixFree(snes, PETSC_FALSE, PETSC_TRUE));
    PetscCall(SNESGetKSP(snes, &ksp));
    PetscCall(KSPGetPC(ksp, &pc));
    PetscCall(PCSetType(pc, PCNONE));
    PetscCall(SNESSetFromOptions(snes));
  }
  PetscCall(NaModelInitialState(sim->model, sim->U));
  if (sim->model->nocheckpoint) {
    PetscBool asked = sim->ck.restart[0] || sim->ck.interval > 0 || sim->ck.walltime > 0 || sim->ck.walltime_limit > 0;
    PetscCheck(!asked, sim->comm, PETSC_ERR_USER_INPUT, "-model %s cannot be checkpointed or restarted: %s",
               sim->model->type, sim->model->nocheckpoint);
  }
  if (sim->ck.restart[0]) {
    PetscCall(NaCheckpointRead(sim->comm, sim->ck.restart, sim->model, sim->U, &sim->rinfo));
    PetscCall(TSSetTime(ts, sim->rinfo.t));
    PetscCall(TSSetStepNumber(ts, sim->rinfo.step));
    PetscBool dt_given;
    PetscCall(PetscOptionsHasName(NULL, NULL, "-ts_dt", &dt_given));
    if (!dt_given) PetscCall(TSSetTimeStep(ts, sim->rinfo.dt)); /* continue exactly, unless told otherwise */
    sim->dt_seg = sim->rinfo.dt_segment;
    if (!sim->output_set) PetscCall(PetscStrncpy(sim->output, sim->rinfo.output, sizeof(sim->output)));
    sim->restarted = PETSC_TRUE;
  }
  PetscCall(TSGetMaxTime(ts, &sim->sum.t_final));
  NaCheck(sim->sum.t_final > 0, sim->comm, PETSC_ERR_USER_INPUT, "-ts_max_time %g: must be positive",
          (double)sim->sum.t_final);
  /* a resumed run goes on to the -ts_max_time it is given (later or earlier than the original one's, but not before
   * its checkpoint), sampling at the original run's interval, so that the output's samples stay evenly spaced */
  if (sim->restarted) {
    const PetscReal dt0 = sim->rinfo.output_interval;
    NaCheck(sim->sum.t_final > sim->rinfo.t, sim->comm, PETSC_ERR_USER_INPUT,
            "-ts_max_time %g: the checkpoint being resumed is at t = %g, already past it", (double)sim->sum.t_final,
            (double)sim->rinfo.t);
    if (dt0 > 0) {
      NaCheck(sim->output_interval == 0 || PetscAbsReal(sim->output_interval - dt0) <= 1e-12 * dt0, sim->comm,
              PETSC_ERR_USER_INPUT,
              "-output_interval %g: the run being resumed samples every %g, and its output continues at that interval",
              (double)sim->output_interval, (double)dt0);
      sim->output_interval = dt0;
    }
  }
  if (sim->output_interval == 0)
    sim->output_interval = sim->model->output_default_dt > 0 ? sim->model->output_default_dt : sim->sum.t_final / 100;
  {
    PetscReal t0, span;
    PetscCall(TSGetTime(ts, &t0));
    span = sim->sum.t_final - t0;
    NaCheck(span / sim->output_interval <= NA_MAX_EVENTS, sim->comm, PETSC_ERR_USER_INPUT,
            "-output_interval %g: %.3g samples over the run's %g time units (at most %g)", (double)sim->output_interval,
            (double)(span / sim->output_interval), (double)span, NA_MAX_EVENTS);
    NaCheck(sim->ck.interval <= 0 || span / sim->ck.interval <= NA_MAX_EVENTS, sim->comm, PETSC_ERR_USER_INPUT,
            "-checkpoint_interval %g: %.3g checkpoints over the run's %g time units (at most %g)",
            (double)sim->ck.interval, (double)(span / sim->ck.interval), (double)span, NA_MAX_EVENTS);
  }
  sim->setupcalled = PETSC_TRUE;
  PetscLogDouble now;
  PetscCall(PetscTime(&now));
  sim->t_setup = now - sim->setup_start;
  PetscFunctionReturn(0);
}

/* Hamming distance of sign(x) to the nearer of +xi^mu and -xi^mu (the energy is even in x, so both are memories;
 * on a tie, +xi), with mu the cued pattern or else the one with the largest |overlap| */
static PetscErrorCode Retrieval(NaSim sim, const PetscReal overlaps[])
{
  NaModel            model = sim->model;
  const PetscScalar *xi;
  PetscScalar       *x;
  PetscInt           N, K, rstart, rend, mism = 0;

  PetscFunctionBegin;
  PetscCall(NaModelGetSizes(model, &N, &K));
  PetscCall(NaModelGetPatterns(model, &xi));
  PetscCall(NaModelGetCuedPattern(model, &sim->sum.cued));
  sim->sum.nearest = 0;
  for (PetscInt mu = 1; mu < K; mu++)
    if (PetscAbsReal(overlaps[mu]) > PetscAbsReal(overlaps[sim->sum.nearest])) sim->sum.nearest = mu;
  PetscInt mu            = sim->sum.cued >= 0 ? sim->sum.cued : sim->sum.nearest;
  sim->sum.overlap_final = overlaps[mu];
  PetscCall(NaNetworkGetOwnershipRange(model->net, &rstart, &rend));
  PetscCall(PetscMalloc1(PetscMax(rend - rstart, 1), &x));
  PetscCall(NaModelGetNeurons(model, sim->U, x));
  for (PetscInt i = rstart; i < rend; i++) mism += (x[i - rstart] >= 0 ? 1.0 : -1.0) != xi[mu * N + i];
  PetscCall(PetscFree(x));
  PetscCallMPI(MPI_Allreduce(&mism, &sim->sum.hamming, 1, MPIU_INT, MPI_SUM, sim->comm));
  sim->sum.hamming_sign = N - sim->sum.hamming < sim->sum.hamming ? -1 : 1;
  if (sim->sum.hamming_sign < 0) sim->sum.hamming = N - sim->sum.hamming;
  PetscFunctionReturn(0);
}

static PetscErrorCode Sample(NaSim sim, PetscReal t, Vec U)
{
  PetscReal      E, *ov;
  PetscInt       n;
  PetscLogDouble t0, t1;

  PetscFunctionBegin;
  PetscCall(PetscTime(&t0));
  PetscCall(PetscLogEventBegin(NA_EVENT_OUTPUT, 0, 0, 0, 0));
  PetscCall(NaTestFault(sim->comm, "sample"));
  PetscCall(NaRecorderAppend(sim->rec, t, U));
  PetscCall(PetscLogEventEnd(NA_EVENT_OUTPUT, 0, 0, 0, 0));
  PetscCall(PetscTime(&t1));
  sim->t_output += t1 - t0;
  if (!sim->model->ops.observe) PetscFunctionReturn(0);
  PetscCall(PetscMalloc1(PetscMax(sim->model->K, 1), &ov));
  PetscCall(NaModelObserve(sim->model, U, &E, ov));
  PetscCall(NaRecorderGetNumSamples(sim->rec, &n));
  { /* a sample whose energy or overlaps are not finite is a failed run, not a complete one */
    PetscInt  step, bad = -1;
    PetscReal badv = 0;
    for (PetscInt mu = 0; mu < sim->model->K && bad < 0; mu++)
      if (PetscIsInfOrNanReal(ov[mu])) bad = mu, badv = ov[mu];
    PetscCall(PetscFree(ov));
    PetscCall(TSGetStepNumber(sim->ts, &step));
    NaCheck(!PetscIsInfOrNanReal(E), sim->comm, PETSC_ERR_FP,
            "the energy is %g at t = %g, step %" PetscInt_FMT ": the state overflowed (a smaller -%sbeta, -ts_dt or "
            "-ts_rtol?)",
            (double)E, (double)t, step, sim->model->prefix);
    NaCheck(bad < 0, sim->comm, PETSC_ERR_FP,
            "the overlap with pattern %" PetscInt_FMT " is %g at t = %g, step %" PetscInt_FMT
            ": the state overflowed (a smaller -ts_dt or -ts_rtol?)",
            bad, (double)badv, (double)t, step);
  }
  if (n == 1) {
    sim->sum.energy_initial      = E;
    sim->sum.max_energy_increase = -PETSC_MAX_REAL;
  } else
    sim->sum.max_energy_increase = PetscMax(sim->sum.max_energy_increase, E - sim->E_prev);
  sim->E_prev           = E;
  sim->sum.energy_final = E;
  PetscFunctionReturn(0);
}

/* /timing: the run's breakdown, max and min over ranks, and the bytes the row collectives moved per step */
static PetscErrorCode WriteTiming(NaSim sim)
{
  PetscLogDouble now, bytes, total_bytes;
  PetscInt       steps, N;
  PetscMPIInt    size;

  PetscFunctionBegin;
  PetscCall(PetscTime(&now));
  PetscCall(NaNetworkGetCommStats(sim->model->net, NULL, &bytes));
  PetscCall(TSGetStepNumber(sim->ts, &steps));
  PetscCall(NaModelGetSizes(sim->model, &N, NULL));
  PetscCallMPI(MPI_Comm_size(sim->comm, &size));
  {
    const char    *names[7] = {"wall", "setup", "rhs_compute", "communication", "ts_overhead", "output", "checkpoint"};
    PetscLogDouble v[7], vmax[7], vmin[7];
    v[0] = now - sim->setup_start;
    v[1] = sim->t_setup;
    v[2] = sim->t_rhs - sim->t_rhs_comm; /* the RHS includes its row collectives */
    v[3] = sim->t_rhs_comm;
    v[5] = sim->t_output;
    v[6] = sim->t_checkpoint;
    v[4] = v[0] - v[1] - sim->t_rhs - v[5] - v[6];
    PetscCallMPI(MPI_Allreduce(v, vmax, 7, MPI_DOUBLE, MPI_MAX, sim->comm));
    PetscCallMPI(MPI_Allreduce(v, vmin, 7, MPI_DOUBLE, MPI_MIN, sim->comm));
    PetscCallMPI(MPI_Allreduce(&bytes, &total_bytes, 1, MPI_DOUBLE, MPI_SUM, sim->comm));
    PetscCall(NaRecorderWriteTiming(sim->rec, 7, names, vmax, vmin, steps, sim->nrhs, steps ? total_bytes / steps : 0,
                                    size, N));
  }
  PetscFunctionReturn(0);
}

/* TSSolve to tend, one segment of the model's at a time where it has them: each solve lands exactly on the segment's
 * end, where the model's inputs jump, and the next starts afresh (no stage is reused across the jump) */
static PetscErrorCode Integrate(NaSim sim, PetscReal tend, TSConvergedReason *reason)
{
  PetscReal t;
  PetscBool resumed = sim->restarted;

  PetscFunctionBegin;
  PetscCall(TSGetTime(sim->ts, &t));
  for (;;) {
    sim->tseg = tend;
    if (sim->model->ops.segment) {
      PetscReal tseg;
      PetscCall(sim->model->ops.segment(sim->model, t, &tseg));
      PetscCheck(tseg > t, sim->comm, PETSC_ERR_PLIB, "-model %s: a segment from t = %g ends at %g", sim->model->type,
                 (double)t, (double)tseg);
      sim->tseg = PetscMin(tseg, tend);
      PetscCall(TSRestartStep(sim->ts));
      if (!resumed) PetscCall(TSGetTimeStep(sim->ts, &sim->dt_seg)); /* a resumed segment's came with the checkpoint */
      resumed = PETSC_FALSE;
    }
    PetscCall(TSSetMaxTime(sim->ts, sim->tseg));
    PetscCall(TSSolve(sim->ts, sim->U));
    PetscCall(TSGetConvergedReason(sim->ts, reason));
    PetscCall(TSGetTime(sim->ts, &t));
    if (*reason != TS_CONVERGED_TIME || sim->tseg >= tend) break;
    { /* TS shortened the segment's last steps to land on its end: start the next with the step size this one started
       * with, at least (a fixed step would otherwise shrink at every segment) */
      PetscReal dt;
      PetscCall(TSGetTimeStep(sim->ts, &dt));
      if (dt < sim->dt_seg) PetscCall(TSSetTimeStep(sim->ts, sim->dt_seg));
    }
  }
  PetscFunctionReturn(0);
}

PetscErrorCode NaSimRun(NaSim sim)
{
  TS                ts;
  PetscReal         t, tend;
  TSConvergedReason reason = TS_CONVERGED_ITERATING;
  PetscLogDouble    wall1;
  PetscInt          K;
  PetscReal        *ov;

  PetscFunctionBegin;
  PetscCall(NaSimSetUp(sim));
  ts   = sim->ts;
  tend = sim->sum.t_final;
  PetscCall(PetscTime(&sim->wall0));
  sim->last_progress = sim->last_step_end = sim->ck_last_wall = sim->wall0;
  {
    const char *end = getenv("SLURM_JOB_END_TIME"); /* epoch seconds, set by recent Slurm versions */
    if (end && atof(end) > 0 && sim->ck.walltime_limit == 0) sim->ck.walltime_limit = atof(end) - (double)time(NULL);
  }
  PetscCall(TSGetTime(ts, &t));
  sim->t_start = t;
  PetscCall(NaOutputClaim(sim->comm, sim->output, sim->ck.dir, sim->restarted));
  PetscCall(NaStatusBegin(sim->comm, sim->output));
  if (sim->restarted) {
    PetscLogDouble w0, w1;
    PetscCall(PetscTime(&w0));
    PetscCall(NaRecorderOpen(sim->comm, sim->output, sim->model, sim->rinfo.nsamples,
                             sim->rinfo.has_output_checksum ? &sim->rinfo.output_checksum : NULL, &sim->rec));
    PetscCall(PetscTime(&w1));
    sim->kout                    = sim->rinfo.kout;
    sim->tcheck                  = sim->rinfo.tcheck;
    sim->sum.energy_initial      = sim->rinfo.energy_initial;
    sim->E_prev                  = sim->rinfo.energy_prev;
    sim->sum.max_energy_increase = sim->rinfo.max_energy_increase;
    PetscCall(NaPrintf(
        sim->comm,
        "resuming at t %g, step %" PetscInt_FMT
        " from %s (written by TS %s); output continues in %s (its %" PetscInt_FMT " samples copied in %.2f s, %s)\n",
        (double)t, sim->rinfo.step, sim->ck.restart, sim->rinfo.tstype, sim->output, sim->rinfo.nsamples, w1 - w0,
        sim->rinfo.has_output_checksum ? "checked against the checkpoint"
                                       : "not checked: the checkpoint predates output checksums"));
  } else {
    PetscCall(NaRecorderCreate(sim->comm, sim->output, sim->model, &sim->rec));
    PetscCall(Sample(sim, t, sim->U));
    sim->kout   = (PetscInt)PetscFloorReal(t / sim->output_interval + 1e-10) + 1;
    sim->tcheck = sim->ck.interval;
  }
  sim->tout = sim->kout * sim->output_interval;
  PetscCall(Integrate(sim, tend, &reason));
  PetscCall(TSGetTime(ts, &t));
  if (reason < 0) {
    PetscInt step;
    PetscCall(TSGetStepNumber(ts, &step));
    NaSETERRQ(sim->comm, PETSC_ERR_NOT_CONVERGED,
              "time stepper failed at t = %g, step %" PetscInt_FMT ": %s (try a smaller -ts_dt or -ts_rtol)", (double)t,
              step, TSConvergedReasons[reason]);
  }
  if (reason == TS_CONVERGED_ITS && t < tend) sim->stopped = PETSC_TRUE; /* -ts_max_steps: a segment of a longer run */
  if (sim->stopped) {
    PetscInt step;
    if (reason == TS_CONVERGED_ITS) PetscCall(Checkpoint(sim));
    PetscCall(WriteTiming(sim));
    PetscCall(TSGetStepNumber(ts, &step));
    PetscCall(NaRecorderDestroy(&sim->rec)); /* closed, still complete = 0 */
    sim->exit_code = 75;
    char why[64];
    if (sim->stop_signal)
      snprintf(why, sizeof why, "%s on rank %d", NaSignalName(sim->stop_signal), sim->stop_rank);
    else
      snprintf(why, sizeof why, "%s", reason == TS_CONVERGED_ITS ? "-ts_max_steps" : "wall-time limit");
    PetscCall(NaPrintf(sim->comm,
                       "stopped at t %g, step %" PetscInt_FMT
                       " (%s): checkpoint in %s; resume with -restart %s (exit code 75)\n",
                       (double)t, step, why, sim->ck.dir, sim->ck.dir));
    PetscCall(NaStatusEnd(75, sim->ck.dir,
                          "stopped at t %g, step %" PetscInt_FMT
                          " (%s) with a checkpoint in %s, exit 75; resume with -restart %s",
                          (double)t, step, why, sim->ck.dir, sim->ck.dir));
    NaOutputRelease(75);
    PetscFunctionReturn(0);
  }
  PetscCall(Sample(sim, t, sim->U));
  PetscCall(PetscTime(&wall1));
  sim->sum.wall    = wall1 - sim->wall0;
  sim->sum.t_final = t;
  PetscCall(TSGetStepNumber(ts, &sim->sum.steps));
  PetscCall(TSGetStepRejections(ts, &sim->sum.rejected));
  PetscCall(NaRecorderWriteResults(sim->rec, sim->U));
  PetscCall(WriteTiming(sim));
  if (sim->output_final) PetscCall(NaRecorderWriteFinal(sim->rec, sim->U));
  PetscCall(NaRecorderSetAttribute(sim->rec, "final_time", t));
  PetscCall(NaRecorderSetAttribute(sim->rec, "steps", (PetscReal)sim->sum.steps));
  PetscCall(NaRecorderSetAttribute(sim->rec, "wall_time", sim->sum.wall));
  if (sim->steady_tol > 0) PetscCall(NaRecorderSetAttribute(sim->rec, "steady_state", sim->steady ? 1.0 : 0.0));
  if (sim->model->mem) { /* associative memories: retrieval and energy */
    PetscCall(NaModelGetSizes(sim->model, NULL, &K));
    PetscCall(PetscMalloc1(K, &ov));
    PetscCall(NaModelObserve(sim->model, sim->U, &sim->sum.energy_final, ov));
    PetscCall(Retrieval(sim, ov));
    PetscCall(PetscFree(ov));
    PetscCall(NaRecorderSetAttribute(sim->rec, "hamming_distance", (PetscReal)sim->sum.hamming));
    PetscCall(NaRecorderSetAttribute(sim->rec, "hamming_sign", (PetscReal)sim->sum.hamming_sign));
    PetscCall(NaRecorderSetAttribute(sim->rec, "energy_initial", sim->sum.energy_initial));
    PetscCall(NaRecorderSetAttribute(sim->rec, "energy_final", sim->sum.energy_final));
  }
  PetscCall(NaRecorderFinish(sim->rec));
  PetscCall(NaRecorderDestroy(&sim->rec));
  PetscCall(NaStatusEnd(0, NULL, "complete at t %g, step %" PetscInt_FMT ", exit 0: %s", (double)t, sim->sum.steps,
                        sim->output));
  NaOutputRelease(0);
  PetscFunctionReturn(0);
}

PetscErrorCode NaSimGetExitCode(NaSim sim, int *code)
{
  PetscFunctionBegin;
  *code = sim->exit_code;
  PetscFunctionReturn(0);
}

PetscErrorCode NaSimGetTS(NaSim sim, TS *ts)
{
  PetscFunctionBegin;
  *ts = sim->ts;
  PetscFunctionReturn(0);
}

PetscErrorCode NaSimGetSolution(NaSim sim, Vec *U)
{
  PetscFunctionBegin;
  *U = sim->U;
  PetscFunctionReturn(0);
}

PetscErrorCode NaSimGetSummary(NaSim sim, NaSimSummary *summary)
{
  PetscFunctionBegin;
  *summary = sim->sum;
  PetscFunctionReturn(0);
}

PetscErrorCode NaSimPrintSummary(NaSim sim, PetscViewer viewer)
{
  NaSimSummary *s = &sim->sum;
  TSType        type;
  PetscMPIInt   size;

  PetscFunctionBegin;
  PetscCall(TSGetType(sim->ts, &type));
  PetscCallMPI(MPI_Comm_size(sim->comm, &size));
  PetscCall(NaViewerPrintf(viewer,
                           "summary: simulated t = %g in %" PetscInt_FMT " steps (%" PetscInt_FMT
                           " rejected, TS %s) on %d rank%s, wall %.2f s\n",
                           (double)s->t_final, s->steps, s->rejected, type, size, NaPlural(size), (double)s->wall));
  if (sim->steady_tol > 0)
    PetscCall(NaViewerPrintf(viewer, "  steady state (max |dU/dt| < %g): %s\n", (double)sim->steady_tol,
                             sim->steady ? "reached, the run ended there" : "not reached by -ts_max_time"));
  if (sim->model->ops.summary) PetscCall(sim->model->ops.summary(sim->model, sim->U, viewer));
  if (!sim->model->mem) {
    PetscCall(PetscViewerASCIIPrintf(viewer, "  output: %s\n", sim->output));
    PetscFunctionReturn(0);
  }
  if (s->cued >= 0 && s->hamming_sign > 0)
    PetscCall(PetscViewerASCIIPrintf(viewer,
                                     "  retrieval: Hamming distance %" PetscInt_FMT
                                     " to the cued pattern %" PetscInt_FMT " (overlap %.6f)\n",
                                     s->hamming, s->cued, (double)s->overlap_final));
  else if (s->cued >= 0)
    PetscCall(PetscViewerASCIIPrintf(viewer,
                                     "  retrieval: Hamming distance %" PetscInt_FMT " to -xi^%" PetscInt_FMT
                                     ", the negative of the cued pattern %" PetscInt_FMT
                                     " (hamming_sign -1; overlap %.6f)\n",
                                     s->hamming, s->cued, s->cued, (double)s->overlap_final));
  else
    PetscCall(PetscViewerASCIIPrintf(viewer,
                                     "  retrieval: cue is not a stored pattern; nearest pattern %" PetscInt_FMT
                                     " (overlap %.6f), Hamming distance %" PetscInt_FMT " to %cxi^%" PetscInt_FMT
                                     " (hamming_sign %+d)\n",
                                     s->nearest, (double)s->overlap_final, s->hamming, s->hamming_sign < 0 ? '-' : '+',
                                     s->nearest, (int)s->hamming_sign));
  PetscReal roundoff = 1e-12 * PetscMax(PetscAbsReal(s->energy_initial), PetscAbsReal(s->energy_final));
  PetscCall(NaViewerPrintf(
      viewer, "  energy: %.10g -> %.10g (drop %.6g), %s (largest increase between samples %.3g)\n",
      (double)s->energy_initial, (double)s->energy_final, (double)(s->energy_initial - s->energy_final),
      s->max_energy_increase <= roundoff ? "non-increasing within round-off" : "INCREASED between samples",
      (double)PetscMax(s->max_energy_increase, 0)));
  PetscCall(PetscViewerASCIIPrintf(viewer, "  output: %s\n", sim->output));
  PetscFunctionReturn(0);
}

PetscErrorCode NaSimDestroy(NaSim *sim)
{
  PetscFunctionBegin;
  if (!*sim) PetscFunctionReturn(0);
  PetscCall(NaRecorderDestroy(&(*sim)->rec));
  PetscCall(TSDestroy(&(*sim)->ts));
  PetscCall(VecDestroy(&(*sim)->U));
  PetscCall(VecDestroy(&(*sim)->D));
  if ((*sim)->W_owned) PetscCall(VecDestroy(&(*sim)->W));
  PetscCall(VecDestroy(&(*sim)->S));
  PetscCall(VecDestroy(&(*sim)->SF));
  if ((*sim)->istiff) PetscCall(PetscFree3((*sim)->istiff, (*sim)->sde, (*sim)->sbuf));
  PetscCall(MatDestroy(&(*sim)->J));
  PetscCall(VecDestroy(&(*sim)->F));
  PetscCall(PetscFree((*sim)->xbuf));
  PetscCall(PetscFree(*sim));
  PetscFunctionReturn(0);
}
