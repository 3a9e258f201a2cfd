// Link seam for json_decode_fuzzer. decode.cc calls NewTenantOp and NewApiKeyOp, which live
// in platform/service.cc with the whole platform service (state, handlers, runtime, protobuf
// events). Compiling all that with clang would triple the fuzz build for two factories, so
// they are stood in for here: the decoders only hand their arguments through, and the
// fuzzer checks those, not the minted secret.
#include "platform/ids.h"
#include "platform/service.h"

namespace cb::platform {

CreateTenantOp NewTenantOp(std::string name, bool sandbox) {
  CreateTenantOp t;
  t.id = TenantId(RandomU128());
  t.name = std::move(name);
  t.sandbox = sandbox;
  t.admin_key_id = ApiKeyId(RandomU128());
  return t;
}

CreateApiKeyOp NewApiKeyOp(Role role, std::string name) {
  CreateApiKeyOp k;
  k.id = ApiKeyId(RandomU128());
  k.role = role;
  k.name = std::move(name);
  return k;
}

}  // namespace cb::platform
