// The generation loop over ScriptBackend (tests/runtime/script_backend.h) and the real
// stories260K vocabulary: chunked prefill, the stop conditions, streaming that never splits a
// UTF-8 character, errors.
#include "runtime/generate.h"

#include <memory>

#include "frontends/gguf/gguf.h"
#include "frontends/gguf/vocab.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/tokenizer/stream_decoder.h"
#include "tests/runtime/script_backend.h"
#include "tests/test_util.h"

namespace rf {
namespace {

using ::rf::testing::ScriptBackend;
using ::testing::HasSubstr;

tokenizer::Vocab StoriesVocab() {
  auto file = gguf::GgufFile::Open(::rf::testing::ModelPath("stories260K.gguf"));
  EXPECT_TRUE(file.ok()) << file.status();
  auto vocab = gguf::ReadVocab(**file);
  EXPECT_TRUE(vocab.ok()) << vocab.status();
  return *std::move(vocab);
}

const tokenizer::Tokenizer& Stories() {
  static const std::unique_ptr<tokenizer::Tokenizer> tok =
      *tokenizer::Tokenizer::Create(StoriesVocab());
  return *tok;
}

GenerateOptions Greedy(int32_t max_tokens = 100) {
  GenerateOptions o;
  o.max_tokens = max_tokens;
  o.sampler.temperature = 0;
  return o;
}

// What one run streamed.
struct Stream {
  std::vector<int32_t> ids;
  std::vector<std::string> texts;
  std::string joined() const {
    std::string s;
    for (const std::string& t : texts) s += t;
    return s;
  }
  std::function<void(int32_t, absl::string_view)> callback() {
    return [this](int32_t id, absl::string_view text) {
      ids.push_back(id);
      texts.emplace_back(text);
    };
  }
};

// A prompt and the story the script backend continues it with, as ids. The story's ids start
// with the prompt's (checked), so the backend is "on script" after reading the prompt.
struct Story {
  std::vector<int32_t> prompt_ids;
  std::vector<int32_t> script;        // prompt + continuation (+ EOS when asked)
  std::vector<int32_t> continuation;  // what generation should produce
  std::string continuation_text;      // and its text
};

Story MakeStory(const std::string& prompt, const std::string& rest, bool end_with_eos) {
  const tokenizer::Tokenizer& tok = Stories();
  Story s;
  s.prompt_ids = tok.Encode(prompt, true, true);
  s.script = tok.Encode(prompt + rest, true, true);
  EXPECT_TRUE(std::equal(s.prompt_ids.begin(), s.prompt_ids.end(), s.script.begin()))
      << "the story's tokens must start with the prompt's";
  s.continuation.assign(s.script.begin() + s.prompt_ids.size(), s.script.end());
  for (int32_t id : s.continuation)
    absl::StrAppend(&s.continuation_text, tok.TokenToPiece(id, false));
  if (end_with_eos) s.script.push_back(tok.vocab().eos);
  return s;
}

constexpr const char* kPrompt = "Once upon a time, there was a little girl named Lily.";
constexpr const char* kRest = " She loved to play outside in the park with her dog.";

TEST(GenerateTest, FollowsTheScriptToEndOfGeneration) {
  const Story story = MakeStory(kPrompt, kRest, /*end_with_eos=*/true);
  ScriptBackend backend(story.script, Stories().n_tokens(), 256, 64);
  Stream stream;
  auto result = Generate(backend, Stories(), kPrompt, Greedy(), stream.callback());
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->prompt_ids, story.prompt_ids);
  EXPECT_EQ(result->generated_ids, story.continuation);  // without the EOS
  EXPECT_EQ(result->stop, StopReason::kEndOfGeneration);
  EXPECT_EQ(stream.ids, story.continuation);  // EOS not passed on
  EXPECT_EQ(stream.joined(), story.continuation_text);
  EXPECT_EQ(result->text, story.continuation_text);
  EXPECT_EQ(result->text, " She loved to play outside in the park with her dog.");
  // One prefill step, then a decode step for every generated token (its successor was EOS).
  EXPECT_EQ(result->decode_steps, int64_t(story.continuation.size()));
  EXPECT_EQ(backend.calls().size(), 1 + story.continuation.size());
  EXPECT_GE(result->prefill_ms, 0);
  EXPECT_GE(result->decode_ms, 0);
  EXPECT_STREQ(StopReasonText(result->stop), "end of generation");
}

TEST(GenerateTest, PrefillsInChunksOfAtMostMaxBatch) {
  const Story story = MakeStory(kPrompt, kRest, true);
  const int64_t n_prompt = int64_t(story.prompt_ids.size());
  ASSERT_GT(n_prompt, 10);
  for (int64_t max_batch : {int64_t(1), int64_t(2), int64_t(3), int64_t(7), n_prompt - 1, n_prompt,
                            n_prompt + 1, int64_t(512)}) {
    SCOPED_TRACE(::testing::Message() << "max_batch " << max_batch);
    ScriptBackend backend(story.script, Stories().n_tokens(), 256, max_batch);
    auto result = Generate(backend, Stories(), kPrompt, Greedy(), nullptr);
    ASSERT_TRUE(result.ok()) << result.status();
    EXPECT_EQ(result->generated_ids, story.continuation);
    // The prefill calls: consecutive, full chunks but the last, covering the prompt in order.
    int64_t position = 0;
    size_t call = 0;
    for (; position < n_prompt; ++call) {
      const ScriptBackend::Call& c = backend.calls().at(call);
      EXPECT_EQ(c.first_position, position);
      EXPECT_EQ(int64_t(c.tokens.size()), std::min(max_batch, n_prompt - position));
      EXPECT_TRUE(
          std::equal(c.tokens.begin(), c.tokens.end(), story.prompt_ids.begin() + position));
      position += int64_t(c.tokens.size());
    }
    // Then one token per step, each at the next position.
    for (; call < backend.calls().size(); ++call, ++position) {
      EXPECT_EQ(backend.calls()[call].first_position, position);
      EXPECT_EQ(backend.calls()[call].tokens.size(), 1u);
    }
  }
}

TEST(GenerateTest, StopsAtMaxTokensWithoutAStepForTheLastToken) {
  const Story story = MakeStory(kPrompt, kRest, true);
  for (int32_t max_tokens : {1, 2, 5}) {
    ScriptBackend backend(story.script, Stories().n_tokens(), 256, 64);
    Stream stream;
    auto result = Generate(backend, Stories(), kPrompt, Greedy(max_tokens), stream.callback());
    ASSERT_TRUE(result.ok()) << result.status();
    EXPECT_EQ(result->stop, StopReason::kMaxTokens);
    EXPECT_EQ(result->generated_ids, std::vector<int32_t>(story.continuation.begin(),
                                                          story.continuation.begin() + max_tokens));
    EXPECT_EQ(stream.ids, result->generated_ids);
    EXPECT_EQ(result->decode_steps, max_tokens - 1);
    EXPECT_EQ(backend.calls().size(), size_t(max_tokens));  // prefill + max_tokens - 1
  }
  // 0: the prompt is read, nothing is generated.
  ScriptBackend backend(story.script, Stories().n_tokens(), 256, 64);
  auto none = Generate(backend, Stories(), kPrompt, Greedy(0), nullptr);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->generated_ids.empty());
  EXPECT_EQ(none->stop, StopReason::kMaxTokens);
  EXPECT_EQ(backend.calls().size(), 1u);
}

TEST(GenerateTest, NoLimitRunsToEndOfGeneration) {
  const Story story = MakeStory(kPrompt, kRest, true);
  ScriptBackend backend(story.script, Stories().n_tokens(), 256, 64);
  auto result = Generate(backend, Stories(), kPrompt, Greedy(-1), nullptr);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->stop, StopReason::kEndOfGeneration);
  EXPECT_EQ(result->generated_ids, story.continuation);
}

TEST(GenerateTest, StopsWhenTheContextIsFull) {
  const Story story = MakeStory(kPrompt, kRest, false);
  const int64_t n_prompt = int64_t(story.prompt_ids.size());
  for (int64_t room : {0, 1, 4}) {
    SCOPED_TRACE(::testing::Message() << "room " << room);
    // The backend fails any step past max_context, so reaching the end cleanly is the test.
    ScriptBackend backend(story.script, Stories().n_tokens(), n_prompt + room, 8);
    auto result = Generate(backend, Stories(), kPrompt, Greedy(-1), nullptr);
    ASSERT_TRUE(result.ok()) << result.status();
    EXPECT_EQ(result->stop, StopReason::kContextFull);
    // Every position holds a token that was run, and the last sampled token is emitted too.
    EXPECT_EQ(int64_t(result->generated_ids.size()), room + 1);
    EXPECT_EQ(result->generated_ids, std::vector<int32_t>(story.continuation.begin(),
                                                          story.continuation.begin() + room + 1));
    const ScriptBackend::Call& last = backend.calls().back();
    EXPECT_EQ(last.first_position + int64_t(last.tokens.size()), n_prompt + room);
  }
  // max_tokens reached on the same token as the context: max tokens wins (asked-for stop).
  ScriptBackend backend(story.script, Stories().n_tokens(), n_prompt + 2, 8);
  auto result = Generate(backend, Stories(), kPrompt, Greedy(3), nullptr);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->stop, StopReason::kMaxTokens);
  EXPECT_EQ(result->generated_ids.size(), 3u);
}

TEST(GenerateTest, PromptLongerThanTheContextIsAnError) {
  const Story story = MakeStory(kPrompt, kRest, false);
  const int64_t n_prompt = int64_t(story.prompt_ids.size());
  ScriptBackend backend(story.script, Stories().n_tokens(), n_prompt - 1, 8);
  auto result = Generate(backend, Stories(), kPrompt, Greedy(), nullptr);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(result.status().message()),
              HasSubstr(absl::StrCat("the prompt has ", n_prompt, " tokens but the context holds ",
                                     n_prompt - 1)));
  EXPECT_THAT(std::string(result.status().message()), HasSubstr("--max-context"));
  EXPECT_TRUE(backend.calls().empty());
}

TEST(GenerateTest, EmptyPromptIsAnErrorWhenTheVocabularyAddsNoBos) {
  tokenizer::Vocab vocab = StoriesVocab();
  vocab.add_bos = false;
  auto tok = tokenizer::Tokenizer::Create(std::move(vocab));
  ASSERT_TRUE(tok.ok());
  ScriptBackend backend({}, (*tok)->n_tokens(), 64, 8);
  auto result = Generate(backend, **tok, "", Greedy(), nullptr);
  ASSERT_FALSE(result.ok());
  EXPECT_THAT(std::string(result.status().message()), HasSubstr("prompt is empty"));
  // With BOS (stories260K's default) an empty prompt is the BOS token alone: fine.
  ScriptBackend with_bos({}, Stories().n_tokens(), 64, 8);
  auto ok = Generate(with_bos, Stories(), "", Greedy(3), nullptr);
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_EQ(ok->prompt_ids, std::vector<int32_t>{Stories().vocab().bos});
}

TEST(GenerateTest, SpecialTokenTextsInThePromptBecomeTokens) {
  const tokenizer::Tokenizer& tok = Stories();
  const std::string bos_text = tok.vocab().tokens[size_t(tok.vocab().bos)];
  const std::string prompt = bos_text + "Once upon a time";
  ScriptBackend backend({}, tok.n_tokens(), 64, 8);
  auto result = Generate(backend, tok, prompt, Greedy(1), nullptr);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->prompt_ids, tok.Encode(prompt, true, true));
  ASSERT_GE(result->prompt_ids.size(), 2u);
  EXPECT_EQ(result->prompt_ids[0], tok.vocab().bos);
  EXPECT_EQ(result->prompt_ids[1], tok.vocab().bos);  // the text became the token
}

// stories260K has 512 tokens: anything outside ASCII is spelled with byte tokens, one per byte.
constexpr const char* kUnicodeRest = " Café \xF0\x9F\x90\xB6 über naïve \xE2\x82\xAC 5!";

TEST(GenerateTest, StreamsOnlyWholeUtf8Characters) {
  const Story story = MakeStory(kPrompt, kUnicodeRest, true);
  ScriptBackend backend(story.script, Stories().n_tokens(), 256, 16);
  Stream stream;
  auto result = Generate(backend, Stories(), kPrompt, Greedy(), stream.callback());
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->generated_ids, story.continuation);
  int empty = 0;
  for (const std::string& text : stream.texts) {
    std::string valid;
    EXPECT_EQ(tokenizer::AppendValidUtf8(text, &valid), 0u) << "an incomplete character";
    EXPECT_EQ(valid, text) << "an invalid byte";
    empty += text.empty();
  }
  // This vocabulary has "é" and "€" as tokens; the emoji (4 bytes), "ü" and "ï" (2 each) are
  // spelled with byte tokens, so 3 + 1 + 1 tokens complete no character and stream nothing.
  EXPECT_EQ(empty, 5);
  EXPECT_NE(std::find(stream.texts.begin(), stream.texts.end(), "\xF0\x9F\x90\xB6"),
            stream.texts.end());  // the emoji comes out whole, in one piece
  EXPECT_EQ(stream.joined(), kUnicodeRest);
  EXPECT_EQ(result->text, kUnicodeRest);
}

TEST(GenerateTest, StoppingInsideACharacterEndsWithAReplacementCharacter) {
  const Story story = MakeStory(kPrompt, " \xF0\x9F\x90\xB6", false);
  // " ", then the dog's four bytes: stop after the space and two of them.
  ASSERT_EQ(story.continuation.size(), 5u);
  ScriptBackend backend(story.script, Stories().n_tokens(), 256, 16);
  Stream stream;
  auto result = Generate(backend, Stories(), kPrompt, Greedy(3), stream.callback());
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(stream.ids, (std::vector<int32_t>{story.continuation[0], story.continuation[1],
                                              story.continuation[2], -1}));
  EXPECT_EQ(stream.texts, (std::vector<std::string>{" ", "", "", "\xEF\xBF\xBD"}));
  EXPECT_EQ(result->text, " \xEF\xBF\xBD");
  EXPECT_EQ(result->generated_ids.size(), 3u);
}

TEST(GenerateTest, BackendErrorsSayWhere) {
  const Story story = MakeStory(kPrompt, kRest, true);
  const int64_t n_prompt = int64_t(story.prompt_ids.size());
  ScriptBackend decode_fails(story.script, Stories().n_tokens(), 256, 8);
  decode_fails.FailFromPosition(n_prompt + 2);
  auto result = Generate(decode_fails, Stories(), kPrompt, Greedy(), nullptr);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInternal);
  EXPECT_THAT(std::string(result.status().message()),
              HasSubstr(absl::StrCat("decode step at position ", n_prompt + 2,
                                     " (1 tokens): device lost (test)")));
  ScriptBackend prefill_fails(story.script, Stories().n_tokens(), 256, 8);
  prefill_fails.FailFromPosition(10);
  result = Generate(prefill_fails, Stories(), kPrompt, Greedy(), nullptr);
  ASSERT_FALSE(result.ok());
  EXPECT_THAT(std::string(result.status().message()), HasSubstr("prefill step at position 8"));
}

TEST(GenerateTest, BadOptionsAreErrorsNamingTheOption) {
  ScriptBackend backend({}, Stories().n_tokens(), 64, 8);
  GenerateOptions o = Greedy();
  o.sampler.temperature = -1;
  auto result = Generate(backend, Stories(), kPrompt, o, nullptr);
  ASSERT_FALSE(result.ok());
  EXPECT_THAT(std::string(result.status().message()), HasSubstr("temperature"));
  o = Greedy(-2);
  result = Generate(backend, Stories(), kPrompt, o, nullptr);
  ASSERT_FALSE(result.ok());
  EXPECT_THAT(std::string(result.status().message()), HasSubstr("max_tokens"));
  EXPECT_TRUE(backend.calls().empty());
}

// With a weak preference (peak 1 above the rest) sampling really chooses; the seed decides how.
TEST(GenerateTest, SameSeedSameTokensOtherSeedOtherTokens) {
  const Story story = MakeStory(kPrompt, kRest, false);
  auto run = [&](uint64_t seed) {
    ScriptBackend backend(story.script, Stories().n_tokens(), 256, 64, /*off_script=*/5,
                          /*peak=*/1.0f);
    GenerateOptions o;
    o.max_tokens = 30;
    o.sampler.seed = seed;
    o.sampler.top_p = 1;
    o.sampler.min_p = 0;
    auto result = Generate(backend, Stories(), kPrompt, o, nullptr);
    EXPECT_TRUE(result.ok());
    return result.ok() ? result->generated_ids : std::vector<int32_t>{};
  };
  EXPECT_EQ(run(1), run(1));
  EXPECT_NE(run(1), run(2));
  EXPECT_EQ(run(1).size(), 30u);
}

}  // namespace
}  // namespace rf
