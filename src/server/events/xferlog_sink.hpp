// Transfers in the wu-ftpd xferlog format, which existing log analysers read
// (one line per upload or download; listings are not logged there).
#pragma once

#include <memory>
#include <string>

#include "server/events/event_sink.hpp"

namespace spdlog {
class logger;
}

namespace portico::server {

class xferlog_sink final : public event_sink {
 public:
  // Throws std::runtime_error when the file cannot be opened.
  explicit xferlog_sink(const std::string& path);
  ~xferlog_sink() override;

  void transfer(const session_info& s, const transfer_record& t) override;
  void server_message(log_level, std::string_view) override {}
  void session_opened(const session_info&) override {}
  void session_closed(const session_info&, std::string_view) override {}
  void login(const session_info&, std::string_view, bool) override {}
  void command(const session_info&, std::string_view, std::string_view, int) override {}
  void data_connection_failed(const session_info&, std::string_view) override {}

 private:
  std::shared_ptr<spdlog::logger> logger_;
};

// One xferlog line (without newline), at local time `now`.
std::string format_xferlog_line(const session_info& s, const transfer_record& t, std::time_t now);

}  // namespace portico::server
