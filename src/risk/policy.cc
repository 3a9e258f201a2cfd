// Policy::Compile: bundle bytes -> specs, a frozen Lua state, test cases.
#include "risk/policy.h"

#include <algorithm>

#include "risk/lua_sandbox.h"

namespace cb::risk {

namespace {

constexpr std::string_view kManifest = "manifest.toml";
constexpr std::string_view kLimits = "limits.toml";
constexpr std::string_view kRuleTestSuffix = ".test.toml";

// Every feature name a rule file mentions outside comments, with its line: a rule must
// declare what it reads (the verdict records those features), so an undeclared mention is a
// compile error. Names built at run time (x["customer_" .. w]) escape this check: the
// documentation asks for literal names.
std::vector<std::pair<Feature, int>> MentionedFeatures(std::string_view src) {
  std::vector<std::pair<Feature, int>> out;
  int line = 1;
  size_t i = 0;
  while (i < src.size()) {
    const char c = src[i];
    if (c == '\n') {
      line++;
      i++;
    } else if (src.substr(i, 4) == "--[[") {
      const size_t end = src.find("]]", i + 4);
      const size_t stop = end == std::string_view::npos ? src.size() : end + 2;
      line += static_cast<int>(std::count(src.begin() + static_cast<ptrdiff_t>(i),
                                          src.begin() + static_cast<ptrdiff_t>(stop), '\n'));
      i = stop;
    } else if (src.substr(i, 2) == "--") {
      i = std::min(src.find('\n', i), src.size());
    } else if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
      size_t j = i;
      while (j < src.size() &&
             (std::isalnum(static_cast<unsigned char>(src[j])) || src[j] == '_')) {
        j++;
      }
      Feature f;
      if (ParseFeature(src.substr(i, j - i), &f)) out.emplace_back(f, line);
      i = j;
    } else {
      i++;
    }
  }
  return out;
}

// rules/<rule>.test.toml; a [[monitor]]'s beside it in monitors/.
std::string RuleTestPath(const RuleSpec& rule) {
  return (rule.monitor ? "monitors/" : "rules/") + rule.name + std::string(kRuleTestSuffix);
}

}  // namespace

Policy::~Policy() = default;

Result<std::unique_ptr<Policy>> Policy::Compile(const BundleFiles& bundle) {
  CB_RETURN_IF_ERROR(ValidateBundleFiles(bundle));
  std::unique_ptr<Policy> p(new Policy());
  const std::string* manifest = bundle.Find(kManifest);
  if (manifest == nullptr) return Status::InvalidArgument("bundle: no manifest.toml");
  CB_ASSIGN_OR_RETURN(p->manifest_, ParseManifest(kManifest, *manifest));
  if (const std::string* limits = bundle.Find(kLimits)) {
    CB_ASSIGN_OR_RETURN(p->limits_, ParseLimits(kLimits, *limits));
  }
  CB_RETURN_IF_ERROR(p->CompileRules(bundle));
  CB_RETURN_IF_ERROR(p->CompileTests(bundle));
  p->hash_ = BundleHash(bundle);
  return p;
}

Status Policy::CompileRules(const BundleFiles& bundle) {
  const LuaLimits limits{.instructions_max = manifest_.rule_instructions_max,
                         .memory_bytes_max = manifest_.rule_memory_bytes_max};
  CB_ASSIGN_OR_RETURN(lua_, LuaSandbox::Create(limits));
  for (const auto& [list, values] : manifest_.lists) {
    for (const std::string& v : values) lua_->AddListEntry(list, v);
  }
  // Each file once, in manifest order of first use; its module serves all its rules.
  std::vector<std::pair<std::string, int>> modules;
  for (const RuleSpec& rule : manifest_.rules) {
    const bool loaded = std::any_of(modules.begin(), modules.end(),
                                    [&](const auto& m) { return m.first == rule.file; });
    if (loaded) continue;
    const std::string* source = bundle.Find(rule.file);
    if (source == nullptr) {
      return Status::InvalidArgument("manifest.toml: rule " + rule.name + ": its file " +
                                     rule.file + " is not in the bundle");
    }
    std::vector<Feature> declared;
    for (const RuleSpec& r : manifest_.rules) {
      if (r.file == rule.file) declared.insert(declared.end(), r.reads.begin(), r.reads.end());
    }
    for (const auto& [feature, line] : MentionedFeatures(*source)) {
      if (std::find(declared.begin(), declared.end(), feature) == declared.end()) {
        return Status::InvalidArgument(
            rule.file + ":" + std::to_string(line) + ": reads feature '" +
            std::string(FeatureName(feature)) +
            "', not in the manifest's `reads` of the rules in this file");
      }
    }
    Result<int> module = lua_->LoadModule(rule.file, *source);
    if (!module.ok()) {
      return Status::InvalidArgument(rule.file + ": " + module.status().message());
    }
    modules.emplace_back(rule.file, *module);
  }
  for (const RuleSpec& rule : manifest_.rules) {
    auto m = std::find_if(modules.begin(), modules.end(),
                          [&](const auto& x) { return x.first == rule.file; });
    CB_CHECK(m != modules.end());
    Result<int> ref = lua_->FunctionRef(m->second, rule.function);
    if (!ref.ok()) {
      return Status::InvalidArgument(rule.file + ": rule " + rule.name + ": " +
                                     ref.status().message());
    }
    rule_refs_.push_back(*ref);
  }
  if (Status st = lua_->Freeze(); !st.ok()) {
    return Status::InvalidArgument("rules: " + st.message());
  }
  // A .lua file no rule uses is a mistake (there is no require to reach it).
  for (const auto& [path, bytes] : bundle.files) {
    if (!path.ends_with(".lua")) continue;
    const bool used =
        std::any_of(modules.begin(), modules.end(), [&](const auto& m) { return m.first == path; });
    if (!used) return Status::InvalidArgument(path + ": no rule in manifest.toml uses it");
  }
  return Status::Ok();
}

Status Policy::CompileTests(const BundleFiles& bundle) {
  for (const RuleSpec& rule : manifest_.rules) {
    const std::string path = RuleTestPath(rule);
    if (const std::string* text = bundle.Find(path)) {
      CB_ASSIGN_OR_RETURN(std::vector<TestCase> cases,
                          ParseTestFile(path, *text, rule.name, rule.monitor));
      for (TestCase& c : cases) test_cases_.push_back(std::move(c));
    }
  }
  for (const auto& [path, bytes] : bundle.files) {
    if (!path.ends_with(".toml") || path == kManifest || path == kLimits) continue;
    if (path.starts_with("tests/") && path.ends_with(kRuleTestSuffix)) {
      CB_ASSIGN_OR_RETURN(std::vector<TestCase> cases, ParseTestFile(path, bytes, ""));
      for (TestCase& c : cases) test_cases_.push_back(std::move(c));
      continue;
    }
    const bool rule_test = std::any_of(manifest_.rules.begin(), manifest_.rules.end(),
                                       [&](const RuleSpec& r) { return RuleTestPath(r) == path; });
    if (!rule_test) {
      return Status::InvalidArgument(
          path +
          ": not a bundle file (manifest.toml, limits.toml, rules/<rule>.test.toml of a "
          "declared rule, monitors/<monitor>.test.toml, tests/*.test.toml)");
    }
  }
  if (test_cases_.size() > kTestCasesMax) {
    return Status::ResourceExhausted("bundle: more than " + std::to_string(kTestCasesMax) +
                                     " test cases");
  }
  return Status::Ok();
}

}  // namespace cb::risk
