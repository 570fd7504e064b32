#include "server/accounts/users_file.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace portico::server {
namespace {

namespace fs = std::filesystem;

// A valid sha512-crypt hash (of "Hello world!"), so that tests need not hash.
constexpr const char* good_hash =
    "$6$rounds=5000$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OT"
    "LiBFdcbYEdFCoEOfaS35inz1";

class UsersFile : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "portico-users-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    fs::create_directory(dir_ / "alice");
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string write(const std::string& text, const std::string& name = "users.toml") {
    const auto path = (dir_ / name).string();
    std::ofstream(path) << text;
    return path;
  }
  std::string error_of(const std::string& text) {
    auto loaded = load_users_file(write(text));
    EXPECT_FALSE(loaded.has_value()) << text;
    return loaded ? std::string() : loaded.error();
  }
  std::string user(const std::string& extra = "") {
    return std::string("[users.alice]\npassword = \"") + good_hash + "\"\nhome = \"" +
           (dir_ / "alice").string() + "\"\n" + extra;
  }

  fs::path dir_;
};

TEST_F(UsersFile, LoadsUserWithHashHomeAndPermissions) {
  auto loaded = load_users_file(write(user("permissions = [\"list\", \"read\", \"write\"]\n")));
  ASSERT_TRUE(loaded.has_value()) << loaded.error();
  ASSERT_EQ(loaded->size(), 1u);
  const auto& alice = loaded->front();
  EXPECT_EQ(alice.name, "alice");
  EXPECT_EQ(alice.password_hash, good_hash);
  EXPECT_EQ(alice.home, (dir_ / "alice").string());
  EXPECT_EQ(alice.permissions.to_string(), "list,read,write");
}

TEST_F(UsersFile, PermissionsDefaultToListAndRead) {
  auto loaded = load_users_file(write(user()));
  ASSERT_TRUE(loaded.has_value()) << loaded.error();
  EXPECT_EQ(loaded->front().permissions, permission_set::read_only());
}

TEST_F(UsersFile, EmptyPermissionListGrantsNothing) {
  auto loaded = load_users_file(write(user("permissions = []\n")));
  ASSERT_TRUE(loaded.has_value()) << loaded.error();
  EXPECT_EQ(loaded->front().permissions, permission_set{});
}

TEST_F(UsersFile, RelativeHomeIsResolvedAgainstTheUsersFilesDirectory) {
  fs::create_directories(dir_ / "homes" / "bob");
  const auto path =
      write(std::string("[users.bob]\npassword = \"") + good_hash + "\"\nhome = \"homes/bob/\"\n");
  const auto old_cwd = fs::current_path();
  fs::current_path("/");  // the process's directory must not matter
  auto loaded = load_users_file(path);
  fs::current_path(old_cwd);
  ASSERT_TRUE(loaded.has_value()) << loaded.error();
  EXPECT_EQ(loaded->front().home, (dir_ / "homes" / "bob").string());
}

TEST_F(UsersFile, UsersComeBackSortedByName) {
  auto loaded = load_users_file(write(std::string("[users.zed]\npassword = \"") + good_hash +
                                      "\"\nhome = \"alice\"\n" + "[users.Bob]\npassword = \"" +
                                      good_hash + "\"\nhome = \"alice\"\n" + user()));
  ASSERT_TRUE(loaded.has_value()) << loaded.error();
  ASSERT_EQ(loaded->size(), 3u);
  EXPECT_EQ((*loaded)[0].name, "Bob");
  EXPECT_EQ((*loaded)[1].name, "alice");
  EXPECT_EQ((*loaded)[2].name, "zed");
}

TEST_F(UsersFile, UnknownPermissionNamesFileLineKeyAndChoices) {
  EXPECT_EQ(error_of(user("\n\npermissions = [\"list\",\n  \"writ\"]\n")),
            dir_.string() +
                "/users.toml:7: users.alice.permissions: unknown permission \"writ\" "
                "(expected one of list, read, write, append, delete, mkdir, rename, "
                "chmod)");
}

TEST_F(UsersFile, PlainTextPasswordIsRefusedWithPointerToPortioPasswd) {
  const auto error = error_of("[users.alice]\nhome = \"alice\"\npassword = \"hunter2\"\n");
  EXPECT_NE(error.find("users.toml:3: users.alice.password: "), std::string::npos) << error;
  EXPECT_NE(error.find("portico passwd"), std::string::npos) << error;
}

TEST_F(UsersFile, WeakOrDamagedHashesAreRefused) {
  EXPECT_NE(
      error_of(
          "[users.alice]\nhome = \"alice\"\npassword = \"$1$abcdefgh$aaaaaaaaaaaaaaaaaaaaaa\"\n")
          .find("users.toml:3: users.alice.password: uses a weak legacy method"),
      std::string::npos);
  EXPECT_NE(error_of("[users.alice]\nhome = \"alice\"\npassword = \"$6$saltonly$\"\n")
                .find("users.toml:3: users.alice.password: is not a complete"),
            std::string::npos);
}

TEST_F(UsersFile, MissingPasswordAndHomeNameTheUserTable) {
  const auto error = error_of("# comment\n[users.alice]\npermissions = [\"list\"]\n");
  EXPECT_NE(error.find("users.toml:2: users.alice: missing password"), std::string::npos) << error;
  EXPECT_NE(error.find("users.toml:2: users.alice: missing home"), std::string::npos) << error;
}

TEST_F(UsersFile, HomeThatDoesNotExistOrIsAFileIsRefused) {
  std::ofstream(dir_ / "plain") << "x";
  const auto missing = error_of(std::string("[users.alice]\npassword = \"") + good_hash +
                                "\"\nhome = \"nowhere\"\n");
  EXPECT_NE(missing.find("users.toml:3: users.alice.home: directory \"" +
                         (dir_ / "nowhere").string() + "\" does not exist"),
            std::string::npos)
      << missing;
  const auto file =
      error_of(std::string("[users.alice]\npassword = \"") + good_hash + "\"\nhome = \"plain\"\n");
  EXPECT_NE(file.find("users.toml:3: users.alice.home: \"" + (dir_ / "plain").string() +
                      "\" is not a directory"),
            std::string::npos)
      << file;
}

TEST_F(UsersFile, UnknownKeyIsAnErrorWithSuggestion) {
  const auto error = error_of(user("permisions = [\"list\"]\n"));
  EXPECT_NE(error.find("users.toml:4: users.alice.permisions: unknown key (did you mean "
                       "permissions?)"),
            std::string::npos)
      << error;
}

TEST_F(UsersFile, UnknownTopLevelKeyIsAnError) {
  const auto error = error_of(user() + "[user.bob]\n");
  EXPECT_NE(error.find("users.toml:4: user: unknown key"), std::string::npos) << error;
}

TEST_F(UsersFile, WrongTypesAreErrors) {
  EXPECT_NE(error_of(std::string("[users.alice]\npassword = 42\nhome = \"alice\"\n"))
                .find("users.toml:2: users.alice.password: must be a string"),
            std::string::npos);
  EXPECT_NE(error_of(user("permissions = \"read\"\n"))
                .find("users.toml:4: users.alice.permissions: must be an array of strings"),
            std::string::npos);
  EXPECT_NE(error_of(user("permissions = [\"read\", 3]\n"))
                .find("users.toml:4: users.alice.permissions: must contain only strings"),
            std::string::npos);
  EXPECT_NE(error_of("users = 3\n").find("users.toml:1: users: must be a table"),
            std::string::npos);
  EXPECT_NE(error_of("[users]\nalice = \"x\"\n").find("users.toml:2: users.alice: must be a table"),
            std::string::npos);
}

TEST_F(UsersFile, BadAndReservedUserNamesAreRefused) {
  auto named = [&](const std::string& name) {
    return std::string("[users.") + name + "]\npassword = \"" + good_hash +
           "\"\nhome = \"alice\"\n";
  };
  EXPECT_NE(
      error_of(named("\"al ice\"")).find("users.toml:1: users.al ice: user names may contain"),
      std::string::npos);
  EXPECT_NE(error_of(named(std::string(65, 'a'))).find("1 to 64"), std::string::npos);
  EXPECT_NE(
      error_of(named("Anonymous")).find("users.Anonymous: \"anonymous\" and \"ftp\" are reserved"),
      std::string::npos);
  EXPECT_NE(error_of(named("ftp")).find("reserved"), std::string::npos);
  EXPECT_TRUE(load_users_file(write(named(std::string(64, 'a')))).has_value());
  EXPECT_TRUE(load_users_file(write(named("\"a.b_c-D9\""))).has_value());
  EXPECT_NE(error_of(named("a.b"))
                .find("users.a.b: unexpected table: quote user names that "
                      "contain '.', e.g. [users.\"a.b\"]"),
            std::string::npos);
}

TEST_F(UsersFile, SyntaxErrorNamesFileAndLine) {
  const auto error = error_of(user("permissions = [\"list\"\n"));
  EXPECT_NE(error.find(dir_.string() + "/users.toml:"), std::string::npos) << error;
  EXPECT_NE(error.find("invalid TOML"), std::string::npos) << error;
}

TEST_F(UsersFile, MissingFileAndEmptyFileAreErrors) {
  auto missing = load_users_file((dir_ / "none.toml").string());
  ASSERT_FALSE(missing.has_value());
  EXPECT_NE(missing.error().find("none.toml: cannot read users file: No such file"),
            std::string::npos)
      << missing.error();
  EXPECT_NE(error_of("# nothing yet\n").find("no users"), std::string::npos);
}

TEST_F(UsersFile, EveryProblemIsReportedNotJustTheFirst) {
  const auto error = error_of(user("permissions = [\"writ\"]\nshell = \"/bin/sh\"\n"));
  EXPECT_NE(error.find("users.alice.permissions"), std::string::npos) << error;
  EXPECT_NE(error.find("users.alice.shell"), std::string::npos) << error;
}

TEST(ExampleUsersFile, OnlyItsHomeDirectoriesAreMissing) {
  // The example names directories that do not exist here; everything else
  // in it (hashes, permission names, keys) must be valid.
  const char* source = std::getenv("PORTICO_SOURCE_DIR");
  if (source == nullptr) GTEST_SKIP() << "set PORTICO_SOURCE_DIR to the repository root";
  auto loaded = load_users_file(std::string(source) + "/etc/users.example.toml");
  ASSERT_FALSE(loaded.has_value());
  std::size_t lines = 0;
  for (std::size_t start = 0; start < loaded.error().size(); ++lines) {
    auto end = loaded.error().find('\n', start);
    if (end == std::string::npos) end = loaded.error().size();
    const auto line = loaded.error().substr(start, end - start);
    EXPECT_NE(line.find(".home: directory \""), std::string::npos) << line;
    EXPECT_NE(line.find("\" does not exist"), std::string::npos) << line;
    start = end + 1;
  }
  EXPECT_EQ(lines, 3u) << loaded.error();
}

}  // namespace
}  // namespace portico::server
