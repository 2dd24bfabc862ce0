// What the load tools share when they report: latency percentiles over sorted samples,
// and the first line of a small file (a token). Header-only, like process_memory.h.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace mailpolicy::bench {

// The sample at `fraction` (0.5: median) of sorted nanosecond latencies, in microseconds.
inline double percentile_us(const std::vector<std::uint32_t>& sorted, double fraction) {
    if (sorted.empty()) return 0;
    auto index = static_cast<std::size_t>(fraction * static_cast<double>(sorted.size() - 1));
    return sorted[index] / 1000.0;
}

inline std::string first_line(const std::string& text) {
    return text.substr(0, text.find_first_of("\r\n"));
}

// A buffer to read answers into that nobody looks at, one per thread.
inline std::string& scratch_buffer() {
    thread_local std::string buffer;
    buffer.clear();
    return buffer;
}

}  // namespace mailpolicy::bench
