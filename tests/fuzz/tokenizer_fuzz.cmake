# The tokenizer's fuzz target: encode/decode with every pre-tokenizer, and vocabulary
# deserialization (tests/fuzz/tokenizer_fuzz.cc).
rf_fuzzer(tokenizer_fuzz DEPS rf_gguf_vocab rf_tokenizer)
