// What every load generator mode prints: one JSON object per line on
// standard output, with the generator's own CPU time beside each figure so
// that a report can show it was not the bottleneck.
#pragma once

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

namespace portico::bench {

// CPU seconds (user + system) of this process, or of the calling thread.
inline double cpu_seconds(int who = RUSAGE_SELF) {
  rusage u{};
  getrusage(who, &u);
  const auto seconds = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
  };
  return seconds(u.ru_utime) + seconds(u.ru_stime);
}

inline double seconds_between(std::chrono::steady_clock::time_point a,
                              std::chrono::steady_clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

// Nearest-rank percentile of unsorted samples (0 when there are none).
inline double percentile(std::vector<double> samples, double p) {
  if (samples.empty()) return 0;
  std::sort(samples.begin(), samples.end());
  const double rank = std::ceil(p / 100.0 * static_cast<double>(samples.size()));
  const auto index = static_cast<std::size_t>(std::max(rank, 1.0)) - 1;
  return samples[std::min(index, samples.size() - 1)];
}

// A flat JSON object, built field by field.
class json_object {
 public:
  json_object& add(std::string_view key, std::string_view value) {
    begin(key);
    text_ += '"';
    for (const char c : value) {
      const auto u = static_cast<unsigned char>(c);
      if (c == '"' || c == '\\') {
        text_ += '\\';
        text_ += c;
      } else if (u < 0x20) {
        char escaped[8];
        std::snprintf(escaped, sizeof escaped, "\\u%04x", u);
        text_ += escaped;
      } else {
        text_ += c;
      }
    }
    text_ += '"';
    return *this;
  }
  json_object& add(std::string_view key, const char* value) {
    return add(key, std::string_view(value));
  }
  json_object& add(std::string_view key, double value) {
    begin(key);
    char number[64];
    std::snprintf(number, sizeof number, "%.9g", std::isfinite(value) ? value : 0.0);
    text_ += number;
    return *this;
  }
  json_object& add(std::string_view key, std::uint64_t value) {
    begin(key);
    text_ += std::to_string(value);
    return *this;
  }
  json_object& add(std::string_view key, int value) {
    begin(key);
    text_ += std::to_string(value);
    return *this;
  }
  json_object& add(std::string_view key, bool value) {
    begin(key);
    text_ += value ? "true" : "false";
    return *this;
  }
  // Prints the object as one line and flushes.
  void print() const {
    std::fputs(text_.c_str(), stdout);
    std::fputs("}\n", stdout);
    std::fflush(stdout);
  }

 private:
  void begin(std::string_view key) {
    text_ += text_.size() > 1 ? "," : "";
    text_ += '"';
    text_ += key;
    text_ += "\":";
  }
  std::string text_ = "{";
};

}  // namespace portico::bench
