#!/bin/bash
# Sets up nastro on Debian 12: installs the Debian packages it needs (only those missing; apt-get update
# runs once, and only when something is missing), then configures and builds ./build (PETSc with 32-bit indices)
# and ./build64 (PETSc64: 64-bit indices; README, "Building with 64-bit indices").
# usage: scripts/setup.sh            (as root, or as a user with sudo)
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  gcc git pkg-config meson ninja-build        # build
  petsc-dev                                   # PETSc 3.18 (TS, Vec), with parallel HDF5
  petsc64-dev                                 # the same with 64-bit indices: ./build64
  libopenmpi-dev openmpi-bin                  # MPI
  libhdf5-openmpi-dev hdf5-tools              # parallel HDF5, h5dump/h5diff
  libyaml-dev                                 # network files (spiking networks)
  libcriterion-dev                            # unit tests
  python3-h5py python3-numpy python3-matplotlib  # analysis/
  python3-torch python3-sklearn python3.11-doc     # analysis/attention_*.py: transformers trained here, digits, text corpus
  python3-scipy python3-yaml                  # tests/mpi/gchi_reference.py: the independent G-ChI integration
  slurmctld slurmd slurm-client munge          # tests/slurm: a one-machine Slurm cluster
  procps iproute2                             # pkill (tests/mpi/checkpoint.sh), ss (tests/slurm); not in minimal images
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "setup: installing ${missing[*]}"
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

if [ -f build/build.ninja ]; then
  meson setup --reconfigure build >/dev/null
else
  meson setup build
fi
ninja -C build
if [ -f build64/build.ninja ]; then
  meson setup --reconfigure build64 >/dev/null
else
  meson setup build64 -Dpetsc=PETSc64 >/dev/null
fi
ninja -C build64
