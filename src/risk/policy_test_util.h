#pragma once
// Bundles written inline for tests: a manifest, limits and rule files as strings.
#include <string>
#include <utility>
#include <vector>

#include "risk/bundle.h"

namespace cb::risk::testing {

inline BundleFiles MakeBundle(std::vector<std::pair<std::string, std::string>> files) {
  BundleFiles b;
  b.files = std::move(files);
  std::sort(b.files.begin(), b.files.end());
  return b;
}

// A manifest with one rule per {name, file, reads} and the given extra top-level text.
inline std::string Manifest(const std::string& rules, const std::string& extra = "") {
  return "name = \"t\"\nversion = 3\non_rule_error = \"hold\"\n" + extra + "\n" + rules;
}

inline std::string Rule(const std::string& name, const std::string& file,
                        const std::string& reads = "", int score = 0) {
  return "[[rule]]\nname = \"" + name + "\"\nfile = \"" + file + "\"\nreads = [" + reads +
         "]\nscore = " + std::to_string(score) + "\n";
}

}  // namespace cb::risk::testing
