// TYPE A (RFC 959 §3.1.1.1) line-ending conversion, streaming with bounded
// memory whatever the line length: the only state kept between chunks is one
// pending byte.
#pragma once

#include <string>
#include <string_view>

namespace portico::protocol {

// Downloads: every LF not already preceded by CR becomes CRLF, so a file that
// already holds CRLF is never sent as CR CR LF.
class ascii_encoder {
 public:
  // Appends the converted form of `in` to `out`.
  void encode(std::string_view in, std::string& out);

 private:
  bool last_was_cr_ = false;
};

// Uploads: CRLF becomes LF; a CR not followed by LF is kept.
class ascii_decoder {
 public:
  void decode(std::string_view in, std::string& out);
  // Call at end of stream: emits a CR held back at the end of the last chunk.
  void finish(std::string& out);

 private:
  bool pending_cr_ = false;
};

}  // namespace portico::protocol
