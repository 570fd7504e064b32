// Host names given as passive addresses (dynamic DNS), resolved on a thread
// of their own and again every refresh interval, so that a PASV never waits
// for DNS and a changed record is followed. The last good answer is kept
// when a lookup fails (a DNS hiccup must not break passive mode).
#pragma once

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "protocol/expected.hpp"
#include "protocol/ip_address.hpp"
#include "server/config/server_config.hpp"

namespace portico::server {

class name_resolver {
 public:
  // Resolves `names` once before returning (so the first PASV has an answer),
  // then every `refresh` on a background thread.
  name_resolver(std::vector<std::string> names, std::chrono::milliseconds refresh);
  ~name_resolver();
  name_resolver(const name_resolver&) = delete;
  name_resolver& operator=(const name_resolver&) = delete;

  // The latest address of `name` in `family`, or why there is none. A name not
  // given to the constructor (added by a reload) is looked up from now on.
  expected<protocol::ip_address, std::string> lookup(const std::string& name,
                                                     protocol::ip_address::family family);

  // Resolves every name now (blocking); for start-up messages and tests.
  void refresh_now();

 private:
  struct entry {
    std::optional<protocol::ip_address> v4;
    std::optional<protocol::ip_address> v6;
    std::string error;  // of the last lookup, "" if it succeeded
  };
  void run();
  std::vector<std::string> names_snapshot();

  std::chrono::milliseconds refresh_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::map<std::string, entry> entries_;
  bool stopping_ = false;
  bool pending_ = false;  // a new name waits for its first lookup
  std::thread thread_;
};

// Every host name in the passive configuration (public address, overrides).
std::vector<std::string> passive_host_names(const passive_config& config);

}  // namespace portico::server
