// RMS norm of one row: out[i] = x[i] * w[i] / sqrt(mean(x^2) + eps), out stored as f16.
// A block reduction: each wave sums with shuffles (rf_shfl_down), wave sums meet in LDS.
// Launch: grid (1), block (kThreads).
constexpr i32 kN = 4096;
constexpr i32 kThreads = 256;
constexpr i32 kWaves = kThreads / RF_WAVE_SIZE;
constexpr f32 kEps = 1e-6f;

RF_DEVICE f32 wave_sum(f32 v) {
  for (i32 offset = RF_WAVE_SIZE / 2; offset > 0; offset /= 2) {
    v += rf_shfl_down(v, (u32)offset, RF_WAVE_SIZE);
  }
  return v;  // complete in lane 0
}

RF_KERNEL RF_LAUNCH_BOUNDS(kThreads) void rms_norm_f16_out(const f32* RF_RESTRICT x,
                                                           const f32* RF_RESTRICT w,
                                                           u16* RF_RESTRICT out) {
  RF_SHARED f32 wave_sums[kWaves];
  RF_SHARED f32 scale;
  const i32 t = (i32)rf_thread_x();
  f32 sum = 0.0f;
  for (i32 i = t; i < kN; i += kThreads) sum = rf_fma(x[i], x[i], sum);
  sum = wave_sum(sum);
  if (rf_lane_id() == 0) wave_sums[t / RF_WAVE_SIZE] = sum;
  rf_barrier();
  if (t == 0) {
    f32 total = 0.0f;
    for (i32 k = 0; k < kWaves; ++k) total += wave_sums[k];
    scale = rf_rsqrt(total / kN + kEps);
  }
  rf_barrier();
  for (i32 i = t; i < kN; i += kThreads) out[i] = rf_f32_to_half(x[i] * scale * w[i]);
}
