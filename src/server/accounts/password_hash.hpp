// Password hashes in crypt(3) format, through libxcrypt: what the users file
// stores and what `portico passwd` prints. Hashing is slow on purpose; call
// these on the blocking pool, never on an I/O thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "protocol/expected.hpp"

namespace portico::server {

enum class hash_method {
  yescrypt,  // "$y$", libxcrypt's preferred method
  sha512,    // "$6$" (sha512-crypt)
  bcrypt,    // "$2b$"; only the first 72 bytes of a password count
};

// "yescrypt", "sha512", "bcrypt": the names `portico passwd --method` takes.
std::optional<hash_method> parse_hash_method(std::string_view name) noexcept;
std::string_view hash_method_name(hash_method m) noexcept;

// A new hash with a fresh salt from the OS. The costs are chosen so that every
// method takes roughly the same time (about 60 ms on a 2020s core): slow enough
// to make guessing expensive, fast enough that logins do not queue. Fails with
// invalid_argument for an empty password, one with a NUL byte, or one longer
// than libxcrypt accepts (512 bytes).
result<std::string> hash_password(std::string_view password, hash_method m = hash_method::yescrypt);

// True only when `password` hashes to exactly `hash`. A hash crypt cannot use
// (malformed, unknown method, or a "*"/"!" locked entry) never verifies.
bool verify_password(std::string_view password, const std::string& hash);

// Why a stored hash is unusable, as a sentence for the users file error, or
// nullopt when it looks like a complete, supported crypt hash. Cheap: does not
// run the hash.
std::optional<std::string> check_hash_format(const std::string& hash);

// The part of a hash that decides how long verifying takes (method and cost,
// e.g. "$y$j9T$" or "$6$rounds=250000$"), so that the account store can
// verify unknown users against a dummy hash that costs the same.
std::string hash_cost_prefix(const std::string& hash);

// A hash of a random password that takes as long to verify as `like` (same
// method, cost and salt length), for checking the passwords of users that do
// not exist. Empty when `like` is not usable.
std::string dummy_hash_like(const std::string& like);

}  // namespace portico::server
