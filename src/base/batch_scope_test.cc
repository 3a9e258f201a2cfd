#include "base/batch_scope.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>

namespace cb {
namespace {

std::string* trace = nullptr;

void AppendA(void*) { *trace += "a"; }
void AppendB(void*) { *trace += "b"; }

TEST(BatchScopeTest, InactiveOutsideAScope) { EXPECT_FALSE(BatchScope::Active()); }

TEST(BatchScopeTest, FlushesRunOnceEachInOrderWhenTheOutermostScopeCloses) {
  std::string log;
  trace = &log;
  int key_a = 0;
  int key_b = 0;
  {
    BatchScope outer;
    EXPECT_TRUE(BatchScope::Active());
    EXPECT_FALSE(BatchScope::Registered(&key_a));
    BatchScope::AtEnd(&key_a, AppendA);
    EXPECT_TRUE(BatchScope::Registered(&key_a));
    {
      BatchScope inner;
      BatchScope::AtEnd(&key_b, AppendB);
      BatchScope::AtEnd(&key_a, AppendA);  // same key: no second flush
    }
    EXPECT_EQ(log, "");  // the inner scope does not flush
    EXPECT_TRUE(BatchScope::Active());
  }
  EXPECT_EQ(log, "ab");
  EXPECT_FALSE(BatchScope::Active());
  {
    BatchScope again;  // a new scope starts with nothing registered
  }
  EXPECT_EQ(log, "ab");
  trace = nullptr;
}

TEST(BatchScopeTest, ScopesArePerThread) {
  BatchScope scope;
  bool other_active = true;
  std::thread([&] { other_active = BatchScope::Active(); }).join();
  EXPECT_FALSE(other_active);
  EXPECT_TRUE(BatchScope::Active());
}

}  // namespace
}  // namespace cb
