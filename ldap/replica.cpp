// The replica: raw entries (StoredEntries, by normalized DN and by entryUUID) and the
// claim indexes built from their mapping. A change releases what the old version of the
// entry claimed and claims what the new one does, touching a few shards; publish()
// freezes the indexes into a snapshot sharing every untouched shard with the last one.
#include "ldap/replica.h"

#include <Poco/Logger.h>

#include <algorithm>
#include <vector>

#include "ldap/entry_mapping.h"
#include "ldap/snapshot.h"
#include "ldap/snapshot_entries.h"
#include "ldap/snapshot_record.h"

namespace mailpolicy {

namespace {

std::string_view domain_of(std::string_view address) {
    auto at = address.rfind('@');
    return at == std::string_view::npos ? std::string_view() : address.substr(at + 1);
}

// Every address of the account once: its mail values, then its aliases.
template <typename Visit>
void for_each_address(const Account& account, Visit visit) {
    visit(account.primary());
    for (std::string_view mail : account.other_mail()) visit(mail);
    for (std::string_view alias : account.aliases()) visit(alias);
}

// Each distinct domain of the account's mail values once (claims count accounts per
// domain, so one account with two values in a domain counts once).
template <typename Visit>
void for_each_mail_domain(const Account& account, Visit visit) {
    visit(domain_of(account.primary()));
    if (account.other_mail().empty()) return;
    std::vector<std::string_view> seen{domain_of(account.primary())};
    for (std::string_view mail : account.other_mail()) {
        const std::string_view domain = domain_of(mail);
        if (std::find(seen.begin(), seen.end(), domain) != seen.end()) continue;
        seen.push_back(domain);
        visit(domain);
    }
}

void warn_conflict(std::string_view what, std::string_view key, std::string_view kept_or_other,
                   std::string_view dn) {
    Poco::Logger::get("mailpolicyd.ldap")
        .warning("%s %s is claimed by \"%s\" and \"%s\"; the lowest DN keeps it", std::string(what),
                 std::string(key), std::string(kept_or_other), std::string(dn));
}

}  // namespace

struct Replica::State {
    State(const DirectoryConfig& config, SnapshotHolder& target) : mapper(config), holder(target) {}

    EntryMapper mapper;
    SnapshotHolder& holder;
    StoredEntries entries;  // by normalize_dn(dn) and by entryUUID
    AddressClaims addresses;
    LoginClaims logins;
    DomainNameClaims domain_names;
    ClassClaims classes;
    ShardedIndex<std::uint32_t, 256> account_domains;
    std::size_t account_count = 0;
    std::size_t class_count = 0;
    std::size_t domain_count = 0;
    bool pending = false;

    void add(std::string_view key, const Entry& entry);
    void remove(const StoredEntry& stored);
    void claim(const MappedEntry& mapped);
    void release(const MappedEntry& mapped);
    void clear();
};

void Replica::State::add(std::string_view key, const Entry& entry) {
    MappedEntry mapped = mapper.map(entry);
    entries.add(key, entry, mapped, [this](std::string_view name, std::string_view value) {
        return mapper.keeps_value(name, value);
    });
    claim(mapped);
    pending = true;
}

void Replica::State::remove(const StoredEntry& stored) {
    release(stored.mapped());
    entries.remove(stored);
    pending = true;
}

void Replica::State::claim(const MappedEntry& mapped) {
    if (const auto& account = mapped.account) {
        auto claim_address = [&](std::string_view address) {
            std::string other = addresses.claim(address, account);
            if (!other.empty()) warn_conflict("address", address, other, account->dn());
        };
        for_each_address(*account, claim_address);
        // Only mail values make their domain hosted; an alias makes only itself local.
        for_each_mail_domain(*account, [&](std::string_view domain) {
            account_domains.update(domain, [](std::uint32_t& count) {
                ++count;
                return true;
            });
        });
        for (std::string_view login : account->logins()) {
            std::string other = logins.claim(login, account);
            if (!other.empty()) warn_conflict("login", login, other, account->dn());
        }
        ++account_count;
    }
    if (const auto& policy_class = mapped.policy_class) {
        classes.claim(normalize_dn(policy_class->dn), policy_class);
        ++class_count;
    }
    if (const auto& domain = mapped.domain) {
        for (const auto& name : domain->names) {
            std::string other = domain_names.claim(name, domain);
            if (!other.empty()) warn_conflict("domain name", name, other, domain->dn);
        }
        ++domain_count;
    }
}

void Replica::State::release(const MappedEntry& mapped) {
    if (const auto& account = mapped.account) {
        for_each_address(
            *account, [&](std::string_view address) { addresses.release(address, account.get()); });
        for_each_mail_domain(*account, [&](std::string_view domain) {
            account_domains.update(domain,
                                   [](std::uint32_t& count) { return count > 1 && --count > 0; });
        });
        for (std::string_view login : account->logins()) logins.release(login, account.get());
        --account_count;
    }
    if (const auto& policy_class = mapped.policy_class) {
        classes.release(normalize_dn(policy_class->dn), policy_class.get());
        --class_count;
    }
    if (const auto& domain = mapped.domain) {
        for (const auto& name : domain->names) domain_names.release(name, domain.get());
        --domain_count;
    }
}

void Replica::State::clear() {
    entries.clear();
    addresses.clear();
    logins.clear();
    domain_names.clear();
    classes.clear();
    account_domains.clear();
    account_count = class_count = domain_count = 0;
    pending = true;
}

Replica::Replica(const DirectoryConfig& config, SnapshotHolder& holder)
    : state_(std::make_unique<State>(config, holder)) {}

Replica::~Replica() = default;

void Replica::upsert(Entry entry) {
    State& state = *state_;
    std::string key = normalize_dn(entry.dn);
    if (const StoredEntry* renamed = state.entries.find_uuid(entry.uuid)) {
        if (renamed->key() != key) state.remove(*renamed);
    }
    if (const StoredEntry* existing = state.entries.find_dn(key)) state.remove(*existing);
    state.add(key, entry);
}

void Replica::remove_dn(std::string_view dn) {
    if (const StoredEntry* found = state_->entries.find_dn(normalize_dn(dn)))
        state_->remove(*found);
}

void Replica::remove_uuid(std::string_view uuid) {
    if (const StoredEntry* found = state_->entries.find_uuid(uuid)) state_->remove(*found);
}

void Replica::retain_only(const std::unordered_set<std::string>& present) {
    std::vector<const StoredEntry*> gone;
    state_->entries.for_each([&](const StoredEntry& stored) {
        if (!present.contains(stored.uuid())) gone.push_back(&stored);
    });
    for (const StoredEntry* stored : gone) state_->remove(*stored);
}

void Replica::replace_all(std::vector<Entry> entries) {
    begin_reload(entries.size());
    // Each input entry is freed as soon as it is applied, to bound peak memory.
    for (auto& entry : entries) reload(std::move(entry));
    finish_reload();
    state_->pending = true;
}

// An entry that comes back unchanged keeps its stored form and mapping: the next snapshot
// shares it, and its shards, with the last one, and memory never holds a second mapping
// of the whole directory. Only what changed is mapped again. The mark says "seen".
void Replica::begin_reload(std::size_t expected_count) {
    StoredEntries& stored = state_->entries;
    stored.for_each([](const StoredEntry& entry) { StoredEntries::mark(entry, false); });
    stored.reserve(expected_count);
}

void Replica::reload(Entry entry) {
    State& state = *state_;
    StoredEntries& stored = state.entries;
    auto keep = [&state](std::string_view name, std::string_view value) {
        return state.mapper.keeps_value(name, value);
    };
    std::string key = normalize_dn(entry.dn);
    const StoredEntry* existing = stored.find_dn(key);
    if (!existing || !stored.same_content(*existing, entry, keep)) {
        upsert(std::move(entry));
        existing = stored.find_dn(key);
    }
    StoredEntries::mark(*existing, true);
}

void Replica::finish_reload() {
    std::vector<const StoredEntry*> gone;
    state_->entries.for_each([&](const StoredEntry& entry) {
        if (!StoredEntries::marked(entry)) gone.push_back(&entry);
    });
    for (const StoredEntry* entry : gone) state_->remove(*entry);
}

std::string Replica::load_cache(const std::string& path) {
    bool replacing = false;
    try {
        return read_cache_entries(
            path,
            [this, &replacing](std::size_t count) {
                replacing = true;
                state_->clear();
                state_->entries.reserve(count);
            },
            [this](Entry entry) { upsert(std::move(entry)); });
    } catch (...) {
        if (replacing) state_->clear();
        throw;
    }
}

bool Replica::has_pending() const {
    return state_->pending;
}

void Replica::publish() {
    State& state = *state_;
    SnapshotIndexes indexes{
        state.addresses.winners(), state.logins.winners(), state.domain_names.winners(),
        state.classes.winners(),   state.account_domains,  state.account_count,
        state.class_count,         state.domain_count,     state.addresses.contested()};
    state.addresses.freeze();
    state.logins.freeze();
    state.domain_names.freeze();
    state.classes.freeze();
    state.account_domains.freeze();
    state.holder.publish(std::make_shared<const ReplicaSnapshot>(std::move(indexes),
                                                                 std::chrono::system_clock::now()));
    state.pending = false;
}

std::size_t Replica::entry_count() const {
    return state_->entries.size();
}

std::vector<Entry> Replica::entries() const {
    std::vector<Entry> result;
    result.reserve(state_->entries.size());
    state_->entries.for_each(
        [&](const StoredEntry& stored) { state_->entries.decode(stored, result.emplace_back()); });
    return result;
}

void Replica::save_cache(const std::string& path, std::string_view cookie) const {
    const StoredEntries& entries = state_->entries;
    write_cache_records(path, cookie, entries.size(), [&](const RecordSink& sink) {
        std::string record;
        entries.for_each([&](const StoredEntry& stored) {
            record.clear();
            entries.append_record(stored, record);
            sink(record);
        });
    });
}

}  // namespace mailpolicy
