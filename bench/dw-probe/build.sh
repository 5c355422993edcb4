#!/bin/sh
# Debian 12's clang-14 and lld-14 (apt-get install clang-14 lld-14).
cd "$(dirname "$0")" && clang-14 --target=wasm32 -O3 -msimd128 -nostdlib -fno-builtin -Wl,--no-entry -Wl,--import-memory -o dw.wasm dw.c
