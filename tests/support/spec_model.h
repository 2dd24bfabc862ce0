// A small model of SPEC §2, written from the specification alone, to judge the product's
// decisions in the property test: which checks apply, what each one's mode, exceptions
// and enforcement say, and how they combine. Deliberately simple (maps, whole strings,
// no speed tricks). Where SPEC leaves a request open, the expectation says so (and why)
// instead of guessing.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "modes/decision.h"
#include "tests/support/random_directory.h"

namespace mailpolicy::spec_model {

// An envelope address as SPEC §2 reads it: <> stripped, the local part everything before
// the last '@' (quotes removed: "a b"@d and a b@d are one address), extension removed,
// case folded; the domain lowercase, A-label, without its trailing dot.
struct ModelAddress {
    enum class Kind { Null, NoDomain, Mailbox, Literal };
    Kind kind = Kind::Null;
    std::string local;
    std::string domain;  // literals keep their brackets

    std::string text() const { return local + "@" + domain; }
    // The RFC 5321 spelling: the local part quoted unless it is a dot-string.
    std::string quoted_text() const;
};
ModelAddress read_address(std::string_view raw, bool remove_extension = true);

// An exception pattern after SPEC's normalization (trimmed, <> stripped, extension
// removed, "@d" meaning the domain d), or nullopt when SPEC says to ignore it.
struct ModelPattern {
    bool domain_only = false;
    std::string local;   // folded; '*' and '?' are wildcards
    std::string domain;  // lowercase, A-label where a label has no wildcard
};
std::optional<ModelPattern> read_pattern(std::string_view raw);
// Open: the answer depends on a spelling SPEC does not fix (a quoted local part, the
// null sender's missing domain).
enum class Match { No, Yes, Open };
Match matches(const ModelPattern& pattern, const ModelAddress& address);

// One check that could be the one a denial or audit-only verdict names.
struct Candidate {
    Direction direction = Direction::Send;
    std::vector<std::string> accounts;  // the spellings the verdict's account may have
    std::string text;                   // the reject text
};

struct Expectation {
    bool specified = true;
    std::string open_because;                     // when not specified: what SPEC leaves open
    std::vector<std::string> forbidden_statuses;  // holds even when not specified
    Outcome outcome = Outcome::Allowed;
    std::string status;                 // expected reply status when not allowed
    std::vector<Candidate> candidates;  // policy denials and audits: who may have decided
};

class Model {
  public:
    explicit Model(const random_directory::World& world);
    Expectation decide(const Envelope& envelope, std::string_view recipient) const;

  private:
    struct Account {
        std::string dn;  // lowercase, for "lowest DN wins"
        std::vector<std::string> addresses;
        std::vector<std::string> mail_domains;
        std::string primary;
        std::optional<std::string> class_dn;  // lowercase
        const random_directory::RawSettings* settings = nullptr;
    };
    struct Holder {
        std::optional<std::size_t> account;
        ModelAddress address;  // for an address without an account
        std::string domain;    // whose domain entry it inherits from
    };
    struct CheckResult {
        bool violated = false;
        bool open = false;  // SPEC leaves the outcome of this check open
        Outcome outcome = Outcome::Allowed;
        Candidate candidate;
    };
    struct Level {
        const random_directory::RawSettings* settings;
    };

    std::optional<Holder> holder_of(const ModelAddress& address) const;
    std::optional<std::size_t> account_of_login(std::string_view login) const;
    std::vector<Level> levels(const Holder& holder) const;
    std::set<std::string> local_domains(const Holder& holder) const;
    bool mode_allows(Mode mode, const Holder& holder, const ModelAddress* peer) const;
    CheckResult check(const Holder& holder, Direction direction, const ModelAddress& peer,
                      bool unverified_sender) const;
    Expectation combine(const std::vector<CheckResult>& checks) const;
    Expectation decide_checks(const Envelope& envelope, const ModelAddress& sender,
                              const ModelAddress& recipient, bool unverified) const;

    random_directory::World world_;
    std::vector<Account> accounts_;
    std::map<std::string, std::size_t> owner_;            // address -> account (lowest DN)
    std::map<std::string, std::size_t> login_owner_;      // login value -> account
    std::map<std::string, std::size_t> domain_entry_;     // name -> index in domains
    std::vector<std::vector<std::string>> domain_names_;  // per domain entry, sorted
    std::map<std::string, const random_directory::RawSettings*> classes_;  // lowercase DN
    std::set<std::string> hosted_;
};

}  // namespace mailpolicy::spec_model
