#pragma once
// The platform's public id prefixes (the format is the kernel's: kernel/ids.h).
#include <string_view>

#include "kernel/ids.h"

namespace cb::platform {

using kernel::AppendId;
using kernel::FormatId;
using kernel::kIdBase32Chars;
using kernel::ParseId;
using kernel::RandomU128;
using kernel::U128Hash;

namespace prefix {
using kernel::prefix::kApiKey;
using kernel::prefix::kApp;
using kernel::prefix::kCustomer;
using kernel::prefix::kTenant;
using kernel::prefix::kUser;
inline constexpr std::string_view kAccount = "acct_";
inline constexpr std::string_view kTransfer = "tr_";
inline constexpr std::string_view kAdjustment = "adj_";
}  // namespace prefix

}  // namespace cb::platform
