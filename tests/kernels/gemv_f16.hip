// GEMV, f16 weights: y[r] = sum_k W[r, k] * x[k] for W[kRows, kCols] (f16, row-major), x, y f32.
// One wave per row; each lane reads 16 bytes (8 halves) of the row per step with one wide load, so
// a wave reads 512 contiguous bytes per step (wave32). Shape of a decode matmul: Qwen2.5-0.5B's
// 896 -> 896 projection. Launch: grid (kRows / kRowsPerBlock), block (kThreads).
constexpr i32 kRows = 896;
constexpr i32 kCols = 896;
constexpr i32 kThreads = 128;
constexpr i32 kRowsPerBlock = kThreads / RF_WAVE_SIZE;
constexpr i32 kHalvesPerLoad = 8;
static_assert(kCols % kHalvesPerLoad == 0, "rows are read in 16-byte pieces");

RF_KERNEL RF_LAUNCH_BOUNDS(kThreads) void gemv_f16(const u16* RF_RESTRICT w,
                                                   const f32* RF_RESTRICT x,
                                                   f32* RF_RESTRICT y) {
  const i32 lane = (i32)rf_lane_id();
  const i32 row = (i32)rf_block_x() * kRowsPerBlock + (i32)rf_thread_x() / RF_WAVE_SIZE;
  if (row >= kRows) return;
  const u32x4* w_row = (const u32x4*)(w + (i64)row * kCols);
  f32 acc = 0.0f;
  for (i32 i = lane; i < kCols / kHalvesPerLoad; i += RF_WAVE_SIZE) {
    const u32x4 packed = w_row[i];
    const f32* xs = x + i * kHalvesPerLoad;
    const u32 words[4] = {packed.x, packed.y, packed.z, packed.w};
    for (i32 j = 0; j < 4; ++j) {
      acc = rf_fma(rf_half_to_f32((u16)(words[j] & 0xffff)), xs[2 * j], acc);
      acc = rf_fma(rf_half_to_f32((u16)(words[j] >> 16)), xs[2 * j + 1], acc);
    }
  }
  for (i32 offset = RF_WAVE_SIZE / 2; offset > 0; offset /= 2) {
    acc += rf_shfl_xor(acc, offset, RF_WAVE_SIZE);
  }
  if (lane == 0) y[row] = acc;
}
