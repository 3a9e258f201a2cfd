// Parties (debtor, creditor): name, account and agent, as Party in iso20022.h describes them.
#include "base/check.h"
#include "payments/iso20022_internal.h"

namespace cb::payments::iso::internal {
namespace {

constexpr size_t kNameCharsMax = 140;  // Max140Text
constexpr size_t kSortCodeDigits = 6;
constexpr size_t kAccountNumberDigits = 8;
// Othr/SchmeNm/Prtry for a UK sort code + account number (the XSD leaves Prtry free text;
// Cd would need an ExternalAccountIdentification1Code, and none names this pair).
constexpr std::string_view kUkAccountScheme = "SCAN";
// ExternalClearingSystemIdentification1Code for UK domestic sort codes.
constexpr std::string_view kUkClearingSystem = "GBDSC";
// What EPC schemes put in a mandatory agent whose BIC the sender does not have.
constexpr std::string_view kNotProvided = "NOTPROVIDED";

std::string Sub(std::string_view field, std::string_view name) {
  return std::string(field) + "." + std::string(name);
}

bool AllDigits(std::string_view text, size_t count) {
  if (text.size() != count) return false;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

Status CheckUkAccount(std::string_view field, std::string_view sort_code,
                      std::string_view account_number) {
  if (!AllDigits(sort_code, kSortCodeDigits)) {
    return FieldError(Sub(field, "sort_code"), "must be 6 digits");
  }
  if (!AllDigits(account_number, kAccountNumberDigits)) {
    return FieldError(Sub(field, "account_number"), "must be 8 digits");
  }
  return Status::Ok();
}

}  // namespace

Status CheckParty(std::string_view field, const Party& party) {
  CB_RETURN_IF_ERROR(CheckText(Sub(field, "name"), party.name, kNameCharsMax));
  const bool has_uk = !party.sort_code.empty() || !party.account_number.empty();
  if (!party.iban.empty() && has_uk) {
    return FieldError(Sub(field, "iban"),
                      "set an IBAN or a sort code with an account number, not both");
  }
  if (party.iban.empty() && !has_uk) {
    return FieldError(Sub(field, "iban"), "missing (or a sort code with an account number)");
  }
  if (has_uk) {
    CB_RETURN_IF_ERROR(CheckUkAccount(field, party.sort_code, party.account_number));
  } else {
    CB_RETURN_IF_ERROR(CheckIban(Sub(field, "iban"), party.iban));
  }
  if (!party.bic.empty()) CB_RETURN_IF_ERROR(CheckBic(Sub(field, "bic"), party.bic));
  return Status::Ok();
}

void AddPartyName(Writer& writer, xmlNode* parent, const char* party_tag, const Party& party) {
  writer.AddText(writer.Add(parent, party_tag), "Nm", party.name);
}

void AddAccount(Writer& writer, xmlNode* parent, const char* account_tag, const Party& party) {
  xmlNode* id = writer.Add(writer.Add(parent, account_tag), "Id");
  if (!party.iban.empty()) {
    writer.AddText(id, "IBAN", party.iban);
    return;
  }
  CB_CHECK(!party.sort_code.empty());  // CheckParty: one of the two accounts
  xmlNode* other = writer.Add(id, "Othr");
  writer.AddText(other, "Id", party.sort_code + party.account_number);
  writer.AddText(writer.Add(other, "SchmeNm"), "Prtry", kUkAccountScheme);
}

void AddAgent(Writer& writer, xmlNode* parent, const char* agent_tag, const Party& party,
              AgentUse use) {
  if (party.bic.empty() && party.sort_code.empty() && use == AgentUse::kOptional) return;
  xmlNode* institution = writer.Add(writer.Add(parent, agent_tag), "FinInstnId");
  if (!party.bic.empty()) writer.AddText(institution, "BICFI", party.bic);
  if (!party.sort_code.empty()) {
    xmlNode* member = writer.Add(institution, "ClrSysMmbId");
    writer.AddText(writer.Add(member, "ClrSysId"), "Cd", kUkClearingSystem);
    writer.AddText(member, "MmbId", party.sort_code);
  }
  if (party.bic.empty() && party.sort_code.empty()) {
    writer.AddText(writer.Add(institution, "Othr"), "Id", kNotProvided);
  }
}

Status ReadPartyName(const Reader& reader, const xmlNode* parent, const char* party_tag,
                     std::string_view field, Party& party) {
  const xmlNode* node = reader.Child(parent, party_tag);
  if (node == nullptr) return FieldError(Sub(field, "name"), "missing");
  Result<std::string> name = ReadText(reader, node, "Nm", Sub(field, "name"), kNameCharsMax);
  if (!name.ok()) return name.status();
  party.name = *std::move(name);
  return Status::Ok();
}

Status ReadAccount(const Reader& reader, const xmlNode* parent, const char* account_tag,
                   std::string_view field, Party& party) {
  const xmlNode* id = reader.Find(reader.Child(parent, account_tag), "Id");
  if (id == nullptr) return FieldError(Sub(field, "iban"), "missing (no account)");
  if (const xmlNode* iban = reader.Child(id, "IBAN"); iban != nullptr) {
    party.iban = Reader::Text(iban);  // kept even when refused: the caller shows what came
    return CheckIban(Sub(field, "iban"), party.iban);
  }
  const xmlNode* other = reader.Child(id, "Othr");
  if (other == nullptr || reader.TextAt(other, "SchmeNm/Prtry") != kUkAccountScheme) {
    return FieldError(Sub(field, "iban"),
                      "the account is neither an IBAN nor a UK sort code and account number "
                      "(Othr with SchmeNm/Prtry SCAN)");
  }
  const std::string both = reader.TextAt(other, "Id");
  if (!AllDigits(both, kSortCodeDigits + kAccountNumberDigits)) {
    return FieldError(Sub(field, "sort_code"),
                      "an SCAN account Id must be 14 digits (sort code, account number)");
  }
  party.sort_code = both.substr(0, kSortCodeDigits);
  party.account_number = both.substr(kSortCodeDigits);
  return Status::Ok();
}

Status ReadAgent(const Reader& reader, const xmlNode* parent, const char* agent_tag,
                 std::string_view field, Party& party) {
  const xmlNode* institution = reader.Find(reader.Child(parent, agent_tag), "FinInstnId");
  if (institution == nullptr) return Status::Ok();  // optional, or NOTPROVIDED's absence
  if (const xmlNode* bic = reader.Child(institution, "BICFI"); bic != nullptr) {
    party.bic = Reader::Text(bic);
    CB_RETURN_IF_ERROR(CheckBic(Sub(field, "bic"), party.bic));
  }
  // A UK agent names the sort code twice (account and clearing member): they must agree.
  const xmlNode* member = reader.Child(institution, "ClrSysMmbId");
  if (member != nullptr && reader.TextAt(member, "ClrSysId/Cd") == kUkClearingSystem &&
      !party.sort_code.empty() && reader.TextAt(member, "MmbId") != party.sort_code) {
    return FieldError(Sub(field, "sort_code"),
                      "the agent's sort code (ClrSysMmbId/MmbId) differs from the account's");
  }
  return Status::Ok();
}

}  // namespace cb::payments::iso::internal
