#include "kernel/decision_port.h"

namespace cb::kernel {

u128 DecisionIdOf(u128 subject) { return DerivedId(subject, 'D'); }

}  // namespace cb::kernel
