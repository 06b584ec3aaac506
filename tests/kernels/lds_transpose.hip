// Tiled transpose through LDS: out[c, r] = in[r, c] for a [kRows, kCols] f32 matrix, with bf16
// input converted on the way. A 32x32 tile is staged in LDS (one column of padding avoids bank
// conflicts on the transposed read). Launch: grid (kCols / kTile, kRows / kTile), block (kTile, 8).
constexpr i32 kRows = 1024;
constexpr i32 kCols = 768;
constexpr i32 kTile = 32;
constexpr i32 kBlockRows = 8;
static_assert(kRows % kTile == 0 && kCols % kTile == 0, "whole tiles only");

RF_KERNEL RF_LAUNCH_BOUNDS(kTile * kBlockRows) void transpose_bf16_to_f32(
    const u16* RF_RESTRICT in, f32* RF_RESTRICT out) {
  RF_SHARED f32 tile[kTile][kTile + 1];
  const i32 tx = (i32)rf_thread_x(), ty = (i32)rf_thread_y();
  const i32 col0 = (i32)rf_block_x() * kTile, row0 = (i32)rf_block_y() * kTile;
  for (i32 j = ty; j < kTile; j += kBlockRows) {
    tile[j][tx] = rf_bf16_to_f32(in[(i64)(row0 + j) * kCols + col0 + tx]);
  }
  rf_barrier();
  for (i32 j = ty; j < kTile; j += kBlockRows) {
    out[(i64)(col0 + j) * kRows + row0 + tx] = tile[tx][j];
  }
}
