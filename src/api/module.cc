#include "api/module.h"

#include <cstdio>
#include <vector>

#include "base/check.h"

namespace cb::api {

extern const ServiceModule kPlatformModule;  // builtin_modules.cc
extern const ServiceModule kIdentityModule;
extern const ServiceModule kRiskModule;

namespace {
// The built-in services first, then the registered modules in list order.
std::vector<const ServiceModule*>& Registered() {
  static std::vector<const ServiceModule*> modules = {&kPlatformModule, &kIdentityModule,
                                                      &kRiskModule};
  return modules;
}
bool registered_once = false;
}  // namespace

void RegisterModules(std::span<const ServiceModule* const> modules) {
  CB_CHECK(!registered_once);  // once, before the route registry is first built
  CB_CHECK(!RouteRegistryBuilt());
  registered_once = true;
  for (const ServiceModule* m : modules) {
    CB_CHECK(m != nullptr && !m->name.empty() && m->routes != nullptr && m->create != nullptr);
    CB_CHECK(m->service_id != runtime::kKernelServiceId);
    CB_CHECK(m->event_type_first >= runtime::kServiceEventTypeFirst);
    CB_CHECK(m->event_type_first <= m->event_type_last);
    for (const ServiceModule* other : Registered()) {  // the built-ins' too
      CB_CHECK(other->name != m->name);
      CB_CHECK(other->service_id != m->service_id);
      CB_CHECK(m->event_type_last < other->event_type_first ||
               m->event_type_first > other->event_type_last);
    }
    for (const RouteSpec& r : m->routes()) CB_CHECK(r.service == m->name);
    for (const ScopeSpec& sc : m->scopes) {
      // Namespaced by the module ("counter" -> "counters.read"): two modules cannot claim
      // one name, and a retired module's name is not reused by accident.
      CB_CHECK(sc.name.substr(0, m->name.size()) == m->name);
      const Result<kernel::ScopeSet> got = kernel::RegisterScope(sc.name, sc.cls);
      if (!got.ok()) {
        std::fprintf(stderr, "corebank: module %.*s: scope %.*s: %s\n",
                     static_cast<int>(m->name.size()), m->name.data(),
                     static_cast<int>(sc.name.size()), sc.name.data(),
                     got.status().ToString().c_str());
      }
      CB_CHECK(got.ok());  // a clash or a bad name stops the server at start
    }
    Registered().push_back(m);
  }
}

std::span<const ServiceModule* const> Modules() { return Registered(); }

const ServiceModule* ModuleOfEvent(uint16_t event_type) {
  for (const ServiceModule* m : Registered()) {
    if (event_type >= m->event_type_first && event_type <= m->event_type_last) return m;
  }
  return nullptr;
}

}  // namespace cb::api
