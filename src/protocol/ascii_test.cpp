#include "protocol/ascii.hpp"

#include <gtest/gtest.h>

#include <string>

namespace portico::protocol {
namespace {

std::string encode_in_chunks(std::string_view in, std::size_t chunk) {
  ascii_encoder enc;
  std::string out;
  for (std::size_t i = 0; i < in.size(); i += chunk) enc.encode(in.substr(i, chunk), out);
  return out;
}

std::string decode_in_chunks(std::string_view in, std::size_t chunk) {
  ascii_decoder dec;
  std::string out;
  for (std::size_t i = 0; i < in.size(); i += chunk) dec.decode(in.substr(i, chunk), out);
  dec.finish(out);
  return out;
}

TEST(AsciiEncoder, DownloadTurnsBareLfIntoCrlf) {
  EXPECT_EQ(encode_in_chunks("a\nb\n", 100), "a\r\nb\r\n");
}

TEST(AsciiEncoder, FileAlreadyInCrlfIsNeverSentAsCrCrLf) {
  EXPECT_EQ(encode_in_chunks("a\r\nb\r\n", 100), "a\r\nb\r\n");
}

TEST(AsciiEncoder, CrlfSplitAcrossChunksStaysCrlf) {
  for (std::size_t chunk = 1; chunk <= 4; ++chunk) {
    EXPECT_EQ(encode_in_chunks("x\r\ny\nz\r\n", chunk), "x\r\ny\r\nz\r\n") << chunk;
  }
}

TEST(AsciiEncoder, BareCrIsKept) {
  EXPECT_EQ(encode_in_chunks("a\rb", 1), "a\rb");
}

TEST(AsciiDecoder, UploadTurnsCrlfIntoLf) {
  EXPECT_EQ(decode_in_chunks("a\r\nb\n", 100), "a\nb\n");
}

TEST(AsciiDecoder, BareCrIsKeptEvenAtChunkEdges) {
  for (std::size_t chunk = 1; chunk <= 3; ++chunk) {
    EXPECT_EQ(decode_in_chunks("a\rb\r\nc\r", chunk), "a\rb\nc\r") << chunk;
  }
}

TEST(AsciiDecoder, CrCrLfKeepsOneCr) {
  EXPECT_EQ(decode_in_chunks("a\r\r\n", 1), "a\r\n");
}

TEST(AsciiRoundTrip, UnixTextSurvivesEncodeThenDecode) {
  const std::string text = "line one\n\nline three with \r inside\nlast";
  EXPECT_EQ(decode_in_chunks(encode_in_chunks(text, 7), 5), text);
}

TEST(AsciiEncoder, LongLineUsesNoStateBeyondOneByte) {
  // 1 MiB without a newline, then one: the output is the input plus one CR.
  std::string big(1 << 20, 'x');
  big.push_back('\n');
  const std::string out = encode_in_chunks(big, 4096);
  EXPECT_EQ(out.size(), big.size() + 1);
  EXPECT_EQ(out.substr(out.size() - 2), "\r\n");
}

}  // namespace
}  // namespace portico::protocol
