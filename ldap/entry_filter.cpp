// A recursive-descent parser for RFC 4515 filter strings into a small tree, and its
// evaluation. Values are unescaped (\XX) and lowercased once at parse time so matching
// is a plain comparison. Extensible matches (":=") are refused rather than misjudged.
#include "ldap/entry_filter.h"

#include <algorithm>
#include <cctype>
#include <stdexcept>
#include <vector>

namespace mailpolicy {

struct EntryFilter::Node {
    enum class Kind { And, Or, Not, Equal, Present, Substring, GreaterOrEqual, LessOrEqual };
    Kind kind = Kind::Present;
    std::string attribute;            // lowercase, without options
    std::string value;                // lowercase, for Equal and the comparisons
    std::vector<std::string> pieces;  // Substring: initial, any..., final (lowercase)
    bool anchored_start = false;      // Substring: pieces.front() is the initial part
    bool anchored_end = false;        // Substring: pieces.back() is the final part
    std::vector<Node> children;
};

namespace {

using Node = EntryFilter::Node;
constexpr std::size_t max_depth = 64;

std::string lower(std::string_view text) {
    std::string result(text);
    for (char& c : result) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return result;
}

class Parser {
  public:
    explicit Parser(std::string_view text) : text_(text) {}

    Node parse_all(std::vector<std::string>& attributes) {
        attributes_ = &attributes;
        Node root = filter(0);
        if (position_ != text_.size()) fail("unexpected text after the filter");
        return root;
    }

  private:
    [[noreturn]] void fail(const std::string& reason) const {
        throw std::invalid_argument("invalid LDAP filter \"" + std::string(text_) +
                                    "\": " + reason + " at position " + std::to_string(position_));
    }

    void expect(char c) {
        if (position_ >= text_.size() || text_[position_] != c) {
            fail(std::string("expected '") + c + "'");
        }
        ++position_;
    }

    Node filter(std::size_t depth) {
        if (depth > max_depth) fail("nested too deeply");
        expect('(');
        Node node;
        char c = position_ < text_.size() ? text_[position_] : '\0';
        if (c == '&' || c == '|') {
            ++position_;
            node.kind = c == '&' ? Node::Kind::And : Node::Kind::Or;
            while (position_ < text_.size() && text_[position_] == '(') {
                node.children.push_back(filter(depth + 1));
            }
        } else if (c == '!') {
            ++position_;
            node.kind = Node::Kind::Not;
            node.children.push_back(filter(depth + 1));
        } else {
            node = item();
        }
        expect(')');
        return node;
    }

    Node item() {
        std::size_t start = position_;
        while (position_ < text_.size() &&
               std::string_view("=~<>:()").find(text_[position_]) == std::string_view::npos) {
            ++position_;
        }
        std::string_view description = text_.substr(start, position_ - start);
        std::string_view name = description.substr(0, description.find(';'));
        if (name.empty()) fail("missing attribute name");
        if (position_ >= text_.size()) fail("missing '='");
        Node node;
        node.attribute = lower(name);
        attributes_->push_back(node.attribute);
        char c = text_[position_];
        if (c == ':') fail("extensible matches are not supported");
        if (c == '~' || c == '<' || c == '>') {
            ++position_;
            node.kind = c == '>'   ? Node::Kind::GreaterOrEqual
                        : c == '<' ? Node::Kind::LessOrEqual
                                   : Node::Kind::Equal;
            expect('=');
            node.value = lower(value_until(")"));
            return node;
        }
        expect('=');
        return equality_or_substring(std::move(node));
    }

    Node equality_or_substring(Node node) {
        std::vector<std::string> pieces;
        pieces.push_back(value_until("*)"));
        while (position_ < text_.size() && text_[position_] == '*') {
            ++position_;
            pieces.push_back(value_until("*)"));
        }
        if (pieces.size() == 1) {
            node.kind = Node::Kind::Equal;
            node.value = lower(pieces.front());
        } else if (pieces.size() == 2 && pieces[0].empty() && pieces[1].empty()) {
            node.kind = Node::Kind::Present;
        } else {
            node.kind = Node::Kind::Substring;
            node.anchored_start = !pieces.front().empty();
            node.anchored_end = !pieces.back().empty();
            for (const auto& piece : pieces) {
                if (!piece.empty()) node.pieces.push_back(lower(piece));
            }
        }
        return node;
    }

    // An assertion value up to one of `stops`, with \XX escapes decoded.
    std::string value_until(std::string_view stops) {
        std::string value;
        while (position_ < text_.size() && stops.find(text_[position_]) == std::string_view::npos) {
            char c = text_[position_++];
            if (c == '(') fail("unescaped '('");
            if (c != '\\') {
                value.push_back(c);
                continue;
            }
            if (position_ + 2 > text_.size()) fail("truncated escape");
            int high = hex(text_[position_]);
            int low = hex(text_[position_ + 1]);
            if (high < 0 || low < 0) fail("invalid escape");
            value.push_back(static_cast<char>(high * 16 + low));
            position_ += 2;
        }
        return value;
    }

    static int hex(char c) {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    }

    std::string_view text_;
    std::size_t position_ = 0;
    std::vector<std::string>* attributes_ = nullptr;
};

bool equal_lower(std::string_view value, std::string_view lowered) {
    return value.size() == lowered.size() &&
           std::equal(value.begin(), value.end(), lowered.begin(), [](char a, char b) {
               return std::tolower(static_cast<unsigned char>(a)) == b;
           });
}

bool substring_matches(const Node& node, const std::string& value) {
    std::string text = lower(value);
    std::size_t begin = 0;
    std::size_t end = text.size();
    std::size_t first = 0;
    std::size_t count = node.pieces.size();
    if (node.anchored_start) {
        const std::string& initial = node.pieces.front();
        if (text.compare(0, initial.size(), initial) != 0) return false;
        begin = initial.size();
        first = 1;
    }
    if (node.anchored_end) {
        const std::string& final_piece = node.pieces.back();
        if (end - begin < final_piece.size() ||
            text.compare(end - final_piece.size(), final_piece.size(), final_piece) != 0) {
            return false;
        }
        end -= final_piece.size();
        --count;
    }
    for (std::size_t i = first; i < count; ++i) {
        std::size_t found = text.find(node.pieces[i], begin);
        if (found == std::string::npos || found + node.pieces[i].size() > end) return false;
        begin = found + node.pieces[i].size();
    }
    return true;
}

bool evaluate(const Node& node, const Entry& entry) {
    switch (node.kind) {
        case Node::Kind::And:
            return std::all_of(node.children.begin(), node.children.end(),
                               [&](const Node& child) { return evaluate(child, entry); });
        case Node::Kind::Or:
            return std::any_of(node.children.begin(), node.children.end(),
                               [&](const Node& child) { return evaluate(child, entry); });
        case Node::Kind::Not:
            return !evaluate(node.children.front(), entry);
        default:
            break;
    }
    const auto& values = entry.values(node.attribute);
    return std::any_of(values.begin(), values.end(), [&](const std::string& value) {
        switch (node.kind) {
            case Node::Kind::Present:
                return true;
            case Node::Kind::Equal:
                return equal_lower(value, node.value);
            case Node::Kind::Substring:
                return substring_matches(node, value);
            case Node::Kind::GreaterOrEqual:
                return lower(value) >= node.value;
            case Node::Kind::LessOrEqual:
                return lower(value) <= node.value;
            default:
                return false;
        }
    });
}

}  // namespace

EntryFilter EntryFilter::parse(std::string_view text) {
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) {
        text.remove_prefix(1);
    }
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) {
        text.remove_suffix(1);
    }
    EntryFilter filter;
    filter.text_ = std::string(text);
    // RFC 4515 requires parentheses; "mail=*" as in many configs is accepted as "(mail=*)".
    std::string wrapped =
        !text.empty() && text.front() != '(' ? "(" + filter.text_ + ")" : filter.text_;
    filter.root_ = std::make_shared<const Node>(Parser(wrapped).parse_all(filter.attributes_));
    std::sort(filter.attributes_.begin(), filter.attributes_.end());
    filter.attributes_.erase(std::unique(filter.attributes_.begin(), filter.attributes_.end()),
                             filter.attributes_.end());
    return filter;
}

bool EntryFilter::matches(const Entry& entry) const {
    return root_ && evaluate(*root_, entry);
}

}  // namespace mailpolicy
