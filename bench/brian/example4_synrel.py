#!/usr/bin/python3
"""Brian 2's neuron-glia example 4 (Stimberg, Goodman, Brette, De Pitta 2019,
examples/frompapers/Stimberg_et_al_2018/example_4_synrel.py, figure 4B): 500 x 3 Tsodyks-Markram synapses,
closed-loop gliotransmission (synapses 0-499 with astrocytes 0-499), open loop (synapses 500-999 with
astrocytes 500-999, I_bias 1 uM) and none (1000-1499), driven by 500 Poisson sources (the three synapses of
connection i share source i) at 0.011, 0.11, 1.1 and 11 Hz for 5 s each; 20 s at dt 1 ms. Equations,
parameters, connections and integrators are the example's (cpp_standalone); plotting is left out, the seed is
an option (the example's is 16283).

Writes to an .npz file:
  t            [2000] ms, the example's StateMonitor samples (dt 10 ms, Brian's 'start' slot)
  Y_mean       [3][2000] uM, <Y_S> over the 500 synapses of each kind (closed, open, none): the figure
  Gamma_mean   [3][2000] <Gamma_S> of each kind (the third is 0)
  Y_q          [3][4][5] uM, quantiles 5, 25, 50, 75, 95 % of Y_S over the samples of each epoch and the 500
               synapses; Y_m, Y_sd [3][4] their mean and standard deviation
  n, r, r2     [3][4][500] per kind, epoch and synapse: spikes, sum of r_S, sum of r_S^2 (epoch of the spike's
               time t, [5 k, 5 (k + 1)) s)
  rel_t, rel_i astrocyte releases (Brian's threshold 'C > C_Theta'): times (ms), indices (0-999)

With --rsmean, the example's second part (example_4_rsmean.py, figure 4C; seed 1929): 100 synapses of each kind,
synapse i at rate logspace(-1, 2, 100)[i] Hz, 195 s; it writes f (Hz) and, per kind and synapse [3][100], the
mean and standard deviation over every step of the state variable r_S (the last release, held; the example's
StateMonitor of r_S at every dt, from sums kept at each spike instead of 58 million samples), spikes n, and the
astrocytes' releases.

  /usr/bin/python3 bench/brian/example4_synrel.py OUT.npz [--rsmean] [--seed S] [--duration S] [--workdir DIR]"""
import argparse
import tempfile

import numpy as np

ap = argparse.ArgumentParser()
ap.add_argument("out")
ap.add_argument("--rsmean", action="store_true", help="example_4_rsmean.py instead (figure 4C)")
ap.add_argument("--seed", type=int, default=None, help="Brian's seed (default: the example's, 16283 or 1929)")
ap.add_argument("--duration", type=float, default=None, help="seconds (default: the example's, 20 or 195)")
ap.add_argument("--workdir", default=None, help="cpp_standalone build directory (default: a temporary one)")
a = ap.parse_args()

from brian2 import *  # noqa: E402,F401,F403

set_device("cpp_standalone", directory=a.workdir or tempfile.mkdtemp(prefix="brian_ex4_"))
prefs.logging.file_log = False
a.seed = a.seed if a.seed is not None else (1929 if a.rsmean else 16283)
seed(a.seed)

N_synapses = 100 if a.rsmean else 500
N_astro = 2
duration = (a.duration or (195.0 if a.rsmean else 20.0)) * second
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
O_beta = 3.2 * umolar / second
O_N = 0.3 / umolar / second
Omega_N = 0.5 / second
K_KC = 0.5 * umolar
zeta = 10
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
epoch = 5 * second

defaultclock.dt = sim_dt
rate_in = TimedArray([0.011, 0.11, 1.1, 11] * Hz, dt=5 * second)
f_vals = np.logspace(-1, 2, N_synapses) * Hz
source_neurons = PoissonGroup(N_synapses, rates=f_vals if a.rsmean else "rate_in(t)")
target_neurons = NeuronGroup(N_synapses, "")

# the example's synapse, with per-epoch accumulators of the releases (which do not act on anything)
acc = "".join(f"n{k} : 1\nr{k} : 1\nq{k} : 1\n" for k in range(4))
synapses_eqs = """
dY_S/dt = -Omega_c * Y_S : mmolar (clock-driven)
dGamma_S/dt = O_G * G_A * (1 - Gamma_S) - Omega_G * Gamma_S : 1 (clock-driven)
du_S/dt = -Omega_f * u_S : 1 (event-driven)
dx_S/dt = Omega_d *(1 - x_S) : 1 (event-driven)
r_S : 1
G_A : mmolar
""" + acc
synapses_action = """
U_0 = (1 - Gamma_S) * U_0__star + alpha * Gamma_S
u_S += U_0 * (1 - u_S)
r_S = u_S * x_S
x_S -= r_S
Y_S += rho_c * Y_T * r_S
"""
for k in range(4):
    w = f"(int(t >= {k}*epoch) - int(t >= {k + 1}*epoch))"
    synapses_action += f"n{k} += {w}\nr{k} += {w}*r_S\nq{k} += {w}*r_S**2\n"
if a.rsmean:  # the held r_S over the steps since the last spike (its StateMonitor rows t_last + dt .. t), then anew
    synapses_eqs += "s1 : 1\ns2 : 1\nt_last : second\nn_all : 1\n"
    synapses_action = ("s1 += r_S*(t - t_last)/dt\ns2 += r_S**2*(t - t_last)/dt\nt_last = t\nn_all += 1\n"
                       + synapses_action)
synapses = Synapses(source_neurons, target_neurons, model=synapses_eqs, on_pre=synapses_action, method="exact")
synapses.connect(j="i")  # closed-loop modulation
synapses.connect(j="i")  # open modulation
synapses.connect(j="i")  # no modulation
synapses.x_S = 1.0

astro_eqs = """
dGamma_A/dt = O_N * Y_S * (1 - Gamma_A) - Omega_N*(1 + zeta * C/(C + K_KC)) * Gamma_A : 1
dI/dt = J_beta + J_delta - J_3K - J_5P + J_ex             : mmolar
J_beta = O_beta * Gamma_A                                 : mmolar/second
J_delta = O_delta/(1 + I/kappa_delta) * C**2/(C**2 + K_delta**2) : mmolar/second
J_3K = O_3K * C**4/(C**4 + K_D**4) * I/(I + K_3K)         : mmolar/second
J_5P = Omega_5P*I                                         : mmolar/second
delta_I_bias = I - I_bias : mmolar
J_ex = -F_ex/2*(1 + tanh((abs(delta_I_bias) - I_Theta)/omega_I)) * sign(delta_I_bias) : mmolar/second
I_bias                                                    : mmolar (constant)
dC/dt = (Omega_C * m_inf**3 * h**3 + Omega_L) * (C_T - (1 + rho_A)*C) - O_P * C**2/(C**2 + K_P**2) : mmolar
dh/dt = (h_inf - h)/tau_h          : 1
m_inf = I/(I + d_1) * C/(C + d_5)  : 1
h_inf = Q_2/(Q_2 + C)              : 1
tau_h = 1/(O_2 * (Q_2 + C))        : second
Q_2 = d_2 * (I + d_1)/(I + d_3)    : mmolar
dx_A/dt = Omega_A * (1 - x_A) : 1
dG_A/dt = -Omega_e*G_A        : mmolar
Y_S                           : mmolar
"""
glio_release = """
G_A += rho_e * G_T * U_A * x_A
x_A -= U_A *  x_A
"""
astrocyte = NeuronGroup(N_astro * N_synapses, astro_eqs, threshold="C>C_Theta", refractory="C>C_Theta",
                        reset=glio_release, method="rk4")
astrocyte.h = 0.9
astrocyte.x_A = 1.0
astrocyte.I_bias = (np.r_[np.zeros(N_synapses), np.ones(N_synapses)]) * 1.0 * umolar

ecs_syn_to_astro = Synapses(synapses, astrocyte, "Y_S_post = Y_S_pre : mmolar (summed)")
ecs_syn_to_astro.connect(j="i if i < N_synapses")
ecs_astro_to_syn = Synapses(astrocyte, synapses, "G_A_post = G_A_pre : mmolar (summed)")
ecs_astro_to_syn.connect(j="i if i < N_synapses")
ecs_astro_to_syn.connect(j="i if i >= N_synapses and i < 2*N_synapses")

rel_mon = SpikeMonitor(astrocyte)
if a.rsmean:
    run(duration, report=None)
    steps = int(round(duration / sim_dt))
    last = np.asarray(synapses.t_last[:] / ms).reshape(3, N_synapses)
    r_end = np.asarray(synapses.r_S[:]).reshape(3, N_synapses)
    tail = steps - 1 - last  # the samples after the last spike, t_last + dt .. duration - dt
    s1 = np.asarray(synapses.s1[:]).reshape(3, N_synapses) + r_end * tail
    s2 = np.asarray(synapses.s2[:]).reshape(3, N_synapses) + r_end ** 2 * tail
    mean = s1 / steps
    np.savez(a.out, seed=a.seed, f=np.asarray(f_vals / Hz), r_mean=mean,
             r_std=np.sqrt(np.maximum(s2 / steps - mean ** 2, 0)),
             n=np.asarray(synapses.n_all[:]).reshape(3, N_synapses),
             rel_t=np.asarray(rel_mon.t / ms), rel_i=np.asarray(rel_mon.i))
    print("wrote", a.out)
    raise SystemExit(0)
syn_mon = StateMonitor(synapses, ["Y_S", "Gamma_S"], record=np.arange(N_synapses * (N_astro + 1)), dt=10 * ms)
run(duration, report=None)

t = np.asarray(syn_mon.t / ms)
Y = np.asarray(syn_mon.Y_S / umolar).reshape(3, N_synapses, -1)
G = np.asarray(syn_mon.Gamma_S).reshape(3, N_synapses, -1)
ep = np.floor(t / 5000.0).astype(int)
qs = [5, 25, 50, 75, 95]
Y_q = np.zeros((3, 4, len(qs)))
Y_m = np.zeros((3, 4))
Y_sd = np.zeros((3, 4))
for kind in range(3):
    for k in range(4):
        s = Y[kind][:, ep == k]
        if s.size:
            Y_q[kind, k] = np.percentile(s, qs)
            Y_m[kind, k], Y_sd[kind, k] = s.mean(), s.std()
acc_of = lambda name: np.asarray([np.asarray(getattr(synapses, f"{name}{k}")[:]).reshape(3, N_synapses)
                                  for k in range(4)]).transpose(1, 0, 2)
np.savez(a.out, seed=a.seed, t=t, Y_mean=Y.mean(axis=1), Gamma_mean=G.mean(axis=1), Y_q=Y_q, Y_m=Y_m, Y_sd=Y_sd,
         n=acc_of("n"), r=acc_of("r"), r2=acc_of("q"), rel_t=np.asarray(rel_mon.t / ms), rel_i=np.asarray(rel_mon.i))
print("wrote", a.out)
