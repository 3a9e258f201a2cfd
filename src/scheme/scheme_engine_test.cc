#include "scheme/scheme_engine.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "base/temp_dir.h"

namespace cb::scheme {
namespace {

namespace iso = payments::iso;

constexpr TimestampNs kDay = 1'793'577'600'000'000'000;  // 2026-11-02T00:00:00Z
constexpr char kOurIban[] = "GB04CBNK00000100000001";
constexpr char kTheirIban[] = "DE89370400440532013000";
// Every wait is bounded, so a bug fails a test instead of hanging it.
constexpr uint32_t kWaitMs = 10'000;

class FakeClock final : public Clock {
 public:
  TimestampNs NowNs() override { return now_.fetch_add(1000); }

 private:
  std::atomic<TimestampNs> now_{kDay + 3600 * kNsPerSecond};
};

template <typename T>
Result<T> Await(const std::function<void(std::function<void(Result<T>)>)>& call) {
  auto promise = std::make_shared<std::promise<Result<T>>>();
  std::future<Result<T>> future = promise->get_future();
  call([promise](Result<T> r) { promise->set_value(std::move(r)); });
  if (future.wait_for(std::chrono::milliseconds(kWaitMs)) != std::future_status::ready) {
    return Status::Internal("no answer in time");
  }
  return future.get();
}

TransferSubmission Submission(const std::string& message_id, const std::string& creditor_name,
                              int64_t amount_minor = 12'345) {
  iso::CreditTransfer t;
  t.message_id = message_id;
  t.created = kDay;
  t.end_to_end_id = "E2E-" + message_id;
  t.tx_id = "TX-" + message_id;
  t.settlement_date = {2026, 11, 2};
  t.amount = {amount_minor, "EUR", 2};
  t.debtor = {"Ada", kOurIban, "", "", "CBNKGB2LXXX"};
  t.creditor = {creditor_name, kTheirIban, "", "", ""};
  Result<std::string> xml = iso::BuildPacs008(t);
  CB_CHECK(xml.ok());
  Result<iso::CreditTransfer> parsed = iso::ParsePacs008(*xml);
  CB_CHECK(parsed.ok());
  TransferSubmission s;
  s.transfer = *parsed;
  s.xml = *xml;
  s.body_sha256 = Sha256Of(xml->data(), xml->size());
  s.received_steady_ns = MonotonicNowNs();
  return s;
}

class SchemeEngineTest : public ::testing::Test {
 protected:
  void Open(uint32_t delay_ms) {
    if (engine_) engine_->Stop();
    engine_.reset();
    config_.settlement_iban = "GB31CBNK00000100000000";
    config_.delay_ms = delay_ms;
    std::string report;
    auto engine = SchemeEngine::Open(disk_.get(), dir_.path() + "/data", config_, EngineLimits{},
                                     &clock_, 42, &report);
    ASSERT_TRUE(engine.ok()) << engine.status().ToString();
    report_ = report;
    engine_ = *std::move(engine);
    engine_->Start();
  }

  Result<SubmitAnswer> Submit(TransferSubmission s) {
    return Await<SubmitAnswer>(
        [&](auto done) { engine_->SubmitTransfer(std::move(s), std::move(done)); });
  }
  Result<FeedPage> Feed(uint64_t after, uint32_t wait_ms = 0) {
    return Await<FeedPage>(
        [&](auto done) { engine_->ReadFeed(after, 1000, wait_ms, std::move(done)); });
  }
  // Long-polls until the feed holds `count` messages.
  FeedPage FeedOf(uint64_t count) {
    for (int i = 0; i < 100; i++) {
      Result<FeedPage> page = Feed(0);
      CB_CHECK(page.ok());
      if (page->messages.size() >= count) return *page;
      CB_CHECK(Feed(page->last_seq, 200).ok());
    }
    ADD_FAILURE() << "the feed never held " << count << " messages";
    return {};
  }

  TempDir dir_;
  std::unique_ptr<Disk> disk_ = NewPosixDisk();
  FakeClock clock_;
  SchemeConfig config_;
  std::string report_;
  std::unique_ptr<SchemeEngine> engine_;
};

TEST_F(SchemeEngineTest, ATransferIsAnsweredOnceAndADuplicateGetsTheOriginalAnswer) {
  Open(0);
  TransferSubmission s = Submission("MSG-1", "Bob");
  Result<SubmitAnswer> a = Submit(s);
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(a->result, SubmitResult::kAccepted);
  EXPECT_EQ(a->end_to_end_id, "E2E-MSG-1");
  FeedPage page = FeedOf(1);
  ASSERT_EQ(page.messages.size(), 1u);
  EXPECT_EQ(page.messages[0].type, iso::MessageType::kPacs002);
  Result<iso::PaymentStatusReport> report = iso::ParsePacs002(page.messages[0].xml);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_EQ(report->status, iso::TxStatus::kAcsc);
  EXPECT_EQ(report->original_message_id, "MSG-1");
  EXPECT_EQ(report->original_end_to_end_id, "E2E-MSG-1");
  EXPECT_EQ(report->original_tx_id, "TX-MSG-1");
  EXPECT_LE(report->message_id.size(), 35u);

  Result<SubmitAnswer> dup = Submit(s);
  ASSERT_TRUE(dup.ok());
  EXPECT_EQ(dup->result, SubmitResult::kDuplicate);
  EXPECT_EQ(dup->end_to_end_id, "E2E-MSG-1");
  Result<SubmitAnswer> reused = Submit(Submission("MSG-1", "Bob", 1));
  ASSERT_TRUE(reused.ok());
  EXPECT_EQ(reused->result, SubmitResult::kMessageIdReused);
  Result<FeedPage> later = Feed(1, 300);
  ASSERT_TRUE(later.ok());
  EXPECT_TRUE(later->messages.empty()) << "a second pacs.002";
  EXPECT_EQ(later->last_seq, 1u);
}

// --delay-ms 0: the pacs.002 is durable with the receipt (one group): it is on the feed
// before the 2xx, and a restart owes nothing.
TEST_F(SchemeEngineTest, WithNoDelayTheAnswerIsPublishedWithTheReceipt) {
  Open(0);
  Result<SubmitAnswer> a = Submit(Submission("MSG-NOW", "Bob"));
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  Result<FeedPage> page = Feed(0);  // no waiting: already there
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->messages.size(), 1u);
  EXPECT_EQ(page->messages[0].type, iso::MessageType::kPacs002);
  Result<iso::PaymentStatusReport> r = iso::ParsePacs002(page->messages[0].xml);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->original_message_id, "MSG-NOW");
  EXPECT_EQ(r->status, iso::TxStatus::kAcsc);
  // A REJECT is answered in its group too; NOANSWER never.
  ASSERT_TRUE(Submit(Submission("MSG-REJ", "REJECT AC04 Bob")).ok());
  ASSERT_TRUE(Submit(Submission("MSG-NONE", "NOANSWER Bob")).ok());
  page = Feed(0);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->messages.size(), 2u);
  r = iso::ParsePacs002(page->messages[1].xml);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, iso::TxStatus::kRjct);
  EXPECT_EQ(r->reason_code, "AC04");
  Open(0);  // recovery: both answers were durable with their receipts
  EXPECT_NE(report_.find("answers owed 0"), std::string::npos) << report_;
  page = Feed(0, 200);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->messages.size(), 2u);
  EXPECT_EQ(page->last_seq, 2u);
}

TEST_F(SchemeEngineTest, ARestartPublishesTheAnswersOwedAndKeepsTheSequence) {
  Open(3'600'000);  // an hour: nothing is answered before the restart
  ASSERT_TRUE(Submit(Submission("MSG-1", "Bob")).ok());
  ASSERT_TRUE(Submit(Submission("MSG-2", "NOANSWER")).ok());
  ASSERT_TRUE(Submit(Submission("MSG-3", "RETURN AC04")).ok());
  Result<FeedPage> none = Feed(0);
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->last_seq, 0u);
  Open(0);
  EXPECT_NE(report_.find("answers owed 2"), std::string::npos) << report_;
  // MSG-1's and MSG-3's pacs.002, then MSG-3's pacs.004.
  FeedPage page = FeedOf(3);
  ASSERT_EQ(page.messages.size(), 3u);
  EXPECT_EQ(page.messages[2].type, iso::MessageType::kPacs004);
  Result<iso::PaymentReturn> ret = iso::ParsePacs004(page.messages[2].xml);
  ASSERT_TRUE(ret.ok());
  EXPECT_EQ(ret->original_message_id, "MSG-3");
  EXPECT_EQ(ret->reason_code, "AC04");
  // The duplicate check and the feed survive another restart; new messages follow on.
  Open(0);
  EXPECT_NE(report_.find("last_seq 3, entries 3, answers owed 0"), std::string::npos) << report_;
  Result<SubmitAnswer> dup = Submit(Submission("MSG-2", "NOANSWER"));
  ASSERT_TRUE(dup.ok());
  EXPECT_EQ(dup->result, SubmitResult::kDuplicate);
  ASSERT_TRUE(Submit(Submission("MSG-4", "Bob")).ok());
  FeedPage more = FeedOf(4);
  ASSERT_EQ(more.messages.size(), 4u);
  EXPECT_EQ(more.messages[3].seq, 4u);
  for (size_t i = 0; i < 3; i++) EXPECT_EQ(more.messages[i].xml, page.messages[i].xml);
}

TEST_F(SchemeEngineTest, ConcurrentTransfersAreAllAnsweredExactlyOnce) {
  Open(0);
  constexpr int kThreads = 4;
  constexpr int kPerThread = 100;
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  std::atomic<int> accepted{0};
  for (int t = 0; t < kThreads; t++) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; i++) {
        const std::string id = "MSG-" + std::to_string(t) + "-" + std::to_string(i);
        Result<SubmitAnswer> a = Submit(Submission(id, "Bob"));
        if (a.ok() && a->result == SubmitResult::kAccepted) accepted++;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(accepted.load(), kThreads * kPerThread);
  FeedPage page = FeedOf(uint64_t{kThreads} * kPerThread);
  ASSERT_EQ(page.messages.size(), static_cast<size_t>(kThreads * kPerThread));
  std::set<std::string> originals;
  for (size_t i = 0; i < page.messages.size(); i++) {
    EXPECT_EQ(page.messages[i].seq, i + 1);
    Result<iso::PaymentStatusReport> r = iso::ParsePacs002(page.messages[i].xml);
    ASSERT_TRUE(r.ok());
    originals.insert(r->original_message_id);
  }
  EXPECT_EQ(originals.size(), page.messages.size());
}

TEST_F(SchemeEngineTest, InboundCreditsReturnsAndTheStatementAgree) {
  Open(0);
  InboundCreditRequest credit;
  credit.iban = kOurIban;
  credit.amount_minor = 1000;
  credit.debtor_name = "Carol";
  credit.debtor_iban = kTheirIban;
  credit.copies = 2;
  Result<CreditAnswer> c =
      Await<CreditAnswer>([&](auto done) { engine_->InboundCredit(credit, std::move(done)); });
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->end_to_end_id, c->message_id);
  credit.iban = kTheirIban;  // not one of ours
  Result<CreditAnswer> refused =
      Await<CreditAnswer>([&](auto done) { engine_->InboundCredit(credit, std::move(done)); });
  EXPECT_EQ(refused.status().code(), StatusCode::kInvalidArgument);

  auto Return = [&](std::string e2e) {
    return Await<ReturnAnswer>([&](auto done) {
      engine_->SandboxReturn(ReturnRequest{std::move(e2e), "AC04"}, std::move(done));
    });
  };
  EXPECT_EQ(Return("E2E-MSG-1").status().code(), StatusCode::kNotFound);
  ASSERT_TRUE(Submit(Submission("MSG-1", "Bob", 500)).ok());
  FeedOf(3);  // two copies of the credit, then MSG-1's pacs.002
  Result<ReturnAnswer> r = Return("E2E-MSG-1");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->original_message_id, "MSG-1");
  EXPECT_EQ(r->seq, 4u);
  EXPECT_EQ(Return("E2E-MSG-1").status().code(), StatusCode::kAlreadyExists);

  FeedPage page = FeedOf(4);
  EXPECT_EQ(page.messages[0].xml, page.messages[1].xml);
  Result<iso::CreditTransfer> in = iso::ParsePacs008(page.messages[0].xml);
  ASSERT_TRUE(in.ok());
  EXPECT_EQ(in->creditor.iban, kOurIban);
  EXPECT_EQ(in->creditor.bic, "CBNKGB2LXXX");
  EXPECT_EQ(in->debtor.name, "Carol");

  Result<std::string> xml =
      engine_->StatementXml(iso::MessageType::kCamt053, kDay, kDay + 86'399 * kNsPerSecond);
  ASSERT_TRUE(xml.ok()) << xml.status().ToString();
  Result<iso::Statement> st = iso::ParseCamt053(*xml);
  ASSERT_TRUE(st.ok()) << st.status().ToString();
  ASSERT_EQ(st->entries.size(), 3u);  // CRDT 10.00 (once), DBIT 5.00, CRDT 5.00
  EXPECT_TRUE(st->entries[0].credit);
  EXPECT_EQ(st->entries[0].amount_minor, 1000);
  EXPECT_FALSE(st->entries[1].credit);
  EXPECT_EQ(st->entries[1].amount_minor, 500);
  EXPECT_EQ(st->entries[1].end_to_end_id, "E2E-MSG-1");
  EXPECT_TRUE(st->entries[2].credit);
  EXPECT_EQ(st->entries[2].amount_minor, 500);
  EXPECT_EQ(st->opening_balance_minor, 0);
  EXPECT_EQ(st->closing_balance_minor, 1000);
  EXPECT_EQ(st->account_iban, "GB31CBNK00000100000000");

  // A range after everything: no entries, the balance carried over.
  Result<std::string> later =
      engine_->StatementXml(iso::MessageType::kCamt053, kDay + 86'400 * kNsPerSecond,
                            kDay + 2 * uint64_t{86'400} * kNsPerSecond);
  ASSERT_TRUE(later.ok());
  Result<iso::Statement> empty = iso::ParseCamt053(*later);
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->entries.empty());
  EXPECT_EQ(empty->opening_balance_minor, 1000);
  EXPECT_EQ(engine_
                ->StatementXml(iso::MessageType::kCamt054, kDay + 86'400 * kNsPerSecond,
                               kDay + 2 * uint64_t{86'400} * kNsPerSecond)
                .status()
                .code(),
            StatusCode::kNotFound);
}

}  // namespace
}  // namespace cb::scheme
