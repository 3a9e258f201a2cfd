#include "sim/sim_policy.h"

#include <cctype>
#include <string>

#include "app/default_policy.h"

namespace cb::sim {

namespace {

constexpr const char* kManifest = R"TOML(name = "sim"
version = %VERSION%
description = "The simulator's: the amount decides (allow, step-up, hold, deny)"
on_rule_error = "hold"
hold_timeout_s = %TIMEOUT%
)TOML";

// "12.34" from 1234: limits are exact decimals in the currency's unit.
std::string FormatMinor(int64_t minor) {
  const std::string cents = std::to_string(100 + minor % 100).substr(1);
  return std::to_string(minor / 100) + "." + cents;
}

// Three bands per currency: the most severe limit that fires decides.
std::string Limits() {
  struct Band {
    const char* action;
    int64_t above_minor;
  };
  constexpr Band kBands[] = {{"step_up", kSimStepUpAboveMinor},
                             {"hold", kSimHoldAboveMinor},
                             {"deny", kSimDenyAboveMinor}};
  std::string out;
  for (const char* currency : {"EUR", "USD", "JPY"}) {
    const bool minor = std::string(currency) != "JPY";
    for (const Band& b : kBands) {
      const std::string amount = minor ? FormatMinor(b.above_minor) : std::to_string(b.above_minor);
      std::string name = std::string("sim_") + b.action + "_" + currency;
      for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      out += "[[limit]]\nname = \"" + name + "\"\nreason = \"sim_amount_" + b.action +
             "\"\naction = \"" + b.action + "\"\ncurrency = \"" + currency +
             "\"\nper_transaction = \"" + amount + "\"\n\n";
    }
  }
  return out;
}

void Replace(std::string* s, std::string_view what, const std::string& with) {
  const size_t at = s->find(what);
  if (at != std::string::npos) s->replace(at, what.size(), with);
}

}  // namespace

risk::Files DefaultPolicy() {
  risk::Files files;
  for (const app::DefaultPolicyFile& f : app::DefaultPolicyFiles()) {
    files.emplace_back(f.path, f.content);
  }
  return files;
}

risk::Files SimPolicy(uint64_t hold_timeout_s) {
  std::string manifest = kManifest;
  Replace(&manifest, "%VERSION%", std::to_string(kSimPolicyVersion));
  Replace(&manifest, "%TIMEOUT%", std::to_string(hold_timeout_s));
  return {{"limits.toml", Limits()}, {"manifest.toml", std::move(manifest)}};
}

}  // namespace cb::sim
