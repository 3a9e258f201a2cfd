// The built-in services as registry entries (api/module.h): the route registry, the event
// feed and the clash checks iterate them like any module. They have no `create`: the
// platform stack (app/platform_stack.h) builds them, with the key directory, the KMS and
// each other, which no module is given.
#include "api/module.h"
#include "identity/event_render.h"
#include "identity/events.h"
#include "identity/ops.h"
#include "platform/event_render.h"
#include "risk/event_render.h"
#include "risk/events.h"
#include "runtime/service.h"

namespace cb::api {

extern const ServiceModule kPlatformModule;
const ServiceModule kPlatformModule{.name = "platform",
                                    .service_id = 0,
                                    .event_type_first = runtime::kServiceEventTypeFirst,
                                    .event_type_last = identity::kEventTypeFirst - 1,
                                    .routes = PlatformRoutes,
                                    .render_event = platform::RenderPlatformEvent};

extern const ServiceModule kIdentityModule;
const ServiceModule kIdentityModule{.name = "identity",
                                    .service_id = identity::kIdentityServiceId,
                                    .event_type_first = identity::kEventTypeFirst,
                                    .event_type_last = identity::kEventTypeLast,
                                    .routes = IdentityRoutes,
                                    .render_event = identity::RenderIdentityEvent};

extern const ServiceModule kRiskModule;
const ServiceModule kRiskModule{.name = "risk",
                                .service_id = risk::kRiskServiceId,
                                .event_type_first = risk::kEventTypeFirst,
                                .event_type_last = risk::kEventTypeLast,
                                .routes = RiskRoutes,
                                .render_event = risk::RenderRiskEvent};

}  // namespace cb::api
