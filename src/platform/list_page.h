#pragma once
// One page of a tenant's list (customers, accounts, adjustments) in creation order.
#include <algorithm>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "platform/handler_context.h"
#include "platform/ids.h"

namespace cb::platform {

// Rows one list page may look at (filtered lists skip rows that do not match).
inline constexpr size_t kListScanMax = 10'000;

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
      return h.Error(ErrorKind::kInvalidRequest, "cursor_invalid", "Unknown cursor.", "cursor");
    }
    const size_t at = order_of(*obj);
    if (at >= ids.size() || !(ids[at] == *after)) {  // not an item of this list
      return h.Error(ErrorKind::kInvalidRequest, "cursor_invalid", "Unknown cursor.", "cursor");
    }
    start = at + 1;
  }
  Answer a;
  BeginList(&a.body);
  // A filter that matches little must not turn one page into a scan of the whole list on
  // the writer: past kListScanMax rows the page ends where the scan did, with a cursor there.
  const size_t scan_end = std::min(ids.size(), start + kListScanMax);
  size_t i = start, rendered = 0;
  for (; i < scan_end && rendered < limit; i++) {
    if (!render(&a.body, ids[i], rendered > 0)) continue;
    rendered++;
  }
  bool has_more = false;
  if (rendered == limit) {
    // Another matching item after this page? If the budget runs out first, say so: the next
    // page (which starts after the last item shown) will tell.
    size_t j = i;
    for (; j < scan_end && !has_more; j++) {
      std::string probe;
      has_more = render(&probe, ids[j], false);
    }
    if (!has_more && j == scan_end && scan_end < ids.size()) has_more = true;
  } else {
    // Not full: the list ended, or the scan budget did (continue after the last row looked at).
    has_more = i < ids.size();
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
