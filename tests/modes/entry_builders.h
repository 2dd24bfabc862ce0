// Test helpers that build directory entries in one expression, so each test shows only
// the settings its rule is about. Not a test itself (no _test suffix).
#pragma once

#include <gtest/gtest.h>

#include <initializer_list>
#include <string>
#include <string_view>

#include "modes/policy.h"

namespace mailpolicy::testing_support {

inline PatternListPtr patterns(std::initializer_list<std::string_view> texts) {
    auto list = std::make_shared<PatternList>();
    for (std::string_view text : texts) {
        auto compiled = Pattern::compile(text);
        if (auto* reason = std::get_if<std::string>(&compiled)) {
            ADD_FAILURE() << "test pattern " << text << " refused: " << *reason;
            continue;
        }
        list->push_back(std::get<Pattern>(compiled));
    }
    return list;
}

// Sets one direction's settings; each call states only what the test needs.
struct DirectionValues {
    std::optional<bool> enabled;
    std::optional<Mode> mode;
    PatternListPtr exceptions;
    std::optional<std::string> reject_text;

    DirectionSettings build() const { return {enabled, mode, exceptions, reject_text}; }
};

inline AccountFields account(std::string dn, std::string primary, std::vector<std::string> aliases = {},
                       std::vector<std::string> logins = {}) {
    AccountFields entry;
    entry.dn = std::move(dn);
    entry.primary = std::move(primary);
    entry.aliases = std::move(aliases);
    entry.logins = std::move(logins);
    return entry;
}

inline Domain domain(std::string dn, std::vector<std::string> names) {
    Domain entry;
    entry.dn = std::move(dn);
    entry.names = std::move(names);
    return entry;
}

inline PolicyClass policy_class(std::string dn) {
    PolicyClass entry;
    entry.dn = std::move(dn);
    return entry;
}

}  // namespace mailpolicy::testing_support
