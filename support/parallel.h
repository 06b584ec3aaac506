// A minimal parallel loop over an index range on std::threads: enough for embarrassingly parallel
// work such as generating or quantizing rows. Work is handed out in chunks from an atomic counter,
// so threads that finish early take more.
#pragma once

#include <cstdint>
#include <functional>

namespace rf {

// The number of threads to use when the caller asks for `requested` (0 or less: every hardware
// thread).
int ResolveThreads(int requested);

// Calls fn(begin, end) for disjoint chunks [begin, end) of [0, n), each at most `chunk` long and
// starting at a multiple of `chunk`, on up to `threads` threads (the calling thread included).
// Returns when every chunk is done. Chunk boundaries do not depend on the thread count, so work
// that derives its randomness from `begin` gives the same result on any machine.
void ParallelFor(int64_t n, int64_t chunk, int threads,
                 const std::function<void(int64_t begin, int64_t end)>& fn);

}  // namespace rf
