// llama-tokenize-batch: llama.cpp's tokenizer over many strings in one process (spawning
// llama-logits per string is too slow for thousands of them).
//   llama-tokenize-batch VOCAB.gguf IN OUT ADD_SPECIAL PARSE_SPECIAL
//     IN: records of u32 little-endian length + bytes. For each record OUT gets three lines:
//       "T id id ..."  llama_tokenize(text, ADD_SPECIAL, PARSE_SPECIAL)
//       "D hex"        llama_detokenize(those ids, remove_special=0, unparse_special=0)
//       "R hex"        llama_detokenize(those ids, remove_special=1, unparse_special=1)
//   llama-tokenize-batch --pieces VOCAB.gguf OUT
//     for every token id: "hex hex", llama_token_to_piece(id, special=0) and (id, special=1).
#include "llama.h"
#include "ggml-backend.h"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void die(const char * what) { fprintf(stderr, "llama-tokenize-batch: %s\n", what); exit(1); }

static void hex(FILE * out, const char * s, int n) {
    for (int i = 0; i < n; i++) fprintf(out, "%02x", (unsigned char) s[i]);
}

static const struct llama_vocab * load(const char * path) {
    const char * d = getenv("RF_ORACLE_LIB");
    if (d && d[0]) ggml_backend_load_all_from_path(d); else ggml_backend_load_all();
    struct llama_model_params mp = llama_model_default_params();
    mp.vocab_only = 1;
    struct llama_model * m = llama_model_load_from_file(path, mp);
    if (!m) die("cannot load the vocabulary");
    return llama_model_get_vocab(m);
}

static void detok(FILE * out, const struct llama_vocab * v, const llama_token * t, int n, int rm, int un) {
    int cap = 64 + 32 * n;
    char * buf = malloc((size_t) cap);
    int k = llama_detokenize(v, t, n, buf, cap, rm, un);
    if (k < 0) { cap = -k; buf = realloc(buf, (size_t) cap); k = llama_detokenize(v, t, n, buf, cap, rm, un); }
    hex(out, buf, k < 0 ? 0 : k);
    free(buf);
}

int main(int argc, char ** argv) {
    if (argc == 4 && strcmp(argv[1], "--pieces") == 0) {
        const struct llama_vocab * v = load(argv[2]);
        FILE * out = fopen(argv[3], "w");
        if (!out) die("cannot write OUT");
        char buf[4096];
        for (int id = 0; id < llama_vocab_n_tokens(v); id++) {
            for (int special = 0; special < 2; special++) {
                int k = llama_token_to_piece(v, id, buf, sizeof buf, 0, special);
                if (special) fputc(' ', out);
                hex(out, buf, k < 0 ? 0 : k);
            }
            fputc('\n', out);
        }
        fclose(out);
        return 0;
    }
    if (argc != 6) die("usage: llama-tokenize-batch VOCAB IN OUT ADD_SPECIAL PARSE_SPECIAL | --pieces VOCAB OUT");
    const struct llama_vocab * v = load(argv[1]);
    FILE * in = fopen(argv[2], "rb");
    FILE * out = fopen(argv[3], "w");
    if (!in || !out) die("cannot open IN or OUT");
    const int add = atoi(argv[4]), parse = atoi(argv[5]);
    unsigned char len_bytes[4];
    while (fread(len_bytes, 1, 4, in) == 4) {
        uint32_t len = len_bytes[0] | (len_bytes[1] << 8) | (len_bytes[2] << 16) | ((uint32_t) len_bytes[3] << 24);
        char * text = malloc(len + 1);
        if (fread(text, 1, len, in) != len) die("truncated IN");
        int cap = (int) len + 16;
        llama_token * t = malloc(sizeof(llama_token) * (size_t) cap);
        int n = llama_tokenize(v, text, (int) len, t, cap, add, parse);
        if (n < 0) { cap = -n; t = realloc(t, sizeof(llama_token) * (size_t) cap); n = llama_tokenize(v, text, (int) len, t, cap, add, parse); }
        fputc('T', out);
        for (int i = 0; i < n; i++) fprintf(out, " %d", t[i]);
        fputs("\nD ", out);
        detok(out, v, t, n, 0, 0);
        fputs("\nR ", out);
        detok(out, v, t, n, 1, 1);
        fputc('\n', out);
        free(t);
        free(text);
    }
    fclose(out);
    return 0;
}
