#include "server/accounts/password_hash.hpp"

#include <crypt.h>
#include <sys/random.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <system_error>

namespace portico::server {
namespace {

// sha512-crypt's default of 5000 rounds takes about 1 ms: far too cheap. These
// make each method cost about as much as yescrypt's default (measured: ~60 ms).
constexpr unsigned long yescrypt_cost = 0;  // libxcrypt default (5)
constexpr unsigned long sha512_rounds = 250'000;
constexpr unsigned long bcrypt_cost = 10;

// crypt_data holds the passphrase, the setting and ~30 KiB of scratch space:
// too big for the stack of a pool thread, and it must be zeroed before use and
// wiped after (it holds password-derived state).
struct crypt_scratch {
  crypt_scratch() : data(std::make_unique<crypt_data>()) {}  // value-init: zeroed
  ~crypt_scratch() { explicit_bzero(data.get(), sizeof(crypt_data)); }
  crypt_scratch(const crypt_scratch&) = delete;
  crypt_scratch& operator=(const crypt_scratch&) = delete;
  std::unique_ptr<crypt_data> data;
};

bool usable_password(std::string_view password) {
  // crypt takes a C string: an embedded NUL would silently cut the password.
  return password.size() < CRYPT_MAX_PASSPHRASE_SIZE &&
         password.find('\0') == std::string_view::npos;
}

// Runs crypt; nullopt when crypt refuses (it then writes a "*0"/"*1" token).
std::optional<std::string> run_crypt(std::string_view password, const std::string& setting) {
  // Without a "$id$" prefix crypt falls back to traditional DES, which uses
  // only 8 characters of the password: never let that happen.
  if (setting.empty() || setting[0] != '$') return std::nullopt;
  crypt_scratch scratch;
  const std::string phrase(password);
  const char* out =
      crypt_rn(phrase.c_str(), setting.c_str(), scratch.data.get(), sizeof(crypt_data));
  if (out == nullptr || out[0] == '*' || out[0] == '\0') return std::nullopt;
  return std::string(out);
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  // The length of a hash is public (it follows from the method); the bytes are
  // compared without an early exit so that timing does not reveal a prefix.
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    diff = static_cast<unsigned char>(
        diff | (static_cast<unsigned char>(a[i]) ^ static_cast<unsigned char>(b[i])));
  }
  return diff == 0;
}

bool is_crypt64(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '/';
}

}  // namespace

std::optional<hash_method> parse_hash_method(std::string_view name) noexcept {
  if (name == "yescrypt") return hash_method::yescrypt;
  if (name == "sha512") return hash_method::sha512;
  if (name == "bcrypt") return hash_method::bcrypt;
  return std::nullopt;
}

std::string_view hash_method_name(hash_method m) noexcept {
  switch (m) {
    case hash_method::yescrypt:
      return "yescrypt";
    case hash_method::sha512:
      return "sha512";
    case hash_method::bcrypt:
      return "bcrypt";
  }
  return "unknown";
}

result<std::string> hash_password(std::string_view password, hash_method m) {
  if (password.empty() || !usable_password(password)) {
    return unexpected(std::make_error_code(std::errc::invalid_argument));
  }
  const char* prefix = "$y$";
  unsigned long cost = yescrypt_cost;
  switch (m) {
    case hash_method::yescrypt:
      break;
    case hash_method::sha512:
      prefix = "$6$";
      cost = sha512_rounds;
      break;
    case hash_method::bcrypt:
      prefix = "$2b$";
      cost = bcrypt_cost;
      break;
  }
  char setting[CRYPT_GENSALT_OUTPUT_SIZE] = {};
  errno = 0;
  // rbytes == nullptr: libxcrypt reads the salt from the OS (getrandom).
  if (crypt_gensalt_rn(prefix, cost, nullptr, 0, setting, sizeof(setting)) == nullptr) {
    const int err = errno != 0 ? errno : EINVAL;
    return unexpected(std::error_code(err, std::generic_category()));
  }
  auto hash = run_crypt(password, setting);
  if (!hash) return unexpected(std::make_error_code(std::errc::invalid_argument));
  return *std::move(hash);
}

bool verify_password(std::string_view password, const std::string& hash) {
  if (!usable_password(password)) return false;
  // The whole stored hash is the setting: crypt takes the method, cost and
  // salt from it and ignores the rest.
  const auto computed = run_crypt(password, hash);
  return computed && constant_time_equal(*computed, hash);
}

std::string dummy_hash_like(const std::string& like) {
  // crypt takes method, cost and salt from a full hash and ignores the rest,
  // so `like` serves as the setting. The password is random so that the dummy
  // matches nothing anyone could type.
  // Anything else would fall back to DES or another legacy method.
  if (check_hash_format(like)) return {};
  unsigned char random[24];
  if (::getrandom(random, sizeof(random), 0) != static_cast<ssize_t>(sizeof(random))) return {};
  std::string password;
  for (unsigned char byte : random) {
    password += static_cast<char>('A' + (byte & 0x0f));
    password += static_cast<char>('a' + (byte >> 4));
  }
  explicit_bzero(random, sizeof(random));
  return run_crypt(password, like).value_or(std::string());
}

std::string hash_cost_prefix(const std::string& hash) {
  // "$id$" plus the cost field where the method has one.
  if (hash.size() < 3 || hash[0] != '$') return {};
  const auto id_end = hash.find('$', 1);
  if (id_end == std::string::npos) return {};
  const std::string id = hash.substr(1, id_end - 1);
  const auto field_end = hash.find('$', id_end + 1);
  const bool has_cost_field =
      id == "y" || id == "gy" || id == "7" || id == "2a" || id == "2b" || id == "2y" ||
      ((id == "5" || id == "6") && hash.compare(id_end + 1, 7, "rounds=") == 0);
  if (!has_cost_field || field_end == std::string::npos) return hash.substr(0, id_end + 1);
  return hash.substr(0, field_end + 1);
}

std::optional<std::string> check_hash_format(const std::string& hash) {
  if (hash.empty() || hash[0] != '$') {
    return "is not a crypt(3) hash (it must start with '$'); store a hash, never the "
           "password itself: make one with `portico passwd`";
  }
  switch (crypt_checksalt(hash.c_str())) {
    case CRYPT_SALT_OK:
      break;
    case CRYPT_SALT_METHOD_LEGACY:
      return "uses a weak legacy method; make a new hash with `portico passwd` "
             "(yescrypt, sha512 or bcrypt)";
    default:
      return "is not a hash this system's crypt(3) supports; make one with `portico passwd`";
  }
  // crypt_checksalt accepts a bare setting ("$6$salt$"), which never verifies:
  // insist on a non-empty final field of crypt's alphabet, of the length the
  // common methods produce.
  const auto last = hash.rfind('$');
  const std::string tail = hash.substr(last + 1);
  const std::string prefix = hash_cost_prefix(hash);
  std::size_t expected_length = 0;
  if (prefix.starts_with("$y$") || prefix.starts_with("$5$")) expected_length = 43;
  if (prefix.starts_with("$6$")) expected_length = 86;
  if (prefix.starts_with("$2")) expected_length = 53;  // 22 salt + 31 hash
  bool alphabet_ok = !tail.empty();
  for (char c : tail) alphabet_ok = alphabet_ok && is_crypt64(c);
  if (!alphabet_ok || (expected_length != 0 && tail.size() != expected_length)) {
    return "is not a complete crypt(3) hash (truncated or damaged?); make one with "
           "`portico passwd`";
  }
  return std::nullopt;
}

}  // namespace portico::server
