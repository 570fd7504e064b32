#include "protocol/ascii.hpp"

namespace portico::protocol {

void ascii_encoder::encode(std::string_view in, std::string& out) {
  out.reserve(out.size() + in.size() + in.size() / 16);
  std::size_t start = 0;
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '\n') continue;
    const bool preceded_by_cr = i > 0 ? in[i - 1] == '\r' : last_was_cr_;
    if (preceded_by_cr) continue;
    out.append(in.substr(start, i - start));
    out.append("\r\n");
    start = i + 1;
  }
  out.append(in.substr(start));
  if (!in.empty()) last_was_cr_ = in.back() == '\r';
}

void ascii_decoder::decode(std::string_view in, std::string& out) {
  out.reserve(out.size() + in.size());
  for (char c : in) {
    if (pending_cr_) {
      pending_cr_ = false;
      if (c == '\n') {
        out.push_back('\n');
        continue;
      }
      out.push_back('\r');
    }
    if (c == '\r') {
      pending_cr_ = true;
    } else {
      out.push_back(c);
    }
  }
}

void ascii_decoder::finish(std::string& out) {
  if (pending_cr_) out.push_back('\r');
  pending_cr_ = false;
}

}  // namespace portico::protocol
