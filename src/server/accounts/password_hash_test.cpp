#include "server/accounts/password_hash.hpp"

#include <gtest/gtest.h>

#include <string>

namespace portico::server {
namespace {

class HashEachMethod : public ::testing::TestWithParam<hash_method> {};

TEST_P(HashEachMethod, HashVerifiesWithTheRightPasswordOnly) {
  const auto hash = hash_password("correct horse", GetParam());
  ASSERT_TRUE(hash.has_value());
  EXPECT_TRUE(verify_password("correct horse", *hash));
  EXPECT_FALSE(verify_password("correct hors", *hash));
  EXPECT_FALSE(verify_password("correct horse ", *hash));
  EXPECT_FALSE(verify_password("Correct horse", *hash));
  EXPECT_FALSE(verify_password("", *hash));
}

TEST_P(HashEachMethod, HashPassesTheUsersFileFormatCheck) {
  const auto hash = hash_password("pw", GetParam());
  ASSERT_TRUE(hash.has_value());
  EXPECT_EQ(check_hash_format(*hash), std::nullopt) << *hash;
}

TEST_P(HashEachMethod, EachHashGetsAFreshSalt) {
  const auto a = hash_password("same", GetParam());
  const auto b = hash_password("same", GetParam());
  ASSERT_TRUE(a && b);
  EXPECT_NE(*a, *b);
}

INSTANTIATE_TEST_SUITE_P(Methods, HashEachMethod,
                         ::testing::Values(hash_method::yescrypt, hash_method::sha512,
                                           hash_method::bcrypt),
                         [](const auto& p) { return std::string(hash_method_name(p.param)); });

TEST(PasswordHash, MethodsUseTheirCryptPrefixAndAnExplicitCost) {
  EXPECT_TRUE(hash_password("x", hash_method::yescrypt)->starts_with("$y$"));
  EXPECT_TRUE(hash_password("x", hash_method::sha512)->starts_with("$6$rounds=250000$"));
  EXPECT_TRUE(hash_password("x", hash_method::bcrypt)->starts_with("$2b$10$"));
}

TEST(PasswordHash, DefaultMethodIsYescrypt) {
  EXPECT_TRUE(hash_password("x")->starts_with("$y$"));
}

TEST(PasswordHash, EmptyNulAndOverlongPasswordsAreRefused) {
  EXPECT_FALSE(hash_password("").has_value());
  EXPECT_FALSE(hash_password(std::string("ab\0cd", 5)).has_value());
  EXPECT_FALSE(hash_password(std::string(600, 'a')).has_value());
}

TEST(PasswordHash, PasswordWithNulNeverMatchesItsPrefix) {
  // crypt sees C strings: "secret\0junk" must not log in as "secret".
  const auto hash = hash_password("secret", hash_method::sha512);
  ASSERT_TRUE(hash.has_value());
  EXPECT_FALSE(verify_password(std::string("secret\0junk", 11), *hash));
}

TEST(PasswordHash, KnownSha512CryptVectorVerifies) {
  // From the sha512-crypt specification (Drepper), "rounds=5000" form.
  const std::string hash =
      "$6$rounds=5000$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJu"
      "esI68u4OTLiBFdcbYEdFCoEOfaS35inz1";
  EXPECT_TRUE(verify_password("Hello world!", hash));
  EXPECT_FALSE(verify_password("Hello world", hash));
}

TEST(PasswordHash, GarbageAndLockedHashesNeverVerify) {
  for (const char* bad :
       {"", "*", "!", "*0", "!$6$abc$def", "plaintext", "$", "$zz$abc$def", "$6$saltonly$"}) {
    EXPECT_FALSE(verify_password("", bad)) << bad;
    EXPECT_FALSE(verify_password("plaintext", bad)) << bad;
    EXPECT_FALSE(verify_password("x", bad)) << bad;
  }
}

TEST(PasswordHash, TraditionalDesHashesNeverVerify) {
  // crypt("password", "ab"): DES reads only 8 characters, so "passwordXYZ"
  // would match too. Hashes without a "$id$" prefix are refused outright.
  EXPECT_FALSE(verify_password("password", "abJnggxhB/yWI"));
  EXPECT_FALSE(verify_password("passwordXYZ", "abJnggxhB/yWI"));
}

TEST(PasswordHash, FormatCheckExplainsPlainTextAndDamagedHashes) {
  EXPECT_NE(check_hash_format("hunter2").value_or("").find("portico passwd"), std::string::npos);
  EXPECT_NE(check_hash_format("$1$abcdefgh$0123456789012345678901").value_or("").find("legacy"),
            std::string::npos);
  EXPECT_NE(check_hash_format("$zz$abc$def").value_or("").find("supports"), std::string::npos);
  const auto good = *hash_password("x", hash_method::sha512);
  EXPECT_NE(check_hash_format(good.substr(0, good.size() - 1)).value_or("").find("complete"),
            std::string::npos);
  EXPECT_NE(check_hash_format("$6$saltonly$").value_or("").find("complete"), std::string::npos);
}

TEST(PasswordHash, CostPrefixKeepsMethodAndCostButNotSalt) {
  EXPECT_EQ(hash_cost_prefix("$y$j9T$salt$hash"), "$y$j9T$");
  EXPECT_EQ(hash_cost_prefix("$6$rounds=250000$salt$hash"), "$6$rounds=250000$");
  EXPECT_EQ(hash_cost_prefix("$6$salt$hash"), "$6$");
  EXPECT_EQ(hash_cost_prefix("$2b$10$saltandhash"), "$2b$10$");
  EXPECT_EQ(hash_cost_prefix("nothash"), "");
}

TEST(PasswordHash, MethodNamesRoundTrip) {
  for (auto m : {hash_method::yescrypt, hash_method::sha512, hash_method::bcrypt}) {
    EXPECT_EQ(parse_hash_method(hash_method_name(m)), m);
  }
  EXPECT_EQ(parse_hash_method("md5"), std::nullopt);
  EXPECT_EQ(parse_hash_method("SHA512"), std::nullopt);
}

}  // namespace
}  // namespace portico::server

namespace portico::server {
namespace {

TEST(PasswordHash, DummyHashKeepsMethodAndCostButMatchesNeitherPassword) {
  const auto real = *hash_password("secret", hash_method::sha512);
  const auto dummy = dummy_hash_like(real);
  EXPECT_EQ(hash_cost_prefix(dummy), hash_cost_prefix(real));
  EXPECT_EQ(dummy.size(), real.size());
  EXPECT_NE(dummy, real);
  EXPECT_FALSE(verify_password("secret", dummy));
  EXPECT_EQ(check_hash_format(dummy), std::nullopt);
  EXPECT_EQ(dummy_hash_like("garbage"), "");
}

}  // namespace
}  // namespace portico::server
