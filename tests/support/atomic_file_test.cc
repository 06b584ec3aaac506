#include "support/atomic_file.h"

#include <dirent.h>
#include <sys/stat.h>

#include <algorithm>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "support/mapped_file.h"
#include "tests/test_util.h"

namespace rf {
namespace {

std::vector<std::string> ListDir(const std::string& dir) {
  std::vector<std::string> names;
  DIR* d = opendir(dir.c_str());
  while (dirent* e = readdir(d)) {
    std::string n = e->d_name;
    if (n != "." && n != "..") names.push_back(n);
  }
  closedir(d);
  return names;
}

TEST(AtomicFileTest, CommitWritesWholeFile) {
  std::string dir = testing::TempDir();
  std::string path = dir + "/out.bin";
  auto w = AtomicFileWriter::Create(path);
  ASSERT_TRUE(w.ok()) << w.status();
  ASSERT_TRUE(w->Write("hello ").ok());
  ASSERT_TRUE(w->WriteZeros(3).ok());
  EXPECT_EQ(w->offset(), 9u);
  ASSERT_TRUE(w->Commit().ok());
  auto text = ReadFileToString(path);
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(*text, std::string("hello \0\0\0", 9));
  EXPECT_EQ(ListDir(dir), std::vector<std::string>{"out.bin"});
}

// Long zero runs are holes: the file has its full size and reads as zeros, including a hole at
// the very end, but stores (almost) nothing.
TEST(AtomicFileTest, LongZeroRunsAreHoles) {
  const std::string path = testing::TempDir() + "/sparse.bin";
  auto w = AtomicFileWriter::Create(path);
  ASSERT_TRUE(w.ok()) << w.status();
  ASSERT_TRUE(w->Write("head").ok());
  ASSERT_TRUE(w->WriteZeros(size_t{64} << 20).ok());
  ASSERT_TRUE(w->Write("mid").ok());
  ASSERT_TRUE(w->WriteZeros(size_t{32} << 20).ok());
  const uint64_t size = 4 + (uint64_t{64} << 20) + 3 + (uint64_t{32} << 20);
  EXPECT_EQ(w->offset(), size);
  ASSERT_TRUE(w->Commit().ok());
  struct stat st;
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(static_cast<uint64_t>(st.st_size), size);
  EXPECT_LT(static_cast<uint64_t>(st.st_blocks) * 512, uint64_t{1} << 20);  // not 96 MiB
  auto bytes = ReadFileToString(path);
  ASSERT_TRUE(bytes.ok());
  EXPECT_EQ(bytes->substr(0, 4), "head");
  EXPECT_EQ(bytes->substr(4 + (size_t{64} << 20), 3), "mid");
  EXPECT_EQ(std::count(bytes->begin(), bytes->end(), '\0'), static_cast<long>(size - 7));
}

TEST(AtomicFileTest, AbandonedWriterLeavesNothing) {
  std::string dir = testing::TempDir();
  {
    auto w = AtomicFileWriter::Create(dir + "/out.bin");
    ASSERT_TRUE(w.ok());
    ASSERT_TRUE(w->Write("partial").ok());
  }
  EXPECT_TRUE(ListDir(dir).empty());
}

TEST(AtomicFileTest, AbandonedWriterKeepsOldFile) {
  std::string dir = testing::TempDir();
  std::string path = dir + "/out.bin";
  ASSERT_TRUE(WriteFileAtomically(path, {reinterpret_cast<const uint8_t*>("old"), 3}).ok());
  {
    auto w = AtomicFileWriter::Create(path);
    ASSERT_TRUE(w->Write("new but unfinished").ok());
  }
  EXPECT_EQ(*ReadFileToString(path), "old");
}

TEST(AtomicFileTest, MissingDirectoryIsAnError) {
  auto w = AtomicFileWriter::Create("/nonexistent-dir/x.bin");
  ASSERT_FALSE(w.ok());
  EXPECT_NE(w.status().message().find("/nonexistent-dir/x.bin"), absl::string_view::npos);
}

TEST(MappedFileTest, MapsBytes) {
  std::string path = testing::TempDir() + "/m.bin";
  ASSERT_TRUE(WriteFileAtomically(path, {reinterpret_cast<const uint8_t*>("abc"), 3}).ok());
  auto m = MappedFile::Open(path);
  ASSERT_TRUE(m.ok());
  ASSERT_EQ(m->size(), 3u);
  EXPECT_EQ(m->data()[1], 'b');
  EXPECT_FALSE(MappedFile::Open(path + ".missing").ok());
  EXPECT_FALSE(MappedFile::Open(testing::TempDir()).ok());  // a directory
}

}  // namespace
}  // namespace rf
