#!/usr/bin/python3
"""Brian 2's neuron-glia example 6 (Stimberg, Goodman, Brette, De Pitta 2019, brian2
examples/frompapers/Stimberg_et_al_2018/example_6_COBA_with_astro.py): 3200 E + 800 I LIF-COBA neurons with
Tsodyks-Markram synapses whose release the gliotransmitter of 3200 G-ChI astrocytes modulates (E synapses, by
the position of the postsynaptic neuron), astrocytes coupled by IP3 gap junctions within 75 um; 8 s, neurons
Euler at 0.1 ms, astrocytes rk4 at 10 ms; a step of the input current from 100 to 120 pA during [2, 4) s.
The equations, parameters, initial values and integrators are the example's; the seed is a parameter (the
example's is 28371); plotting is left out. Runs in cpp_standalone with OpenMP threads, Brian's fastest mode.

  /usr/bin/python3 bench/brian/example6_coba.py OUT.npz [--seed S] [--threads T] [--duration S] [--profile]

Writes to OUT.npz: the spikes of E, I and the astrocytes' gliotransmitter releases (times in s, indices), each
E synapse's astrocyte index (the example's arithmetic), the synapse counts, and the wall times: Brian's
whole run (`total`: code generation, compilation and the simulation), the simulation alone (`run`: Brian's
own measurement of its main loop) and, with --profile, the time of each code object."""
import argparse
import os
import tempfile
import time

import numpy as np

ap = argparse.ArgumentParser()
ap.add_argument("out")
ap.add_argument("--seed", type=int, default=28371, help="Brian's seed (the example: 28371)")
ap.add_argument("--threads", type=int, default=2, help="OpenMP threads of cpp_standalone (0: none)")
ap.add_argument("--duration", type=float, default=8.0, help="[s] (the example: 8)")
ap.add_argument("--workdir", default=None, help="cpp_standalone build directory (default: a temporary one)")
ap.add_argument("--profile", action="store_true", help="Brian's per-code-object profile (slows the run a little)")
a = ap.parse_args()

t_start = time.time()
from brian2 import *  # noqa: E402,F401,F403

workdir = a.workdir or tempfile.mkdtemp(prefix="brian_ex6_")
set_device("cpp_standalone", directory=workdir, build_on_run=False)
prefs.logging.file_log = False
if a.threads > 0:
    prefs.devices.cpp_standalone.openmp_threads = a.threads
seed(a.seed)

# ---- the example's parameters
N_e, N_i, N_a = 3200, 800, 3200
size = 3.75 * mmeter
E_l = -60 * mV
g_l = 9.99 * nS
E_e = 0 * mV
E_i = -80 * mV
C_m = 198 * pF
tau_e = 5 * ms
tau_i = 10 * ms
tau_r = 5 * ms
I_ex = 100 * pA
V_th = -50 * mV
V_r = E_l
rho_c = 0.005
Y_T = 500.0 * mmolar
Omega_c = 40 / second
U_0__star = 0.6
Omega_f = 3.33 / second
Omega_d = 2.0 / second
w_e = 0.05 * nS
w_i = 1.0 * nS
O_G = 1.5 / umolar / second
Omega_G = 0.5 / (60 * second)
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
O_beta = 0.5 * umolar / second
O_N = 0.3 / umolar / second
Omega_N = 0.5 / second
K_KC = 0.5 * umolar
zeta = 10
O_delta = 1.2 * umolar / second
kappa_delta = 1.5 * umolar
K_delta = 0.1 * umolar
Omega_5P = 0.05 / second
K_D = 0.7 * umolar
K_3K = 1.0 * umolar
O_3K = 4.5 * umolar / second
F = 0.09 * umolar / second
I_Theta = 0.3 * umolar
omega_I = 0.05 * umolar
C_Theta = 0.5 * umolar
Omega_A = 0.6 / second
U_A = 0.6
G_T = 200 * mmolar
rho_e = 6.5e-4
Omega_e = 60 / second
alpha = 0.0
stimulus = TimedArray([1.0, 1.2, 1.0, 1.0], dt=2 * second)
duration = a.duration * second

# ---- neurons
neuron_eqs = """
dv/dt = (g_l*(E_l-v) + g_e*(E_e-v) + g_i*(E_i-v) + I_ex*stimulus(t))/C_m : volt (unless refractory)
dg_e/dt = -g_e/tau_e : siemens
dg_i/dt = -g_i/tau_i : siemens
x : meter (constant)
y : meter (constant)
"""
neurons = NeuronGroup(N_e + N_i, model=neuron_eqs, threshold="v>V_th", reset="v=V_r", refractory="tau_r",
                      method="euler")
exc_neurons = neurons[:N_e]
inh_neurons = neurons[N_e:]
N_rows = int(sqrt(N_e))
N_cols = N_e // N_rows
grid_dist = size / N_cols
exc_neurons.x = "(i // N_rows)*grid_dist - N_rows/2.0*grid_dist"
exc_neurons.y = "(i % N_rows)*grid_dist - N_cols/2.0*grid_dist"
neurons.v = "E_l + rand()*(V_th-E_l)"
neurons.g_e = "rand()*w_e"
neurons.g_i = "rand()*w_i"

# ---- synapses
synapses_eqs = """
dY_S/dt = -Omega_c * Y_S                                    : mmolar (clock-driven)
dGamma_S/dt = O_G * G_A * (1 - Gamma_S) - Omega_G * Gamma_S : 1 (clock-driven)
du_S/dt = -Omega_f * u_S                                    : 1 (event-driven)
dx_S/dt = Omega_d *(1 - x_S)                                : 1 (event-driven)
U_0                                                         : 1
r_S                                                         : 1
G_A                                                         : mmolar
astrocyte_index : integer (constant)
"""
synapses_action = """
U_0 = (1 - Gamma_S) * U_0__star + alpha * Gamma_S
u_S += U_0 * (1 - u_S)
r_S = u_S * x_S
x_S -= r_S
Y_S += rho_c * Y_T * r_S
"""
exc_syn = Synapses(exc_neurons, neurons, model=synapses_eqs, on_pre=synapses_action + "g_e_post += w_e*r_S",
                   method="exact")
exc_syn.connect(True, p=0.05)
exc_syn.x_S = 1.0
inh_syn = Synapses(inh_neurons, neurons, model=synapses_eqs, on_pre=synapses_action + "g_i_post += w_i*r_S",
                   method="exact")
inh_syn.connect(True, p=0.2)
inh_syn.x_S = 1.0
N_rows_a = int(sqrt(N_a))
N_cols_a = N_a / N_rows_a
grid_dist = size / N_rows_a
exc_syn.astrocyte_index = "int(x_post/grid_dist) + N_cols_a*int(y_post/grid_dist)"

# ---- astrocytes
astro_eqs = """
dGamma_A/dt = O_N * Y_S * (1 - clip(Gamma_A,0,1)) - Omega_N*(1 + zeta * C/(C + K_KC)) * clip(Gamma_A,0,1) : 1
dI/dt = J_beta + J_delta - J_3K - J_5P + J_coupling              : mmolar
J_beta = O_beta * Gamma_A                                        : mmolar/second
J_delta = O_delta/(1 + I/kappa_delta) * C**2/(C**2 + K_delta**2) : mmolar/second
J_3K = O_3K * C**4/(C**4 + K_D**4) * I/(I + K_3K)                : mmolar/second
J_5P = Omega_5P*I                                                : mmolar/second
J_coupling                                                       : mmolar/second
dC/dt = J_r + J_l - J_p                                   : mmolar
dh/dt = (h_inf - h)/tau_h                                 : 1
J_r = (Omega_C * m_inf**3 * h**3) * (C_T - (1 + rho_A)*C) : mmolar/second
J_l = Omega_L * (C_T - (1 + rho_A)*C)                     : mmolar/second
J_p = O_P * C**2/(C**2 + K_P**2)                          : mmolar/second
m_inf = I/(I + d_1) * C/(C + d_5)                         : 1
h_inf = Q_2/(Q_2 + C)                                     : 1
tau_h = 1/(O_2 * (Q_2 + C))                               : second
Q_2 = d_2 * (I + d_1)/(I + d_3)                           : mmolar
dx_A/dt = Omega_A * (1 - x_A) : 1
dG_A/dt = -Omega_e*G_A        : mmolar
Y_S                           : mmolar
x : meter (constant)
y : meter (constant)
"""
glio_release = """
G_A += rho_e * G_T * U_A * x_A
x_A -= U_A *  x_A
"""
astrocytes = NeuronGroup(N_a, astro_eqs, threshold="C>C_Theta", refractory="C>C_Theta", reset=glio_release,
                         method="rk4", dt=1e-2 * second)
astrocytes.x = "(i // N_rows_a)*grid_dist - N_rows_a/2.0*grid_dist"
astrocytes.y = "(i % N_rows_a)*grid_dist - N_cols_a/2.0*grid_dist"
astrocytes.C = 0.01 * umolar
astrocytes.h = 0.9
astrocytes.I = 0.01 * umolar
astrocytes.x_A = 1.0

ecs_astro_to_syn = Synapses(astrocytes, exc_syn, "G_A_post = G_A_pre : mmolar (summed)")
ecs_astro_to_syn.connect("i == astrocyte_index_post")
ecs_syn_to_astro = Synapses(exc_syn, astrocytes, "Y_S_post = Y_S_pre/N_incoming : mmolar (summed)")
ecs_syn_to_astro.connect("astrocyte_index_pre == j")
astro_to_astro_eqs = """
delta_I = I_post - I_pre            : mmolar
J_coupling_post = -(1 + tanh((abs(delta_I) - I_Theta)/omega_I))*sign(delta_I)*F/2 : mmolar/second (summed)
"""
astro_to_astro = Synapses(astrocytes, astrocytes, model=astro_to_astro_eqs)
astro_to_astro.connect("i != j and sqrt((x_pre-x_post)**2 + (y_pre-y_post)**2) < 75*um")

exc_mon = SpikeMonitor(exc_neurons)
inh_mon = SpikeMonitor(inh_neurons)
ast_mon = SpikeMonitor(astrocytes)

run(duration, report=None, profile=a.profile)
t_build = time.time()
device.build(directory=workdir, compile=True, run=True, debug=False)
t_end = time.time()

out = dict(
    seed=a.seed, threads=a.threads, duration=a.duration,
    e_t=np.asarray(exc_mon.t / second), e_i=np.asarray(exc_mon.i),
    i_t=np.asarray(inh_mon.t / second), i_i=np.asarray(inh_mon.i),
    a_t=np.asarray(ast_mon.t / second), a_i=np.asarray(ast_mon.i),
    astrocyte_index=np.asarray(exc_syn.astrocyte_index[:]),
    n_exc_syn=len(exc_syn), n_inh_syn=len(inh_syn), n_gap=len(astro_to_astro),
    n_astro_to_syn=len(ecs_astro_to_syn),
    total=t_end - t_start, build_and_run=t_end - t_build, run=float(device._last_run_time),
)
if a.profile:
    prof = profiling_summary(show=100)
    out["profile_names"] = np.array([str(n) for n in prof.names])
    out["profile_times"] = np.array([float(t / second) for t in prof.times])
np.savez(a.out, **out)
print("brian example 6: seed %d, %d thread(s), %.1f s: E %d, I %d spikes, %d releases; %d E and %d I synapses, "
      "%d gap junctions, %d synapses with an astrocyte; wall %.1f s (simulation %.1f s)"
      % (a.seed, a.threads, a.duration, len(out["e_t"]), len(out["i_t"]), len(out["a_t"]), out["n_exc_syn"],
         out["n_inh_syn"], out["n_gap"], out["n_astro_to_syn"], out["total"], out["run"]))
