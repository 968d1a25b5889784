#!/usr/bin/python3
"""Brian 2's neuron-glia example 5 (Stimberg, Goodman, Brette, De Pitta 2019, "Modeling neuron-glia
interactions with the Brian 2 simulator", examples/frompapers/Stimberg_et_al_2018/example_5_astro_ring.py): a ring
of 50 G-ChI astrocytes coupled by IP3 gap junctions, cell 25 driven by a rectangular stimulus (20 s of every
50 s). The model equations, parameters, connection rule and integrator (rk4, dt 50 ms) are the example's; plotting
is left out. Writes the example's StateMonitor of C (every dt from t = 0, Brian's 'start' slot, so a row at t is
the state at t; [cell][sample]) to an .npz file.

  /usr/bin/python3 bench/brian/example5_ring.py OUT.npz [--dt MS] [--duration S] [--held] [--workdir DIR]

--held evaluates the stimulus once per step, at its start, and holds it over the step (a run_regularly in the
'start' slot), as nastro's timed parameters do. The example writes it as a function of t, which rk4 evaluates at
each stage's time: in the last step of each stimulus (19.95 s to 20 s, ...) the fourth stage, at t + dt = 20 s,
sees it off, and in the last step before each onset the fourth stage sees it on. That is the only difference
between the two formulations."""
import argparse
import tempfile
import time

import numpy as np

ap = argparse.ArgumentParser()
ap.add_argument("out")
ap.add_argument("--dt", type=float, default=50.0, help="Brian's dt [ms] (the example: 50)")
ap.add_argument("--duration", type=float, default=4000.0, help="[s] (the example: 4000)")
ap.add_argument("--held", action="store_true", help="hold the stimulus over each step (nastro's timed values)")
ap.add_argument("--workdir", default=None, help="cpp_standalone build directory (default: a temporary one)")
a = ap.parse_args()

from brian2 import *  # noqa: E402,F401,F403

workdir = a.workdir or tempfile.mkdtemp(prefix="brian_ex5_")
set_device("cpp_standalone", directory=workdir)
prefs.logging.file_log = False

duration = a.duration * second
sim_dt = a.dt * ms
O_P = 0.9 * umolar / second
K_P = 0.05 * umolar
C_T = 2 * umolar
rho_A = 0.18
Omega_C = 6 / second
Omega_L = 0.1 / second
d_1 = 0.13 * umolar
d_2 = 1.05 * umolar
O_2 = 0.2 / umolar / second
d_3 = 0.9434 * umolar
d_5 = 0.08 * umolar
O_delta = 0.6 * umolar / second
kappa_delta = 1.5 * umolar
K_delta = 0.1 * umolar
Omega_5P = 0.05 / second
K_D = 0.7 * umolar
K_3K = 1.0 * umolar
O_3K = 4.5 * umolar / second
F_ex = 0.09 * umolar / second
F = 0.09 * umolar / second
I_Theta = 0.3 * umolar
omega_I = 0.05 * umolar

defaultclock.dt = sim_dt
astro_eqs = """
dI/dt = J_delta - J_3K - J_5P + J_ex + J_coupling : mmolar
J_delta = O_delta/(1 + I/kappa_delta) * C**2/(C**2 + K_delta**2) : mmolar/second
J_3K = O_3K * C**4/(C**4 + K_D**4) * I/(I + K_3K)                : mmolar/second
J_5P = Omega_5P*I                                                : mmolar/second
stimulus = int((t % (50*second))<20*second)                      : 1
delta_I_bias = I - I_bias*stimulus                               : mmolar
J_ex = -F_ex/2*(1 + tanh((abs(delta_I_bias) - I_Theta)/omega_I)) *
                sign(delta_I_bias)                               : mmolar/second
J_coupling : mmolar/second
dC/dt = J_r + J_l - J_p                                   : mmolar
dh/dt = (h_inf - h)/tau_h                                 : 1
J_r = (Omega_C * m_inf**3 * h**3) * (C_T - (1 + rho_A)*C) : mmolar/second
J_l = Omega_L * (C_T - (1 + rho_A)*C)                     : mmolar/second
J_p = O_P * C**2/(C**2 + K_P**2)                          : mmolar/second
m_inf = I/(I + d_1) * C/(C + d_5)                         : 1
h_inf = Q_2/(Q_2 + C)                                     : 1
tau_h = 1/(O_2 * (Q_2 + C))                               : second
Q_2 = d_2 * (I + d_1)/(I + d_3)                           : mmolar
I_bias : mmolar (constant)
"""
N_astro = 50
if a.held:
    astro_eqs = astro_eqs.replace("stimulus = int((t % (50*second))<20*second)                      : 1",
                                  "stimulus : 1")
astrocytes = NeuronGroup(N_astro, astro_eqs, method="rk4")
if a.held:
    astrocytes.run_regularly("stimulus = int((t % (50*second))<20*second)", when="start")
astrocytes.I_bias[N_astro // 2] = 1.0 * umolar
astrocytes.h = 0.9
astro_to_astro_eqs = """
delta_I = I_post - I_pre        : mmolar
J_coupling_post = -F/2 * (1 + tanh((abs(delta_I) - I_Theta)/omega_I)) *
                  sign(delta_I) : mmolar/second (summed)
"""
astro_to_astro = Synapses(astrocytes, astrocytes, model=astro_to_astro_eqs)
astro_to_astro.connect("j == (i + 1) % N_pre or j == (i + N_pre - 1) % N_pre")
mon = StateMonitor(astrocytes, variables=["C"], record=True)
t0 = time.time()
run(duration)
wall = time.time() - t0
np.savez(a.out, t=np.asarray(mon.t / ms), C=np.asarray(mon.C / umolar), dt=a.dt, wall=wall, held=a.held,
         pre=np.asarray(astro_to_astro.i[:]), post=np.asarray(astro_to_astro.j[:]))
print(f"brian2 {__import__('brian2').__version__}: example 5, rk4, dt {a.dt} ms, {a.duration:g} s, "
      f"stimulus {'held over each step' if a.held else 'as the example (a function of t)'}, "
      f"{len(astro_to_astro)} gap junctions, build+run {wall:.1f} s -> {a.out}")
