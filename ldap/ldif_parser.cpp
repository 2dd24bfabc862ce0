// LDIF parsing in two steps: split the input, a chunk at a time, into logical lines
// (unfolding continuation lines, dropping comments, remembering where each started), then
// read records of "name: value" lines, one record at a time. Untrusted input: lengths are bounded
// and nothing is executed or fetched (`attr:< file:///…` is refused).
#include "ldap/ldif_parser.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <fstream>
#include <sstream>

namespace mailpolicy {

LdifParseError::LdifParseError(std::string file, std::size_t line, const std::string& reason)
    : std::runtime_error(file + ":" + std::to_string(line) + ": " + reason),
      file_(std::move(file)),
      line_(line) {}

namespace {

struct LogicalLine {
    std::string text;  // empty: a record separator
    std::size_t number = 0;
};

constexpr std::size_t read_chunk = 1024 * 1024;

// Yields logical lines one at a time, reading the stream a chunk at a time: only the
// line being read is held, so a file need not fit in memory.
class LineReader {
  public:
    LineReader(std::istream& in, const std::string& file) : in_(in), file_(file) {}

    bool next(LogicalLine& line) {
        std::string_view physical;
        while (take_physical(physical)) {
            if (physical.empty()) {
                line.text.clear();
                line.number = number_;
                return true;
            }
            if (physical.front() == ' ')
                fail(number_, "continuation line without a line to continue");
            bool comment = physical.front() == '#';
            // Copied before peek(): reading more may move the buffer `physical` points into.
            line.text.assign(comment ? std::string_view() : physical);
            line.number = number_;
            while (peek() == ' ') {
                take_physical(physical);
                if (!comment) line.text.append(physical.substr(1));
                if (line.text.size() > max_ldif_line) fail(line.number, "line too long");
            }
            if (!comment) return true;
        }
        return false;
    }

    [[noreturn]] void fail(std::size_t line, const std::string& reason) const {
        throw LdifParseError(file_, line, reason);
    }

  private:
    // The next physical line without its line end, valid until the next read; false at
    // the end of the input.
    bool take_physical(std::string_view& physical) {
        for (;;) {
            std::size_t end = buffer_.find('\n', position_);
            if (end != std::string::npos || at_end_) {
                if (end == std::string::npos) {
                    if (position_ >= buffer_.size()) return false;
                    end = buffer_.size();
                }
                physical = std::string_view(buffer_).substr(position_, end - position_);
                position_ = end + 1;
                ++number_;
                if (!physical.empty() && physical.back() == '\r') physical.remove_suffix(1);
                if (physical.size() > max_ldif_line) fail(number_, "line too long");
                return true;
            }
            if (buffer_.size() - position_ > max_ldif_line + 1) fail(number_ + 1, "line too long");
            fill();
        }
    }

    // The next byte, or -1 at the end of the input.
    int peek() {
        while (position_ >= buffer_.size()) {
            if (at_end_) return -1;
            fill();
        }
        return static_cast<unsigned char>(buffer_[position_]);
    }

    // Drops what was consumed and appends the next chunk of the stream.
    void fill() {
        buffer_.erase(0, std::min(position_, buffer_.size()));
        position_ = 0;
        std::size_t kept = buffer_.size();
        buffer_.resize(kept + read_chunk);
        in_.read(buffer_.data() + kept, static_cast<std::streamsize>(read_chunk));
        buffer_.resize(kept + static_cast<std::size_t>(in_.gcount()));
        if (in_.bad()) fail(number_, "read error");
        if (!in_) at_end_ = true;
    }

    std::istream& in_;
    const std::string& file_;
    std::string buffer_;
    std::size_t position_ = 0;
    std::size_t number_ = 0;
    bool at_end_ = false;
};

int base64_digit(char c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

// Decodes base64 (whitespace-free, '=' padding); false when malformed.
bool decode_base64(std::string_view text, std::string& out) {
    out.clear();
    while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
    if (text.size() % 4 != 0) return false;
    for (std::size_t i = 0; i < text.size(); i += 4) {
        std::array<int, 4> digits{};
        int padding = 0;
        for (std::size_t k = 0; k < 4; ++k) {
            char c = text[i + k];
            bool last_group = i + 4 == text.size();
            if (c == '=' && last_group && k >= 2) {
                ++padding;
                continue;
            }
            if (padding > 0 || (digits[k] = base64_digit(c)) < 0) return false;
        }
        unsigned value = (unsigned(digits[0]) << 18) | (unsigned(digits[1]) << 12) |
                         (unsigned(digits[2]) << 6) | unsigned(digits[3]);
        out.push_back(static_cast<char>(value >> 16));
        if (padding < 2) out.push_back(static_cast<char>((value >> 8) & 0xff));
        if (padding < 1) out.push_back(static_cast<char>(value & 0xff));
    }
    return true;
}

// Attribute description: name or OID, then options; returns the lowercased name.
bool attribute_name(std::string_view description, std::string& name) {
    std::string_view base = description.substr(0, description.find(';'));
    if (base.empty()) return false;
    bool oid = std::isdigit(static_cast<unsigned char>(base.front())) != 0;
    for (char c : base) {
        auto u = static_cast<unsigned char>(c);
        bool ok = oid ? (std::isdigit(u) || c == '.') : (std::isalnum(u) || c == '-');
        if (!ok) return false;
    }
    if (!oid && !std::isalpha(static_cast<unsigned char>(base.front()))) return false;
    name.assign(base);
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return true;
}

struct AttributeValue {
    std::string name;
    std::string value;
};

AttributeValue split_line(const LogicalLine& line, const LineReader& reader) {
    std::size_t colon = line.text.find(':');
    if (colon == std::string::npos) reader.fail(line.number, "expected \"attribute: value\"");
    AttributeValue result;
    if (!attribute_name(std::string_view(line.text).substr(0, colon), result.name)) {
        reader.fail(line.number, "invalid attribute name \"" + line.text.substr(0, colon) + "\"");
    }
    std::string_view rest = std::string_view(line.text).substr(colon + 1);
    char kind = rest.empty() ? ' ' : rest.front();
    if (kind == ':' || kind == '<') rest.remove_prefix(1);
    while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
    if (kind == '<')
        reader.fail(line.number, "URL values (\"" + result.name + ":<\") are not supported");
    if (kind == ':') {
        if (!decode_base64(rest, result.value)) reader.fail(line.number, "invalid base64 value");
    } else {
        result.value.assign(rest);
    }
    return result;
}

// Reads the rest of a record whose first line is `first` (which must be "dn:").
void read_record(LineReader& reader, const LogicalLine& first, Entry& entry) {
    AttributeValue dn = split_line(first, reader);
    if (dn.name != "dn") reader.fail(first.number, "expected \"dn:\" to start a record");
    entry.dn = std::move(dn.value);
    LogicalLine line;
    while (reader.next(line) && !line.text.empty()) {
        AttributeValue attribute = split_line(line, reader);
        if (attribute.name == "changetype") {
            reader.fail(line.number, "change records (changetype) are not supported");
        }
        if (attribute.name == "entryuuid") {
            entry.uuid = std::move(attribute.value);
        } else {
            entry.attributes[attribute.name].push_back(std::move(attribute.value));
        }
    }
}

}  // namespace

struct LdifReader::State {
    State(std::istream& in, std::string file) : file_name(std::move(file)), lines(in, file_name) {}
    std::string file_name;
    LineReader lines;
    LogicalLine line;
    bool first_line = true;
};

LdifReader::LdifReader(std::istream& in, std::string file_name)
    : state_(std::make_unique<State>(in, std::move(file_name))) {}

LdifReader::~LdifReader() = default;

bool LdifReader::next(Entry& entry) {
    State& state = *state_;
    LogicalLine& line = state.line;
    while (state.lines.next(line)) {
        if (line.text.empty()) continue;
        if (state.first_line && line.text.rfind("version:", 0) == 0) {
            std::string_view version = std::string_view(line.text).substr(8);
            while (!version.empty() && version.front() == ' ') version.remove_prefix(1);
            if (version != "1") state.lines.fail(line.number, "unsupported LDIF version");
            state.first_line = false;
            continue;
        }
        state.first_line = false;
        entry = Entry();
        read_record(state.lines, line, entry);
        return true;
    }
    return false;
}

std::vector<Entry> parse_ldif(std::string_view text, const std::string& file_name) {
    std::istringstream in{std::string(text)};
    LdifReader reader(in, file_name);
    std::vector<Entry> entries;
    while (reader.next(entries.emplace_back())) {
    }
    entries.pop_back();
    return entries;
}

std::vector<Entry> parse_ldif_file(const std::string& path) {
    std::vector<Entry> entries;
    read_ldif_file(
        path, [&entries](std::size_t count) { entries.reserve(count); },
        [&entries](Entry entry) { entries.push_back(std::move(entry)); });
    return entries;
}

std::size_t read_ldif_file(const std::string& path,
                           const std::function<void(std::size_t count)>& expect,
                           const std::function<void(Entry entry)>& each) {
    // One open file for both passes: a file replaced by rename meanwhile is still read
    // as it was when the first pass checked it.
    std::ifstream in(path, std::ios::binary);
    if (!in) throw LdifParseError(path, 0, "cannot open file");
    std::size_t count = 0;
    Entry entry;
    {
        LdifReader checker(in, path);
        while (checker.next(entry)) ++count;
    }
    in.clear();
    if (!in.seekg(0)) throw LdifParseError(path, 0, "cannot read the file again");
    expect(count);
    LdifReader reader(in, path);
    auto changed = [&path] {
        return LdifParseError(path, 0, "the file changed while it was read");
    };
    std::size_t handed = 0;
    while (reader.next(entry)) {
        if (++handed > count) throw changed();
        each(std::move(entry));
    }
    if (handed != count) throw changed();
    return count;
}

}  // namespace mailpolicy
