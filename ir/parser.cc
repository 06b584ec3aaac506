// A hand-written lexer + recursive-descent parser for the IR text form, one statement per line.
#include "ir/parser.h"

#include <cctype>
#include <charconv>
#include <cmath>
#include <limits>
#include <unordered_map>

#include "absl/strings/str_cat.h"
#include "support/status.h"

namespace rf::ir {
namespace {

enum class Tok { kEnd, kValue, kIdent, kInt, kFloat, kString, kPunct };

struct Token {
  Tok kind = Tok::kEnd;
  std::string text;  // identifier/value name (without %)/punctuation/string contents
  int64_t int_value = 0;
  float float_value = 0;
  int line = 0, col = 0;
};

class Lexer {
 public:
  Lexer(absl::string_view text, std::string file) : text_(text), file_(std::move(file)) {}

  absl::Status Error(int line, int col, absl::string_view msg) const {
    return absl::InvalidArgumentError(absl::StrCat(file_, ":", line, ":", col, ": ", msg));
  }

  // Tokenizes one line; comments (// ...) are dropped.
  absl::StatusOr<std::vector<Token>> Line(absl::string_view line, int line_no) {
    std::vector<Token> out;
    size_t i = 0;
    auto at = [&](size_t k) { return k < line.size() ? line[k] : '\0'; };
    while (i < line.size()) {
      char c = line[i];
      int col = static_cast<int>(i) + 1;
      if (std::isspace(static_cast<unsigned char>(c))) {
        ++i;
        continue;
      }
      if (c == '/' && at(i + 1) == '/') break;
      Token t;
      t.line = line_no;
      t.col = col;
      if (c == '%') {
        size_t j = i + 1;
        while (j < line.size() && (std::isalnum(static_cast<unsigned char>(line[j])) ||
                                   line[j] == '_' || line[j] == '.')) {
          ++j;
        }
        if (j == i + 1) return Error(line_no, col, "expected a value name after '%'");
        t.kind = Tok::kValue;
        t.text = std::string(line.substr(i + 1, j - i - 1));
        i = j;
      } else if (c == '"') {
        size_t j = i + 1;
        std::string s;
        while (j < line.size() && line[j] != '"') {
          if (line[j] == '\\' && j + 1 < line.size()) ++j;
          s.push_back(line[j++]);
        }
        if (j >= line.size()) return Error(line_no, col, "unterminated string");
        t.kind = Tok::kString;
        t.text = s;
        i = j + 1;
      } else if (std::isdigit(static_cast<unsigned char>(c)) ||
                 ((c == '-' || c == '+') &&
                  (std::isdigit(static_cast<unsigned char>(at(i + 1))) || at(i + 1) == '.' ||
                   at(i + 1) == 'i' || at(i + 1) == 'n'))) {
        size_t j = i + 1;
        while (
            j < line.size() &&
            (std::isalnum(static_cast<unsigned char>(line[j])) || line[j] == '.' ||
             ((line[j] == '-' || line[j] == '+') && (line[j - 1] == 'e' || line[j - 1] == 'E')))) {
          ++j;
        }
        std::string num(line.substr(i, j - i));
        RF_RETURN_IF_ERROR(Number(num, line_no, col, t));
        i = j;
      } else if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
        size_t j = i;
        while (j < line.size() && (std::isalnum(static_cast<unsigned char>(line[j])) ||
                                   line[j] == '_' || line[j] == '.')) {
          ++j;
        }
        t.kind = Tok::kIdent;
        t.text = std::string(line.substr(i, j - i));
        if (t.text == "inf" || t.text == "nan") {
          t.kind = Tok::kFloat;
          t.float_value = t.text == "inf" ? std::numeric_limits<float>::infinity()
                                          : std::numeric_limits<float>::quiet_NaN();
        }
        i = j;
      } else if (c == '-' && at(i + 1) == '>') {
        t.kind = Tok::kPunct;
        t.text = "->";
        i += 2;
      } else if (c == '<' && at(i + 1) == '=') {
        t.kind = Tok::kPunct;
        t.text = "<=";
        i += 2;
      } else if (std::string_view("=(){}[],:@").find(c) != std::string_view::npos) {
        t.kind = Tok::kPunct;
        t.text = std::string(1, c);
        ++i;
      } else {
        return Error(line_no, col, absl::StrCat("unexpected character '", std::string(1, c), "'"));
      }
      out.push_back(std::move(t));
    }
    return out;
  }

 private:
  absl::Status Number(const std::string& num, int line_no, int col, Token& t) const {
    const bool is_float = num.find_first_of(".eEin") != std::string::npos;
    const char* begin = num.data() + (num[0] == '+' ? 1 : 0);
    const char* end = num.data() + num.size();
    if (is_float) {
      if (num == "-inf" || num == "+inf") {
        t.kind = Tok::kFloat;
        t.float_value = num[0] == '-' ? -std::numeric_limits<float>::infinity()
                                      : std::numeric_limits<float>::infinity();
        return absl::OkStatus();
      }
      float v;
      auto r = std::from_chars(begin, end, v);
      if (r.ec != std::errc() || r.ptr != end) {
        return Error(line_no, col, absl::StrCat("bad number '", num, "'"));
      }
      t.kind = Tok::kFloat;
      t.float_value = v;
    } else {
      int64_t v;
      auto r = std::from_chars(begin, end, v);
      if (r.ec != std::errc() || r.ptr != end) {
        return Error(line_no, col, absl::StrCat("bad integer '", num, "'"));
      }
      t.kind = Tok::kInt;
      t.int_value = v;
    }
    return absl::OkStatus();
  }

  absl::string_view text_;
  std::string file_;
};

class Parser {
 public:
  Parser(std::string file) : lexer_("", file), file_(std::move(file)) {}

  absl::StatusOr<std::unique_ptr<Graph>> Parse(absl::string_view text) {
    graph_ = std::make_unique<Graph>();
    int line_no = 0;
    size_t start = 0;
    while (start <= text.size()) {
      size_t end = text.find('\n', start);
      if (end == absl::string_view::npos) end = text.size();
      ++line_no;
      RF_ASSIGN_OR_RETURN(toks_, lexer_.Line(text.substr(start, end - start), line_no));
      line_ = line_no;
      line_len_ = static_cast<int>(end - start);
      pos_ = 0;
      if (!toks_.empty()) RF_RETURN_IF_ERROR(Statement());
      start = end + 1;
    }
    return std::move(graph_);
  }

 private:
  const Token& Peek() const {
    static const Token kEnd;
    return pos_ < toks_.size() ? toks_[pos_] : kEnd;
  }
  bool AtEnd() const { return pos_ >= toks_.size(); }
  bool IsPunct(absl::string_view p) const {
    return !AtEnd() && Peek().kind == Tok::kPunct && Peek().text == p;
  }
  bool IsIdent(absl::string_view id) const {
    return !AtEnd() && Peek().kind == Tok::kIdent && Peek().text == id;
  }
  absl::Status Error(absl::string_view msg) const {
    int col = AtEnd() ? line_len_ + 1 : Peek().col;
    return lexer_.Error(line_, col, msg);
  }
  absl::Status ErrorAt(const Token& t, absl::string_view msg) const {
    return lexer_.Error(t.line, t.col, msg);
  }
  std::string Describe() const {
    if (AtEnd()) return "end of line";
    const Token& t = Peek();
    switch (t.kind) {
      case Tok::kValue:
        return absl::StrCat("%", t.text);
      case Tok::kString:
        return absl::StrCat("\"", t.text, "\"");
      default:
        return absl::StrCat("'", t.text.empty() ? "number" : t.text, "'");
    }
  }
  absl::Status Expect(absl::string_view p) {
    if (!IsPunct(p)) return Error(absl::StrCat("expected '", p, "', found ", Describe()));
    ++pos_;
    return absl::OkStatus();
  }

  absl::Status Statement() {
    if (IsIdent("graph")) {
      ++pos_;
      if (AtEnd() || Peek().kind != Tok::kString)
        return Error("expected the graph's name in quotes");
      graph_->set_name(Peek().text);
      ++pos_;
      return ExpectLineEnd();
    }
    if (IsIdent("symbol")) {
      ++pos_;
      if (AtEnd() || Peek().kind != Tok::kIdent) return Error("expected a symbol name");
      std::string name = Peek().text;
      if (name == "x" || ElemTypeFromName(name)) {
        return Error(absl::StrCat("'", name, "' cannot name a symbol"));
      }
      ++pos_;
      RF_RETURN_IF_ERROR(Expect("<="));
      if (AtEnd() || Peek().kind != Tok::kInt || Peek().int_value <= 0) {
        return Error("expected a positive upper bound");
      }
      graph_->SetSymbol(name, Peek().int_value);
      ++pos_;
      return ExpectLineEnd();
    }
    if (IsIdent("memory")) {
      ++pos_;
      MemoryLayout m;
      for (auto [name, field] : {std::pair<const char*, int64_t*>{"w", &m.weights},
                                 {"kv", &m.kv_cache},
                                 {"act", &m.activations},
                                 {"param", &m.step_params}}) {
        if (!IsIdent(name)) return Error(absl::StrCat("expected '", name, "', found ", Describe()));
        ++pos_;
        if (AtEnd() || Peek().kind != Tok::kInt || Peek().int_value < 0) {
          return Error("expected a region size in bytes");
        }
        *field = Peek().int_value;
        ++pos_;
      }
      graph_->set_memory(m);
      return ExpectLineEnd();
    }
    return OpStatement();
  }

  // `@region:offset`, one per result.
  absl::StatusOr<std::vector<Placement>> Placements() {
    std::vector<Placement> out;
    while (IsPunct("@")) {
      ++pos_;
      Placement p;
      if (AtEnd() || Peek().kind != Tok::kIdent) return Error("expected a region after '@'");
      for (Region r :
           {Region::kWeights, Region::kKvCache, Region::kActivations, Region::kStepParams}) {
        if (Peek().text == RegionName(r)) p.region = r;
      }
      if (p.region == Region::kNone) {
        return Error(absl::StrCat("unknown region '", Peek().text, "' (w, kv, act, param)"));
      }
      ++pos_;
      RF_RETURN_IF_ERROR(Expect(":"));
      if (AtEnd() || Peek().kind != Tok::kInt || Peek().int_value < 0) {
        return Error("expected a byte offset");
      }
      p.offset = Peek().int_value;
      ++pos_;
      out.push_back(p);
    }
    return out;
  }

  absl::Status ExpectLineEnd() {
    if (!AtEnd())
      return Error(absl::StrCat("unexpected ", Describe(), " at the end of the statement"));
    return absl::OkStatus();
  }

  absl::Status OpStatement() {
    std::vector<Token> result_toks;
    if (Peek().kind == Tok::kValue) {
      while (true) {
        if (Peek().kind != Tok::kValue) return Error("expected a result name");
        result_toks.push_back(Peek());
        ++pos_;
        if (IsPunct(",")) {
          ++pos_;
          continue;
        }
        break;
      }
      RF_RETURN_IF_ERROR(Expect("="));
    }
    if (AtEnd() || Peek().kind != Tok::kIdent)
      return Error(absl::StrCat("expected an op name, found ", Describe()));
    const Token op_tok = Peek();
    const OpDef* def = FindOpDef(op_tok.text);
    if (def == nullptr) return ErrorAt(op_tok, absl::StrCat("unknown op '", op_tok.text, "'"));
    ++pos_;
    if (static_cast<int>(result_toks.size()) != def->num_results) {
      return ErrorAt(op_tok, absl::StrCat("'", def->name, "' has ", def->num_results,
                                          " result(s), ", result_toks.size(), " named"));
    }
    AttrMap attrs;
    if (def->has_name_arg) {
      if (AtEnd() || Peek().kind != Tok::kString) {
        return Error(absl::StrCat("'", def->name, "' needs a name in quotes"));
      }
      attrs.Set("name", Peek().text);
      ++pos_;
    }
    std::vector<Value*> operands;
    std::vector<Token> operand_toks;
    if (IsPunct("(")) {
      ++pos_;
      while (!IsPunct(")")) {
        if (Peek().kind != Tok::kValue)
          return Error(absl::StrCat("expected an operand, found ", Describe()));
        auto it = values_.find(Peek().text);
        if (it == values_.end()) return Error(absl::StrCat("unknown value %", Peek().text));
        operands.push_back(it->second);
        operand_toks.push_back(Peek());
        ++pos_;
        if (IsPunct(",")) {
          ++pos_;
        } else if (!IsPunct(")")) {
          return Error(absl::StrCat("expected ',' or ')', found ", Describe()));
        }
      }
      ++pos_;
    }
    if (IsPunct("{")) RF_RETURN_IF_ERROR(Attributes(attrs));

    // Types: none, `: RESULT`, or `: (OPERANDS) -> RESULTS`.
    std::vector<Type> result_types;
    bool typed = false;
    if (IsPunct(":")) {
      ++pos_;
      typed = true;
      if (IsPunct("(")) {
        ++pos_;
        std::vector<Type> operand_types;
        while (!IsPunct(")")) {
          RF_ASSIGN_OR_RETURN(Type t, ParseType());
          operand_types.push_back(t);
          if (IsPunct(","))
            ++pos_;
          else if (!IsPunct(")"))
            return Error(absl::StrCat("expected ',' or ')', found ", Describe()));
        }
        ++pos_;
        if (operand_types.size() != operands.size()) {
          return Error(absl::StrCat(operands.size(), " operands but ", operand_types.size(),
                                    " operand types"));
        }
        for (size_t i = 0; i < operands.size(); ++i) {
          if (operands[i]->has_type() && operands[i]->type() != operand_types[i]) {
            return ErrorAt(operand_toks[i],
                           absl::StrCat("%", operand_toks[i].text, " has type ",
                                        operands[i]->type().ToString(), ", the op's type says ",
                                        operand_types[i].ToString()));
          }
        }
        RF_RETURN_IF_ERROR(Expect("->"));
        if (IsPunct("(")) {
          ++pos_;
          while (!IsPunct(")")) {
            RF_ASSIGN_OR_RETURN(Type t, ParseType());
            result_types.push_back(t);
            if (IsPunct(","))
              ++pos_;
            else if (!IsPunct(")"))
              return Error(absl::StrCat("expected ',' or ')', found ", Describe()));
          }
          ++pos_;
        } else {
          RF_ASSIGN_OR_RETURN(Type t, ParseType());
          result_types.push_back(t);
        }
      } else {
        RF_ASSIGN_OR_RETURN(Type t, ParseType());
        result_types.push_back(t);
      }
      if (static_cast<int>(result_types.size()) != def->num_results) {
        return ErrorAt(op_tok,
                       absl::StrCat("'", def->name, "' has ", def->num_results, " result(s), ",
                                    result_types.size(), " result type(s) given"));
      }
    }
    RF_ASSIGN_OR_RETURN(std::vector<Placement> placements, Placements());
    if (!placements.empty() && static_cast<int>(placements.size()) != def->num_results) {
      return ErrorAt(op_tok,
                     absl::StrCat("'", def->name, "' has ", def->num_results, " result(s), ",
                                  placements.size(), " placement(s) given"));
    }
    RF_RETURN_IF_ERROR(ExpectLineEnd());
    if (def->declared_type && !typed && def->num_results > 0) {
      return ErrorAt(op_tok, absl::StrCat("'", def->name, "' needs its result type (': TYPE')"));
    }
    Op* op = graph_->Append(def->kind, operands, std::move(attrs));
    for (size_t i = 0; i < result_toks.size(); ++i) {
      Value* v = op->result(static_cast<int>(i));
      if (typed) v->set_type(result_types[i]);
      if (!placements.empty()) v->set_placement(placements[i]);
      const std::string& name = result_toks[i].text;
      if (!values_.emplace(name, v).second) {
        return ErrorAt(result_toks[i], absl::StrCat("%", name, " is defined twice"));
      }
      // Numbers are the printer's names for unnamed values; anything else is kept.
      if (!std::all_of(name.begin(), name.end(),
                       [](char c) { return std::isdigit(static_cast<unsigned char>(c)); })) {
        v->set_name(name);
      }
    }
    return absl::OkStatus();
  }

  absl::Status Attributes(AttrMap& attrs) {
    RF_RETURN_IF_ERROR(Expect("{"));
    while (!IsPunct("}")) {
      if (Peek().kind != Tok::kIdent)
        return Error(absl::StrCat("expected an attribute name, found ", Describe()));
      std::string name = Peek().text;
      if (attrs.Has(name)) return Error(absl::StrCat("attribute '", name, "' given twice"));
      ++pos_;
      RF_RETURN_IF_ERROR(Expect("="));
      const Token& t = Peek();
      if (t.kind == Tok::kInt) {
        attrs.Set(name, t.int_value);
        ++pos_;
      } else if (t.kind == Tok::kFloat) {
        attrs.Set(name, t.float_value);
        ++pos_;
      } else if (t.kind == Tok::kString) {
        attrs.Set(name, t.text);
        ++pos_;
      } else if (IsPunct("[")) {
        ++pos_;
        std::vector<int64_t> list;
        while (!IsPunct("]")) {
          if (Peek().kind != Tok::kInt) return Error("expected an integer in the list");
          list.push_back(Peek().int_value);
          ++pos_;
          if (IsPunct(","))
            ++pos_;
          else if (!IsPunct("]"))
            return Error(absl::StrCat("expected ',' or ']', found ", Describe()));
        }
        ++pos_;
        attrs.Set(name, std::move(list));
      } else {
        return Error(
            absl::StrCat("expected a value for attribute '", name, "', found ", Describe()));
      }
      if (IsPunct(","))
        ++pos_;
      else if (!IsPunct("}"))
        return Error(absl::StrCat("expected ',' or '}', found ", Describe()));
    }
    ++pos_;
    return absl::OkStatus();
  }

  // (DIM x)* ELEM
  absl::StatusOr<Type> ParseType() {
    Type t;
    while (true) {
      if (AtEnd()) return Error("expected a type");
      const Token& tok = Peek();
      if (tok.kind == Tok::kIdent) {
        if (auto elem = ElemTypeFromName(tok.text)) {
          ++pos_;
          t.elem = *elem;
          return t;
        }
        if (graph_->FindSymbol(tok.text) == nullptr) {
          return Error(absl::StrCat("unknown symbol or element type '", tok.text,
                                    "' (declare symbols with `symbol ", tok.text, " <= N`)"));
        }
        t.shape.push_back(Dim::Sym(tok.text));
      } else if (tok.kind == Tok::kInt) {
        if (tok.int_value < 0) return Error("a dim cannot be negative");
        t.shape.push_back(Dim::Const(tok.int_value));
      } else {
        return Error(absl::StrCat("expected a dim or an element type, found ", Describe()));
      }
      ++pos_;
      if (!IsIdent("x")) return Error(absl::StrCat("expected 'x' after a dim, found ", Describe()));
      ++pos_;
    }
  }

  Lexer lexer_;
  std::string file_;
  std::unique_ptr<Graph> graph_;
  std::vector<Token> toks_;
  size_t pos_ = 0;
  int line_ = 0;
  int line_len_ = 0;
  std::unordered_map<std::string, Value*> values_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Graph>> ParseGraph(absl::string_view text,
                                                  absl::string_view file_name) {
  Parser parser{std::string(file_name)};
  return parser.Parse(text);
}

}  // namespace rf::ir
