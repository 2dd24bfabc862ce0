// Account entries (SPEC §3) as directories hold them: immutable, each in one block of
// memory with its texts right after its settings, so a lookup that finds an account
// reads one contiguous run of cache lines and a million accounts stay small.
// Built from AccountFields, the editable form the directory mapping and tests fill in.
#pragma once

#include <cstdint>
#include <cstring>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "modes/policy.h"

namespace mailpolicy {

// An account entry to build. Addresses are normalized (Address::text()); logins lowercase.
// Every value of `mail` is an address of the account (SPEC §2): Account::make keeps the
// lowest of `primary` and `other_mail` (compared case-insensitively) as the primary.
struct AccountFields {
    std::string dn;
    std::string primary;                  // normalized value of mail
    std::vector<std::string> other_mail;  // the other normalized values of mail
    std::vector<std::string> aliases;     // normalized alias addresses (alias-attributes)
    std::vector<std::string> logins;      // login-attribute values
    std::optional<std::string> class_dn;
    PolicySettings settings;
};

// A read-only sequence of texts stored back to back, each after its 4-byte length.
class TextList {
  public:
    class Iterator {
      public:
        using iterator_category = std::forward_iterator_tag;
        using value_type = std::string_view;
        using difference_type = std::ptrdiff_t;
        using pointer = const std::string_view*;
        using reference = std::string_view;

        Iterator() = default;
        explicit Iterator(const char* position) : position_(position) {}
        std::string_view operator*() const { return {position_ + sizeof(std::uint32_t), size()}; }
        Iterator& operator++() {
            position_ += sizeof(std::uint32_t) + size();
            return *this;
        }
        Iterator operator++(int) {
            Iterator before = *this;
            ++*this;
            return before;
        }
        bool operator==(const Iterator&) const = default;

      private:
        std::uint32_t size() const {
            std::uint32_t length;
            std::memcpy(&length, position_, sizeof length);
            return length;
        }
        const char* position_ = nullptr;
    };

    TextList(const char* begin, const char* end, std::size_t count)
        : begin_(begin), end_(end), count_(count) {}
    Iterator begin() const { return Iterator(begin_); }
    Iterator end() const { return Iterator(end_); }
    std::size_t size() const { return count_; }
    bool empty() const { return count_ == 0; }
    bool contains(std::string_view text) const;
    std::vector<std::string> to_vector() const;

  private:
    const char* begin_;
    const char* end_;
    std::size_t count_;
};

class Account {
  public:
    using Pointer = std::shared_ptr<const Account>;
    // Throws std::length_error when a text is longer than 4 GiB (never in a directory).
    static Pointer make(const AccountFields& fields);

    Account(const Account&) = delete;
    Account& operator=(const Account&) = delete;

    std::string_view dn() const { return {text() + primary_size_, dn_size_}; }
    std::string_view primary() const { return {text(), primary_size_}; }
    // The domain of the primary address ("" if it has no '@').
    std::string_view primary_domain() const { return primary().substr(primary_domain_offset_); }
    // The values of mail other than the primary, ascending; their domains are the
    // account's local domains too (aliases' domains are not).
    TextList other_mail() const;
    TextList aliases() const;
    // True if `address` is one of the account's addresses: mail values or aliases.
    bool has_address(std::string_view address) const {
        return primary() == address || other_mail().contains(address) ||
               aliases().contains(address);
    }
    // True if `domain` is the domain of one of the account's mail values.
    bool has_mail_domain(std::string_view domain) const;
    TextList logins() const;
    // The DN of the class entry the account names, if it names one.
    std::optional<std::string_view> class_dn() const;
    const PolicySettings& settings() const { return settings_; }

    // The editable form again, e.g. to change one value and build a new account.
    AccountFields fields() const;

  private:
    explicit Account(const AccountFields& fields);
    // make() for fields whose primary is already the lowest mail value.
    static Pointer make_canonical(const AccountFields& fields);
    struct Deleter {
        void operator()(const Account* account) const;
    };

    // The texts follow the object in the same allocation, in this order: primary (read
    // by every lookup, so next to the settings), dn, class DN, other mail values,
    // aliases, logins (the lists with a length before each text).
    const char* text() const { return reinterpret_cast<const char*>(this + 1); }
    char* text() { return reinterpret_cast<char*>(this + 1); }
    std::size_t text_size() const {
        return std::size_t{dn_size_} + primary_size_ + class_dn_size_ + other_mail_bytes_ +
               aliases_bytes_ + logins_bytes_;
    }
    const char* class_dn_begin() const { return text() + primary_size_ + dn_size_; }
    const char* other_mail_begin() const { return class_dn_begin() + class_dn_size_; }
    const char* aliases_begin() const { return other_mail_begin() + other_mail_bytes_; }
    const char* logins_begin() const { return aliases_begin() + aliases_bytes_; }

    PolicySettings settings_;
    std::uint32_t dn_size_ = 0, primary_size_ = 0, class_dn_size_ = 0;
    std::uint32_t primary_domain_offset_ = 0;  // after the last '@' (the end if none)
    std::uint32_t other_mail_bytes_ = 0, aliases_bytes_ = 0, logins_bytes_ = 0;
    std::uint32_t other_mail_count_ = 0, alias_count_ = 0, login_count_ = 0;
    bool has_class_ = false;
};

// The DN of any directory entry, for code that handles all three kinds alike.
inline std::string_view dn_of(const Account& account) {
    return account.dn();
}
inline std::string_view dn_of(const PolicyClass& policy_class) {
    return policy_class.dn;
}
inline std::string_view dn_of(const Domain& domain) {
    return domain.dn;
}

}  // namespace mailpolicy
