// Random small directories and requests for the property and differential tests: raw
// directory values as an admin might write them (several mail values, aliases, classes,
// domain aliases, odd case, stray spaces, unknown values, patterns in every spelling) and
// envelopes as Postfix hands them over (quoted, unquoted, odd local parts, IDN, ...).
// Which of these the generators produce is chosen by Features. Not a test itself.
#pragma once

#include <cctype>
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "ldap/directory_source.h"
#include "ldap/entry.h"
#include "modes/decision.h"
#include "modes/settings.h"

namespace mailpolicy::random_directory {

// What the generators may produce; each switch names one kind of input.
struct Features {
    bool several_mail_values = true;       // accounts with up to three `mail` values
    bool outside_alias_values = true;      // alias values in domains nobody hosts
    bool domain_alias_mailboxes = true;    // requests for user@alias of user@name's account
    bool odd_case_values = true;           // stored addresses, names, DNs in mixed case
    bool untrimmed_values = true;          // setting values with surrounding spaces
    bool untrimmed_reject_texts = true;    // "Refused by rule 7  "
    bool unknown_values = true;            // "denyAl", "warn", "maybe"
    bool bracket_patterns = true;          // "<bob@partner.example>"
    bool extension_patterns = true;        // "bob+news@partner.example"
    bool at_domain_patterns = true;        // "@partner.example"
    bool idn_wildcard_patterns = true;     // "*@b?cher.test"
    bool quoted_local_parts = true;        // "\"ivy\"@d0.test", "\"ivy+x y\"@d0.test"
    bool odd_local_parts = true;           // Postfix's unquoted form: "ivy+x y@d0.test"
    bool long_extensions = true;           // "ivy+<1,100 characters>@d0.test"
    bool non_ascii_local_parts = true;     // "jörg@d0.test" asked as "JÖRG@d0.test"
    bool idn_domains = true;               // "ivy@bücher.test" for xn--bcher-kva.test
    bool no_domain_addresses = true;       // "bob", "postmaster"
    bool unverified_local_senders = true;  // local senders on untrusted, unauthenticated SMTP
};

// One direction's values as stored on one entry; nullopt: the attribute is absent.
struct RawDirection {
    std::optional<std::string> enabled, mode, reject_text;
    std::optional<std::vector<std::string>> exceptions;  // never empty when present
};

struct RawSettings {
    RawDirection send, receive;
    std::optional<std::string> enforcement;
};

struct RawAccount {
    std::string dn;
    std::vector<std::string> mail;     // never empty
    std::vector<std::string> aliases;  // mailAlternateAddress
    std::vector<std::string> uids;     // the login attribute
    std::optional<std::string> class_dn;
    RawSettings settings;
};

struct RawClass {
    std::string dn;
    RawSettings settings;
};

struct RawDomain {
    std::string dn;
    std::vector<std::string> names;  // mailPolicyDomainName
    RawSettings settings;
};

struct RawDirectory {
    std::vector<RawAccount> accounts;
    std::vector<RawClass> classes;
    std::vector<RawDomain> domains;
};

// A directory with the server settings it is judged under.
struct World {
    RawDirectory directory;
    PolicyConfig config;
};

struct Request {
    Envelope envelope;
    std::string recipient;
};

// The directory as LDAP hands it to the replica (alias attribute mailAlternateAddress,
// login attribute uid), and the DirectoryConfig that reads it so.
std::vector<Entry> to_entries(const RawDirectory& directory);
DirectoryConfig directory_config();

class Generator {
  public:
    Generator(std::uint64_t seed, Features features) : random_(seed), features_(features) {}

    World world();
    Request request(const World& world);

  private:
    bool chance(unsigned percent) { return random_() % 100 < percent; }
    template <typename T>
    const T& pick(const std::vector<T>& items) {
        return items[random_() % items.size()];
    }
    std::string odd_case(std::string text);
    RawSettings settings(const std::vector<std::string>& class_dns);
    RawDirection direction();
    std::string setting_value(const std::vector<std::string>& known,
                              const std::vector<std::string>& unknown);
    std::string pattern();
    RawAccount account(std::size_t number, const std::vector<std::string>& class_dns);
    std::string address(const World& world);
    std::string account_address(const World& world);
    std::string disguise(const std::string& local, const std::string& domain, const World& world);

    std::mt19937_64 random_;
    Features features_;
    bool last_address_local_ = false;  // address() gave an account's or a hosted address
};

}  // namespace mailpolicy::random_directory
