// The entries a policy holder inherits from, nearest first (account, its class, its
// domain entry), and the first-found rule of SPEC §2 over them plus the configured and
// built-in defaults. Shared by resolve_policy and the engine; allocates nothing.
#pragma once

#include <array>
#include <string>
#include <string_view>

#include "modes/directory.h"
#include "modes/settings.h"

namespace mailpolicy {

// Where a value came from, without owning the name (it points into the directory).
struct SourceRef {
    Source::Level level = Source::Level::BuiltIn;
    std::string_view name;

    Source to_source() const { return Source{level, std::string(name)}; }
    void append_description(std::string& out) const;
};

template <typename T>
struct Found {
    T value{};
    SourceRef source;
};

class InheritanceChain {
  public:
    InheritanceChain(const Account* account, const PolicyClass* policy_class, const Domain* domain);

    // The class entry named by the account, if the directory has it.
    static const PolicyClass* class_of(const Account* account, const Directory& directory);

    Found<bool> enabled(Direction direction) const;
    Found<Mode> mode(Direction direction, const PolicyConfig& config) const;
    // The list of the first level that has one (the entry's own pointer, so it can be
    // shared); `value` is null when no level has one.
    Found<const PatternListPtr*> exceptions(Direction direction) const;
    // Not yet sanitized: callers pass it through sanitize_reply_text.
    Found<std::string_view> reject_text(Direction direction, const PolicyConfig& config) const;
    Found<Enforcement> enforcement(const PolicyConfig& config) const;

  private:
    struct Level {
        SourceRef source;
        const PolicySettings* settings = nullptr;
    };
    template <typename Has>
    const Level* first(Has has) const {
        for (std::size_t i = 0; i < count_; ++i) {
            if (has(*levels_[i].settings)) return &levels_[i];
        }
        return nullptr;
    }

    std::array<Level, 3> levels_;
    std::size_t count_ = 0;
};

}  // namespace mailpolicy
