#!/usr/bin/python3
"""Brian 2's neuron-glia example 3 (Stimberg, Goodman, Brette, De Pitta 2019,
examples/frompapers/Stimberg_et_al_2018/example_3_io_synapse.py): three Tsodyks-Markram synapses driven by one
spike train, the first without astrocyte, the others modulated by the gliotransmitter of an astrocyte with
I_bias 0.8 and 1.25 uM (open loop). Equations, parameters and integrators are the example's; plotting is left
out. Writes to an .npz file: the synapses' u_S, x_S, r_S, Y_S, Gamma_S and the astrocytes' C, G_A every dt (the
example's StateMonitor, Brian's 'start' slot: a row at t is the state at t) and the same synapse variables
right after each presynaptic spike (a second monitor in the 'after_synapses' slot: rows of the spike steps).

  /usr/bin/python3 bench/brian/example3_io_synapse.py OUT.npz [--workdir DIR]"""
import argparse
import tempfile

import numpy as np

ap = argparse.ArgumentParser()
ap.add_argument("out")
ap.add_argument("--workdir", default=None, help="cpp_standalone build directory (default: a temporary one)")
a = ap.parse_args()

from brian2 import *  # noqa: E402,F401,F403

set_device("cpp_standalone", directory=a.workdir or tempfile.mkdtemp(prefix="brian_ex3_"))
prefs.logging.file_log = False

transient = 16.5 * second
duration = transient + 600 * ms
sim_dt = 1 * ms
rho_c = 0.005
Y_T = 500 * mmolar
Omega_c = 40 / second
U_0__star = 0.6
Omega_f = 3.33 / second
Omega_d = 2.0 / second
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
O_delta = 0.6 * umolar / second
kappa_delta = 1.5 * umolar
K_delta = 0.1 * umolar
Omega_5P = 0.05 / second
K_D = 0.7 * umolar
K_3K = 1.0 * umolar
O_3K = 4.5 * umolar / second
F_ex = 2.0 * umolar / second
I_Theta = 0.3 * umolar
omega_I = 0.05 * umolar
C_Theta = 0.5 * umolar
Omega_A = 0.6 / second
U_A = 0.6
G_T = 200 * mmolar
rho_e = 6.5e-4
Omega_e = 60 / second
alpha = 0.0

defaultclock.dt = sim_dt
spikes = [0, 50, 100, 150, 200, 300, 310, 320, 330, 340, 350, 360, 370, 380, 390, 400] * ms
spikes += transient
source_neurons = SpikeGeneratorGroup(1, np.zeros(len(spikes)), spikes)
target_neurons = NeuronGroup(1, "")
synapses_eqs = """
dY_S/dt = -Omega_c * Y_S        : mmolar (clock-driven)
dGamma_S/dt = O_G * G_A * (1 - Gamma_S) - Omega_G * Gamma_S : 1 (clock-driven)
du_S/dt = -Omega_f * u_S        : 1 (clock-driven)
dx_S/dt = Omega_d *(1 - x_S)    : 1 (clock-driven)
r_S                             : 1
G_A                             : mmolar
"""
synapses_action = """
U_0 = (1 - Gamma_S) * U_0__star + alpha * Gamma_S
u_S += U_0 * (1 - u_S)
r_S = u_S * x_S
x_S -= r_S
Y_S += rho_c * Y_T * r_S
"""
synapses = Synapses(source_neurons, target_neurons, model=synapses_eqs, on_pre=synapses_action, method="exact")
synapses.connect(True, n=3)
astro_eqs = """
dI/dt = J_delta - J_3K - J_5P + J_ex                             : mmolar
J_delta = O_delta/(1 + I/kappa_delta) * C**2/(C**2 + K_delta**2) : mmolar/second
J_3K = O_3K * C**4/(C**4 + K_D**4) * I/(I + K_3K)                : mmolar/second
J_5P = Omega_5P*I                                                : mmolar/second
delta_I_bias = I - I_bias          : mmolar
J_ex = -F_ex/2*(1 + tanh((abs(delta_I_bias) - I_Theta)/omega_I)) * sign(delta_I_bias) : mmolar/second
I_bias                             : mmolar (constant)
dC/dt = (Omega_C * m_inf**3 * h**3 + Omega_L) * (C_T - (1 + rho_A)*C) - O_P * C**2/(C**2 + K_P**2) : mmolar
dh/dt = (h_inf - h)/tau_h : 1
m_inf = I/(I + d_1) * C/(C + d_5)  : 1
h_inf = Q_2/(Q_2 + C)              : 1
tau_h = 1/(O_2 * (Q_2 + C))        : second
Q_2 = d_2 * (I + d_1)/(I + d_3)    : mmolar
dx_A/dt = Omega_A * (1 - x_A)      : 1
dG_A/dt = -Omega_e*G_A             : mmolar
"""
glio_release = """
G_A += rho_e * G_T * U_A * x_A
x_A -= U_A *  x_A
"""
astrocyte = NeuronGroup(2, astro_eqs, threshold="C>C_Theta", refractory="C>C_Theta", reset=glio_release,
                        method="rk4")
astrocyte.x_A = 1.0
astrocyte.h = 0.9
astrocyte.I = 0.4 * umolar
astrocyte.I_bias = np.asarray([0.8, 1.25]) * umolar
ecs_astro_to_syn = Synapses(astrocyte, synapses, "G_A_post = G_A_pre : mmolar (summed)")
ecs_astro_to_syn.connect(j="i+1")

vars_ = ["u_S", "x_S", "r_S", "Y_S", "Gamma_S"]
syn_mon = StateMonitor(synapses, variables=vars_, record=[0, 1, 2])
after = StateMonitor(synapses, variables=vars_, record=[0, 1, 2], when="after_synapses")
ast_mon = StateMonitor(astrocyte, variables=["C", "G_A", "I"], record=True)
run(duration)

spike_ms = np.asarray(spikes / ms)
ta = np.asarray(after.t / ms)
rows = np.searchsorted(ta, spike_ms - 1e-9)  # the spike steps
out = dict(t=np.asarray(syn_mon.t / ms), spikes=spike_ms, C=np.asarray(ast_mon.C / umolar),
           G_A=np.asarray(ast_mon.G_A / umolar), I=np.asarray(ast_mon.I / umolar))
for v in vars_:
    scale = umolar if v == "Y_S" else 1  # Y_S in uM
    x = np.asarray(getattr(syn_mon, v) / scale)
    y = np.asarray(getattr(after, v) / scale)
    out[v] = x
    out[v + "_spike"] = y[:, rows]
np.savez(a.out, **out)
print("wrote", a.out)
