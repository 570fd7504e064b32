// The event sink that writes the server's log: one line per event, as text or
// JSON lines, to standard error or a file. Lines are handed to a background
// thread (spdlog's async logger), so a slow disk never stalls a session.
#pragma once

#include <memory>
#include <string>

#include "server/config/server_config.hpp"
#include "server/events/event_sink.hpp"

namespace spdlog {
class logger;
}

namespace portico::server {

class log_sink final : public event_sink {
 public:
  // Throws std::runtime_error when the log file cannot be opened.
  explicit log_sink(const logging_config& config);
  ~log_sink() override;

  void server_message(log_level level, std::string_view text) override;
  void session_opened(const session_info& s) override;
  void session_closed(const session_info& s, std::string_view reason) override;
  void login(const session_info& s, std::string_view user, bool ok) override;
  void command(const session_info& s, std::string_view verb, std::string_view argument,
               int reply_code) override;
  void transfer(const session_info& s, const transfer_record& t) override;
  void data_connection_failed(const session_info& s, std::string_view why) override;

 private:
  void emit(log_level level, std::string_view event, const session_info* s, std::string text,
            std::string json_fields);
  bool json_;
  std::shared_ptr<spdlog::logger> logger_;
};

// Escapes a string for a JSON string literal (quotes not included).
std::string json_escape(std::string_view s);

}  // namespace portico::server
