// The replica: raw entries (compact records) by normalized DN and by entryUUID, and the
// claim indexes built from their mapping. A change releases what the old version of the
// entry claimed and claims what the new one does, touching a few shards; publish()
// freezes the indexes into a snapshot sharing every untouched shard with the last one.
#include "ldap/replica.h"

#include <Poco/Logger.h>

#include <unordered_map>

#include "ldap/entry_mapping.h"
#include "ldap/snapshot.h"
#include "ldap/snapshot_record.h"
#include "ldap/snapshot_uuid_index.h"

namespace mailpolicy {

namespace {

struct StoredEntry {
    std::string record;         // encode_record() of the attributes the mapping reads
    std::string normalized_dn;  // empty when the DN in the record is already normalized
    MappedEntry mapped;
};

std::string_view dn_of(const std::string& record) {
    std::string_view dn, uuid;
    record_identity(record, dn, uuid);
    return dn;
}

std::string_view domain_of(std::string_view address) {
    auto at = address.rfind('@');
    return at == std::string_view::npos ? std::string_view() : address.substr(at + 1);
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
    // Key: normalize_dn(dn), viewing the entry's own record (or normalized_dn) rather
    // than a third copy of every DN.
    std::unordered_map<std::string_view, StoredEntry, TransparentHash, std::equal_to<>> by_dn;
    UuidIndex by_uuid;  // values point at keys of by_dn
    AddressClaims addresses;
    LoginClaims logins;
    DomainNameClaims domain_names;
    ClassClaims classes;
    ShardedIndex<std::uint32_t, 256> account_domains;
    std::size_t account_count = 0;
    std::size_t class_count = 0;
    std::size_t domain_count = 0;
    bool pending = false;

    void add(std::string key, const Entry& entry);
    void remove(const std::string& key);
    void claim(const MappedEntry& mapped);
    void release(const MappedEntry& mapped);
    void clear();
};

void Replica::State::add(std::string key, const Entry& entry) {
    StoredEntry stored;
    stored.mapped = mapper.map(entry);
    stored.record = encode_record(entry, [this](std::string_view name, std::string_view value) {
        return mapper.keeps_value(name, value);
    });
    if (dn_of(stored.record) != key) stored.normalized_dn = key;
    claim(stored.mapped);
    // Insert under the temporary key, then re-key the node to view its own storage
    // (nodes never move, so the view stays valid as long as the entry).
    auto node = by_dn.extract(by_dn.emplace(std::string_view(key), std::move(stored)).first);
    const StoredEntry& kept = node.mapped();
    node.key() =
        kept.normalized_dn.empty() ? dn_of(kept.record) : std::string_view(kept.normalized_dn);
    auto position = by_dn.insert(std::move(node)).position;
    if (!entry.uuid.empty()) by_uuid.set(entry.uuid, &position->first);
    pending = true;
}

void Replica::State::remove(const std::string& key) {
    auto found = by_dn.find(key);
    if (found == by_dn.end()) return;
    release(found->second.mapped);
    std::string_view dn, uuid;
    if (record_identity(found->second.record, dn, uuid) && !uuid.empty()) {
        by_uuid.erase(uuid, &found->first);
    }
    by_dn.erase(found);
    pending = true;
}

void Replica::State::claim(const MappedEntry& mapped) {
    if (const auto& account = mapped.account) {
        auto claim_address = [&](std::string_view address) {
            std::string other = addresses.claim(address, account);
            if (!other.empty()) warn_conflict("address", address, other, account->dn());
            account_domains.update(domain_of(address), [](std::uint32_t& count) {
                ++count;
                return true;
            });
        };
        claim_address(account->primary());
        for (std::string_view alias : account->aliases()) claim_address(alias);
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
        auto release_address = [&](std::string_view address) {
            addresses.release(address, account.get());
            account_domains.update(domain_of(address),
                                   [](std::uint32_t& count) { return count > 1 && --count > 0; });
        };
        release_address(account->primary());
        for (std::string_view alias : account->aliases()) release_address(alias);
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
    by_dn.clear();
    by_uuid.clear();
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
    if (!entry.uuid.empty()) {
        const std::string_view* renamed = state.by_uuid.find(entry.uuid);
        if (renamed && *renamed != key) {
            std::string old_key(*renamed);
            state.remove(old_key);
        }
    }
    state.remove(key);
    state.add(std::move(key), entry);
}

void Replica::remove_dn(std::string_view dn) {
    state_->remove(normalize_dn(dn));
}

void Replica::remove_uuid(std::string_view uuid) {
    const std::string_view* found = state_->by_uuid.find(uuid);
    if (!found) return;
    std::string key(*found);
    state_->remove(key);
}

void Replica::retain_only(const std::unordered_set<std::string>& present) {
    std::vector<std::string> gone;
    for (const auto& [key, stored] : state_->by_dn) {
        std::string_view dn, uuid;
        record_identity(stored.record, dn, uuid);
        if (!present.contains(std::string(uuid))) gone.emplace_back(key);
    }
    for (const auto& key : gone) state_->remove(key);
}

void Replica::replace_all(std::vector<Entry> entries) {
    state_->clear();
    state_->by_dn.reserve(entries.size());
    state_->by_uuid.reserve(entries.size());
    for (auto& entry : entries) {
        // Each input entry is freed as soon as it is stored, to bound peak memory.
        Entry consumed = std::move(entry);
        upsert(std::move(consumed));
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
    return state_->by_dn.size();
}

std::vector<Entry> Replica::entries() const {
    std::vector<Entry> result;
    result.reserve(state_->by_dn.size());
    for (const auto& [key, stored] : state_->by_dn) {
        decode_record(stored.record, result.emplace_back());
    }
    return result;
}

void Replica::save_cache(const std::string& path, std::string_view cookie) const {
    write_cache_records(path, cookie, state_->by_dn.size(), [this](const RecordSink& sink) {
        for (const auto& [key, stored] : state_->by_dn) sink(stored.record);
    });
}

}  // namespace mailpolicy
