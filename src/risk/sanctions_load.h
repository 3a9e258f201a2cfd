#pragma once
// Sanctions lists at `serve` start (app/serve.cc runs the op this prepares) (issue 14, ADR 0016
// "Screening on the shard"): the source files are parsed, stored content-addressed in the data
// directory, journaled when their hash changed, and the index is built from the stored files the
// journal names.
#include <map>
#include <string>

#include "base/status.h"
#include "journal/disk.h"
#include "risk/ops.h"
#include "risk/service.h"

namespace cb::risk {

// Where the source files are under a sanctions directory (the layout `bench screening
// --lists` reads): ofac_sdn_2019-01/sdn.csv or sdn.csv (with alt.csv, add.csv beside it);
// un/UN_consolidated.xml or UN_consolidated.xml. Empty when absent.
struct SanctionsSources {
  std::string ofac_dir;
  std::string un_xml;
};
SanctionsSources FindSanctionsSources(const std::string& root);

// Builds the op serve runs on the writer: the lists found under `sources_dir` (stored as
// DATA/sanctions/<sha256>.list first), and an index built from the stored files of the
// latest list per name (`recorded` as replayed, updated by the sources). A source that does
// not load, or a recorded list whose stored file is missing or corrupt, is an error: the
// server must not screen against less than the journal says. `line` says what happened.
// No list at all: op->index stays null and `line` says screening is off.
Status PrepareSanctions(Disk* disk, const std::string& data_dir, const std::string& sources_dir,
                        const std::map<std::string, SanctionsListRecord>& recorded,
                        LoadSanctionsOp* op, std::string* line);

}  // namespace cb::risk
