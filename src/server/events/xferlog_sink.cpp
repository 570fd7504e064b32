#include "server/events/xferlog_sink.hpp"

#include <fmt/format.h>
#include <spdlog/async.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/spdlog.h>

#include <cctype>
#include <chrono>
#include <ctime>
#include <stdexcept>

namespace portico::server {

std::string format_xferlog_line(const session_info& s, const transfer_record& t, std::time_t now) {
  std::tm local{};
  ::localtime_r(&now, &local);
  char when[32];
  std::strftime(when, sizeof when, "%a %b %e %H:%M:%S %Y", &local);
  // Fields are separated by spaces, so a name with spaces would shift every
  // column after it; like wu-ftpd, write them as underscores.
  std::string name = t.path;
  for (char& c : name) {
    if (std::isspace(static_cast<unsigned char>(c)) != 0) c = '_';
  }
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(t.elapsed).count();
  return fmt::format("{} {} {} {} {} {} _ {} {} {} ftp 0 * {}", when, seconds < 1 ? 1 : seconds,
                     s.peer.address.to_string(), t.bytes, name, t.ascii ? 'a' : 'b',
                     t.dir == transfer_record::direction::upload ? 'i' : 'o',
                     s.anonymous ? 'a' : 'r', s.user.empty() ? "-" : s.user,
                     t.complete ? 'c' : 'i');
}

xferlog_sink::xferlog_sink(const std::string& path) {
  if (spdlog::thread_pool() == nullptr) spdlog::init_thread_pool(8192, 1);
  try {
    auto sink = std::make_shared<spdlog::sinks::basic_file_sink_mt>(path);
    logger_ = std::make_shared<spdlog::async_logger>("xferlog", sink, spdlog::thread_pool(),
                                                     spdlog::async_overflow_policy::block);
  } catch (const spdlog::spdlog_ex& e) {
    throw std::runtime_error(fmt::format("Cannot open the xferlog {}: {}", path, e.what()));
  }
  logger_->set_pattern("%v");
  logger_->flush_on(spdlog::level::info);
}

xferlog_sink::~xferlog_sink() {
  logger_->flush();
}

void xferlog_sink::transfer(const session_info& s, const transfer_record& t) {
  if (t.dir == transfer_record::direction::listing) return;
  logger_->info(format_xferlog_line(s, t, std::time(nullptr)));
}

}  // namespace portico::server
