// An independent check of what the builders emit: the real xmllint (Debian libxml2-utils,
// installed by scripts/setup.sh --test) against the XSD files in testdata/iso20022/xsd, not
// the copies compiled into the library. pacs.004 has no XSD there.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "payments/iso20022.h"
#include "payments/iso20022_test_fixtures.h"

extern char** environ;

namespace cb::payments::iso {
namespace {

namespace fs = std::filesystem;

// A fresh directory under TMPDIR (or /tmp), removed with the fixture.
class XmllintTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern = std::string(tmp != nullptr ? tmp : "/tmp") + "/iso20022_xmllint.XXXXXX";
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override {
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }

  // Runs `xmllint --noout --schema XSD FILE` on `xml`; its exit code, its output in `log`.
  int Xmllint(MessageType type, const std::string& name, const std::string& xml, std::string* log) {
    const fs::path file = dir_ / (name + ".xml");
    const fs::path out = dir_ / (name + ".log");
    std::ofstream(file, std::ios::binary) << xml;
    const std::string xsd = std::string(CB_SHARED_DATA_DIR) + "/iso20022/xsd/" +
                            std::string(MessageTypeName(type)) + ".xsd";
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, out.c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
    std::string args[] = {"xmllint", "--noout", "--nonet", "--schema", xsd, file.string()};
    char* argv[] = {args[0].data(), args[1].data(), args[2].data(), args[3].data(),
                    args[4].data(), args[5].data(), nullptr};
    pid_t pid = 0;
    const int spawned = posix_spawnp(&pid, "xmllint", &actions, nullptr, argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    if (spawned != 0) {
      *log = "cannot run xmllint (install libxml2-utils: scripts/setup.sh --test)";
      return -1;
    }
    int status = 0;
    if (waitpid(pid, &status, 0) != pid) return -1;
    std::stringstream text;
    text << std::ifstream(out).rdbuf();
    *log = text.str();
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

  void ExpectValid(MessageType type, const std::string& name, const Result<std::string>& xml) {
    SCOPED_TRACE(name);
    ASSERT_TRUE(xml.ok()) << xml.status().ToString();
    std::string log;
    EXPECT_EQ(Xmllint(type, name, *xml, &log), 0) << log;
    EXPECT_TRUE(log.find("validates") != std::string::npos) << log;
  }

  fs::path dir_;
};

TEST_F(XmllintTest, EveryBuiltMessageValidatesAgainstTheXsdFiles) {
  ExpectValid(MessageType::kPacs008, "pacs008_iban", BuildPacs008(fixtures::Transfer()));
  ExpectValid(MessageType::kPacs008, "pacs008_uk", BuildPacs008(fixtures::UkTransfer()));
  CreditTransfer yen = fixtures::Transfer();
  yen.amount = {150'000, "JPY", 0};
  ExpectValid(MessageType::kPacs008, "pacs008_jpy", BuildPacs008(yen));
  ExpectValid(MessageType::kPacs002, "pacs002_acsc", BuildPacs002(fixtures::Accepted()));
  ExpectValid(MessageType::kPacs002, "pacs002_rjct", BuildPacs002(fixtures::Rejected()));
  ExpectValid(MessageType::kCamt053, "camt053", BuildCamt053(fixtures::SampleStatement()));
  Statement empty = fixtures::SampleStatement();
  empty.entries.clear();
  empty.closing_balance_minor = empty.opening_balance_minor;
  ExpectValid(MessageType::kCamt053, "camt053_empty", BuildCamt053(empty));
  ExpectValid(MessageType::kCamt054, "camt054", BuildCamt054(fixtures::SampleNotification()));
  ExpectValid(MessageType::kPain001, "pain001", BuildPain001(fixtures::SampleFile()));
}

// The control: xmllint does refuse, and agrees with ValidateXml, on a broken message.
TEST_F(XmllintTest, XmllintAndValidateXmlRefuseTheSameBrokenMessage) {
  std::string xml = *BuildPacs008(fixtures::Transfer());
  const std::string good = "<ChrgBr>SLEV</ChrgBr>";
  xml.replace(xml.find(good), good.size(), "<ChrgBr>NONE</ChrgBr>");
  std::string log;
  EXPECT_NE(Xmllint(MessageType::kPacs008, "broken", xml, &log), 0) << log;
  EXPECT_TRUE(log.find("ChrgBr") != std::string::npos) << log;
  EXPECT_FALSE(ValidateXml(MessageType::kPacs008, xml).ok());
}

}  // namespace
}  // namespace cb::payments::iso
