#include "server/accounts/account_store.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>

#include "server/accounts/password_hash.hpp"

namespace portico::server {
namespace {

namespace fs = std::filesystem;

class AccountStore : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    // One hash per method for the whole suite: hashing is slow on purpose.
    alice_hash_ = new std::string(*hash_password("alice-pw", hash_method::sha512));
  }
  static void TearDownTestSuite() { delete alice_hash_; }

  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "portico-accounts-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    fs::create_directory(dir_ / "alice");
    fs::create_directory(dir_ / "pub");
  }
  void TearDown() override { fs::remove_all(dir_); }

  user_entry alice() const {
    return {"alice", *alice_hash_, (dir_ / "alice").string(),
            permission_set::read_only().with(permission::write)};
  }
  anonymous_config anonymous(bool enabled) const {
    return {enabled, (dir_ / "pub").string(), permission_set::read_only()};
  }
  std::string write_users_file() const {
    const auto path = (dir_ / "users.toml").string();
    std::ofstream(path) << "[users.alice]\npassword = \"" << *alice_hash_
                        << "\"\nhome = \"alice\"\npermissions = [\"list\", \"delete\"]\n";
    return path;
  }

  static std::string* alice_hash_;
  fs::path dir_;
};

std::string* AccountStore::alice_hash_ = nullptr;

TEST_F(AccountStore, AnonymousAndFtpInAnyCaseLogInWithAnyPasswordWhenEnabled) {
  const account_store store(anonymous(true), {alice()});
  for (const char* name : {"anonymous", "ANONYMOUS", "Anonymous", "ftp", "FTP", "fTp"}) {
    for (const char* password : {"", "guest@example.com", "alice-pw"}) {
      const auto got = store.authenticate(name, password);
      ASSERT_TRUE(got.has_value()) << name << " / " << password;
      EXPECT_TRUE(got->anonymous);
      EXPECT_EQ(got->name, "anonymous");
      EXPECT_EQ(got->home, (dir_ / "pub").string());
      EXPECT_EQ(got->permissions, permission_set::read_only());
    }
  }
}

TEST_F(AccountStore, AnonymousIsRefusedWhenDisabled) {
  const account_store store(anonymous(false), {alice()});
  EXPECT_FALSE(store.authenticate("anonymous", "guest@example.com").has_value());
  EXPECT_FALSE(store.authenticate("ftp", "").has_value());
}

TEST_F(AccountStore, AnonymousGetsTheConfiguredPermissions) {
  auto config = anonymous(true);
  config.permissions = permission_set::read_only().with(permission::write);
  const account_store store(config, {});
  EXPECT_EQ(store.authenticate("ftp", "x")->permissions, config.permissions);
}

TEST_F(AccountStore, NamesThatMerelyContainAnonymousAreNotAnonymous) {
  const account_store store(anonymous(true), {});
  EXPECT_FALSE(store.authenticate("anonymous ", "").has_value());
  EXPECT_FALSE(store.authenticate("ftp2", "").has_value());
  EXPECT_FALSE(store.authenticate("", "").has_value());
}

TEST_F(AccountStore, UserWithRightPasswordGetsHomeAndPermissions) {
  const account_store store(anonymous(false), {alice()});
  const auto got = store.authenticate("alice", "alice-pw");
  ASSERT_TRUE(got.has_value());
  EXPECT_FALSE(got->anonymous);
  EXPECT_EQ(got->name, "alice");
  EXPECT_EQ(got->home, (dir_ / "alice").string());
  EXPECT_EQ(got->permissions, alice().permissions);
}

TEST_F(AccountStore, WrongPasswordUnknownUserAndWrongCaseAllFail) {
  const account_store store(anonymous(true), {alice()});
  EXPECT_FALSE(store.authenticate("alice", "wrong").has_value());
  EXPECT_FALSE(store.authenticate("alice", "").has_value());
  EXPECT_FALSE(store.authenticate("bob", "alice-pw").has_value());
  EXPECT_FALSE(store.authenticate("Alice", "alice-pw").has_value());
}

TEST_F(AccountStore, UnknownUserCostsAboutAsMuchAsAWrongPassword) {
  // Without the dummy hash an unknown name answers in microseconds, which
  // tells an attacker which names exist. Take the fastest of a few runs so
  // that a busy machine does not make this flaky.
  const account_store store(anonymous(false), {alice()});
  auto fastest = [&](std::string_view user) {
    auto best = std::chrono::steady_clock::duration::max();
    for (int i = 0; i < 5; ++i) {
      const auto start = std::chrono::steady_clock::now();
      static_cast<void>(store.authenticate(user, "wrong"));
      best = std::min(best, std::chrono::steady_clock::now() - start);
    }
    return best;
  };
  const auto known = fastest("alice");
  const auto unknown = fastest("mallory");
  EXPECT_GT(unknown * 3, known) << "unknown user answered too fast";
  EXPECT_GT(known * 3, unknown);
}

TEST_F(AccountStore, LoadReadsTheUsersFileNamedInTheConfig) {
  server_config config;
  config.users_file = write_users_file();
  auto store = account_store::load(config);
  ASSERT_TRUE(store.has_value()) << store.error();
  EXPECT_EQ(store->user_count(), 1u);
  const auto got = store->authenticate("alice", "alice-pw");
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->home, (dir_ / "alice").string());
  EXPECT_EQ(got->permissions.to_string(), "list,delete");
  EXPECT_FALSE(store->authenticate("anonymous", "").has_value());
}

TEST_F(AccountStore, LoadPassesUsersFileErrorsThrough) {
  server_config config;
  config.users_file = (dir_ / "users.toml").string();
  std::ofstream(config.users_file) << "[users.alice]\npassword = \"plain\"\nhome = \"alice\"\n";
  auto store = account_store::load(config);
  ASSERT_FALSE(store.has_value());
  EXPECT_NE(store.error().find("users.toml:2: users.alice.password"), std::string::npos)
      << store.error();
}

TEST_F(AccountStore, LoadRefusesAnonymousWithoutAUsableRoot) {
  server_config config;
  config.anonymous = anonymous(true);
  config.anonymous.root = "";
  EXPECT_FALSE(account_store::load(config).has_value());
  config.anonymous.root = (dir_ / "missing").string();
  auto missing = account_store::load(config);
  ASSERT_FALSE(missing.has_value());
  EXPECT_NE(missing.error().find("No such file"), std::string::npos) << missing.error();
  config.anonymous.root = write_users_file();  // a file, not a directory
  auto file = account_store::load(config);
  ASSERT_FALSE(file.has_value());
  EXPECT_NE(file.error().find("is not a directory"), std::string::npos) << file.error();
}

TEST_F(AccountStore, LoadRefusesAConfigWhereNobodyCanLogIn) {
  auto store = account_store::load(server_config{});
  ASSERT_FALSE(store.has_value());
  EXPECT_NE(store.error().find("nobody can log in"), std::string::npos);
}

TEST_F(AccountStore, LoadWithAnonymousOnlyServesTheRoot) {
  server_config config;
  config.anonymous = anonymous(true);
  auto store = account_store::load(config);
  ASSERT_TRUE(store.has_value()) << store.error();
  EXPECT_TRUE(store->anonymous_enabled());
  EXPECT_EQ(store->authenticate("ftp", "me@example.com")->home, (dir_ / "pub").string());
}

}  // namespace
}  // namespace portico::server
