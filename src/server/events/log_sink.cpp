#include "server/events/log_sink.hpp"

#include <fmt/format.h>
#include <spdlog/async.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <stdexcept>

namespace portico::server {

namespace {

spdlog::level::level_enum to_spdlog(log_level l) {
  switch (l) {
    case log_level::trace:
      return spdlog::level::trace;
    case log_level::debug:
      return spdlog::level::debug;
    case log_level::info:
      return spdlog::level::info;
    case log_level::warn:
      return spdlog::level::warn;
    case log_level::error:
      return spdlog::level::err;
  }
  return spdlog::level::info;
}

std::string_view direction_name(transfer_record::direction d) {
  switch (d) {
    case transfer_record::direction::download:
      return "download";
    case transfer_record::direction::upload:
      return "upload";
    case transfer_record::direction::listing:
      return "listing";
  }
  return "?";
}

std::atomic<unsigned> logger_count{0};

}  // namespace

std::string json_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 8);
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20 || c == 0x7f) {
          out += fmt::format("\\u{:04x}", c);
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
  }
  return out;
}

log_sink::log_sink(const logging_config& config) : json_(config.format == log_format::json) {
  if (spdlog::thread_pool() == nullptr) spdlog::init_thread_pool(8192, 1);
  const std::string name = fmt::format("portico-{}", logger_count.fetch_add(1));
  spdlog::sink_ptr sink;
  try {
    if (config.file.empty()) {
      sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
    } else {
      sink = std::make_shared<spdlog::sinks::basic_file_sink_mt>(config.file);
    }
  } catch (const spdlog::spdlog_ex& e) {
    throw std::runtime_error(fmt::format("Cannot open the log file {}: {}", config.file, e.what()));
  }
  logger_ = std::make_shared<spdlog::async_logger>(name, sink, spdlog::thread_pool(),
                                                   spdlog::async_overflow_policy::block);
  if (json_) {
    logger_->set_pattern(R"({"time":"%Y-%m-%dT%H:%M:%S.%eZ","level":"%l",%v})",
                         spdlog::pattern_time_type::utc);
  } else {
    logger_->set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %-5l %v", spdlog::pattern_time_type::utc);
  }
  logger_->set_level(config.level == "off" ? spdlog::level::off
                                           : spdlog::level::from_str(config.level));
  logger_->flush_on(spdlog::level::info);
}

log_sink::~log_sink() {
  logger_->flush();
}

void log_sink::emit(log_level level, std::string_view event, const session_info* s,
                    std::string text, std::string json_fields) {
  const auto lvl = to_spdlog(level);
  if (!logger_->should_log(lvl)) return;
  if (json_) {
    std::string line = fmt::format(R"("event":"{}")", event);
    if (s != nullptr) {
      line +=
          fmt::format(R"(,"session":{},"client":"{}")", s->id, json_escape(s->peer.to_string()));
      if (!s->user.empty()) line += fmt::format(R"(,"user":"{}")", json_escape(s->user));
    }
    if (!json_fields.empty()) line += "," + json_fields;
    logger_->log(lvl, line);
  } else if (s != nullptr) {
    logger_->log(lvl, fmt::format("[{} {}{}{}] {}", s->id, s->peer.to_string(),
                                  s->user.empty() ? "" : " ", s->user, text));
  } else {
    logger_->log(lvl, text);
  }
}

void log_sink::server_message(log_level level, std::string_view text) {
  emit(level, "server", nullptr, std::string(text),
       fmt::format(R"("message":"{}")", json_escape(text)));
}

void log_sink::session_opened(const session_info& s) {
  if (s.proxy.port == 0) {
    emit(log_level::info, "connect", &s, fmt::format("connected to {}", s.local.to_string()),
         fmt::format(R"("server":"{}")", json_escape(s.local.to_string())));
    return;
  }
  // Behind a load balancer: the client and server addresses came from its
  // PROXY header; say which proxy vouched for them.
  emit(log_level::info, "connect", &s,
       fmt::format("connected to {} through proxy {}", s.local.to_string(), s.proxy.to_string()),
       fmt::format(R"("server":"{}","proxy":"{}")", json_escape(s.local.to_string()),
                   json_escape(s.proxy.to_string())));
}

void log_sink::session_closed(const session_info& s, std::string_view reason) {
  emit(log_level::info, "disconnect", &s, fmt::format("disconnected: {}", reason),
       fmt::format(R"("reason":"{}")", json_escape(reason)));
}

void log_sink::login(const session_info& s, std::string_view user, bool ok) {
  emit(ok ? log_level::info : log_level::warn, ok ? "login" : "login_failed", &s,
       fmt::format("{} {}", ok ? "logged in as" : "failed login as", user),
       fmt::format(R"("login":"{}")", json_escape(user)));
}

void log_sink::command(const session_info& s, std::string_view verb, std::string_view argument,
                       int reply_code) {
  emit(log_level::debug, "command", &s, fmt::format("{} {} -> {}", verb, argument, reply_code),
       fmt::format(R"("verb":"{}","argument":"{}","reply":{})", json_escape(verb),
                   json_escape(argument), reply_code));
}

void log_sink::transfer(const session_info& s, const transfer_record& t) {
  const double seconds = std::chrono::duration<double>(t.elapsed).count();
  emit(t.complete ? log_level::info : log_level::warn, "transfer", &s,
       fmt::format("{} {} {} bytes in {:.3f} s{}{}", direction_name(t.dir), t.path, t.bytes,
                   seconds, t.complete ? "" : " FAILED: ", t.error),
       fmt::format(R"("direction":"{}","path":"{}","bytes":{},"seconds":{:.3f},"complete":{},)"
                   R"("reply":{},"error":"{}")",
                   direction_name(t.dir), json_escape(t.path), t.bytes, seconds,
                   t.complete ? "true" : "false", t.reply_code, json_escape(t.error)));
}

void log_sink::data_connection_failed(const session_info& s, std::string_view why) {
  emit(log_level::warn, "data_connection_failed", &s, std::string(why),
       fmt::format(R"("why":"{}")", json_escape(why)));
}

}  // namespace portico::server
