#include <boost/json/src.hpp>  // Boost.JSON compiled once, here (header-only mode otherwise)
