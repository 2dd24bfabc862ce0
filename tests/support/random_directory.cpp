// Generators of random directories and requests over a small fixed universe of names,
// so that addresses collide, aliases meet their domains and patterns hit often.

#include "tests/support/random_directory.h"

#include <algorithm>

namespace mailpolicy::random_directory {

namespace {

const std::string kIdnDomain = "xn--bcher-kva.test";  // bücher.test
const std::vector<std::string> kOutsideDomains = {
    "o.example",    "partner.example", "eu.partner.example", "sub.d0.test",
    "d0.test.evil", "xd0.test",        "fwd.example",        "xn--mnchen-3ya.example"};
const std::vector<std::string> kModes = {"allowAll", "localOnly", "localAndSubdomains", "denyAll"};

// The U-label spelling of the universe's two internationalized domains.
std::string unicode_spelling(const std::string& domain) {
    if (domain == kIdnDomain)
        return "b\xC3\xBC"
               "cher.test";
    if (domain == "xn--mnchen-3ya.example")
        return "m\xC3\xBC"
               "nchen.example";
    return domain;
}

std::string lowercase_ascii(std::string text) {
    for (char& c : text) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
    }
    return text;
}

void add_settings(Entry& entry, const RawSettings& settings) {
    auto add = [&](const std::string& name, const std::optional<std::string>& value) {
        if (value) entry.attributes[name] = {*value};
    };
    for (const auto& [prefix, direction] :
         {std::pair{std::string("mailpolicysend"), &settings.send},
          std::pair{std::string("mailpolicyreceive"), &settings.receive}}) {
        add(prefix + "enabled", direction->enabled);
        add(prefix + "mode", direction->mode);
        add(prefix + "rejecttext", direction->reject_text);
        if (direction->exceptions) entry.attributes[prefix + "exception"] = *direction->exceptions;
    }
    add("mailpolicyenforcement", settings.enforcement);
}

}  // namespace

std::vector<Entry> to_entries(const RawDirectory& directory) {
    std::vector<Entry> entries;
    for (const RawDomain& domain : directory.domains) {
        Entry& entry = entries.emplace_back();
        entry.dn = domain.dn;
        entry.uuid = "uuid-" + domain.dn;
        entry.attributes["objectclass"] = {"domain", "mailPolicyDomain"};
        entry.attributes["mailpolicydomainname"] = domain.names;
        add_settings(entry, domain.settings);
    }
    for (const RawClass& policy_class : directory.classes) {
        Entry& entry = entries.emplace_back();
        entry.dn = policy_class.dn;
        entry.uuid = "uuid-" + policy_class.dn;
        entry.attributes["objectclass"] = {"mailPolicyClass"};
        add_settings(entry, policy_class.settings);
    }
    for (const RawAccount& account : directory.accounts) {
        Entry& entry = entries.emplace_back();
        entry.dn = account.dn;
        entry.uuid = "uuid-" + account.dn;
        entry.attributes["objectclass"] = {"inetOrgPerson", "mailPolicyAccount"};
        entry.attributes["mail"] = account.mail;
        if (!account.aliases.empty()) entry.attributes["mailalternateaddress"] = account.aliases;
        entry.attributes["uid"] = account.uids;
        if (account.class_dn) entry.attributes["mailpolicyclassdn"] = {*account.class_dn};
        add_settings(entry, account.settings);
    }
    return entries;
}

DirectoryConfig directory_config() {
    DirectoryConfig config;
    config.alias_attributes = {"mailAlternateAddress"};
    return config;
}

// ASCII letters and the Latin-1 letters of the universe (ö, é, ü) in random case.
std::string Generator::odd_case(std::string text) {
    for (std::size_t i = 0; i < text.size(); ++i) {
        const auto byte = static_cast<unsigned char>(text[i]);
        if (std::isalpha(byte) && byte < 0x80 && chance(50))
            text[i] = static_cast<char>(byte ^ 0x20);
        if (byte == 0xC3 && i + 1 < text.size() && chance(50)) {
            const auto next = static_cast<unsigned char>(text[i + 1]);
            if (next >= 0xA0 && next <= 0xBE && next != 0xB7)
                text[i + 1] = static_cast<char>(next - 0x20);
        }
    }
    return text;
}

std::string Generator::setting_value(const std::vector<std::string>& known,
                                     const std::vector<std::string>& unknown) {
    std::string value = pick(known);
    if (features_.odd_case_values && chance(20)) value = odd_case(value);
    if (features_.unknown_values && chance(8)) value = pick(unknown);
    if (features_.untrimmed_values && chance(10)) value = chance(50) ? value + " " : " " + value;
    return value;
}

std::string Generator::pattern() {
    std::vector<std::string> domains = kOutsideDomains;
    domains.insert(domains.end(), {"d0.test", "a0.test", "d1.test", "d3.test", "b3.test", "m.test",
                                   features_.idn_domains ? kIdnDomain : "b.test"});
    std::string domain = pick(domains);
    if (features_.idn_domains && chance(30)) domain = unicode_spelling(domain);
    const std::string local = pick(std::vector<std::string>{"u0", "u1", "ivy", "carl", "nobody"});
    std::string text;
    switch (random_() % 14) {
        case 0:
            text = "*@" + domain;
            break;
        case 1:
            text = domain;
            break;
        case 2:
            text = "*." + domain;
            break;
        case 3:
            text = "*@*." + domain;
            break;
        case 4:
            text = local + "@" + domain;
            break;
        case 5:
            text = "u?@" + domain;
            break;
        case 6:
            text = "*r*@" + domain;
            break;
        case 7:
            text = local + "@*";
            break;
        case 8:
            text = "*";
            break;
        case 9:
            text = features_.bracket_patterns ? "<" + local + "@" + domain + ">" : "*@" + domain;
            break;
        case 10:
            text = features_.extension_patterns ? local + "+news@" + domain : domain;
            break;
        case 11:
            text = features_.at_domain_patterns ? "@" + domain : domain;
            break;
        case 12:
            text = chance(50) ? local + " x@" + domain : local + "@x@" + domain;
            break;
        default:
            text = features_.idn_wildcard_patterns ? "*@b?cher.test" : local + "@" + domain;
    }
    if (features_.odd_case_values && chance(20)) text = odd_case(text);
    if (features_.untrimmed_values && chance(10)) text += " ";
    return text;
}

RawDirection Generator::direction() {
    RawDirection direction;
    if (chance(15)) direction.enabled = setting_value({"TRUE", "FALSE"}, {"yes", "maybe"});
    if (chance(50)) direction.mode = setting_value(kModes, {"denyAl", "allow", "local"});
    if (chance(35)) {
        direction.exceptions.emplace();
        for (unsigned n = 1 + random_() % 3; n > 0; --n) direction.exceptions->push_back(pattern());
    }
    if (chance(20)) {
        direction.reject_text = "Refused by rule " + std::to_string(random_() % 1000);
        if (features_.untrimmed_reject_texts && chance(20)) *direction.reject_text += "  ";
    }
    return direction;
}

RawSettings Generator::settings(const std::vector<std::string>& /*class_dns*/) {
    RawSettings settings;
    settings.send = direction();
    settings.receive = direction();
    if (chance(20))
        settings.enforcement = setting_value({"enforce", "audit"}, {"warn", "audit-only"});
    return settings;
}

RawAccount Generator::account(std::size_t number, const std::vector<std::string>& class_dns) {
    std::vector<std::string> locals = {"u0", "u1", "u2", "ivy", "carl", "sales-eu"};
    if (features_.non_ascii_local_parts)
        locals.insert(locals.end(), {"j\xC3\xB6rg", "\xC3\xA9lan"});
    const std::vector<std::string> domains = {"d0.test",
                                              "a0.test",
                                              "d1.test",
                                              "d3.test",
                                              "b3.test",
                                              "m.test",
                                              features_.idn_domains ? kIdnDomain : "b.test"};
    auto stored = [&](const std::string& domain) {
        std::string address = pick(locals) + "@" + domain;
        return features_.odd_case_values && chance(20) ? odd_case(address) : address;
    };
    RawAccount account;
    const std::string name = "acc" + std::to_string(number);
    account.dn = "uid=" + name + ",ou=people,dc=test";
    if (features_.odd_case_values && chance(20)) account.dn = odd_case(account.dn);
    const unsigned mail_count = features_.several_mail_values ? 1 + random_() % 3 : 1;
    for (unsigned n = 0; n < mail_count; ++n) account.mail.push_back(stored(pick(domains)));
    // Without outside alias values, aliases stay in the account's own mail domains (an
    // alias in any other domain hosts nothing either).
    std::vector<std::string> own_domains;
    for (const std::string& mail : account.mail) {
        own_domains.push_back(lowercase_ascii(mail.substr(mail.rfind('@') + 1)));
    }
    for (unsigned n = random_() % 3; n > 0; --n) {
        const bool outside = features_.outside_alias_values && chance(40);
        const std::string& domain =
            features_.outside_alias_values ? pick(domains) : pick(own_domains);
        account.aliases.push_back(stored(outside ? "fwd.example" : domain));
    }
    account.uids = {features_.odd_case_values && chance(20) ? odd_case(name) : name};
    if (chance(60)) {
        account.class_dn = pick(class_dns);
        if (features_.odd_case_values && chance(20)) account.class_dn = odd_case(*account.class_dn);
    }
    account.settings = settings(class_dns);
    return account;
}

World Generator::world() {
    World world;
    PolicyConfig& config = world.config;
    config.local_domains = chance(70) ? LocalDomains::Account : LocalDomains::Hosted;
    static constexpr Mode kDefaultModes[] = {Mode::AllowAll, Mode::AllowAll, Mode::LocalOnly,
                                             Mode::LocalAndSubdomains, Mode::DenyAll};
    config.default_send_mode = kDefaultModes[random_() % 5];
    config.default_receive_mode = kDefaultModes[random_() % 5];
    config.enforcement = chance(85) ? Enforcement::Enforce : Enforcement::Audit;
    config.verify_local_senders = chance(85);
    config.null_sender = chance(70) ? NullSender::Allow : NullSender::External;
    config.trusted_networks = {std::get<Network>(Network::parse("127.0.0.0/8"))};

    std::vector<std::vector<std::string>> domain_names = {
        {"d0.test", "a0.test"},
        {"d1.test"},
        {"d3.test", "a3.test", "b3.test"},
        {features_.idn_domains ? (chance(50) ? unicode_spelling(kIdnDomain) : kIdnDomain)
                               : "b.test"}};
    for (std::size_t d = 0; d < domain_names.size(); ++d) {
        if (!chance(75)) continue;
        RawDomain& domain = world.directory.domains.emplace_back();
        domain.dn = "dc=domain" + std::to_string(d) + ",dc=test";
        std::shuffle(domain_names[d].begin(), domain_names[d].end(), random_);
        for (const std::string& name : domain_names[d]) {
            const bool ascii = std::all_of(name.begin(), name.end(), [](char c) {
                return static_cast<unsigned char>(c) < 0x80;
            });
            domain.names.push_back(features_.odd_case_values && ascii && chance(20) ? odd_case(name)
                                                                                    : name);
        }
        domain.settings = settings({});
    }
    std::vector<std::string> class_dns = {"cn=missing,ou=classes,dc=test"};
    for (unsigned c = random_() % 4, n = 0; n < c; ++n) {
        RawClass& policy_class = world.directory.classes.emplace_back();
        policy_class.dn = "cn=class" + std::to_string(n) + ",ou=classes,dc=test";
        policy_class.settings = settings({});
        class_dns.push_back(policy_class.dn);
    }
    for (std::size_t n = 0, count = 1 + random_() % 10; n < count; ++n) {
        world.directory.accounts.push_back(account(n, class_dns));
    }
    return world;
}

// `local@domain` as a sender or recipient might spell it: other case, an extension
// (plain, Postfix-unquoted odd, or very long), quoted, another name of the domain entry,
// the U-label spelling, a trailing dot, angle brackets.
std::string Generator::disguise(const std::string& stored_local, const std::string& stored_domain,
                                const World& world) {
    std::string local = chance(30) ? odd_case(stored_local) : stored_local;
    std::string domain = lowercase_ascii(stored_domain);
    if (features_.domain_alias_mailboxes && chance(25)) {
        for (const RawDomain& entry : world.directory.domains) {
            std::vector<std::string> names;
            for (const std::string& name : entry.names) names.push_back(lowercase_ascii(name));
            if (std::find(names.begin(), names.end(), domain) != names.end()) domain = pick(names);
        }
    }
    if (features_.idn_domains && chance(50)) domain = unicode_spelling(domain);
    if (chance(25)) {
        std::string extension = "+tag";
        if (features_.odd_local_parts && chance(30)) extension = chance(50) ? "+x y" : "+x\"y";
        if (features_.long_extensions && chance(5)) extension = "+" + std::string(1100, 'x');
        local += extension;
    }
    if (features_.quoted_local_parts && chance(10)) {
        std::string quoted = "\"";
        for (char c : local) {
            if (c == '"' || c == '\\') quoted += '\\';
            quoted += c;
        }
        local = quoted + "\"";
    }
    if (chance(5)) domain += ".";
    const bool ascii = std::all_of(domain.begin(), domain.end(),
                                   [](char c) { return static_cast<unsigned char>(c) < 0x80; });
    std::string address = local + "@" + (ascii && chance(10) ? odd_case(domain) : domain);
    return chance(15) ? "<" + address + ">" : address;
}

std::string Generator::account_address(const World& world) {
    const RawAccount& account = pick(world.directory.accounts);
    std::vector<std::string> addresses = account.mail;
    addresses.insert(addresses.end(), account.aliases.begin(), account.aliases.end());
    const std::string& address = pick(addresses);
    const std::size_t at = address.rfind('@');
    return disguise(address.substr(0, at), address.substr(at + 1), world);
}

std::string Generator::address(const World& world) {
    const unsigned kind = random_() % 100;
    last_address_local_ = kind < 60;
    if (kind < 45) return account_address(world);
    if (kind < 60) {
        std::vector<std::string> locals = {"nobody", "u0", "ivy"};
        if (features_.odd_local_parts) locals.insert(locals.end(), {"x y", "x\"y", "\"quoted"});
        // Names that share a domain entry make user@alias the account of user@name.
        std::vector<std::string> domains = {"m.test", "d1.test",
                                            features_.idn_domains ? kIdnDomain : "b.test"};
        if (features_.domain_alias_mailboxes) domains.insert(domains.end(), {"a0.test", "a3.test"});
        return disguise(pick(locals), pick(domains), world);
    }
    if (kind < 92)
        return disguise(pick(std::vector<std::string>{"bob", "u0", "carl", "news"}),
                        pick(kOutsideDomains), world);
    if (kind < 96 || !features_.no_domain_addresses) return "u0@[192.0.2.1]";
    return pick(std::vector<std::string>{"bob", "postmaster", "Postmaster", "ivy"});
}

Request Generator::request(const World& world) {
    Request request;
    request.envelope.sender = chance(6) ? (chance(50) ? "" : "<>") : address(world);
    const bool local_sender =
        last_address_local_ && !request.envelope.sender.empty() && request.envelope.sender != "<>";
    request.recipient = address(world);
    if (chance(25)) {
        const RawAccount& account = pick(world.directory.accounts);
        const unsigned kind = random_() % 3;
        request.envelope.login = kind == 0   ? odd_case(account.uids.front())
                                 : kind == 1 ? pick(account.mail)
                                             : std::string("nobody");
    }
    const unsigned client = random_() % 10;
    if (client < 9)
        request.envelope.client = IpAddress::parse(client < 4 ? "127.0.0.1" : "203.0.113.7");
    const unsigned path = random_() % 20;
    request.envelope.path = path == 0   ? SubmissionPath::Sendmail
                            : path == 1 ? SubmissionPath::Http
                                        : SubmissionPath::Smtp;
    if (local_sender && !features_.unverified_local_senders) {
        request.envelope.client = IpAddress::parse("127.0.0.1");
    }
    return request;
}

}  // namespace mailpolicy::random_directory
