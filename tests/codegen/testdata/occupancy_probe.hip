// A kernel whose register and LDS use are set from outside (-DPROBE_VALUES=, -DPROBE_LDS_BYTES=,
// -DPROBE_THREADS=), to compare our occupancy arithmetic with the compiler's own report.
constexpr i32 kValues = PROBE_VALUES;
constexpr i32 kLdsFloats = PROBE_LDS_BYTES / 4 > 0 ? PROBE_LDS_BYTES / 4 : 1;

RF_KERNEL RF_LAUNCH_BOUNDS(PROBE_THREADS) void occupancy_probe(const f32* RF_RESTRICT in,
                                                               f32* RF_RESTRICT out) {
  const i32 t = (i32)rf_thread_x();
  f32 v[kValues];
#pragma unroll
  for (i32 i = 0; i < kValues; ++i) v[i] = in[i * 4096 + t];
#if PROBE_LDS_BYTES > 0
  RF_SHARED f32 lds[kLdsFloats];
  for (i32 i = t; i < kLdsFloats; i += PROBE_THREADS) lds[i] = v[i % kValues];
  rf_barrier();
  v[0] += lds[(t * 7) % kLdsFloats];
#endif
  // Every value stays live until all products are formed.
#pragma unroll
  for (i32 k = 0; k < kValues; ++k) {
    f32 acc = 0.0f;
#pragma unroll
    for (i32 i = 0; i < kValues; ++i) acc = rf_fma(v[i], v[(i + k) % kValues], acc);
    out[k * 4096 + t] = acc;
  }
}
