// TOML -> specs. toml11 throws; so do the helpers here (SpecError, local to this file):
// every public Parse* catches at its top and returns InvalidArgument "path:line: message".
#include "risk/policy_spec.h"

#include <algorithm>
#include <map>
#include <set>
#include <sstream>
#include <toml.hpp>

#include "kernel/money.h"
#include "ledger/currency.h"

namespace cb::risk {

namespace {

using Value = toml::basic_value<toml::discard_comments, std::map, std::vector>;

struct SpecError {
  uint32_t line;  // 0: unknown
  std::string message;
};

[[noreturn]] void Fail(const Value& at, std::string message) {
  throw SpecError{static_cast<uint32_t>(at.location().line()), std::move(message)};
}

Value ParseToml(std::string_view path, std::string_view text) {
  std::istringstream in{std::string(text)};
  return toml::parse<toml::discard_comments, std::map, std::vector>(in, std::string(path));
}

// Collapses toml11's multi-line diagnostics into one line.
std::string OneLine(std::string_view text) {
  std::string out;
  bool space = false;
  for (char c : text) {
    if (c == '\n' || c == '\r' || c == ' ' || c == '\t') {
      space = !out.empty();
      continue;
    }
    if (space) out.push_back(' ');
    space = false;
    out.push_back(c);
  }
  return out;
}

template <typename F>
auto Guard(std::string_view path, F&& parse) -> decltype(parse()) {
  try {
    return parse();
  } catch (const SpecError& e) {
    return Status::InvalidArgument(
        std::string(path) + (e.line > 0 ? ":" + std::to_string(e.line) : "") + ": " + e.message);
  } catch (const toml::exception& e) {
    return Status::InvalidArgument(std::string(path) + ":" + std::to_string(e.location().line()) +
                                   ": " + OneLine(e.what()));
  } catch (const std::exception& e) {
    return Status::InvalidArgument(std::string(path) + ": " + OneLine(e.what()));
  }
}

void CheckKeys(const Value& table, std::initializer_list<std::string_view> allowed,
               std::string_view what) {
  if (!table.is_table()) Fail(table, std::string(what) + " must be a table");
  for (const auto& [key, v] : table.as_table()) {
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      Fail(v, "unknown key '" + key + "' in " + std::string(what));
    }
  }
}

const Value* Get(const Value& table, const char* key) {
  const auto& t = table.as_table();
  auto it = t.find(key);
  return it == t.end() ? nullptr : &it->second;
}

std::string String(const Value& v, std::string_view what) {
  if (!v.is_string()) Fail(v, std::string(what) + " must be a string");
  return v.as_string().str;
}

std::string RequiredString(const Value& table, const char* key, std::string_view what) {
  const Value* v = Get(table, key);
  if (v == nullptr) Fail(table, std::string(what) + " needs '" + key + "'");
  return String(*v, std::string(what) + "." + key);
}

int64_t Integer(const Value& v, std::string_view what, int64_t lo, int64_t hi) {
  if (!v.is_integer()) Fail(v, std::string(what) + " must be an integer");
  const int64_t x = v.as_integer();
  if (x < lo || x > hi) {
    Fail(v, std::string(what) + " must be in " + std::to_string(lo) + ".." + std::to_string(hi));
  }
  return x;
}

std::vector<std::string> StringList(const Value& v, std::string_view what, size_t count_max) {
  if (!v.is_array()) Fail(v, std::string(what) + " must be an array of strings");
  if (v.as_array().size() > count_max) {
    Fail(v, std::string(what) + " has more than " + std::to_string(count_max) + " entries");
  }
  std::vector<std::string> out;
  for (const Value& e : v.as_array()) out.push_back(String(e, what));
  return out;
}

Outcome ParseOutcomeAt(const Value& v, std::string_view what) {
  Outcome o;
  const std::string s = String(v, what);
  if (!ParseOutcome(s, &o)) {
    Fail(v,
         "unknown outcome '" + s + "' in " + std::string(what) + " (allow, step_up, hold or deny)");
  }
  return o;
}

Feature FeatureAt(const Value& v, const std::string& name) {
  Feature f;
  if (!ParseFeature(name, &f)) Fail(v, "unknown feature '" + name + "' (risk_input.h lists them)");
  return f;
}

// The codes a RiskInput field may hold (risk_input.h); countries are two lower-case letters.
const std::map<std::string_view, std::vector<std::string_view>>& FieldCodes() {
  static const auto* codes = new std::map<std::string_view, std::vector<std::string_view>>{
      {"operation", {"transfer", "batch_item", "post_pending", "payment"}},
      {"channel", {"api", "app", "batch"}},
      {"role", {"admin", "operator", "read_only", "user", "app"}},
      {"customer_type", {"individual", "business", "none"}},
      {"counterparty_type", {"own", "customer", "internal", "external"}},
      {"device_trust", {"trusted", "new", "unknown"}},
  };
  return *codes;
}

void CheckFieldValue(const Value& at, std::string_view field, const std::string& value,
                     bool empty_ok) {
  if (value.empty() && empty_ok) return;
  if (field == "country" || field == "counterparty_country") {
    if (value.size() != 2 || !std::islower(static_cast<unsigned char>(value[0])) ||
        !std::islower(static_cast<unsigned char>(value[1]))) {
      Fail(at, std::string(field) + " '" + value + "' is not a lower-case ISO 3166 code");
    }
    return;
  }
  if (field == "currency") {
    if (!ledger::FindCurrency(value)) Fail(at, "unknown currency '" + value + "'");
    return;
  }
  const auto& codes = FieldCodes().at(field);
  if (std::find(codes.begin(), codes.end(), value) == codes.end()) {
    Fail(at, "unknown " + std::string(field) + " '" + value + "'");
  }
}

Selector ParseSelector(const Value& when, std::string_view what, bool currency_ok) {
  CheckKeys(when,
            {"kyc_tier", "operation", "role", "customer_type", "country", "currency", "channel",
             "device_trust", "counterparty_type"},
            what);
  Selector s;
  for (const auto& [key, v] : when.as_table()) {
    const std::string where = std::string(what) + "." + key;
    if (key == "kyc_tier") {
      if (!v.is_array()) Fail(v, where + " must be an array of integers");
      for (const Value& t : v.as_array()) {
        s.kyc_tier.push_back(static_cast<uint8_t>(Integer(t, where, 0, 3)));
      }
      continue;
    }
    if (key == "currency" && !currency_ok) Fail(v, where + ": a limit names its currency above");
    std::vector<std::string> values = StringList(v, where, kListEntriesMax);
    for (const std::string& x : values) CheckFieldValue(v, key, x, false);
    std::vector<std::string>* dst = key == "operation"       ? &s.operation
                                    : key == "role"          ? &s.role
                                    : key == "customer_type" ? &s.customer_type
                                    : key == "country"       ? &s.country
                                    : key == "currency"      ? &s.currency
                                    : key == "channel"       ? &s.channel
                                    : key == "device_trust"  ? &s.device_trust
                                                             : &s.counterparty_type;
    *dst = std::move(values);
  }
  return s;
}

void CheckCode(const Value& at, const std::string& code, std::string_view what) {
  if (!IsCode(code)) {
    Fail(at, std::string(what) + " '" + code + "' must be snake_case ([a-z][a-z0-9_]*, at most " +
                 std::to_string(kNameBytesMax) + " bytes)");
  }
}

// `text` in major units of `currency`, exactly (kernel::ParseAmount), into minor units.
int64_t AmountAt(const Value& v, std::string_view what, const std::string& currency) {
  const std::string text = String(v, what);
  auto info = ledger::FindCurrency(currency);
  if (!info) Fail(v, std::string(what) + ": unknown currency '" + currency + "'");
  Result<u128> minor = kernel::ParseAmount(text, info->scale);
  if (!minor.ok()) {
    Fail(v, std::string(what) + " '" + text + "' is not an exact " + currency + " amount (" +
                minor.status().message() + ")");
  }
  if (*minor > static_cast<u128>(INT64_MAX)) Fail(v, std::string(what) + " is too large");
  return static_cast<int64_t>(*minor);
}

// Test inputs start as an ordinary payment by an established, verified customer from a
// trusted device at noon (docs/policy-bundles.md); [defaults] and each case change fields.
OwnedRiskInput BaseTestInput() {
  OwnedRiskInput in;
  in.operation = "transfer";
  in.channel = "app";
  in.role = "user";
  in.customer_type = "individual";
  in.country = "de";
  in.counterparty_type = "customer";
  in.counterparty_country = "de";
  in.device_trust = "trusted";
  in.currency = "EUR";
  in.currency_exponent = 2;
  in.kyc_tier = 2;
  in.acr = kAcrMfa;
  in.amount_minor = 1000;
  return in;
}

FeatureValues BaseTestFeatures() {
  FeatureValues f;
  f.set(Feature::kAccountAgeDays, 365);
  f.set(Feature::kPayeeAccountAgeDays, 365);
  f.set(Feature::kDaysSinceLastActivity, 1);
  f.set(Feature::kHourOfDay, 12);
  f.set(Feature::kDeviceAgeDays, 365);
  return f;
}

void ApplyInput(const Value& table, std::string_view what, OwnedRiskInput* in) {
  CheckKeys(table,
            {"operation", "channel", "role", "customer_type", "country", "counterparty_type",
             "counterparty_country", "device_trust", "currency", "kyc_tier", "acr", "amount",
             "amount_minor"},
            what);
  // The currency first: `amount` is read in it.
  if (const Value* c = Get(table, "currency")) {
    in->currency = String(*c, "currency");
    CheckFieldValue(*c, "currency", in->currency, false);
    in->currency_exponent = ledger::FindCurrency(in->currency)->scale;
  }
  for (const auto& [key, v] : table.as_table()) {
    const std::string where = std::string(what) + "." + key;
    if (key == "currency") continue;
    if (key == "kyc_tier") {
      in->kyc_tier = static_cast<uint8_t>(Integer(v, where, 0, 3));
    } else if (key == "acr") {
      in->acr = static_cast<uint8_t>(Integer(v, where, 0, kAcrMfa));
    } else if (key == "amount") {
      in->amount_minor = AmountAt(v, where, in->currency);
    } else if (key == "amount_minor") {
      in->amount_minor = Integer(v, where, 1, INT64_MAX);
    } else {
      std::string value = String(v, where);
      CheckFieldValue(v, key, value, true);
      std::string* dst = key == "operation"              ? &in->operation
                         : key == "channel"              ? &in->channel
                         : key == "role"                 ? &in->role
                         : key == "customer_type"        ? &in->customer_type
                         : key == "country"              ? &in->country
                         : key == "counterparty_type"    ? &in->counterparty_type
                         : key == "counterparty_country" ? &in->counterparty_country
                                                         : &in->device_trust;
      *dst = std::move(value);
    }
  }
}

void ApplyFeatures(const Value& table, std::string_view what, FeatureValues* f) {
  if (!table.is_table()) Fail(table, std::string(what) + " must be a table");
  for (const auto& [name, v] : table.as_table()) {
    f->set(FeatureAt(v, name), Integer(v, std::string(what) + "." + name, -1, INT64_MAX));
  }
}

}  // namespace

bool IsCode(std::string_view s) {
  if (s.empty() || s.size() > kNameBytesMax || s[0] < 'a' || s[0] > 'z') return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

bool Selector::Matches(const RiskInput& in) const {
  auto any = [](const std::vector<std::string>& values, std::string_view v) {
    if (values.empty()) return true;
    for (const std::string& x : values) {
      if (x == v) return true;
    }
    return false;
  };
  if (!kyc_tier.empty() &&
      std::find(kyc_tier.begin(), kyc_tier.end(), in.kyc_tier) == kyc_tier.end()) {
    return false;
  }
  return any(currency, in.currency) && any(channel, in.channel) &&
         any(customer_type, in.customer_type) && any(counterparty_type, in.counterparty_type) &&
         any(role, in.role) && any(operation, in.operation) && any(country, in.country) &&
         any(device_trust, in.device_trust);
}

RiskInput OwnedRiskInput::View() const {
  RiskInput in;
  in.operation = operation;
  in.channel = channel;
  in.role = role;
  in.customer_type = customer_type;
  in.country = country;
  in.counterparty_type = counterparty_type;
  in.counterparty_country = counterparty_country;
  in.device_trust = device_trust;
  in.currency = currency;
  in.currency_exponent = currency_exponent;
  in.kyc_tier = kyc_tier;
  in.acr = acr;
  in.amount_minor = amount_minor;
  return in;
}

Result<ManifestSpec> ParseManifest(std::string_view path, std::string_view text) {
  return Guard(path, [&]() -> Result<ManifestSpec> {
    const Value root = ParseToml(path, text);
    CheckKeys(root,
              {"name", "version", "description", "on_rule_error", "step_up_satisfied_by_mfa",
               "score", "lua", "lists", "rule", "monitor", "hold_timeout_s"},
              "the manifest");
    ManifestSpec m;
    m.name = RequiredString(root, "name", "the manifest");
    CheckCode(root, m.name, "name");
    const Value* version = Get(root, "version");
    if (version == nullptr) Fail(root, "the manifest needs an integer 'version'");
    m.version = Integer(*version, "version", 1, INT64_MAX);
    if (const Value* d = Get(root, "description")) m.description = String(*d, "description");
    if (const Value* t = Get(root, "hold_timeout_s")) {
      m.hold_timeout_s = static_cast<uint64_t>(
          Integer(*t, "hold_timeout_s", 1, static_cast<int64_t>(kHoldTimeoutSMax)));
    }
    const Value* on_error = Get(root, "on_rule_error");
    if (on_error == nullptr) Fail(root, "the manifest needs 'on_rule_error' (an outcome)");
    m.on_rule_error = ParseOutcomeAt(*on_error, "on_rule_error");
    if (const Value* v = Get(root, "step_up_satisfied_by_mfa")) {
      if (!v->is_boolean()) Fail(*v, "step_up_satisfied_by_mfa must be true or false");
      m.step_up_satisfied_by_mfa = v->as_boolean();
    }
    if (const Value* score = Get(root, "score")) {
      CheckKeys(*score, {"step_up_at", "hold_at", "deny_at"}, "[score]");
      auto at = [&](const char* key, std::optional<int32_t>* out) {
        if (const Value* v = Get(*score, key)) {
          *out = static_cast<int32_t>(Integer(*v, key, 1, kScoreMax));
        }
      };
      at("step_up_at", &m.step_up_at);
      at("hold_at", &m.hold_at);
      at("deny_at", &m.deny_at);
    }
    if (const Value* lua = Get(root, "lua")) {
      CheckKeys(*lua, {"instructions_max", "memory_bytes_max"}, "[lua]");
      if (const Value* v = Get(*lua, "instructions_max")) {
        m.rule_instructions_max = static_cast<uint64_t>(
            Integer(*v, "instructions_max", 10'000, static_cast<int64_t>(kRuleInstructionsMax)));
      }
      if (const Value* v = Get(*lua, "memory_bytes_max")) {
        m.rule_memory_bytes_max = static_cast<size_t>(
            Integer(*v, "memory_bytes_max", 1 << 20, static_cast<int64_t>(kRuleMemoryBytesMax)));
      }
    }
    if (const Value* lists = Get(root, "lists")) {
      if (!lists->is_table()) Fail(*lists, "[lists] must be a table of string arrays");
      if (lists->as_table().size() > kListsMax) Fail(*lists, "too many lists");
      for (const auto& [name, v] : lists->as_table()) {
        CheckCode(v, name, "list name");
        m.lists.emplace_back(name, StringList(v, "lists." + name, kListEntriesMax));
      }
    }
    // [[rule]]s decide before a movement; [[monitor]]s raise alerts after it committed.
    auto parse_rules = [&](const char* key, bool monitor) {
      const Value* rules = Get(root, key);
      if (rules == nullptr) return;
      const std::string table = std::string("[[") + key + "]]";
      if (!rules->is_array()) Fail(*rules, std::string(key) + "s are " + table + " tables");
      // One budget for both kinds: a movement runs at most kRulesMax functions of a bundle.
      if (m.rules.size() + rules->as_array().size() > kRulesMax) {
        Fail(*rules, "more than " + std::to_string(kRulesMax) + " rules and monitors together");
      }
      for (const Value& r : rules->as_array()) {
        if (monitor) {
          CheckKeys(r,
                    {"name", "file", "function", "reads", "when", "severity", "subject",
                     "repeat_after_s"},
                    "a " + table);
        } else {
          CheckKeys(r, {"name", "file", "function", "reads", "score", "when"}, "a " + table);
        }
        RuleSpec rule;
        rule.monitor = monitor;
        rule.name = RequiredString(r, "name", "a " + table);
        CheckCode(r, rule.name, "rule name");
        for (const RuleSpec& other : m.rules) {
          if (other.name == rule.name) Fail(r, "rule '" + rule.name + "' is declared twice");
        }
        const std::string what = std::string(key) + " " + rule.name;
        rule.file = RequiredString(r, "file", what);
        if (!rule.file.ends_with(".lua")) Fail(r, what + ": file must be a .lua file");
        rule.function = rule.name;
        if (const Value* f = Get(r, "function")) rule.function = String(*f, what + ".function");
        if (const Value* reads = Get(r, "reads")) {
          for (const std::string& name : StringList(*reads, what + ".reads", kFeatureCount)) {
            const Feature f = FeatureAt(*reads, name);
            if (std::find(rule.reads.begin(), rule.reads.end(), f) == rule.reads.end()) {
              rule.reads.push_back(f);
            }
          }
          std::sort(rule.reads.begin(), rule.reads.end());
        }
        if (const Value* s = Get(r, "score")) {
          rule.score = static_cast<int32_t>(Integer(*s, what + ".score", 0, kScoreMax));
        }
        if (const Value* s = Get(r, "severity")) {
          const std::string v = String(*s, what + ".severity");
          if (!ParseSeverity(v, &rule.severity)) {
            Fail(*s, what + ".severity is low, medium or high, not '" + v + "'");
          }
        }
        if (const Value* s = Get(r, "subject")) {
          const std::string v = String(*s, what + ".subject");
          if (v != "payer" && v != "payee") Fail(*s, what + ".subject is payer or payee");
          rule.payee_subject = v == "payee";
        }
        if (const Value* t = Get(r, "repeat_after_s")) {
          rule.repeat_after_s = static_cast<uint64_t>(
              Integer(*t, what + ".repeat_after_s", 0, static_cast<int64_t>(kHoldTimeoutSMax)));
        }
        if (const Value* w = Get(r, "when")) rule.when = ParseSelector(*w, what + ".when", true);
        m.rules.push_back(std::move(rule));
      }
    };
    parse_rules("rule", false);
    parse_rules("monitor", true);
    return m;
  });
}

Result<std::vector<LimitSpec>> ParseLimits(std::string_view path, std::string_view text) {
  return Guard(path, [&]() -> Result<std::vector<LimitSpec>> {
    const Value root = ParseToml(path, text);
    CheckKeys(root, {"limit"}, "limits.toml");
    std::vector<LimitSpec> out;
    const Value* limits = Get(root, "limit");
    if (limits == nullptr) return out;
    if (!limits->is_array()) Fail(*limits, "limits are [[limit]] tables");
    if (limits->as_array().size() > kLimitsMax) {
      Fail(*limits, "more than " + std::to_string(kLimitsMax) + " limits");
    }
    for (const Value& l : limits->as_array()) {
      CheckKeys(l,
                {"name", "reason", "action", "currency", "per_transaction", "daily_amount",
                 "monthly_amount", "daily_count", "monthly_count", "when"},
                "a [[limit]]");
      LimitSpec limit;
      limit.name = RequiredString(l, "name", "a [[limit]]");
      CheckCode(l, limit.name, "limit name");
      for (const LimitSpec& other : out) {
        if (other.name == limit.name) Fail(l, "limit '" + limit.name + "' is declared twice");
      }
      const std::string what = "limit " + limit.name;
      limit.reason = RequiredString(l, "reason", what);
      CheckCode(l, limit.reason, what + ".reason");
      const Value* action = Get(l, "action");
      if (action == nullptr) Fail(l, what + " needs an 'action' (step_up, hold or deny)");
      limit.action = ParseOutcomeAt(*action, what + ".action");
      if (limit.action == Outcome::kAllow) Fail(*action, what + ": the action cannot be allow");
      limit.currency = RequiredString(l, "currency", what);
      CheckFieldValue(l, "currency", limit.currency, false);
      if (const Value* w = Get(l, "when")) limit.when = ParseSelector(*w, what + ".when", false);
      limit.when.currency = {limit.currency};
      auto amount = [&](const char* key, std::optional<int64_t>* dst) {
        if (const Value* v = Get(l, key)) *dst = AmountAt(*v, what + "." + key, limit.currency);
      };
      amount("per_transaction", &limit.per_transaction_minor);
      amount("daily_amount", &limit.daily_amount_minor);
      amount("monthly_amount", &limit.monthly_amount_minor);
      auto count = [&](const char* key, std::optional<int64_t>* dst) {
        if (const Value* v = Get(l, key)) *dst = Integer(*v, what + "." + key, 0, INT32_MAX);
      };
      count("daily_count", &limit.daily_count);
      count("monthly_count", &limit.monthly_count);
      if (!limit.per_transaction_minor && !limit.daily_amount_minor &&
          !limit.monthly_amount_minor && !limit.daily_count && !limit.monthly_count) {
        Fail(l, what + " sets no amount or count");
      }
      out.push_back(std::move(limit));
    }
    return out;
  });
}

Result<std::vector<TestCase>> ParseTestFile(std::string_view path, std::string_view text,
                                            std::string_view rule, bool monitor_rule) {
  return Guard(path, [&]() -> Result<std::vector<TestCase>> {
    const Value root = ParseToml(path, text);
    CheckKeys(root, {"defaults", "case"}, "a test file");
    OwnedRiskInput input = BaseTestInput();
    FeatureValues features = BaseTestFeatures();
    if (const Value* d = Get(root, "defaults")) {
      CheckKeys(*d, {"input", "features"}, "[defaults]");
      if (const Value* i = Get(*d, "input")) ApplyInput(*i, "defaults.input", &input);
      if (const Value* f = Get(*d, "features")) ApplyFeatures(*f, "defaults.features", &features);
    }
    std::vector<TestCase> out;
    const Value* cases = Get(root, "case");
    if (cases == nullptr || !cases->is_array() || cases->as_array().empty()) {
      Fail(root, "no [[case]] in a test file");
    }
    if (cases->as_array().size() > kTestCasesMax) Fail(*cases, "too many cases");
    for (const Value& c : cases->as_array()) {
      CheckKeys(c, {"name", "input", "features", "outcome", "reasons"}, "a [[case]]");
      TestCase tc;
      tc.file = std::string(path);
      tc.rule = std::string(rule);
      tc.name = RequiredString(c, "name", "a [[case]]");
      tc.input = input;
      tc.features = features;
      const std::string what = "case '" + tc.name + "'";
      if (const Value* i = Get(c, "input")) ApplyInput(*i, what + ".input", &tc.input);
      if (const Value* f = Get(c, "features")) ApplyFeatures(*f, what + ".features", &tc.features);
      const Value* outcome = Get(c, "outcome");
      if (outcome == nullptr) Fail(c, what + " needs an 'outcome'");
      if (outcome->is_string() && outcome->as_string() == "alert") {
        // A [[monitor]] rule's own test: it raises an alert (with the reasons given).
        if (!monitor_rule)
          Fail(*outcome, what + ": only a [[monitor]] rule's test expects 'alert'");
        tc.alert = true;
      } else {
        tc.outcome = ParseOutcomeAt(*outcome, what + ".outcome");
        if (monitor_rule && tc.outcome != Outcome::kAllow) {
          Fail(*outcome, what + ": a [[monitor]] rule answers 'alert' or 'allow'");
        }
      }
      if (const Value* r = Get(c, "reasons")) {
        tc.reasons = StringList(*r, what + ".reasons", kRulesMax + kLimitsMax);
        for (const std::string& code : tc.reasons) CheckCode(*r, code, what + " reason");
      }
      out.push_back(std::move(tc));
    }
    return out;
  });
}

}  // namespace cb::risk
