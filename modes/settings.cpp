// resolve_policy: the effective policy of one holder with the source of every setting,
// for `mailpolicy show`, GET /v1/policy and tests; and reply-text sanitizing.
// The engine resolves the same way (inheritance.h) but lazily, without building this.

#include "modes/settings.h"

#include "modes/inheritance.h"
#include "modes/text.h"

namespace mailpolicy {

namespace {

ResolvedDirection resolve_direction(const InheritanceChain& chain, Direction direction,
                                    const PolicyConfig& config) {
    static const PatternListPtr kNoExceptions = std::make_shared<const PatternList>();
    ResolvedDirection resolved;
    const auto enabled = chain.enabled(direction);
    resolved.enabled = {enabled.value, enabled.source.to_source()};
    const auto mode = chain.mode(direction, config);
    resolved.mode = {mode.value, mode.source.to_source()};
    const auto exceptions = chain.exceptions(direction);
    resolved.exceptions.source = exceptions.source.to_source();
    resolved.exceptions.value = exceptions.value ? *exceptions.value : kNoExceptions;
    const auto text = chain.reject_text(direction, config);
    resolved.reject_text = {sanitize_reply_text(text.value), text.source.to_source()};
    return resolved;
}

}  // namespace

std::string Source::describe() const {
    std::string out;
    SourceRef{level, name}.append_description(out);
    return out;
}

EffectivePolicy resolve_policy(const PolicyHolder& holder, const Directory& directory,
                               const PolicyConfig& config) {
    EffectivePolicy policy;
    policy.holder = holder;
    if (!policy.holder.domain && !holder.domain_name.empty()) {
        policy.holder.domain = directory.domain_by_name(holder.domain_name);
    }
    policy.policy_class = InheritanceChain::class_of(holder.account, directory);
    const InheritanceChain chain(holder.account, policy.policy_class, policy.holder.domain);
    policy.send = resolve_direction(chain, Direction::Send, config);
    policy.receive = resolve_direction(chain, Direction::Receive, config);
    const auto enforcement = chain.enforcement(config);
    policy.enforcement = {enforcement.value, enforcement.source.to_source()};
    return policy;
}

std::string sanitize_reply_text(std::string_view text) {
    std::string clean;
    append_sanitized_reply_text(clean, text);
    return clean;
}

void append_sanitized_reply_text(std::string& clean, std::string_view text) {
    // Most texts are plain printable ASCII: copy them as they are.
    unsigned outside_printable = 0;  // branch-free so the compiler can vectorize it
    for (char c : text) outside_printable |= static_cast<unsigned char>(c - ' ') > '~' - ' ';
    if (outside_printable == 0) {
        clean.append(text);
        return;
    }
    clean.reserve(clean.size() + text.size());
    for (std::size_t position = 0; position < text.size();) {
        const std::size_t length = utf8_sequence_length(text, position);
        const std::string_view sequence = text.substr(position, length);
        position += length;
        if (length == 1 && is_control(sequence[0])) {
            clean += ' ';
        } else if (length == 1 && static_cast<unsigned char>(sequence[0]) >= 0x80) {
            clean += '?';  // a byte that is not UTF-8: keep the text valid
        } else if (length == 2 && static_cast<unsigned char>(sequence[0]) == 0xC2 &&
                   static_cast<unsigned char>(sequence[1]) < 0xA0) {
            clean += ' ';  // C1 control characters (U+0080..U+009F)
        } else {
            clean.append(sequence);
        }
    }
}

}  // namespace mailpolicy
