#pragma once
// Scopes in identity's events: the built-in ones as the `scopes` bits they always were, a
// module's by name in `scope_names` (kernel/scopes.h gives those no fixed bit).
#include "kernel/scopes.h"

namespace cb::identity {

template <typename M>
void SetScopes(M* m, kernel::ScopeSet s) {
  m->set_scopes(s.wire_bits());
  m->clear_scope_names();
  if (!s.has_named()) return;
  for (std::string_view name : kernel::NamedScopes(s)) m->add_scope_names(std::string(name));
}

template <typename M>
kernel::ScopeSet ScopesOf(const M& m) {
  kernel::ScopeSet s = kernel::ScopeSet::FromWire(m.scopes());
  for (const std::string& name : m.scope_names()) {
    const kernel::ScopeSet one = kernel::ScopeNamed(name);
    // A name no module registers any more (removed) grants nothing; a built-in's name here
    // would be a forged event, also ignored: built-ins travel only as bits.
    if (one.has_named()) s |= one;
  }
  return s;
}

}  // namespace cb::identity
