// Tests only: Boost.JSON compiled once for test binaries that do not link cb_api (which
// has its own copy in src/api/json_impl.cc). Never add this to a library.
#include <boost/json/src.hpp>
