# Sourced by scripts that need PyTorch for reference computations: sets $python to a Python 3.11 that imports
# Debian's python3-torch 1.13.1. Nothing is installed: the package and every dependency missing from this machine
# are fetched with `apt-get download` and unpacked with `dpkg -x` into a temporary folder, removed when the sourcing
# script exits. Needs Debian 12 (bookworm), root and apt access.

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
debs="$work/debs"
root="$work/root"
mkdir -p "$debs" "$root"

if ! apt-cache show python3-torch >/dev/null 2>&1; then
    apt-get update
fi

# The packages apt would install for python3-torch here: python3-torch, libtorch1.13 and each dependency that
# is not installed yet. Asking apt keeps the list right on any Debian 12 machine, minimal or not.
plan=$(apt-get install --simulate --no-install-recommends python3-torch)
mapfile -t packages < <(awk '$1 == "Inst" { print $2 }' <<<"$plan")
echo "downloading ${#packages[@]} packages: ${packages[*]}"

if ((${#packages[@]} > 0)); then
    # The download runs as root because the temporary folder is private to root (apt would otherwise
    # warn that its sandbox user cannot write there).
    (cd "$debs" && apt-get download -q -o APT::Sandbox::User=root "${packages[@]}")
    for deb in "$debs"/*.deb; do
        dpkg -x "$deb" "$root"
    done
fi

# Libraries land in several folders (lib/, usr/lib/, usr/lib/<triplet>/blas, ...). The BLAS and LAPACK
# folders matter because the libblas.so.3 and liblapack.so.3 links are normally made by update-alternatives
# at install time, which `dpkg -x` does not run.
lib_dirs=$(find "$root" \( -path "$root/lib/*" -o -path "$root/usr/lib/*" \) -name 'lib*.so.*' \
    -not -path '*/python3*' -printf '%h\n' | sort -u | paste -sd: -)
export LD_LIBRARY_PATH="$lib_dirs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export PYTHONPATH="$root/usr/lib/python3/dist-packages"
export PYTHONNOUSERSITE=1

# Debian's own interpreter: the packages are built for it, while a python3 earlier on PATH (pyenv, a
# virtualenv) may carry another torch or numpy.
if [[ -x "$root/usr/bin/python3.11" ]]; then
    python="$root/usr/bin/python3.11"
else
    python=$(dpkg -L python3.11-minimal | awk '/\/bin\/python3\.11$/ && !found { print; found = 1 }')
fi

# Fail with the list of missing libraries rather than with a bare ImportError.
torch_dir=$("$python" -c 'import os, importlib.util as u; print(os.path.dirname(u.find_spec("torch").origin))')
missing=$(find "$torch_dir" -name '*.so*' -type f -exec ldd {} \; 2>/dev/null | awk '/not found/ { print $1 }' \
    | sort -u | tr '\n' ' ')
if [[ -n "$missing" ]]; then
    echo "error: libraries needed by torch are missing: $missing" >&2
    exit 1
fi
"$python" -c 'import sys, torch; print("python", sys.version.split()[0], "torch", torch.__version__, torch.__file__)'
