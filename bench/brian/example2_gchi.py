#!/usr/bin/python3
"""Brian 2's neuron-glia example 2 (Stimberg, Goodman, Brette, De Pitta 2019, "Modeling neuron-glia
interactions with the Brian 2 simulator", examples/frompapers/Stimberg_et_al_2018/example_2_gchi_astrocyte.py):
two G-ChI astrocytes (deterministic, stochastic) driven by the glutamate of one synapse from a regular 0.5 Hz
"source neuron". The model equations, parameters, seed and integrator are the example's; plotting is left out.
Writes the traces (the example's StateMonitor: every dt from t = 0, Brian's 'start' slot, so a row at t is the
state at t) and the source's spike times to an .npz file.

  /usr/bin/python3 bench/brian/example2_gchi.py OUT.npz [--method milstein|rk4|euler] [--dt MS] [--workdir DIR]
      [--noisy N [--record-dt MS]]

--method milstein --dt 1 is the example (milstein reduces to forward Euler on the deterministic cell);
other methods or steps show how Brian's traces converge (the stochastic cell only with milstein). At a dt other
than 1 ms the source neuron would fire at other times (its Euler steps): a SpikeGeneratorGroup then fires so
that each glutamate jump acts from the example's t_s + 1 ms, the same continuous-time input at every dt."""
import argparse
import os
import tempfile
import time

import numpy as np

ap = argparse.ArgumentParser()
ap.add_argument("out")
ap.add_argument("--method", default="milstein")
ap.add_argument("--dt", type=float, default=1.0, help="Brian's dt [ms] (the example: 1)")
ap.add_argument("--duration", type=float, default=30.0, help="[s] (the example: 30)")
ap.add_argument("--noisy", type=int, default=1,
                help="stochastic astrocytes (noise 1) next to the deterministic one (the example: 1); more give "
                     "statistics to compare (compare_example2_noise.py)")
ap.add_argument("--record-dt", type=float, default=None, help="the StateMonitor's dt [ms] (default: dt)")
ap.add_argument("--workdir", default=None, help="cpp_standalone build directory (default: a temporary one)")
a = ap.parse_args()

from brian2 import *  # noqa: E402,F401,F403

workdir = a.workdir or tempfile.mkdtemp(prefix="brian_ex2_")
set_device("cpp_standalone", directory=workdir)
prefs.logging.file_log = False
seed(790824)  # the example's

duration = a.duration * second
sim_dt = a.dt * ms
f_0 = 0.5 * Hz
rho_c = 0.001
Y_T = 500 * mmolar
Omega_c = 40 / second
O_P = 0.9 * umolar / second
K_P = 0.1 * umolar
C_T = 2 * umolar
rho_A = 0.18
Omega_C = 6 / second
Omega_L = 0.1 / second
d_1 = 0.13 * umolar
d_2 = 1.05 * umolar
O_2 = 0.2 / umolar / second
d_3 = 0.9434 * umolar
d_5 = 0.08 * umolar
O_beta = 5 * umolar / second
O_N = 0.3 / umolar / second
Omega_N = 0.5 / second
K_KC = 0.5 * umolar
zeta = 10
O_delta = 0.2 * umolar / second
kappa_delta = 1.5 * umolar
K_delta = 0.3 * umolar
Omega_5P = 0.1 / second
K_D = 0.5 * umolar
K_3K = 1 * umolar
O_3K = 4.5 * umolar / second
F_ex = 0.09 * umolar / second
I_Theta = 0.3 * umolar
omega_I = 0.05 * umolar

defaultclock.dt = sim_dt
EXAMPLE_SPIKES = 2000.0 + 2001.0 * np.arange(14)  # ms: what the source neuron fires at dt = 1 ms
if a.dt == 1.0:
    source_neurons = NeuronGroup(1, "dx/dt = f_0 : 1", threshold="x>1", reset="x=0", method="euler")
else:  # the source's Euler timing depends on dt: keep the example's glutamate jumps, which act from t_s + 1 ms
    t_in = EXAMPLE_SPIKES[EXAMPLE_SPIKES < a.duration * 1e3] + 1.0 - a.dt
    source_neurons = SpikeGeneratorGroup(1, np.zeros(len(t_in), dtype=int), t_in * ms)
target_neurons = NeuronGroup(1, "")
synapses = Synapses(source_neurons, target_neurons, model="dY_S/dt = -Omega_c * Y_S : mmolar (clock-driven)",
                    on_pre="Y_S += rho_c * Y_T", method="exact")
synapses.connect()
astro_eqs = """
dGamma_A/dt = O_N * Y_S * (1 - Gamma_A) - Omega_N*(1 + zeta * C/(C + K_KC)) * Gamma_A : 1
dI/dt = J_beta + J_delta - J_3K - J_5P + J_ex     : mmolar
J_beta = O_beta * Gamma_A                         : mmolar/second
J_delta = O_delta/(1 + I/kappa_delta) * C**2/(C**2 + K_delta**2) : mmolar/second
J_3K = O_3K * C**4/(C**4 + K_D**4) * I/(I + K_3K) : mmolar/second
J_5P = Omega_5P*I                                 : mmolar/second
delta_I_bias = I - I_bias : mmolar
J_ex = -F_ex/2*(1 + tanh((abs(delta_I_bias) - I_Theta)/omega_I)) * sign(delta_I_bias) : mmolar/second
I_bias                                            : mmolar (constant)
dC/dt = J_r + J_l - J_p                : mmolar
dh/dt = (h_inf - h_clipped)/tau_h * (1 + noise*xi*tau_h**0.5)      : 1
h_clipped = clip(h,0,1)                : 1
J_r = (Omega_C * m_inf**3 * h_clipped**3) * (C_T - (1 + rho_A)*C)            : mmolar/second
J_l = Omega_L * (C_T - (1 + rho_A)*C)  : mmolar/second
J_p = O_P * C**2/(C**2 + K_P**2)       : mmolar/second
m_inf = I/(I + d_1) * C/(C + d_5)      : 1
h_inf = Q_2/(Q_2 + C)                  : 1
tau_h = 1/(O_2 * (Q_2 + C))            : second
Q_2 = d_2 * (I + d_1)/(I + d_3)        : mmolar
Y_S     : mmolar
noise   : 1 (constant)
"""
stochastic = a.method == "milstein"
if not stochastic:  # a deterministic method cannot integrate xi: the deterministic cell alone, noise term removed
    astro_eqs = astro_eqs.replace(" * (1 + noise*xi*tau_h**0.5)", "")
astrocytes = NeuronGroup(1 + a.noisy if stochastic else 1, astro_eqs, method=a.method)
astrocytes.h = 0.9
if stochastic:
    astrocytes.noise = [0] + [1] * a.noisy
ecs = Synapses(synapses, astrocytes, "Y_S_post = Y_S_pre : mmolar (summed)")
ecs.connect()
mon = StateMonitor(astrocytes, variables=["Gamma_A", "C", "h", "I"], record=True,
                   dt=a.record_dt * ms if a.record_dt else None)
spk = SpikeMonitor(source_neurons)
t0 = time.time()
run(duration)
wall = time.time() - t0
np.savez(a.out, t=np.asarray(mon.t / ms), C=np.asarray(mon.C / umolar), h=np.asarray(mon.h),
         I=np.asarray(mon.I / umolar), Gamma_A=np.asarray(mon.Gamma_A), spikes=np.asarray(spk.t / ms),
         method=a.method, dt=a.dt, wall=wall)
print(f"brian2 {__import__('brian2').__version__}: example 2, method {a.method}, dt {a.dt} ms, "
      f"{len(spk.t)} source spikes, build+run {wall:.1f} s -> {a.out}")
