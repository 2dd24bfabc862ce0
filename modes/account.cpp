// Account::make lays an account out in one allocation: the object, then its texts.
// Not for: normalizing addresses or logins (the mapping and MemoryDirectory do that).

#include "modes/account.h"

#include <algorithm>
#include <limits>
#include <new>
#include <stdexcept>

#include "modes/text.h"

namespace mailpolicy {

namespace {

std::uint32_t checked_size(std::size_t size) {
    if (size > std::numeric_limits<std::uint32_t>::max()) {
        throw std::length_error("account entry text longer than 4 GiB");
    }
    return static_cast<std::uint32_t>(size);
}

std::uint32_t list_bytes(const std::vector<std::string>& texts) {
    std::size_t bytes = 0;
    for (const std::string& text : texts) bytes += sizeof(std::uint32_t) + text.size();
    return checked_size(bytes);
}

char* put_text(char* out, std::string_view text) {
    return static_cast<char*>(std::memcpy(out, text.data(), text.size())) + text.size();
}

char* put_list(char* out, const std::vector<std::string>& texts) {
    for (const std::string& text : texts) {
        const std::uint32_t size = checked_size(text.size());
        std::memcpy(out, &size, sizeof size);
        out = put_text(out + sizeof size, text);
    }
    return out;
}

std::uint32_t domain_offset(std::string_view address) {
    const std::size_t at = address.rfind('@');
    return checked_size(at == std::string_view::npos ? address.size() : at + 1);
}

// Case-insensitive order (SPEC §3: the primary is the lowest), bytes breaking ties so
// the order is total.
bool lower_address(const std::string& a, const std::string& b) {
    const int order = icompare_ascii(a, b);
    return order != 0 ? order < 0 : a < b;
}

// `fields` with every mail value in order: the lowest as primary, the rest ascending,
// duplicates dropped.
AccountFields with_lowest_primary(const AccountFields& fields) {
    AccountFields canonical = fields;
    std::vector<std::string>& mail = canonical.other_mail;
    mail.push_back(fields.primary);
    std::sort(mail.begin(), mail.end(), lower_address);
    mail.erase(std::unique(mail.begin(), mail.end()), mail.end());
    canonical.primary = std::move(mail.front());
    mail.erase(mail.begin());
    return canonical;
}

std::string_view domain_of(std::string_view address) {
    const std::size_t at = address.rfind('@');
    return at == std::string_view::npos ? std::string_view() : address.substr(at + 1);
}

}  // namespace

bool TextList::contains(std::string_view text) const {
    for (std::string_view candidate : *this) {
        if (candidate == text) return true;
    }
    return false;
}

std::vector<std::string> TextList::to_vector() const {
    return {begin(), end()};
}

Account::Account(const AccountFields& fields)
    : settings_(fields.settings),
      dn_size_(checked_size(fields.dn.size())),
      primary_size_(checked_size(fields.primary.size())),
      class_dn_size_(checked_size(fields.class_dn ? fields.class_dn->size() : 0)),
      primary_domain_offset_(domain_offset(fields.primary)),
      other_mail_bytes_(list_bytes(fields.other_mail)),
      aliases_bytes_(list_bytes(fields.aliases)),
      logins_bytes_(list_bytes(fields.logins)),
      other_mail_count_(checked_size(fields.other_mail.size())),
      alias_count_(checked_size(fields.aliases.size())),
      login_count_(checked_size(fields.logins.size())),
      has_class_(fields.class_dn.has_value()) {}

Account::Pointer Account::make(const AccountFields& fields) {
    // Nearly every account has one mail value: no copy for those.
    if (fields.other_mail.empty()) return make_canonical(fields);
    return make_canonical(with_lowest_primary(fields));
}

Account::Pointer Account::make_canonical(const AccountFields& fields) {
    // Sizes are checked by the constructor before any text is copied.
    const std::size_t text_bytes =
        fields.dn.size() + fields.primary.size() + (fields.class_dn ? fields.class_dn->size() : 0) +
        list_bytes(fields.other_mail) + list_bytes(fields.aliases) + list_bytes(fields.logins);
    void* memory = ::operator new(sizeof(Account) + text_bytes);
    Account* account = nullptr;
    try {
        account = new (memory) Account(fields);
    } catch (...) {
        ::operator delete(memory);
        throw;
    }
    char* out = put_text(account->text(), fields.primary);
    out = put_text(out, fields.dn);
    if (fields.class_dn) out = put_text(out, *fields.class_dn);
    out = put_list(out, fields.other_mail);
    out = put_list(out, fields.aliases);
    put_list(out, fields.logins);
    return Pointer(account, Deleter{});  // on failure, shared_ptr calls the deleter
}

void Account::Deleter::operator()(const Account* account) const {
    account->~Account();
    ::operator delete(const_cast<Account*>(account));
}

TextList Account::other_mail() const {
    return {other_mail_begin(), other_mail_begin() + other_mail_bytes_, other_mail_count_};
}

bool Account::has_mail_domain(std::string_view domain) const {
    if (primary_domain() == domain) return true;
    for (std::string_view address : other_mail()) {
        if (domain_of(address) == domain) return true;
    }
    return false;
}

TextList Account::aliases() const {
    return {aliases_begin(), aliases_begin() + aliases_bytes_, alias_count_};
}

TextList Account::logins() const {
    return {logins_begin(), logins_begin() + logins_bytes_, login_count_};
}

std::optional<std::string_view> Account::class_dn() const {
    if (!has_class_) return std::nullopt;
    return std::string_view(class_dn_begin(), class_dn_size_);
}

AccountFields Account::fields() const {
    AccountFields fields;
    fields.dn = dn();
    fields.primary = primary();
    fields.other_mail = other_mail().to_vector();
    fields.aliases = aliases().to_vector();
    fields.logins = logins().to_vector();
    if (auto name = class_dn()) fields.class_dn = std::string(*name);
    fields.settings = settings_;
    return fields;
}

}  // namespace mailpolicy
