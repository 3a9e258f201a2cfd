#pragma once
// What a route's builder reads (the request, already routed) and how it refuses: no
// service's types, so a module's routes include this, not the platform's decoders.
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "kernel/errors.h"

namespace cb::api {

struct DecodeError {
  kernel::ErrorKind kind = kernel::ErrorKind::kInvalidRequest;
  std::string code;
  std::string message;
  std::string param;
};

struct RouteInput {
  std::vector<std::string_view> path_params;  // the {..} segments, in order
  std::map<std::string, std::string> query;   // percent-decoded
  std::string_view body;
};

}  // namespace cb::api
