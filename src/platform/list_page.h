#pragma once
// One page of a tenant's list (customers, accounts, adjustments) in creation order.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "platform/handler_context.h"
#include "platform/ids.h"

namespace cb::platform {

// `render(out, id, comma)` appends an item and returns true, or false to skip it (filters);
// `after` is the last id of the previous page; `order_of(obj)` is an object's position in
// `ids` (its `order` in the tenant's list by default).
template <typename Id, typename Find, typename Render, typename OrderOf>
Answer ListByOrder(HandlerContext& h, const std::vector<Id>& ids, std::optional<Id> after,
                   uint32_t limit, std::string_view prefix, Find find, Render render,
                   OrderOf order_of) {
  size_t start = 0;
  if (after) {
    const auto* obj = find(*after);
    if (obj == nullptr || !(obj->tenant == h.tenant())) {
      return h.Error(400, "invalid_request_error", "cursor_invalid", "Unknown cursor.", "cursor");
    }
    const size_t at = order_of(*obj);
    if (at >= ids.size() || !(ids[at] == *after)) {  // not an item of this list
      return h.Error(400, "invalid_request_error", "cursor_invalid", "Unknown cursor.", "cursor");
    }
    start = at + 1;
  }
  Answer a;
  BeginList(&a.body);
  size_t i = start, rendered = 0;
  for (; i < ids.size() && rendered < limit; i++) {
    if (!render(&a.body, ids[i], rendered > 0)) continue;
    rendered++;
  }
  // has_more: another matching item exists after this page.
  bool has_more = false;
  for (size_t j = i; j < ids.size() && !has_more; j++) {
    std::string probe;
    has_more = render(&probe, ids[j], false);
  }
  EndList(&a.body, has_more, has_more ? FormatId(prefix, ids[i - 1].value) : "");
  return a;
}

template <typename Id, typename Find, typename Render>
Answer ListByOrder(HandlerContext& h, const std::vector<Id>& ids, std::optional<Id> after,
                   uint32_t limit, std::string_view prefix, Find find, Render render) {
  return ListByOrder(h, ids, after, limit, prefix, find, render,
                     [](const auto& obj) -> size_t { return obj.order; });
}

}  // namespace cb::platform
