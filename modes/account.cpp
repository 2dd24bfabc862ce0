// Account::make lays an account out in one allocation: the object, then its texts.
// Not for: normalizing addresses or logins (the mapping and MemoryDirectory do that).

#include "modes/account.h"

#include <limits>
#include <new>
#include <stdexcept>

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
      aliases_bytes_(list_bytes(fields.aliases)),
      logins_bytes_(list_bytes(fields.logins)),
      alias_count_(checked_size(fields.aliases.size())),
      login_count_(checked_size(fields.logins.size())),
      has_class_(fields.class_dn.has_value()) {}

Account::Pointer Account::make(const AccountFields& fields) {
    // Sizes are checked by the constructor before any text is copied.
    const std::size_t text_bytes = fields.dn.size() + fields.primary.size() +
                                   (fields.class_dn ? fields.class_dn->size() : 0) +
                                   list_bytes(fields.aliases) + list_bytes(fields.logins);
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
    out = put_list(out, fields.aliases);
    put_list(out, fields.logins);
    return Pointer(account, Deleter{});  // on failure, shared_ptr calls the deleter
}

void Account::Deleter::operator()(const Account* account) const {
    account->~Account();
    ::operator delete(const_cast<Account*>(account));
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
    fields.aliases = aliases().to_vector();
    fields.logins = logins().to_vector();
    if (auto name = class_dn()) fields.class_dn = std::string(*name);
    fields.settings = settings_;
    return fields;
}

}  // namespace mailpolicy
