// How weights are laid out in a GPU plan's arena. Most types keep GGUF's block layout, which the
// kernels read with narrow loads. q8_0 and q4_0 — the types decode speed hinges on — are repacked
// into planes so that every 16-byte load is aligned and coalesced:
//
//   GGUF   row r: [d0 q0[32]] [d1 q1[32]] ...           (34-byte blocks: 2-byte alignment)
//   planes quants [N rows x K bytes (q4_0: K/2)], then scales [N rows x K/32 f16]
//
// q6_K (210-byte super-blocks: 2-byte alignment) becomes four planes: ql [N x K/2], qh [N x K/4],
// scales [N x K/16], d [N x K/256 f16], so a 32-element unit is two aligned 16-byte loads of ql
// and two of qh.
// Same bytes in total, so the memory plan is unchanged; only the GPU kernels and the plan's
// weights section know the difference (a cpu plan keeps GGUF's layout). Rows stay row-major, so
// the embedding kernel reads a token's row from the planes just as a matmul does.
#pragma once

#include <cstdint>

namespace rf::codegen {

// True for the types that GPU targets store as planes.
bool UsesPlanes(uint32_t ggml_type);

// Repacks `rows` rows of `k` elements of a planes type from GGUF blocks at `src` into planes at
// `dst` (same byte count; no aliasing).
void RepackToPlanes(uint32_t ggml_type, const uint8_t* src, uint8_t* dst, int64_t rows, int64_t k);

}  // namespace rf::codegen
